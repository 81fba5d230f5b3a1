//! The boarding pass handle and its claim ticket.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use boardingpass::{
    BoardingPass, CancellationToken, ClaimOutcome, ClaimStatus, ClaimTicket, ClaimWaitOptions, DeployOptions, Deployment,
    Error, Evidence, Secret, TeardownReport, VerifyOptions,
};

use crate::inflight::InFlight;
use crate::progress::{self, ProgressListener};
use crate::set;
use crate::watch::ClaimWatch;
use crate::worker::Worker;

#[derive(uniffi::Object)]
pub struct Pass {
    pub(crate) inner: BoardingPass,
}

impl Pass {
    pub(crate) fn new(inner: BoardingPass) -> Self {
        Self { inner }
    }
}

/// The header a verification expects: present, its value containing `value`.
#[derive(uniffi::Record)]
pub struct HeaderExpectation {
    pub name: String,
    pub value: String,
}

fn wait_options(
    timeout: Option<Duration>,
    poll_interval: Option<Duration>,
    long_poll: Option<Duration>,
    expiry_grace: Option<Duration>,
) -> ClaimWaitOptions {
    let mut options = ClaimWaitOptions::default();
    set(&mut options.timeout, timeout);
    set(&mut options.poll_interval, poll_interval);
    set(&mut options.long_poll, long_poll);
    set(&mut options.expiry_grace, expiry_grace);
    options
}

#[uniffi::export(async_runtime = "tokio")]
impl Pass {
    pub fn account_id(&self) -> String {
        self.inner.account_id().to_owned()
    }
    /// Two-word display name, e.g. "Waiting Salmonberry".
    pub fn account_name(&self) -> String {
        self.inner.account_name().to_owned()
    }
    pub fn account_type(&self) -> Option<String> {
        self.inner.account_type().map(str::to_owned)
    }
    /// The server's id of the API token (not a secret).
    pub fn token_id(&self) -> Option<String> {
        self.inner.token_id().map(str::to_owned)
    }
    /// The named person the claim link is for.
    pub fn owner(&self) -> Option<String> {
        self.inner.owner().map(str::to_owned)
    }
    /// When this process received the pass.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.inner.created_at()
    }
    /// How long the pass stays usable (zero once expired).
    pub fn time_left(&self) -> Duration {
        self.inner.time_left()
    }
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.inner.expires_at()
    }
    pub fn claim_expires_at(&self) -> DateTime<Utc> {
        self.inner.claim_expires_at()
    }
    pub fn is_expired(&self) -> bool {
        self.inner.is_expired()
    }
    pub fn is_revoked(&self) -> bool {
        self.inner.is_revoked()
    }
    /// The account's API token: a bearer credential for the whole account.
    pub fn api_token(&self) -> Arc<Secret> {
        Arc::new(Secret::new(self.inner.expose_api_token()))
    }
    /// The claim link: whoever completes it owns the account.
    pub fn claim_url(&self) -> Arc<Secret> {
        Arc::new(Secret::new(self.inner.expose_claim_url()))
    }
    pub fn token_fingerprint(&self) -> String {
        self.inner.token_fingerprint()
    }
    pub fn claim_fingerprint(&self) -> String {
        self.inner.claim_fingerprint()
    }
    /// Every deploy made with this pass, oldest first.
    pub fn deployments(&self) -> Vec<Deployment> {
        self.inner.deployments()
    }
    /// Every verification made with this pass, oldest first.
    pub fn evidence(&self) -> Vec<Evidence> {
        self.inner.evidence()
    }
    /// Workers deployed with this pass and not deleted since.
    pub fn live_workers(&self) -> Vec<String> {
        self.inner.live_workers()
    }

    #[uniffi::method(default(message = None, max_script_size = None, progress = None))]
    pub async fn deploy(
        &self,
        worker: Arc<Worker>,
        message: Option<String>,
        max_script_size: Option<u64>,
        progress: Option<Arc<dyn ProgressListener>>,
    ) -> Result<Deployment, Error> {
        let _op = InFlight::enter();
        let mut options = DeployOptions::default();
        options.message = message;
        set(&mut options.max_script_size, max_script_size);
        options.progress = progress::to_core(progress);
        self.inner.deploy(&worker.inner, options).await
    }

    /// Requests the deployment's URL, as this pass recorded it, until it
    /// answers as expected; the evidence feeds the ticket. `interval` is the
    /// first delay between attempts, doubling up to `max_interval`.
    #[uniffi::method(default(
        path = None, timeout = None, expect_status = None, expect_body_contains = None, expect_header = None,
        interval = None, max_interval = None, progress = None
    ))]
    #[allow(clippy::too_many_arguments)]
    pub async fn verify(
        &self,
        deployment: Deployment,
        path: Option<String>,
        timeout: Option<Duration>,
        expect_status: Option<u16>,
        expect_body_contains: Option<String>,
        expect_header: Option<HeaderExpectation>,
        interval: Option<Duration>,
        max_interval: Option<Duration>,
        progress: Option<Arc<dyn ProgressListener>>,
    ) -> Result<Evidence, Error> {
        let _op = InFlight::enter();
        let mut options = VerifyOptions::default();
        set(&mut options.path, path);
        set(&mut options.timeout, timeout);
        set(&mut options.interval, interval);
        set(&mut options.max_interval, max_interval);
        options.expect_status = expect_status;
        options.expect_body_contains = expect_body_contains;
        options.expect_header = expect_header.map(|h| (h.name, h.value));
        options.progress = progress::to_core(progress);
        self.inner.verify(&deployment, options).await
    }

    /// Waits until the pass is claimed, expires or is revoked, or `timeout`
    /// passes (then the outcome has `timed_out`). `long_poll` is asked of the
    /// status endpoint; `expiry_grace` is the time allowed after the claim
    /// expiry to observe the expiry itself.
    #[uniffi::method(default(timeout = None, poll_interval = None, long_poll = None, expiry_grace = None))]
    pub async fn wait_for_claim(
        &self,
        timeout: Option<Duration>,
        poll_interval: Option<Duration>,
        long_poll: Option<Duration>,
        expiry_grace: Option<Duration>,
    ) -> Result<ClaimOutcome, Error> {
        let _op = InFlight::enter();
        self.inner.wait_for_claim(wait_options(timeout, poll_interval, long_poll, expiry_grace)).await
    }

    /// Each change of claim status (Kotlin: `watchClaimFlow`); the options
    /// are `wait_for_claim`'s.
    #[uniffi::method(default(timeout = None, poll_interval = None, long_poll = None, expiry_grace = None))]
    pub fn watch_claim(
        &self,
        timeout: Option<Duration>,
        poll_interval: Option<Duration>,
        long_poll: Option<Duration>,
        expiry_grace: Option<Duration>,
    ) -> Arc<ClaimWatch> {
        let stop = CancellationToken::new();
        let options = wait_options(timeout, poll_interval, long_poll, expiry_grace).cancel(stop.clone());
        Arc::new(ClaimWatch::new(self.inner.watch_claim(options), stop))
    }

    /// Ends the pass early: deletes every live Worker and revokes the token.
    pub async fn teardown(&self) -> Result<TeardownReport, Error> {
        let _op = InFlight::enter();
        self.inner.teardown().await
    }

    /// Deletes one Worker; refused (without `force`) while other Workers reference it.
    #[uniffi::method(default(force = false))]
    pub async fn delete_worker(&self, name: String, force: bool) -> Result<(), Error> {
        let _op = InFlight::enter();
        self.inner.delete_worker(&name, force).await
    }

    /// The handoff document; refused by the default policy until every live
    /// Worker's latest deploy passed verification. `include_claim_url`: the
    /// owner's view, with the claim URL (a bearer link, for the named owner
    /// only); by default the record view, which shows only its fingerprint.
    #[uniffi::method(default(include_claim_url = false))]
    pub fn ticket(&self, status: ClaimStatus, include_claim_url: bool) -> Result<Arc<Ticket>, Error> {
        let inner = if include_claim_url { self.inner.owner_ticket(status)? } else { self.inner.ticket(status)? };
        Ok(Arc::new(Ticket { inner }))
    }
}

/// A claim ticket, rendered by core.
#[derive(uniffi::Object)]
pub struct Ticket {
    inner: ClaimTicket,
}

#[uniffi::export]
impl Ticket {
    /// The `boardingpass.claim-ticket/v1` JSON document.
    pub fn to_json(&self) -> String {
        self.inner.to_json().to_string()
    }
    pub fn to_markdown(&self) -> String {
        self.inner.to_markdown()
    }
}

//! The boarding pass handle and its claim ticket.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use boardingpass::{
    BoardingPass, ClaimOutcome, ClaimStatus, ClaimTicket, ClaimWaitOptions, DeployOptions, Deployment, Error, Evidence,
    Secret, TeardownReport, VerifyOptions,
};

use crate::inflight::InFlight;
use crate::progress::{self, ProgressListener};
use crate::watch::ClaimWatch;
use crate::worker::Worker;

#[derive(uniffi::Object)]
pub struct Pass {
    inner: BoardingPass,
}

impl Pass {
    pub(crate) fn new(inner: BoardingPass) -> Self {
        Self { inner }
    }
}

fn wait_options(timeout: Option<Duration>, poll_interval: Option<Duration>) -> ClaimWaitOptions {
    let mut options = ClaimWaitOptions::default();
    if let Some(v) = timeout {
        options.timeout = v;
    }
    if let Some(v) = poll_interval {
        options.poll_interval = v;
    }
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
    /// The named person the claim link is for.
    pub fn owner(&self) -> Option<String> {
        self.inner.owner().map(str::to_owned)
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
        if let Some(v) = max_script_size {
            options.max_script_size = v;
        }
        options.progress = progress::to_core(progress);
        self.inner.deploy(&worker.inner, options).await
    }

    /// Requests the live URL until it answers as expected; the evidence
    /// feeds the ticket.
    #[uniffi::method(default(path = None, expect_status = None, expect_body_contains = None, timeout = None))]
    pub async fn verify(
        &self,
        deployment: Deployment,
        path: Option<String>,
        expect_status: Option<u16>,
        expect_body_contains: Option<String>,
        timeout: Option<Duration>,
    ) -> Result<Evidence, Error> {
        let _op = InFlight::enter();
        let mut options = VerifyOptions::default();
        if let Some(v) = path {
            options.path = v;
        }
        options.expect_status = expect_status;
        options.expect_body_contains = expect_body_contains;
        if let Some(v) = timeout {
            options.timeout = v;
        }
        self.inner.verify(&deployment, options).await
    }

    /// Waits until the pass is claimed, expires or is revoked, or `timeout`
    /// passes (then the outcome has `timed_out`).
    #[uniffi::method(default(timeout = None, poll_interval = None))]
    pub async fn wait_for_claim(&self, timeout: Option<Duration>, poll_interval: Option<Duration>) -> Result<ClaimOutcome, Error> {
        let _op = InFlight::enter();
        self.inner.wait_for_claim(wait_options(timeout, poll_interval)).await
    }

    /// Each change of claim status (Kotlin: `watchClaimFlow`).
    #[uniffi::method(default(timeout = None, poll_interval = None))]
    pub fn watch_claim(&self, timeout: Option<Duration>, poll_interval: Option<Duration>) -> Arc<ClaimWatch> {
        Arc::new(ClaimWatch::new(self.inner.watch_claim(wait_options(timeout, poll_interval))))
    }

    /// Ends the pass early: deletes every live Worker and revokes the token.
    pub async fn teardown(&self) -> Result<TeardownReport, Error> {
        let _op = InFlight::enter();
        self.inner.teardown().await
    }

    /// The handoff record (no claim URL); refused by the default policy
    /// until every live Worker's latest deploy passed verification.
    pub fn ticket(&self, status: ClaimStatus) -> Result<Arc<Ticket>, Error> {
        Ok(Arc::new(Ticket { inner: self.inner.ticket(status)? }))
    }

    /// The ticket with the claim URL, for the named owner only.
    pub fn owner_ticket(&self, status: ClaimStatus) -> Result<Arc<Ticket>, Error> {
        Ok(Arc::new(Ticket { inner: self.inner.owner_ticket(status)? }))
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

//! The boarding pass: identity and window of one temporary account, its two
//! credentials as redacted `Secret`s, and every operation made with it.

use std::path::PathBuf;

use boardingpass as bp;
use chrono::{DateTime, Utc};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::abort::Abort;
use crate::convert::{millis_or, to_millis, whole, ClaimOutcome, ClaimStatus, Deployment, Evidence, TeardownReport};
use crate::progress::{progress, ProgressCallback};
use crate::promise::{self, blocking};
use crate::secret::Secret;
use crate::ticket::ClaimTicket;
use crate::watch::ClaimWatcher;
use crate::worker::Worker;

#[napi(object, object_to_js = false)]
pub struct DeployOptions<'env> {
    /// `workers/message` annotation of a redeploy (wrangler `--message`).
    pub message: Option<String>,
    /// Largest total module size accepted locally, in bytes. Default 3 MiB.
    pub max_script_size: Option<i64>,
    /// Hashing (files), uploading (bytes) and upload steps.
    #[napi(ts_type = "(event: ProgressEvent) => void")]
    pub on_progress: Option<ProgressCallback>,
    #[napi(ts_type = "AbortSignal")]
    pub signal: Option<Object<'env>>,
}

#[napi(object)]
pub struct HeaderExpectation {
    pub name: String,
    /// The header's value must contain this text.
    pub value: String,
}

#[napi(object, object_to_js = false)]
pub struct VerifyOptions<'env> {
    /// Path requested on the live URL. Default `/`.
    pub path: Option<String>,
    /// Give up after this many milliseconds. Default 30000.
    pub timeout: Option<f64>,
    /// Expected status; unset accepts any 2xx or 3xx.
    pub expect_status: Option<u32>,
    pub expect_body_contains: Option<String>,
    pub expect_header: Option<HeaderExpectation>,
    /// First delay between attempts in milliseconds; doubles up to `maxInterval`. Default 100.
    pub interval: Option<f64>,
    /// Default 2000.
    pub max_interval: Option<f64>,
    #[napi(ts_type = "(event: ProgressEvent) => void")]
    pub on_progress: Option<ProgressCallback>,
    #[napi(ts_type = "AbortSignal")]
    pub signal: Option<Object<'env>>,
}

impl<'env> VerifyOptions<'env> {
    /// The core options (cancelled through the linked signal) and the signal.
    fn split(self) -> promise::CoreResult<(bp::VerifyOptions, Option<Object<'env>>)> {
        let d = bp::VerifyOptions::default();
        let mut opts = bp::VerifyOptions::default()
            .timeout(millis_or("timeout", self.timeout, d.timeout)?)
            .interval(millis_or("interval", self.interval, d.interval)?)
            .max_interval(millis_or("maxInterval", self.max_interval, d.max_interval)?)
            .progress(progress(self.on_progress));
        opts.path = self.path.unwrap_or(d.path);
        opts.expect_status = self.expect_status.map(|s| s as u16);
        opts.expect_body_contains = self.expect_body_contains;
        opts.expect_header = self.expect_header.map(|h| (h.name, h.value));
        Ok((opts, self.signal))
    }
}

#[napi(object, object_to_js = false)]
pub struct SignalOptions<'env> {
    #[napi(ts_type = "AbortSignal")]
    pub signal: Option<Object<'env>>,
}

#[napi(object, object_to_js = false)]
pub struct DeleteWorkerOptions<'env> {
    /// Delete even when other Workers reference it.
    pub force: Option<bool>,
    #[napi(ts_type = "AbortSignal")]
    pub signal: Option<Object<'env>>,
}

#[napi(object, object_to_js = false)]
pub struct ClaimWaitOptions<'env> {
    /// Stop waiting after this many milliseconds (capped by the claim
    /// expiry). Default one hour.
    pub timeout: Option<f64>,
    /// Mean poll interval where the status must be inferred (±20 % jitter), in milliseconds. Default 16000.
    pub poll_interval: Option<f64>,
    /// Long-poll duration asked of the status endpoint, in milliseconds. Default 60000.
    pub long_poll: Option<f64>,
    /// Time allowed after the claim expiry to observe the expiry itself, in milliseconds. Default 10000.
    pub expiry_grace: Option<f64>,
    #[napi(ts_type = "AbortSignal")]
    pub signal: Option<Object<'env>>,
}

impl<'env> ClaimWaitOptions<'env> {
    /// The core options (cancelled through the linked signal) and the signal.
    fn split(self) -> promise::CoreResult<(bp::ClaimWaitOptions, Option<Object<'env>>)> {
        let d = bp::ClaimWaitOptions::default();
        let opts = bp::ClaimWaitOptions::default()
            .timeout(millis_or("timeout", self.timeout, d.timeout)?)
            .poll_interval(millis_or("pollInterval", self.poll_interval, d.poll_interval)?)
            .long_poll(millis_or("longPoll", self.long_poll, d.long_poll)?)
            .expiry_grace(millis_or("expiryGrace", self.expiry_grace, d.expiry_grace)?);
        Ok((opts, self.signal))
    }
}

#[napi(object)]
pub struct TicketOptions {
    /// Claim status written on the ticket. Default `pending`.
    pub status: Option<ClaimStatus>,
    /// The owner's view, with the claim URL (a bearer link) in every
    /// rendering. Default false: the record view shows only its fingerprint.
    pub include_claim_url: Option<bool>,
}

/// What `toJSON`/`util.inspect` show: identity and fingerprints, no credential.
#[napi(object, object_from_js = false)]
pub struct PassSummary {
    pub account_id: String,
    pub account_name: String,
    pub expires_at: DateTime<Utc>,
    pub claim_expires_at: DateTime<Utc>,
    pub owner: Option<String>,
    pub token_fingerprint: String,
    pub claim_fingerprint: String,
    pub live_workers: Vec<String>,
}

/// Authority for one temporary account, for one window. Credentials stay
/// in Rust memory; `apiToken`/`claimUrl` are redacted `Secret`s.
#[napi]
pub struct BoardingPass {
    pub(crate) inner: bp::BoardingPass,
}

impl BoardingPass {
    pub(crate) fn new(inner: bp::BoardingPass) -> Self {
        Self { inner }
    }

    pub(crate) fn core(&self) -> &bp::BoardingPass {
        &self.inner
    }
}

#[napi]
impl BoardingPass {
    /// Deploys (or redeploys) a Worker, or the Worker at a path (file or
    /// project directory, read off the JS thread). Policy and local checks
    /// run first: on a violation nothing is sent.
    #[napi(ts_return_type = "Promise<Deployment>")]
    pub fn deploy(&self, env: &Env, worker: Either<&Worker, String>, options: Option<DeployOptions>) -> Result<AsyncBlock<Deployment>> {
        let (message, max_size, on_progress, signal) =
            options.map_or((None, None, None, None), |o| (o.message, o.max_script_size, o.on_progress, o.signal));
        let max_script_size = max_size
            .map_or(Ok(bp::DEFAULT_MAX_SCRIPT_SIZE), |m| whole("max_script_size", m))
            .map_err(|e| crate::errors::to_js(env, &e))?;
        let abort = Abort::link(env, signal)?;
        let mut opts = bp::DeployOptions::default().progress(progress(on_progress)).cancel(abort.token.clone()).max_script_size(max_script_size);
        opts.message = message;
        let source = match worker {
            Either::A(w) => Either::A(w.inner.clone()),
            Either::B(path) => Either::B(PathBuf::from(path)),
        };
        let pass = self.inner.clone();
        let cancel = abort.token.clone();
        let load = bp::LoadOptions::default().progress(opts.progress.clone());
        let fut = async move {
            let worker = match source {
                Either::A(w) => w,
                Either::B(path) => bp::cancellable(Some(&cancel), blocking(move || bp::load_project_with(&path, &load))).await?,
            };
            pass.deploy(&worker, opts).await
        };
        promise::spawn(env, abort, fut, |_, d| Ok(d))
    }

    /// Requests the deployment's URL, as this pass recorded it, until it
    /// answers as expected; the evidence is kept for the ticket. Fails with
    /// `VerificationError`, or `InvalidInputError` before any request for a
    /// deployment this pass's `deploy` did not return (or one edited since).
    #[napi(ts_return_type = "Promise<Evidence>")]
    pub fn verify(&self, env: &Env, deployment: Deployment, options: Option<VerifyOptions>) -> Result<AsyncBlock<Evidence>> {
        let (opts, signal) = match options {
            None => (bp::VerifyOptions::default(), None),
            Some(o) => o.split().map_err(|e| crate::errors::to_js(env, &e))?,
        };
        let abort = Abort::link(env, signal)?;
        let opts = opts.cancel(abort.token.clone());
        let pass = self.inner.clone();
        let fut = async move { pass.verify(&deployment, opts).await };
        promise::spawn(env, abort, fut, |_, e| Ok(e))
    }

    /// Ends the pass early: deletes every live Worker, then asks the server
    /// to revoke the token (a refusal is reported, not thrown).
    #[napi(ts_return_type = "Promise<TeardownReport>")]
    pub fn teardown(&self, env: &Env, options: Option<SignalOptions>) -> Result<AsyncBlock<TeardownReport>> {
        let abort = Abort::link(env, options.and_then(|o| o.signal))?;
        let (pass, cancel) = (self.inner.clone(), abort.token.clone());
        let fut = async move { bp::cancellable(Some(&cancel), pass.teardown()).await };
        promise::spawn(env, abort, fut, |_, r| Ok(r))
    }

    /// Deletes one Worker; refused (without `force`) while other Workers reference it.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn delete_worker(&self, env: &Env, name: String, options: Option<DeleteWorkerOptions>) -> Result<AsyncBlock<()>> {
        let (force, signal) = options.map_or((false, None), |o| (o.force.unwrap_or(false), o.signal));
        let abort = Abort::link(env, signal)?;
        let (pass, cancel) = (self.inner.clone(), abort.token.clone());
        let fut = async move { bp::cancellable(Some(&cancel), pass.delete_worker(&name, force)).await };
        promise::spawn(env, abort, fut, |_, ()| Ok(()))
    }

    /// Waits until the pass is claimed, expires or is revoked, or the
    /// timeout passes (then `timedOut` is true and `status` the last seen).
    #[napi(ts_return_type = "Promise<ClaimOutcome>")]
    pub fn wait_for_claim(&self, env: &Env, options: Option<ClaimWaitOptions>) -> Result<AsyncBlock<ClaimOutcome>> {
        let (opts, signal) = match options {
            None => (bp::ClaimWaitOptions::default(), None),
            Some(o) => o.split().map_err(|e| crate::errors::to_js(env, &e))?,
        };
        let abort = Abort::link(env, signal)?;
        let opts = opts.cancel(abort.token.clone());
        let pass = self.inner.clone();
        let fut = async move { pass.wait_for_claim(opts).await };
        promise::spawn(env, abort, fut, |_, o| Ok(o))
    }

    /// Each change of claim status, as an async iterator (`for await`):
    /// first the current status, then every change, until a final status
    /// or the timeout. Breaking out of the loop stops polling.
    #[napi]
    pub fn watch_claim(&self, env: &Env, options: Option<ClaimWaitOptions>) -> Result<ClaimWatcher> {
        let (opts, signal) = match options {
            None => (bp::ClaimWaitOptions::default(), None),
            Some(o) => o.split().map_err(|e| crate::errors::to_js(env, &e))?,
        };
        let abort = Abort::link(env, signal)?;
        Ok(ClaimWatcher::new(&self.inner, opts, abort))
    }

    /// The handoff document. With the default policy, refused
    /// (`PolicyViolationError`) until the latest deploy of every live Worker
    /// passed verification. Written to the audit log off the JS thread.
    #[napi(ts_return_type = "Promise<ClaimTicket>")]
    pub fn ticket(&self, env: &Env, options: Option<TicketOptions>) -> Result<AsyncBlock<ClaimTicket>> {
        let (status, owner_view) = options
            .map_or((ClaimStatus::Pending, false), |o| (o.status.unwrap_or(ClaimStatus::Pending), o.include_claim_url.unwrap_or(false)));
        let pass = self.inner.clone();
        let fut = blocking(move || if owner_view { pass.owner_ticket(status) } else { pass.ticket(status) });
        promise::spawn(env, Abort::none(), fut, |_, t| Ok(ClaimTicket::new(t)))
    }

    #[napi(getter)]
    pub fn account_id(&self) -> String {
        self.inner.account_id().to_string()
    }
    /// Two-word display name, e.g. "Waiting Salmonberry".
    #[napi(getter)]
    pub fn account_name(&self) -> String {
        self.inner.account_name().to_string()
    }
    #[napi(getter)]
    pub fn account_type(&self) -> Option<String> {
        self.inner.account_type().map(str::to_string)
    }
    /// The server's id of the API token (not a secret).
    #[napi(getter)]
    pub fn token_id(&self) -> Option<String> {
        self.inner.token_id().map(str::to_string)
    }
    /// The named person the claim link is for.
    #[napi(getter)]
    pub fn owner(&self) -> Option<String> {
        self.inner.owner().map(str::to_string)
    }
    /// When this process received the pass.
    #[napi(getter)]
    pub fn created_at(&self) -> DateTime<Utc> {
        self.inner.created_at()
    }
    #[napi(getter)]
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.inner.expires_at()
    }
    #[napi(getter)]
    pub fn claim_expires_at(&self) -> DateTime<Utc> {
        self.inner.claim_expires_at()
    }
    /// Milliseconds before the pass stops being usable (0 once expired).
    #[napi(getter)]
    pub fn time_left(&self) -> f64 {
        to_millis(self.inner.time_left())
    }
    /// True once the window (minus the client's expiry margin) has passed.
    #[napi(getter)]
    pub fn is_expired(&self) -> bool {
        self.inner.is_expired()
    }
    /// True once `teardown()` revoked the token.
    #[napi(getter)]
    pub fn is_revoked(&self) -> bool {
        self.inner.is_revoked()
    }
    /// Fingerprint of the API token, safe to log.
    #[napi(getter)]
    pub fn token_fingerprint(&self) -> String {
        self.inner.token_fingerprint()
    }
    /// Fingerprint of the claim URL, safe to log.
    #[napi(getter)]
    pub fn claim_fingerprint(&self) -> String {
        self.inner.claim_fingerprint()
    }
    /// The account's API token (a bearer credential for the whole account).
    #[napi(getter)]
    pub fn api_token(&self) -> Secret {
        Secret::new(self.inner.expose_api_token())
    }
    /// The claim URL: whoever completes it owns the account. Hand it only to the named owner.
    #[napi(getter)]
    pub fn claim_url(&self) -> Secret {
        Secret::new(self.inner.expose_claim_url())
    }
    /// Every deploy made with this pass, oldest first.
    #[napi(getter)]
    pub fn deployments(&self) -> Vec<Deployment> {
        self.inner.deployments()
    }
    /// Every verification made with this pass, oldest first.
    #[napi(getter)]
    pub fn evidence(&self) -> Vec<Evidence> {
        self.inner.evidence()
    }
    /// Names of the Workers deployed with this pass and not deleted since.
    #[napi(getter)]
    pub fn live_workers(&self) -> Vec<String> {
        self.inner.live_workers()
    }

    #[napi(js_name = "toJSON")]
    pub fn to_json(&self) -> PassSummary {
        let p = &self.inner;
        PassSummary {
            account_id: p.account_id().into(),
            account_name: p.account_name().into(),
            expires_at: p.expires_at(),
            claim_expires_at: p.claim_expires_at(),
            owner: p.owner().map(str::to_string),
            token_fingerprint: p.token_fingerprint(),
            claim_fingerprint: p.claim_fingerprint(),
            live_workers: p.live_workers(),
        }
    }
}

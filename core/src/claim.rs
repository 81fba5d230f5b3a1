//! How a pass ends: claimed by a human, expired, or revoked.
//!
//! Cloudflare publishes no claim-status API (docs/PROTOCOL.md §4), so there are
//! two sources, tried in this order:
//! 1. **Confirmed**: the emulator's extension endpoint
//!    `GET {api_base}/x-boardingpass/claim-status?wait=S` (claim token in the
//!    `X-Claim-Token` header, never in the URL, never sent to another origin:
//!    a redirect elsewhere is a `protocol` error), which long-polls up to 60 s
//!    and returns at once when the status changes. Not a Cloudflare API; a
//!    server without it answers 404 and we fall back to (2).
//! 2. **Inferred**: before expiry, `GET /user/tokens/verify` with the pass's
//!    token: valid → pending; rejected → claimed-or-revoked. After expiry,
//!    the deployed Worker still answering → claimed, gone → expired.
//!
//! Polling never runs past the pass's claim expiry (plus a short grace to
//! observe the expiry itself), backs off with jitter on errors, honours
//! `Retry-After`, and stops when cancelled or dropped.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::AuditKind;
use crate::cancel::CancellationToken;
use crate::error::Error;
use crate::http::{Auth, Call};
use crate::pass::BoardingPass;
use crate::retry::RetryPolicy;

/// Path of the emulator's claim-status extension (relative to the API base).
pub const CLAIM_STATUS_PATH: &str = "/x-boardingpass/claim-status";
/// Header carrying the claim token to the extension endpoint.
pub const CLAIM_TOKEN_HEADER: &str = "X-Claim-Token";
/// Longest long-poll the endpoint accepts.
pub const MAX_LONG_POLL: Duration = Duration::from_secs(60);

#[cfg_attr(feature = "napi", napi_derive::napi(string_enum = "snake_case"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClaimStatus {
    Pending,
    Claimed,
    Expired,
    Revoked,
    /// Inferred only: the token was refused before expiry (Cloudflare does
    /// not say whether a human claimed the account or it was revoked).
    ClaimedOrRevoked,
}

impl ClaimStatus {
    pub const ALL: [ClaimStatus; 5] = [Self::Pending, Self::Claimed, Self::Expired, Self::Revoked, Self::ClaimedOrRevoked];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Claimed => "claimed",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::ClaimedOrRevoked => "claimed_or_revoked",
        }
    }
    pub fn is_terminal(self) -> bool {
        self != Self::Pending
    }
}

impl std::str::FromStr for ClaimStatus {
    type Err = Error;
    /// Parses [`ClaimStatus::as_str`] names (bindings take statuses as strings).
    fn from_str(name: &str) -> Result<Self, Error> {
        crate::error::parse_name("status", name, &Self::ALL, Self::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_round_trip_and_unknown_names_are_typed_errors() {
        for s in ClaimStatus::ALL {
            assert_eq!(s.as_str().parse::<ClaimStatus>().unwrap(), s);
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str(), "serde and as_str agree");
        }
        let e = "Claimed".parse::<ClaimStatus>().unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        assert!(e.to_string().contains("pending, claimed, expired, revoked, claimed_or_revoked"), "{e}");
    }
}

/// One observation of the claim status.
#[cfg_attr(feature = "napi", napi_derive::napi(object, object_from_js = false))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, get_all, module = "boardingpass", name = "ClaimOutcome"))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[non_exhaustive]
pub struct ClaimOutcome {
    pub status: ClaimStatus,
    /// `true` when a server said so, `false` when inferred from side signals.
    pub confirmed: bool,
    /// `true` when a wait ended because its timeout passed first.
    pub timed_out: bool,
    pub observed_at: DateTime<Utc>,
    /// When the status last changed, if the server says.
    pub changed_at: Option<DateTime<Utc>>,
    /// How it was determined, in words.
    pub detail: String,
}

#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClaimWaitOptions {
    /// Stop waiting after this long (capped by the pass's claim expiry).
    pub timeout: Duration,
    /// Mean poll interval of the inferred mode (±20 % jitter); 16 s keeps it under 4 requests a minute.
    pub poll_interval: Duration,
    /// Long-poll duration asked of the status endpoint.
    pub long_poll: Duration,
    /// Backoff on errors.
    pub retry: RetryPolicy,
    /// Time allowed after the claim expiry to observe the expiry itself.
    pub expiry_grace: Duration,
    pub cancel: Option<CancellationToken>,
}

impl Default for ClaimWaitOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(3600),
            poll_interval: Duration::from_secs(16),
            long_poll: MAX_LONG_POLL,
            retry: RetryPolicy { max_attempts: u32::MAX, base_delay: Duration::from_millis(500), max_delay: Duration::from_secs(30), ..RetryPolicy::default() },
            expiry_grace: Duration::from_secs(10),
            cancel: None,
        }
    }
}

setters!(ClaimWaitOptions { timeout: Duration, poll_interval: Duration, long_poll: Duration, retry: RetryPolicy, expiry_grace: Duration } optional { cancel: CancellationToken });

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Unknown,
    Endpoint,
    Inferred,
}

#[derive(Deserialize)]
struct StatusResult {
    status: ClaimStatus,
    changed_at: Option<String>,
}

/// Yields each change of claim status; see [`BoardingPass::watch_claim`].
pub struct ClaimWatcher {
    pass: BoardingPass,
    opts: ClaimWaitOptions,
    deadline: Instant,
    mode: Mode,
    last: Option<ClaimStatus>,
    finished: bool,
    errors: u32,
}

fn outcome(status: ClaimStatus, confirmed: bool, changed_at: Option<DateTime<Utc>>, detail: impl Into<String>) -> ClaimOutcome {
    ClaimOutcome { status, confirmed, timed_out: false, observed_at: crate::timestamp::now(), changed_at, detail: detail.into() }
}

impl BoardingPass {
    pub(crate) fn audit_claim_change(&self, o: &ClaimOutcome) {
        let details = json!({"status": o.status, "confirmed": o.confirmed, "detail": o.detail});
        if let Err(e) = self.audit(AuditKind::ClaimStatusChanged, None, None, details) {
            tracing::warn!(error = %e, "could not write the audit log");
        }
    }

    /// Watches the claim status: the first `next()` returns the current
    /// status, later ones each change, until a terminal status or the
    /// deadline. Dropping the watcher stops polling.
    pub fn watch_claim(&self, opts: ClaimWaitOptions) -> ClaimWatcher {
        let until_expiry = (self.claim_expires_at() - chrono::Utc::now()).to_std().unwrap_or(Duration::ZERO) + opts.expiry_grace;
        let deadline = Instant::now() + opts.timeout.min(until_expiry);
        ClaimWatcher { pass: self.clone(), opts, deadline, mode: Mode::Unknown, last: None, finished: false, errors: 0 }
    }

    /// Waits until the pass is claimed, expires or is revoked, or `timeout`
    /// passes (then the outcome is the last status with `timed_out: true`).
    #[tracing::instrument(name = "wait_for_claim", skip_all, fields(account_id = self.account_id(), run_id = self.client().audit().run_id(), job_id = self.client().audit().job_id()))]
    pub async fn wait_for_claim(&self, opts: ClaimWaitOptions) -> Result<ClaimOutcome, Error> {
        let mut watcher = self.watch_claim(opts);
        let mut last = None;
        while let Some(o) = watcher.next().await? {
            if o.status.is_terminal() {
                return Ok(o);
            }
            last = Some(o);
        }
        let mut o = last.unwrap_or_else(|| outcome(ClaimStatus::Pending, false, None, "no observation before the timeout"));
        o.timed_out = true;
        Ok(o)
    }
}

impl ClaimWatcher {
    /// The next status change, or `None` once finished.
    pub async fn next(&mut self) -> Result<Option<ClaimOutcome>, Error> {
        if self.finished {
            return Ok(None);
        }
        let cancel = self.opts.cancel.clone();
        let fut = self.next_inner();
        let res = match cancel {
            Some(t) => tokio::select! { biased; _ = t.cancelled() => Err(Error::Cancelled), r = fut => r },
            None => fut.await,
        };
        if let Ok(Some(o)) = &res {
            self.finished = o.status.is_terminal();
            if self.last != Some(o.status) {
                self.pass.audit_claim_change(o);
            }
            self.last = Some(o.status);
        } else {
            self.finished = true;
        }
        res
    }

    async fn next_inner(&mut self) -> Result<Option<ClaimOutcome>, Error> {
        loop {
            let now = Instant::now();
            if now >= self.deadline {
                return Ok(None);
            }
            let observed = match self.observe().await {
                Ok(o) => {
                    self.errors = 0;
                    o
                }
                Err(e) if matches!(e.kind(), crate::ErrorKind::Network | crate::ErrorKind::Timeout | crate::ErrorKind::RateLimited)
                    || e.status().is_some_and(|s| s >= 500) =>
                {
                    self.errors += 1;
                    let wait = self.opts.retry.wait_for(self.errors, e.retry_after()).unwrap_or(self.opts.retry.max_delay);
                    tracing::debug!(error = %e, wait_ms = wait.as_millis() as u64, "claim status poll failed; backing off");
                    self.sleep(wait).await;
                    continue;
                }
                Err(e) => return Err(e),
            };
            if self.last != Some(observed.status) {
                return Ok(Some(observed));
            }
            if self.mode == Mode::Inferred {
                self.sleep(jitter(self.opts.poll_interval)).await;
            }
        }
    }

    async fn sleep(&self, d: Duration) {
        let left = self.deadline.saturating_duration_since(Instant::now());
        tokio::time::sleep(d.min(left)).await;
    }

    async fn observe(&mut self) -> Result<ClaimOutcome, Error> {
        if self.mode != Mode::Inferred {
            match self.ask_endpoint().await {
                Ok(o) => {
                    self.mode = Mode::Endpoint;
                    return Ok(o);
                }
                Err(Error::Api(f)) if self.mode == Mode::Unknown && f.status == 404 => self.mode = Mode::Inferred,
                Err(e) => return Err(e),
            }
        }
        self.infer().await
    }

    async fn ask_endpoint(&self) -> Result<ClaimOutcome, Error> {
        let token = self.pass.claim_token().ok_or_else(|| Error::protocol("claim status", "the pass has no claim token"))?;
        let left = self.deadline.saturating_duration_since(Instant::now());
        // The first request only probes (no wait) so the mode is known fast.
        let wait = if self.last.is_none() { Duration::ZERO } else { self.opts.long_poll.min(MAX_LONG_POLL).min(left) };
        let call = Call::new(Method::GET, CLAIM_STATUS_PATH, Auth::None)
            .secret_header(CLAIM_TOKEN_HEADER, token)
            // Fractional: whole seconds would round the last second to 0 and spin.
            .query("wait", format!("{:.3}", wait.as_secs_f64()))
            .timeout(wait + Duration::from_secs(10))
            .idempotent(false);
        let endpoint = call.endpoint();
        let r: StatusResult = self.pass.client().http().call(call).await?.result_as(&endpoint)?;
        let changed_at = r.changed_at.map(|t| crate::untrusted::timestamp(&endpoint, "changed_at", &t)).transpose()?;
        Ok(outcome(r.status, true, changed_at, "reported by the server's claim-status endpoint"))
    }

    async fn infer(&self) -> Result<ClaimOutcome, Error> {
        let pass = &self.pass;
        if pass.is_expired() {
            // After expiry only the Workers can tell: still serving means someone claimed it.
            let answering = pass.any_worker_answers().await;
            return Ok(match answering {
                Some(true) => outcome(ClaimStatus::Claimed, false, None, "a deployed Worker still answers after the expiry"),
                Some(false) => outcome(ClaimStatus::Expired, false, None, "the deployed Workers stopped answering after the expiry"),
                None => outcome(ClaimStatus::Expired, false, None, "the window passed (no Worker to probe)"),
            });
        }
        let call = Call::new(Method::GET, "/user/tokens/verify", Auth::Bearer(pass.api_token())).idempotent(true);
        match pass.client().http().call(call).await {
            Ok(_) => Ok(outcome(ClaimStatus::Pending, false, None, "the temporary token is still accepted")),
            Err(Error::Api(f)) if matches!(f.code, Some(10000) | Some(9109)) || matches!(f.status, 401 | 403) => {
                Ok(outcome(ClaimStatus::ClaimedOrRevoked, false, None, "the temporary token was refused before the expiry"))
            }
            Err(e) => Err(e),
        }
    }
}

fn jitter(d: Duration) -> Duration {
    use rand::Rng;
    let spread = d / 5;
    d - spread + rand::thread_rng().gen_range(Duration::ZERO..=spread * 2)
}

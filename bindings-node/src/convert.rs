//! Plain JS objects for the core's result types. Durations cross the
//! boundary as milliseconds (JS convention), instants as `Date`s, and
//! counters as numbers.

use std::time::Duration;

use boardingpass as bp;
use chrono::{DateTime, Utc};
use napi_derive::napi;

use crate::errors::invalid;
use crate::promise::CoreResult;

/// `ms` milliseconds, refused when negative, not a number or too large for a duration.
pub(crate) fn millis(field: &str, ms: f64) -> CoreResult<Duration> {
    Duration::try_from_secs_f64(ms / 1000.0)
        .map_err(|_| invalid(field, format!("{ms} is not a duration; pass a non-negative number of milliseconds")))
}

/// Like [`millis`], keeping `default` when the option was not given.
pub(crate) fn millis_or(field: &str, ms: Option<f64>, default: Duration) -> CoreResult<Duration> {
    ms.map_or(Ok(default), |ms| millis(field, ms))
}

/// A JS number for an unsigned core field; negative or too large is refused
/// here, the field's own rule is core's (`ClientConfig::validate`).
pub(crate) fn whole<T: TryFrom<i64>>(field: &str, n: i64) -> CoreResult<T> {
    T::try_from(n).map_err(|_| invalid(field, format!("{n} is not a non-negative whole number in range")))
}

pub(crate) fn to_millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Where a claim stands.
#[napi(string_enum = "snake_case")]
#[derive(Debug, PartialEq, Eq)]
pub enum ClaimStatus {
    Pending,
    Claimed,
    Expired,
    Revoked,
    /// Inferred only: the token was refused before expiry (Cloudflare does
    /// not say whether a human claimed the account or it was revoked).
    ClaimedOrRevoked,
}

impl From<bp::ClaimStatus> for ClaimStatus {
    fn from(s: bp::ClaimStatus) -> Self {
        match s {
            bp::ClaimStatus::Pending => Self::Pending,
            bp::ClaimStatus::Claimed => Self::Claimed,
            bp::ClaimStatus::Expired => Self::Expired,
            bp::ClaimStatus::Revoked => Self::Revoked,
            bp::ClaimStatus::ClaimedOrRevoked => Self::ClaimedOrRevoked,
            _ => unreachable!("a status this binding does not know"),
        }
    }
}

impl From<ClaimStatus> for bp::ClaimStatus {
    fn from(s: ClaimStatus) -> Self {
        match s {
            ClaimStatus::Pending => Self::Pending,
            ClaimStatus::Claimed => Self::Claimed,
            ClaimStatus::Expired => Self::Expired,
            ClaimStatus::Revoked => Self::Revoked,
            ClaimStatus::ClaimedOrRevoked => Self::ClaimedOrRevoked,
        }
    }
}

/// What a deploy produced. Pass it back to `BoardingPass.verify`.
#[napi(object)]
pub struct Deployment {
    pub worker_name: String,
    /// Where the Worker answers: `https://{name}.{subdomain}.workers.dev/`,
    /// or the emulator's `http://{name}.{subdomain}.localhost:{port}/`.
    pub url: String,
    /// The canonical workers.dev URL (same as `url` on Cloudflare).
    pub workers_dev_url: String,
    pub version_id: String,
    pub startup_time_ms: Option<f64>,
    /// `false` for the first deploy of this Worker, `true` for a redeploy.
    pub redeploy: bool,
    /// `sha256:` over the uploaded modules.
    pub content_digest: String,
    /// `sha256:` over the assets manifest, when the Worker has assets.
    pub assets_digest: Option<String>,
    pub assets_total: u32,
    pub assets_uploaded: u32,
    pub deployed_at: DateTime<Utc>,
    pub duration_ms: f64,
}

impl From<bp::Deployment> for Deployment {
    fn from(d: bp::Deployment) -> Self {
        Self {
            worker_name: d.worker_name,
            url: d.url,
            workers_dev_url: d.workers_dev_url,
            version_id: d.version_id,
            startup_time_ms: d.startup_time_ms.map(|ms| ms as f64),
            redeploy: d.redeploy,
            content_digest: d.content_digest,
            assets_digest: d.assets_digest,
            assets_total: d.assets_total as u32,
            assets_uploaded: d.assets_uploaded as u32,
            deployed_at: d.deployed_at,
            duration_ms: d.duration_ms as f64,
        }
    }
}

impl TryFrom<Deployment> for bp::Deployment {
    type Error = bp::Error;
    fn try_from(d: Deployment) -> CoreResult<Self> {
        serde_json::from_value(serde_json::json!({
            "worker_name": d.worker_name,
            "url": d.url,
            "workers_dev_url": d.workers_dev_url,
            "version_id": d.version_id,
            "startup_time_ms": d.startup_time_ms.map(|ms| ms as u64),
            "redeploy": d.redeploy,
            "content_digest": d.content_digest,
            "assets_digest": d.assets_digest,
            "assets_total": d.assets_total,
            "assets_uploaded": d.assets_uploaded,
            "deployed_at": d.deployed_at,
            "duration_ms": d.duration_ms as u64,
        }))
        .map_err(|e| invalid("deployment", e.to_string()))
    }
}

/// What the live URL answered: the evidence behind a claim ticket.
#[napi(object, object_from_js = false)]
pub struct Evidence {
    pub url: String,
    pub worker_name: String,
    pub version_id: String,
    pub passed: bool,
    pub status: Option<u32>,
    pub latency_ms: f64,
    /// `sha256:` + hex of the whole body.
    pub body_sha256: Option<String>,
    /// First 256 bytes of the body, lossily decoded as UTF-8.
    pub body_prefix: Option<String>,
    pub content_type: Option<String>,
    pub attempts: u32,
    pub checked_at: DateTime<Utc>,
    /// Why the last answer did not satisfy the expectations (empty on success).
    pub failures: Vec<String>,
}

impl From<bp::Evidence> for Evidence {
    fn from(e: bp::Evidence) -> Self {
        Self {
            url: e.url,
            worker_name: e.worker_name,
            version_id: e.version_id,
            passed: e.passed,
            status: e.status.map(u32::from),
            latency_ms: e.latency_ms as f64,
            body_sha256: e.body_sha256,
            body_prefix: e.body_prefix,
            content_type: e.content_type,
            attempts: e.attempts,
            checked_at: e.checked_at,
            failures: e.failures,
        }
    }
}

/// One observation of the claim status.
#[napi(object, object_from_js = false)]
pub struct ClaimOutcome {
    pub status: ClaimStatus,
    /// `true` when a server said so, `false` when inferred from side signals.
    pub confirmed: bool,
    /// `true` when a wait ended because its timeout passed first.
    pub timed_out: bool,
    /// RFC 3339 time of the observation.
    pub observed_at: String,
    /// When the status last changed, if the server says.
    pub changed_at: Option<String>,
    /// How it was determined, in words.
    pub detail: String,
}

impl From<bp::ClaimOutcome> for ClaimOutcome {
    fn from(o: bp::ClaimOutcome) -> Self {
        Self {
            status: o.status.into(),
            confirmed: o.confirmed,
            timed_out: o.timed_out,
            observed_at: o.observed_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            changed_at: o.changed_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            detail: o.detail,
        }
    }
}

/// What `BoardingPass.teardown` did.
#[napi(object, object_from_js = false)]
pub struct TeardownReport {
    pub deleted_workers: Vec<String>,
    /// `true` when the server accepted the token's revocation.
    pub token_revoked: bool,
    /// Why the token could not be revoked, when it was not.
    pub revocation_note: Option<String>,
}

impl From<bp::TeardownReport> for TeardownReport {
    fn from(r: bp::TeardownReport) -> Self {
        Self { deleted_workers: r.deleted_workers, token_revoked: r.token_revoked, revocation_note: r.revocation_note }
    }
}

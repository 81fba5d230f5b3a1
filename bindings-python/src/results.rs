//! Read-only results of operations. Each has `to_dict()` (JSON-compatible,
//! the same fields core serialises) and attribute access.

use boardingpass::{ClaimOutcome as CoreOutcome, ClaimTicket as CoreTicket, Deployment as CoreDeployment, Evidence as CoreEvidence, TeardownReport as CoreReport};
use chrono::{DateTime, Utc};
use pyo3::prelude::*;

use crate::convert::{json_to_py, repr, to_py_dict};

/// What a deploy produced: the live URL and the version.
#[pyclass(frozen, module = "boardingpass", name = "Deployment")]
pub struct PyDeployment {
    pub inner: CoreDeployment,
}

#[pymethods]
impl PyDeployment {
    #[getter]
    fn worker_name(&self) -> &str {
        &self.inner.worker_name
    }
    /// Where the Worker answers now.
    #[getter]
    fn url(&self) -> &str {
        &self.inner.url
    }
    /// The canonical `*.workers.dev` URL (equal to `url` on Cloudflare).
    #[getter]
    fn workers_dev_url(&self) -> &str {
        &self.inner.workers_dev_url
    }
    #[getter]
    fn version_id(&self) -> &str {
        &self.inner.version_id
    }
    #[getter]
    fn startup_time_ms(&self) -> Option<u64> {
        self.inner.startup_time_ms
    }
    /// `True` when this deploy replaced an existing Worker of the same name.
    #[getter]
    fn redeploy(&self) -> bool {
        self.inner.redeploy
    }
    #[getter]
    fn content_digest(&self) -> &str {
        &self.inner.content_digest
    }
    #[getter]
    fn assets_digest(&self) -> Option<&str> {
        self.inner.assets_digest.as_deref()
    }
    #[getter]
    fn assets_total(&self) -> usize {
        self.inner.assets_total
    }
    #[getter]
    fn assets_uploaded(&self) -> usize {
        self.inner.assets_uploaded
    }
    #[getter]
    fn deployed_at(&self) -> DateTime<Utc> {
        self.inner.deployed_at
    }
    #[getter]
    fn duration_ms(&self) -> u64 {
        self.inner.duration_ms
    }
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py_dict(py, &self.inner)
    }
    fn __repr__(&self) -> String {
        let d = &self.inner;
        format!("Deployment(worker_name={}, url={}, version_id={}, redeploy={})", repr::s(&d.worker_name), repr::s(&d.url), repr::s(&d.version_id), repr::b(d.redeploy))
    }
}

/// What the live URL answered during verification.
#[pyclass(frozen, module = "boardingpass", name = "Evidence")]
pub struct PyEvidence {
    pub inner: CoreEvidence,
}

#[pymethods]
impl PyEvidence {
    #[getter]
    fn url(&self) -> &str {
        &self.inner.url
    }
    #[getter]
    fn worker_name(&self) -> &str {
        &self.inner.worker_name
    }
    #[getter]
    fn version_id(&self) -> &str {
        &self.inner.version_id
    }
    #[getter]
    fn passed(&self) -> bool {
        self.inner.passed
    }
    #[getter]
    fn status(&self) -> Option<u16> {
        self.inner.status
    }
    #[getter]
    fn latency_ms(&self) -> u64 {
        self.inner.latency_ms
    }
    #[getter]
    fn body_sha256(&self) -> Option<&str> {
        self.inner.body_sha256.as_deref()
    }
    /// The first bytes of the body, decoded as UTF-8.
    #[getter]
    fn body_prefix(&self) -> Option<&str> {
        self.inner.body_prefix.as_deref()
    }
    #[getter]
    fn content_type(&self) -> Option<&str> {
        self.inner.content_type.as_deref()
    }
    #[getter]
    fn attempts(&self) -> u32 {
        self.inner.attempts
    }
    #[getter]
    fn checked_at(&self) -> DateTime<Utc> {
        self.inner.checked_at
    }
    /// Why the last answer did not satisfy the expectations (empty on success).
    #[getter]
    fn failures(&self) -> Vec<String> {
        self.inner.failures.clone()
    }
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py_dict(py, &self.inner)
    }
    fn __repr__(&self) -> String {
        let e = &self.inner;
        format!("Evidence(url={}, passed={}, status={}, attempts={})", repr::s(&e.url), repr::b(e.passed), repr::opt(e.status), e.attempts)
    }
}

/// One observation of the claim status.
#[pyclass(frozen, module = "boardingpass", name = "ClaimOutcome")]
pub struct PyClaimOutcome {
    pub inner: CoreOutcome,
}

#[pymethods]
impl PyClaimOutcome {
    /// `pending`, `claimed`, `expired`, `revoked` or `claimed_or_revoked`.
    #[getter]
    fn status(&self) -> &'static str {
        self.inner.status.as_str()
    }
    /// `True` when a server said so, `False` when inferred from side signals.
    #[getter]
    fn confirmed(&self) -> bool {
        self.inner.confirmed
    }
    /// `True` when a wait ended because its timeout passed first.
    #[getter]
    fn timed_out(&self) -> bool {
        self.inner.timed_out
    }
    #[getter]
    fn observed_at(&self) -> DateTime<Utc> {
        self.inner.observed_at
    }
    #[getter]
    fn changed_at(&self) -> Option<DateTime<Utc>> {
        self.inner.changed_at
    }
    #[getter]
    fn detail(&self) -> &str {
        &self.inner.detail
    }
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py_dict(py, &self.inner)
    }
    fn __repr__(&self) -> String {
        let o = &self.inner;
        format!("ClaimOutcome(status={}, confirmed={}, timed_out={})", repr::s(o.status.as_str()), repr::b(o.confirmed), repr::b(o.timed_out))
    }
}

/// What `teardown()` did.
#[pyclass(frozen, module = "boardingpass", name = "TeardownReport")]
pub struct PyTeardownReport {
    pub inner: CoreReport,
}

#[pymethods]
impl PyTeardownReport {
    #[getter]
    fn deleted_workers(&self) -> Vec<String> {
        self.inner.deleted_workers.clone()
    }
    #[getter]
    fn token_revoked(&self) -> bool {
        self.inner.token_revoked
    }
    /// Why the token could not be revoked, when it was not.
    #[getter]
    fn revocation_note(&self) -> Option<&str> {
        self.inner.revocation_note.as_deref()
    }
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py_dict(py, &self.inner)
    }
    fn __repr__(&self) -> String {
        let r = &self.inner;
        format!("TeardownReport(deleted_workers={}, token_revoked={})", repr::list(&r.deleted_workers), repr::b(r.token_revoked))
    }
}

/// The handoff document for a person. Rendered by core; it holds the claim
/// URL only when issued with `include_claim_url=True` (for the named owner).
#[pyclass(frozen, module = "boardingpass", name = "ClaimTicket")]
pub struct PyClaimTicket {
    pub inner: CoreTicket,
}

#[pymethods]
impl PyClaimTicket {
    #[getter]
    fn status(&self) -> &'static str {
        self.inner.status.as_str()
    }
    #[getter]
    fn run_id(&self) -> &str {
        &self.inner.run_id
    }
    #[getter]
    fn job_id(&self) -> Option<&str> {
        self.inner.job_id.as_deref()
    }
    #[getter]
    fn includes_claim_url(&self) -> bool {
        self.inner.claim.url.is_some()
    }
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &self.inner.to_json())
    }
    /// The JSON rendering (schema `boardingpass.claim-ticket/v1`).
    #[pyo3(signature = (*, indent=None))]
    fn to_json(&self, indent: Option<usize>) -> String {
        let value = self.inner.to_json();
        match indent {
            None => value.to_string(),
            Some(n) => {
                let pad = " ".repeat(n);
                let mut out = Vec::new();
                let mut ser = serde_json::Serializer::with_formatter(&mut out, serde_json::ser::PrettyFormatter::with_indent(pad.as_bytes()));
                serde::Serialize::serialize(&value, &mut ser).expect("a JSON value serialises");
                String::from_utf8(out).expect("JSON is UTF-8")
            }
        }
    }
    fn to_markdown(&self) -> String {
        self.inner.to_markdown()
    }
    fn __repr__(&self) -> String {
        let t = &self.inner;
        format!(
            "ClaimTicket(account_name={}, status={}, workers={}, includes_claim_url={})",
            repr::s(&t.temporary_resource.account_name),
            repr::s(t.status.as_str()),
            t.temporary_resource.workers.len(),
            repr::b(t.claim.url.is_some())
        )
    }
}

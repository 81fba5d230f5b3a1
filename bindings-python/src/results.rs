//! The claim ticket's Python class. The other results (Deployment,
//! Evidence, ClaimOutcome, TeardownReport) are core's own types, made
//! Python classes by core's `python` feature.

use boardingpass::ClaimTicket as CoreTicket;
use pyo3::prelude::*;

use crate::convert::{json_to_py, repr};

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

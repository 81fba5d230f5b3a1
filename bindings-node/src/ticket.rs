//! The claim ticket (core `ClaimTicket`) and its renderings. The record
//! view never holds the claim URL; the owner view (asked for explicitly
//! with `includeClaimUrl`) has it in `toDict`, `toJson` and `toMarkdown`,
//! while `JSON.stringify`/`util.inspect` always show the record view.

use boardingpass as bp;
use napi_derive::napi;

use crate::convert::ClaimStatus;

#[napi]
pub struct ClaimTicket {
    inner: bp::ClaimTicket,
}

impl ClaimTicket {
    pub(crate) fn new(inner: bp::ClaimTicket) -> Self {
        Self { inner }
    }
}

#[napi]
impl ClaimTicket {
    /// The ticket as a plain object (schema `boardingpass.claim-ticket/v1`).
    #[napi(ts_return_type = "Record<string, any>")]
    pub fn to_dict(&self) -> serde_json::Value {
        self.inner.to_json()
    }

    /// The same, as indented JSON text.
    #[napi]
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.inner.to_json()).unwrap_or_default()
    }

    /// Markdown for the person deciding whether to claim.
    #[napi]
    pub fn to_markdown(&self) -> String {
        self.inner.to_markdown()
    }

    /// What `JSON.stringify` sees: the record view, without the claim URL.
    #[napi(js_name = "toJSON", ts_return_type = "Record<string, any>")]
    pub fn to_record(&self) -> serde_json::Value {
        let mut record = self.inner.clone();
        record.claim.url = None;
        record.to_json()
    }

    #[napi(getter)]
    pub fn status(&self) -> ClaimStatus {
        self.inner.status
    }

    /// The client run that issued it (also in the audit log).
    #[napi(getter)]
    pub fn run_id(&self) -> String {
        self.inner.run_id.clone()
    }

    #[napi(getter)]
    pub fn job_id(&self) -> Option<String> {
        self.inner.job_id.clone()
    }

    /// True for the owner view (the renderings carry the claim URL).
    #[napi(getter)]
    pub fn includes_claim_url(&self) -> bool {
        self.inner.claim.url.is_some()
    }
}

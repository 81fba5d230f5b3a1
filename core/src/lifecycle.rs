//! The end of the governed path: audit helpers, the claim ticket, and
//! teardown to end a pass early.

use reqwest::Method;
use serde_json::{json, Value};

use crate::claim::{ClaimOutcome, ClaimStatus};
use crate::error::Error;
use crate::pass::BoardingPass;
use crate::policy::Context;
use crate::ticket::ClaimTicket;
use crate::verify::VerifyOptions;
use crate::audit::AuditKind;

/// What [`BoardingPass::teardown`] did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TeardownReport {
    pub deleted_workers: Vec<String>,
    /// `true` when the server accepted the token's revocation.
    pub token_revoked: bool,
    /// Why the token could not be revoked, when it was not.
    pub revocation_note: Option<String>,
}

impl BoardingPass {
    pub(crate) fn policy_context(&self) -> Context<'_> {
        Context { job_class: self.client().config().job_class.as_deref(), claim_owner: self.owner() }
    }

    /// Writes one audit event for this pass; secrets are scrubbed.
    pub(crate) fn audit(&self, kind: AuditKind, worker: Option<&str>, digest: Option<&str>, details: Value) -> Result<(), Error> {
        let mut secrets = vec![self.api_token(), &self.inner.claim_url];
        secrets.extend(self.claim_token());
        self.client().audit().record(kind, Some(self.account_id()), worker, digest, details, &secrets)
    }

    /// Records in the audit log that `step` failed after provisioning (a
    /// `failed` event naming the error's code) and hands the error back, or
    /// the audit log's own error when the event cannot be written. Callers
    /// that run steps of their own after a deploy use it so the log never
    /// stops silently.
    pub fn record_failure(&self, step: &str, worker: Option<&str>, digest: Option<&str>, error: Error) -> Error {
        let details = json!({"step": step, "code": error.code(), "error": error.to_string()});
        match self.audit(AuditKind::Failed, worker, digest, details) {
            Ok(()) => error,
            Err(audit_error) => audit_error,
        }
    }

    pub(crate) fn audit_claim_change(&self, o: &ClaimOutcome) {
        let details = json!({"status": o.status, "confirmed": o.confirmed, "detail": o.detail});
        if let Err(e) = self.audit(AuditKind::ClaimStatusChanged, None, None, details) {
            tracing::warn!(error = %e, "could not write the audit log");
        }
    }

    /// The handoff document. With the default policy, refused until the
    /// latest deploy of every live Worker passed verification.
    pub fn ticket(&self, status: ClaimStatus) -> Result<ClaimTicket, Error> {
        let verified = self.latest_deploys_verified();
        self.client().config().policy.check_ticket(verified)?;
        let audit = self.client().audit();
        let ticket = ClaimTicket::build(self, self.owner(), status, audit.run_id(), audit.job_id());
        self.audit(AuditKind::TicketIssued, None, None, json!({"status": status, "workers": ticket.temporary_resource.workers.len(), "claim_url": self.claim_fingerprint()}))?;
        Ok(ticket)
    }

    /// The ticket with the claim URL, for the named owner only.
    pub fn owner_ticket(&self, status: ClaimStatus) -> Result<ClaimTicket, Error> {
        Ok(self.ticket(status)?.for_owner(self))
    }

    /// Every live Worker's latest recorded deploy has passing evidence for
    /// its version at its own origin.
    fn latest_deploys_verified(&self) -> bool {
        let deployments = self.deployments();
        let evidence = self.evidence();
        let live = self.live_workers();
        !live.is_empty()
            && live.iter().all(|name| {
                let Some(last) = deployments.iter().rev().find(|d| &d.worker_name == name) else { return false };
                evidence.iter().any(|e| e.proves(last))
            })
    }

    /// Ends the pass early: deletes every live Worker, then asks the server
    /// to revoke the token (`DELETE /accounts/{a}/tokens/{token_id}`); a
    /// refusal is reported, not an error, since the token dies at expiry anyway.
    pub async fn teardown(&self) -> Result<TeardownReport, Error> {
        let mut deleted = Vec::new();
        for name in self.live_workers() {
            if let Err(e) = self.delete_worker(&name, true).await {
                return Err(self.record_failure("teardown", Some(&name), None, e));
            }
            deleted.push(name);
        }
        let (token_revoked, revocation_note) = match self.token_id() {
            None => (false, Some("the server gave no token id to revoke".to_string())),
            Some(id) => {
                let call = self.call(Method::DELETE, self.account_path(&format!("/tokens/{id}")))?;
                match self.client().http().call(call).await {
                    Ok(_) => (true, None),
                    Err(e @ (Error::Api(_) | Error::Protocol { .. })) => (false, Some(format!("revocation refused: {e}"))),
                    Err(e) => return Err(e),
                }
            }
        };
        if token_revoked {
            self.state().revoked = true;
        }
        let report = TeardownReport { deleted_workers: deleted, token_revoked, revocation_note };
        self.audit(AuditKind::TornDown, None, None, serde_json::to_value(&report).expect("report serialises"))?;
        Ok(report)
    }

    /// After expiry: does any deployed Worker still answer? `None` when
    /// nothing was deployed.
    pub(crate) async fn any_worker_answers(&self) -> Option<bool> {
        let deployments = self.deployments();
        if deployments.is_empty() {
            return None;
        }
        for d in deployments.iter().rev() {
            let opts = VerifyOptions { timeout: std::time::Duration::from_secs(3), ..Default::default() };
            if self.probe(d, &opts).await {
                return Some(true);
            }
        }
        Some(false)
    }
}

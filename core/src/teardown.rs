//! Ending a pass early: deleting Workers (wrangler's delete sequence,
//! docs/PROTOCOL.md §5: check references, then `DELETE services/{name}`) and
//! revoking the token. wrangler's tail-consumer, Durable Object and legacy
//! Workers Sites KV look-ups are skipped: a boarding pass never creates
//! those resources.

use reqwest::Method;
use serde::Deserialize;

use crate::audit::AuditKind;
use crate::error::Error;
use crate::pass::BoardingPass;

#[derive(Deserialize, Default)]
struct References {
    #[serde(default)]
    services: Services,
    #[serde(default)]
    dispatch_outbounds: Vec<serde_json::Value>,
}

#[derive(Deserialize, Default)]
struct Services {
    #[serde(default)]
    incoming: Vec<serde_json::Value>,
}

/// What [`BoardingPass::teardown`] did.
#[cfg_attr(feature = "napi", napi_derive::napi(object, object_from_js = false))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, get_all, module = "boardingpass", name = "TeardownReport"))]
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TeardownReport {
    pub deleted_workers: Vec<String>,
    /// `true` when the server accepted the token's revocation.
    pub token_revoked: bool,
    /// Why the token could not be revoked, when it was not.
    pub revocation_note: Option<String>,
}

impl BoardingPass {
    /// Ends the pass early: deletes every live Worker, then asks the server
    /// to revoke the token (`DELETE /accounts/{a}/tokens/{token_id}`); a
    /// refusal is reported, not an error, since the token dies at expiry anyway.
    #[tracing::instrument(name = "teardown", skip_all, fields(account_id = self.account_id(), run_id = self.client().audit().run_id(), job_id = self.client().audit().job_id()))]
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

    /// Deletes one Worker. Refuses (without `force`) when other Workers
    /// still reference it, as wrangler does.
    pub async fn delete_worker(&self, name: &str, force: bool) -> Result<(), Error> {
        crate::worker::validate_name(name)?;
        let call = self.call(Method::GET, self.account_path(&format!("/workers/scripts/{name}/references")))?;
        let endpoint = call.endpoint();
        let refs: References = self.client().http().call(call).await?.result_as(&endpoint)?;
        let referenced = refs.services.incoming.len() + refs.dispatch_outbounds.len();
        if referenced > 0 && !force {
            return Err(Error::invalid(
                "worker",
                format!("{name} is referenced by {referenced} other Worker(s); delete those first or pass force"),
            ));
        }
        let call = self
            .call(Method::DELETE, self.account_path(&format!("/workers/services/{name}")))?
            .query("force", force.to_string());
        self.client().http().call(call).await?;
        self.state().deleted.push(name.to_string());
        tracing::info!(worker = name, "deleted");
        Ok(())
    }
}

//! Deleting Workers before the window ends (wrangler's delete sequence,
//! docs/PROTOCOL.md §5): check references, then `DELETE services/{name}`.
//! wrangler's tail-consumer, Durable Object and legacy Workers Sites KV
//! look-ups are skipped: a boarding pass never creates those resources.

use reqwest::Method;
use serde::Deserialize;

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

impl BoardingPass {
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

//! What KV namespaces and D1 databases share as resources of the pass's
//! account: creation under the client's policy, at most once, recorded for
//! the ticket and the audit log; paged listings whose every item is checked;
//! deletion, after which the ticket no longer lists them.

use std::collections::HashMap;
use std::future::Future;

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::audit::AuditKind;
use crate::error::Error;
use crate::pass::BoardingPass;
use crate::record::PassResource;

/// Items asked for per page when listing (Cloudflare's maximum).
const PER_PAGE: usize = 100;
/// Pages read at most when listing: a server that never ends a listing
/// cannot keep the client busy.
const MAX_PAGES: usize = 100;

/// One type of resource: where its collection is and how an item of an
/// answer (`R`) becomes a checked value (`T`).
pub(crate) struct ResourceType<R, T> {
    /// Type name in the ticket, the audit log and the policy.
    pub name: &'static str,
    /// The collection, relative to the account (`/d1/database`).
    pub path: &'static str,
    /// Checks every string of an answer's item before it is used.
    pub check: fn(&str, R) -> Result<T, Error>,
    /// Name, id and size as the ticket lists them.
    pub record: fn(&T) -> PassResource,
}

impl BoardingPass {
    /// Creates one resource (`POST` its collection with `body`) once the
    /// local checks (`checked`) passed and the policy allows one more of its
    /// type. A lost answer is looked up with `lookup` instead of created
    /// twice. The ticket lists it and the audit log gets `resource_created`;
    /// a failure is recorded under `step`.
    pub(crate) async fn create_resource<R, T, F, Fut>(&self, ty: &ResourceType<R, T>, step: &str, checked: Result<(), Error>, body: Value, lookup: F) -> Result<T, Error>
    where
        R: DeserializeOwned,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Option<T>, Error>>,
    {
        let result = async {
            checked?;
            self.ensure_valid()?;
            self.client().config().policy.check_resource(&self.policy_context(), ty.name, self.state().resources.len() as u32)?;
            let call = self.call(Method::POST, self.account_path(ty.path))?.json(body);
            let endpoint = call.endpoint();
            let decode = |env: crate::envelope::Envelope| (ty.check)(&endpoint, env.result_as(&endpoint)?);
            self.client().http().call_at_most_once(call, decode, lookup).await
        }
        .await;
        match result {
            Ok(created) => {
                let resource = (ty.record)(&created);
                let detail = json!({"type": resource.kind, "name": resource.name, "id": resource.id});
                self.state().resources.push(resource);
                self.audit(AuditKind::ResourceCreated, None, None, detail)?;
                Ok(created)
            }
            Err(e) => Err(self.record_failure(step, None, None, e)),
        }
    }

    /// Every resource of the type on the account (`GET` its collection,
    /// page by page).
    pub(crate) async fn list_resources<R: DeserializeOwned, T>(&self, ty: &ResourceType<R, T>) -> Result<Vec<T>, Error> {
        let mut all = Vec::new();
        for page in 1..=MAX_PAGES {
            let call = self.call(Method::GET, self.account_path(ty.path))?.query("page", page.to_string()).query("per_page", PER_PAGE.to_string());
            let endpoint = call.endpoint();
            let raw: Vec<R> = self.client().http().call(call).await?.result_as(&endpoint)?;
            let last = raw.len() < PER_PAGE;
            for item in raw {
                all.push((ty.check)(&endpoint, item)?);
            }
            if last {
                return Ok(all);
            }
        }
        Err(Error::protocol(format!("GET {}", ty.path.trim_start_matches('/')), format!("the listing did not end within {MAX_PAGES} pages")))
    }

    /// The ids of the resources `wanted` names (binding name, resource
    /// name), by binding name: one of that name on the account is reused (a
    /// redeploy), a missing one made by `create` (`resource_created`), so
    /// data survives redeploys.
    pub(crate) async fn reuse_or_create<R, T, Fut>(&self, ty: &ResourceType<R, T>, wanted: Vec<(&str, &str)>, create: impl Fn(String) -> Fut) -> Result<HashMap<String, String>, Error>
    where
        R: DeserializeOwned,
        Fut: Future<Output = Result<T, Error>>,
    {
        let mut ids = HashMap::new();
        if wanted.is_empty() {
            return Ok(ids);
        }
        let existing: Vec<PassResource> = self.list_resources(ty).await?.iter().map(ty.record).collect();
        for (binding, name) in wanted {
            let id = match existing.iter().find(|r| r.name == name) {
                Some(r) => r.id.clone(),
                None => (ty.record)(&create(name.to_string()).await?).id,
            };
            ids.insert(binding.to_string(), id);
        }
        Ok(ids)
    }

    /// Deletes the resource at `path` (already checked); the ticket no longer
    /// lists it and the audit log gets `resource_deleted`.
    pub(crate) async fn delete_resource(&self, type_name: &str, id: &str, path: String) -> Result<(), Error> {
        let call = self.call(Method::DELETE, path)?;
        self.client().http().call(call).await?;
        let name = {
            let mut st = self.state();
            let pos = st.resources.iter().position(|r| r.kind == type_name && r.id == id);
            pos.map(|i| st.resources.remove(i).name)
        };
        self.audit(AuditKind::ResourceDeleted, None, None, json!({"type": type_name, "name": name, "id": id}))
    }
}

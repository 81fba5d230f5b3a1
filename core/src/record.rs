//! The pass's own records: what was deployed and what verification showed.
//! Deploy and verify write them, tickets and teardown read them; a caller's
//! copy of a [`Deployment`] only names a record, it never replaces one.

use chrono::{DateTime, Utc};
use url::Url;

use crate::bundle::BundleInfo;

/// What a deploy produced. Pass it back to `verify`: a copy (read back with
/// `Deserialize`, or from a binding) only names this pass's own record.
#[cfg_attr(feature = "napi", napi_derive::napi(object))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, get_all, module = "boardingpass", name = "Deployment"))]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Deployment {
    pub worker_name: String,
    /// Where the Worker answers: `https://{name}.{subdomain}.workers.dev/`,
    /// or the emulator's `http://{name}.{subdomain}.localhost:{port}/`.
    pub url: String,
    /// The canonical workers.dev URL (same as `url` on Cloudflare).
    pub workers_dev_url: String,
    pub version_id: String,
    pub startup_time_ms: Option<u32>,
    /// `false` for the first deploy of this Worker, `true` for a redeploy.
    pub redeploy: bool,
    /// SHA-256 over the uploaded modules.
    pub content_digest: String,
    /// SHA-256 over the assets manifest, when the Worker has assets.
    pub assets_digest: Option<String>,
    pub assets_total: u32,
    pub assets_uploaded: u32,
    pub deployed_at: DateTime<Utc>,
    pub duration_ms: u32,
    /// How the code was bundled, when it was (`content_digest` stays the
    /// digest of what was uploaded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<BundleInfo>,
}

/// What the live URL answered: the evidence behind a claim ticket.
#[cfg_attr(feature = "napi", napi_derive::napi(object, object_from_js = false))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, get_all, module = "boardingpass", name = "Evidence"))]
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Evidence {
    pub url: String,
    pub worker_name: String,
    pub version_id: String,
    pub passed: bool,
    pub status: Option<u16>,
    pub latency_ms: u32,
    /// `sha256:` + hex of the whole body.
    pub body_sha256: Option<String>,
    /// First bytes of the body, lossily decoded as UTF-8.
    pub body_prefix: Option<String>,
    pub content_type: Option<String>,
    pub attempts: u32,
    pub checked_at: DateTime<Utc>,
    /// Why the last answer did not satisfy the expectations (empty on success).
    pub failures: Vec<String>,
}

impl Evidence {
    /// Does this evidence show `deployment` answering: passed, for the same
    /// Worker and version, at the deployment's own origin?
    pub(crate) fn proves(&self, deployment: &Deployment) -> bool {
        let origin = |url: &str| Url::parse(url).ok().map(|u| u.origin());
        self.passed
            && self.worker_name == deployment.worker_name
            && self.version_id == deployment.version_id
            && origin(&self.url).is_some_and(|o| o.is_tuple() && Some(o) == origin(&deployment.url))
    }
}

/// What happened with this pass so far (feeds redeploys, teardown, tickets).
#[derive(Debug, Default)]
pub(crate) struct PassState {
    pub(crate) subdomain: Option<String>,
    pub(crate) deployments: Vec<Deployment>,
    pub(crate) evidence: Vec<Evidence>,
    pub(crate) deleted: Vec<String>,
    pub(crate) revoked: bool,
    /// Resources this pass created and has not deleted, in creation order.
    pub(crate) resources: Vec<PassResource>,
}

/// A resource the pass created (a KV namespace, a D1 database): what the human keeps at claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PassResource {
    /// Resource type name, e.g. `kv_namespace`, `d1_database`.
    pub(crate) kind: String,
    pub(crate) name: String,
    pub(crate) id: String,
    /// Bytes, the latest known (a D1 database's `file_size`); `None` when unknown (KV).
    pub(crate) size: Option<u64>,
}

impl PassState {
    /// Names of the Workers deployed and not deleted since, in deploy order.
    pub(crate) fn live_workers(&self) -> Vec<String> {
        let mut unique: Vec<String> = Vec::new();
        for d in &self.deployments {
            if !unique.contains(&d.worker_name) && !self.deleted.contains(&d.worker_name) {
                unique.push(d.worker_name.clone());
            }
        }
        unique
    }

    /// Every live Worker's latest deploy has passing evidence for its
    /// version at its own origin.
    pub(crate) fn latest_deploys_verified(&self) -> bool {
        let live = self.live_workers();
        !live.is_empty()
            && live.iter().all(|name| {
                let Some(last) = self.deployments.iter().rev().find(|d| &d.worker_name == name) else { return false };
                self.evidence.iter().any(|e| e.proves(last))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_proves_only_the_same_worker_and_version_at_its_own_origin() {
        let d = Deployment {
            worker_name: "app".into(),
            url: "http://app.sub.localhost:8787/".into(),
            workers_dev_url: "http://app.sub.localhost:8787/".into(),
            version_id: "v1".into(),
            startup_time_ms: None,
            redeploy: false,
            content_digest: "sha256:00".into(),
            assets_digest: None,
            assets_total: 0,
            assets_uploaded: 0,
            deployed_at: Utc::now(),
            duration_ms: 0,
            bundle: None,
        };
        let evidence = |url: &str, worker: &str, version: &str, passed: bool| Evidence {
            url: url.into(),
            worker_name: worker.into(),
            version_id: version.into(),
            passed,
            status: Some(200),
            latency_ms: 0,
            body_sha256: None,
            body_prefix: None,
            content_type: None,
            attempts: 1,
            checked_at: Utc::now(),
            failures: Vec::new(),
        };
        assert!(evidence("http://app.sub.localhost:8787/api?x=1", "app", "v1", true).proves(&d));
        for (url, worker, version, passed) in [
            ("https://example.com/", "app", "v1", true),
            ("http://app.sub.localhost:8788/", "app", "v1", true),
            ("http://other.sub.localhost:8787/", "app", "v1", true),
            ("not a url", "app", "v1", true),
            ("http://app.sub.localhost:8787/", "other", "v1", true),
            ("http://app.sub.localhost:8787/", "app", "v2", true),
            ("http://app.sub.localhost:8787/", "app", "v1", false),
        ] {
            assert!(!evidence(url, worker, version, passed).proves(&d), "{url} {worker} {version} {passed}");
        }
    }
}

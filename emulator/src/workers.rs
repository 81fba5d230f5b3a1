//! What the emulator keeps per account for Workers: scripts with their
//! versions and deployments, the content-addressed asset store, and asset
//! upload sessions.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// One uploaded module part.
#[derive(Debug, Clone)]
pub struct ModuleFile {
    /// The part's file name (its part name when it has none): what imports resolve.
    pub name: String,
    /// The form part's own name.
    pub part: String,
    pub content_type: String,
    pub bytes: Bytes,
}

/// Static assets attached to a version: manifest path → hash, and the
/// serving rules from `metadata.assets.config`.
#[derive(Debug, Clone, Default)]
pub struct AssetSet {
    pub files: BTreeMap<String, String>,
    pub config: Value,
}

/// An immutable uploaded version of a script.
#[derive(Debug, Clone)]
pub struct Version {
    pub id: String,
    pub number: u32,
    pub created_on: DateTime<Utc>,
    /// ES-module entry point, or the service-worker `body_part`.
    pub main_module: Option<String>,
    pub service_worker: bool,
    pub modules: Vec<ModuleFile>,
    pub bindings: Vec<Value>,
    pub compatibility_date: String,
    pub compatibility_flags: Vec<String>,
    pub assets: Option<AssetSet>,
    pub etag: String,
    pub startup_time_ms: u64,
    /// `workers/message`, `workers/tag` from the upload, `workers/triggered_by`.
    pub annotations: serde_json::Map<String, Value>,
}

impl Version {
    pub fn has_code(&self) -> bool {
        self.main_module.is_some()
    }
    /// Binding list as the settings API shows it: secret values withheld.
    pub fn public_bindings(&self) -> Vec<Value> {
        self.bindings
            .iter()
            .map(|b| {
                let mut b = b.clone();
                if b["type"] == "secret_text" {
                    if let Some(o) = b.as_object_mut() {
                        o.remove("text");
                    }
                }
                b
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct DeploymentRecord {
    pub id: String,
    pub created_on: DateTime<Utc>,
    pub version_id: String,
    pub annotations: Value,
}

#[derive(Debug, Clone)]
pub struct Script {
    pub name: String,
    /// Stable script tag (32 hex).
    pub tag: String,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    pub versions: Vec<Arc<Version>>,
    /// Newest last.
    pub deployments: Vec<DeploymentRecord>,
    pub workers_dev: bool,
    pub previews_enabled: bool,
    pub schedules: Vec<Value>,
    pub observability: Value,
    pub tags: Vec<String>,
}

impl Script {
    pub fn active(&self) -> Option<&Arc<Version>> {
        let id = &self.deployments.last()?.version_id;
        self.versions.iter().find(|v| &v.id == id)
    }
    pub fn version(&self, id: &str) -> Option<&Arc<Version>> {
        self.versions.iter().find(|v| v.id == id)
    }
}

/// An asset the account holds, keyed by its manifest hash.
#[derive(Debug, Clone)]
pub struct StoredAsset {
    pub bytes: Bytes,
    /// `None` when uploaded as `application/null` (served without Content-Type).
    pub content_type: Option<String>,
}

#[derive(Debug, Clone)]
pub struct UploadSession {
    pub account: String,
    pub script: String,
    /// path → (hash, size)
    pub manifest: BTreeMap<String, (String, u64)>,
    /// Hashes still to be uploaded.
    pub missing: HashSet<String>,
}

impl UploadSession {
    /// A manifest path whose content is `hash` (its extension gives the type).
    pub fn path_for(&self, hash: &str) -> Option<&str> {
        self.manifest.iter().find(|(_, (h, _))| h == hash).map(|(p, _)| p.as_str())
    }
    pub fn size_of(&self, hash: &str) -> Option<u64> {
        self.manifest.values().find(|(h, _)| h == hash).map(|(_, s)| *s)
    }
}

#[derive(Debug, Default)]
pub struct AccountWorkers {
    pub scripts: HashMap<String, Script>,
    pub assets: HashMap<String, StoredAsset>,
}

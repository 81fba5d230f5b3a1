//! Static assets, direct-upload protocol (docs/PROTOCOL.md §7): a manifest of
//! content hashes, an upload session that says which files the server lacks,
//! bucketed (or single-file) uploads authorised by the session's JWT, and
//! the completion JWT that goes into the Worker's metadata.

pub(crate) mod ignore;
mod manifest;
mod mime;
mod upload;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Map, Value};

pub use manifest::{build_manifest, hash_bytes, Manifest, ManifestEntry};
pub use mime::content_type;
pub use upload::upload;

use crate::error::Error;
use crate::secret::Secret;

/// Limits and concurrency of the assets pipeline. Limits default to those of
/// temporary accounts (docs/PROTOCOL.md §8).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AssetOptions {
    pub max_files: usize,
    pub max_file_size: u64,
    /// Files hashed at once (each holds one read buffer).
    pub hash_concurrency: usize,
    /// Buckets uploaded at once in bulk mode (wrangler: 3).
    pub upload_concurrency: usize,
    /// Cap on the server-suggested concurrency of single-asset mode.
    pub max_single_upload_concurrency: usize,
    /// Attempts per bucket.
    pub upload_attempts: u32,
    /// Backoff unit: waits are `base·2ⁿ` (wrangler: 1 s), plus `5·base·2ⁿ`
    /// after a gateway error.
    pub retry_base_delay: Duration,
}

impl Default for AssetOptions {
    fn default() -> Self {
        Self {
            max_files: 1_000,
            max_file_size: 5 * 1024 * 1024,
            hash_concurrency: 8,
            upload_concurrency: 3,
            max_single_upload_concurrency: 50,
            upload_attempts: 5,
            retry_base_delay: Duration::from_secs(1),
        }
    }
}

setters!(AssetOptions { max_files: usize, max_file_size: u64, hash_concurrency: usize, upload_concurrency: usize, max_single_upload_concurrency: usize, upload_attempts: u32, retry_base_delay: Duration });

/// Assets part of a Worker: where the files are and how they are served.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetsConfig {
    pub directory: PathBuf,
    /// Name of the binding the Worker fetches assets through (e.g. `ASSETS`).
    pub binding: Option<String>,
    /// `auto-trailing-slash` (default), `force-trailing-slash`, `drop-trailing-slash`, `none`.
    pub html_handling: Option<String>,
    /// `none` (default), `404-page`, `single-page-application`.
    pub not_found_handling: Option<String>,
    /// `true`/`false` or a list of route patterns.
    pub run_worker_first: Option<Value>,
}

impl AssetsConfig {
    pub fn new(directory: impl AsRef<Path>) -> Self {
        Self {
            directory: directory.as_ref().to_path_buf(),
            binding: None,
            html_handling: None,
            not_found_handling: None,
            run_worker_first: None,
        }
    }

    /// The metadata `assets` object: the completion JWT (exposed here and
    /// nowhere else) and the serving config, with `_redirects`/`_headers`
    /// read from the directory root when present; unset keys are dropped.
    pub fn metadata(&self, completion_jwt: &Secret) -> Result<Value, Error> {
        let mut config = Map::new();
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                config.insert(k.into(), v);
            }
        };
        put("html_handling", self.html_handling.clone().map(Value::String));
        put("not_found_handling", self.not_found_handling.clone().map(Value::String));
        put("run_worker_first", self.run_worker_first.clone());
        for (file, key) in [("_redirects", "_redirects"), ("_headers", "_headers")] {
            let path = self.directory.join(file);
            // Not through a symlink: its target may lie outside the directory.
            if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                let text = std::fs::read_to_string(&path).map_err(|source| Error::Io { path: path.display().to_string(), source })?;
                put(key, Some(Value::String(text)));
            }
        }
        Ok(json!({"jwt": completion_jwt.expose_secret(), "config": config}))
    }
}

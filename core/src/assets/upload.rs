//! Upload session and file uploads. Only the files the server lacks are
//! sent, read from disk bucket by bucket, so memory is bounded by the
//! upload concurrency times the bucket size.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::Semaphore;

use super::{content_type, AssetOptions, Manifest};
use crate::error::Error;
use crate::http::{self, Auth, Body, Call, Http, Part};
use crate::progress::{Phase, Progress};
use crate::secret::Secret;

#[derive(Debug)]
pub struct AssetUploadOutcome {
    /// Goes into the Worker metadata's `assets.jwt`.
    pub completion_jwt: Secret,
    pub files_uploaded: usize,
}

#[derive(Deserialize)]
struct Session {
    jwt: String,
    buckets: Option<Vec<Vec<String>>>,
}

#[derive(Deserialize, Default)]
struct UploadResult {
    jwt: Option<String>,
}

/// Fields of the upload JWT's payload that change the protocol (read, not verified).
#[derive(Deserialize, Default)]
struct UploadClaims {
    wrangler_single_asset_uploads: Option<bool>,
    edge_kv_upload_concurrency: Option<usize>,
    exp: Option<i64>,
}

fn claims(jwt: &Secret) -> UploadClaims {
    jwt.expose_secret()
        .split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p.trim_end_matches('=')).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

struct File {
    hash: String,
    path: PathBuf,
    key: String,
    size: u64,
}

fn read(path: &PathBuf) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|source| Error::Io { path: path.display().to_string(), source })
}

/// Runs the whole protocol for `manifest` and returns the completion JWT.
#[tracing::instrument(name = "upload_assets", skip_all, fields(account_id, worker = script_name, files = manifest.len(), bytes = manifest.total_bytes()))]
pub async fn upload(
    http: &Http,
    api_token: &Secret,
    account_id: &str,
    script_name: &str,
    manifest: &Manifest,
    opts: &AssetOptions,
    progress: &Progress,
) -> Result<AssetUploadOutcome, Error> {
    progress.emit(Phase::UploadSession, 0, 1);
    let call = Call::new(
        Method::POST,
        format!("/accounts/{account_id}/workers/scripts/{script_name}/assets-upload-session"),
        Auth::Bearer(api_token),
    )
    .json(json!({"manifest": manifest.to_json()}))
    .idempotent(true);
    let endpoint = call.endpoint();
    let session: Session = http.call(call).await?.result_as(&endpoint)?;
    progress.emit(Phase::UploadSession, 1, 1);
    crate::untrusted::credential(&endpoint, "jwt", &session.jwt)?;
    let upload_jwt = Secret::new(session.jwt);
    let buckets: Vec<Vec<String>> = session.buckets.unwrap_or_default().into_iter().filter(|b| !b.is_empty()).collect();
    if buckets.is_empty() {
        return Ok(AssetUploadOutcome { completion_jwt: upload_jwt, files_uploaded: 0 });
    }

    let by_hash: HashMap<&str, (&String, &super::ManifestEntry)> = manifest.entries.iter().map(|(k, e)| (e.hash.as_str(), (k, e))).collect();
    let resolve = |hash: &String| -> Result<File, Error> {
        let (key, e) = by_hash
            .get(hash.as_str())
            .ok_or_else(|| Error::protocol(&endpoint, format!("server asked for {}, which is not in the manifest", crate::untrusted::quote(hash))))?;
        Ok(File { hash: hash.clone(), path: e.path.clone(), key: (*key).clone(), size: e.size })
    };
    let buckets: Vec<Vec<File>> = buckets.iter().map(|b| b.iter().map(&resolve).collect()).collect::<Result<_, _>>()?;
    let total: u64 = buckets.iter().flatten().map(|f| f.size).sum();
    let files: usize = buckets.iter().map(Vec::len).sum();
    let c = claims(&upload_jwt);
    let single = c.wrangler_single_asset_uploads == Some(true);
    let units: Vec<Vec<File>> = if single { buckets.into_iter().flatten().map(|f| vec![f]).collect() } else { buckets };
    let concurrency = if single {
        c.edge_kv_upload_concurrency.unwrap_or(50).clamp(1, opts.max_single_upload_concurrency.max(1))
    } else {
        opts.upload_concurrency.max(1)
    };

    let ctx = Uploader {
        http,
        jwt: &upload_jwt,
        account_id,
        single,
        opts,
        progress,
        total,
        sent: AtomicU64::new(0),
        completion: Mutex::new(None),
        permits: Arc::new(Semaphore::new(concurrency)),
        throttled: std::sync::atomic::AtomicBool::new(false),
        concurrency,
    };
    progress.emit(Phase::Uploading, 0, total);
    let result: Result<Vec<()>, Error> = futures::stream::iter(units).map(|unit| ctx.send_unit(unit)).buffer_unordered(concurrency).try_collect().await;
    if let Err(e) = result {
        return Err(match c.exp {
            // `exp` is the first second the token is no longer valid (RFC 7519).
            Some(exp) if exp <= chrono::Utc::now().timestamp() => Error::InvalidInput {
                field: "assets upload".into(),
                message: format!(
                    "the upload took longer than its one-hour session ({e}); deploy again: files already uploaded are kept and only the rest is sent"
                ),
            },
            _ => e,
        });
    }
    let completion = ctx.completion.lock().unwrap_or_else(|p| p.into_inner()).take();
    let completion_jwt = completion
        .ok_or_else(|| Error::protocol("POST /workers/assets/upload", "every file was sent but no completion token (result.jwt) arrived"))?;
    Ok(AssetUploadOutcome { completion_jwt, files_uploaded: files })
}

struct Uploader<'a> {
    http: &'a Http,
    jwt: &'a Secret,
    account_id: &'a str,
    single: bool,
    opts: &'a AssetOptions,
    progress: &'a Progress,
    total: u64,
    sent: AtomicU64,
    completion: Mutex<Option<Secret>>,
    permits: Arc<Semaphore>,
    throttled: std::sync::atomic::AtomicBool,
    concurrency: usize,
}

impl Uploader<'_> {
    fn call(&self, unit: &[File]) -> Result<Call<'_>, Error> {
        let base = format!("/accounts/{}/workers/assets/upload", self.account_id);
        let call = if self.single {
            let f = &unit[0];
            Call::new(Method::POST, format!("{base}/{}", f.hash), Auth::Bearer(self.jwt))
                .body(Body::Raw { content_type: content_type(&f.key), bytes: Bytes::from(read(&f.path)?) })
        } else {
            let parts = unit
                .iter()
                .map(|f| {
                    Ok(Part {
                        name: f.hash.clone(),
                        filename: Some(f.hash.clone()),
                        content_type: Some(content_type(&f.key)),
                        bytes: Bytes::from(STANDARD.encode(read(&f.path)?)),
                    })
                })
                .collect::<Result<Vec<_>, Error>>()?;
            Call::new(Method::POST, base, Auth::Bearer(self.jwt)).query("base64", "true").body(Body::Multipart(parts))
        };
        // Retries are ours (per bucket, wrangler's schedule), not the generic ones.
        Ok(call.idempotent(false).timeout(Duration::from_secs(300)))
    }

    async fn send_unit(&self, unit: Vec<File>) -> Result<(), Error> {
        let _permit = self.permits.acquire().await.map_err(|_| Error::Cancelled)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let call = self.call(&unit)?;
            let endpoint = call.endpoint();
            let outcome = self.http.call(call).await;
            let err = match outcome {
                Ok(env) => {
                    let r: UploadResult = if env.result.is_object() { env.result_as(&endpoint)? } else { UploadResult::default() };
                    if let Some(jwt) = r.jwt {
                        *self.completion.lock().unwrap_or_else(|p| p.into_inner()) = Some(Secret::new(jwt));
                    }
                    let bytes: u64 = unit.iter().map(|f| f.size).sum();
                    let done = self.sent.fetch_add(bytes, Ordering::Relaxed) + bytes;
                    self.progress.emit(Phase::Uploading, done, self.total);
                    return Ok(());
                }
                Err(e) => e,
            };
            let status = err.status().unwrap_or(0);
            // Files are content-addressed: sending one twice stores it once.
            if http::transient(&err).is_none() || attempt >= self.opts.upload_attempts {
                return Err(err);
            }
            let base = self.opts.retry_base_delay * 2u32.pow(attempt - 1);
            let gateway = matches!(status, 502 | 503 | 504 | 524);
            if gateway && !self.throttled.swap(true, Ordering::Relaxed) {
                // Back off the whole upload: keep one bucket in flight.
                self.permits.forget_permits(self.concurrency.saturating_sub(1));
            }
            let wait = err.retry_after().unwrap_or(if gateway { base + base * 5 } else { base });
            tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, status, "asset upload failed; retrying");
            tokio::time::sleep(wait).await;
        }
    }
}

//! Static-assets direct upload (docs/PROTOCOL.md §7): session → buckets of
//! missing hashes → uploads authorised by the upload JWT → completion JWT
//! once every file arrived. A hash is the client's opaque key for a file's
//! content (wrangler and Cloudflare's docs compute it differently), so it is
//! checked only against the manifest: one size per hash, and that size
//! uploaded. Every temporary-account limit is enforced here too.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use bytes::Bytes;
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use crate::body::{excerpt, multipart_error, JsonBody, MultipartBody, RawBody};
use crate::envelope::{self, bad_request, ApiError, ASSET_HASH_MISMATCH, ASSET_LIMIT, ASSET_NOT_EXPECTED, ASSET_TOKEN_INVALID, BAD_REQUEST};
use crate::jwt::{self, AssetClaims, Purpose};
use crate::state::AppState;
use crate::workers::{StoredAsset, UploadSession};

type Shared = State<Arc<AppState>>;

#[derive(Deserialize)]
pub struct SessionRequest {
    manifest: BTreeMap<String, ManifestEntry>,
}

#[derive(Deserialize)]
struct ManifestEntry {
    hash: String,
    size: u64,
}

fn token(state: &AppState, sid: &str, acc: &str, purpose: Purpose) -> String {
    let single = purpose == Purpose::Upload && state.config.single_asset_uploads;
    jwt::sign(&state.key, &AssetClaims {
        sid: sid.to_string(),
        acc: acc.to_string(),
        purpose,
        exp: Utc::now().timestamp() + state.config.asset_jwt_ttl.as_secs() as i64,
        wrangler_single_asset_uploads: single.then_some(true),
        edge_kv_upload_concurrency: None,
    })
}

fn is_hash(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// An uploaded file is named by its hash; anything else is refused before
/// it is read, and never repeated in full.
fn part_hash(name: &str) -> Result<String, ApiError> {
    if is_hash(name) {
        Ok(name.to_string())
    } else {
        Err(bad_request(BAD_REQUEST, format!("uploaded file {} is not named by its 32-hex-character hash", excerpt(name))))
    }
}

fn check_manifest(state: &AppState, manifest: &BTreeMap<String, ManifestEntry>) -> Result<(), ApiError> {
    let limit = state.config.max_asset_files;
    if manifest.len() > limit {
        return Err(bad_request(ASSET_LIMIT, format!("{} asset files, over the limit of {limit} per deployment", manifest.len())));
    }
    for (path, e) in manifest {
        if !path.starts_with('/') {
            return Err(bad_request(BAD_REQUEST, format!("manifest path {} must start with '/'", excerpt(path))));
        }
        if !is_hash(&e.hash) {
            return Err(bad_request(BAD_REQUEST, format!("manifest entry {}: hash must be 32 hex characters", excerpt(path))));
        }
        if e.size > state.config.max_asset_size {
            return Err(bad_request(ASSET_LIMIT, format!("asset {} is {} bytes, over the limit of {} bytes per file", excerpt(path), e.size, state.config.max_asset_size)));
        }
        if let Some((other, _)) = manifest.iter().find(|(_, o)| o.hash == e.hash && o.size != e.size) {
            return Err(bad_request(ASSET_HASH_MISMATCH, format!("manifest entries {} and {} share a hash but not a size", excerpt(other), excerpt(path))));
        }
    }
    Ok(())
}

/// `POST scripts/{name}/assets-upload-session`
pub async fn session(State(state): Shared, Path((acc, name)): Path<(String, String)>, JsonBody(req): JsonBody<SessionRequest>) -> Result<Response, ApiError> {
    check_manifest(&state, &req.manifest)?;
    let sid = hex::encode(rand::random::<[u8; 16]>());
    let mut store = state.store();
    let held: HashSet<String> = store.workers.get(&acc).map(|w| w.assets.keys().cloned().collect()).unwrap_or_default();
    let mut missing: Vec<String> = req.manifest.values().map(|e| e.hash.clone()).filter(|h| !held.contains(h)).collect();
    missing.sort();
    missing.dedup();
    let buckets: Vec<Vec<String>> = missing.chunks(state.config.asset_bucket_size.max(1)).map(<[String]>::to_vec).collect();
    let manifest = req.manifest.into_iter().map(|(p, e)| (p, (e.hash, e.size))).collect();
    store.sessions.insert(sid.clone(), UploadSession { account: acc.clone(), script: name, manifest, missing: missing.iter().cloned().collect() });
    drop(store);
    // Nothing to upload: the token is already the completion token.
    let purpose = if missing.is_empty() { Purpose::Complete } else { Purpose::Upload };
    Ok(envelope::ok(json!({"jwt": token(&state, &sid, &acc, purpose), "buckets": buckets})))
}

/// Stores uploaded files after checking each against the session; answers
/// 201 with the completion token when the session is complete, else 202.
fn accept(state: &AppState, claims: &AssetClaims, files: Vec<(String, Bytes, Option<String>)>) -> Result<Response, ApiError> {
    let mut store = state.store();
    let session = store.sessions.get(&claims.sid).cloned().ok_or_else(|| bad_request(ASSET_TOKEN_INVALID, "the upload session has ended"))?;
    let mut checked = Vec::new();
    for (hash, bytes, content_type) in files {
        if !session.manifest.values().any(|(h, _)| h == &hash) {
            return Err(bad_request(ASSET_NOT_EXPECTED, format!("{hash} is not in this session's manifest")));
        }
        let path = session.path_for(&hash).unwrap_or_default();
        if Some(bytes.len() as u64) != session.size_of(&hash) {
            return Err(bad_request(ASSET_HASH_MISMATCH, format!("{hash} ({}) is {} bytes, the manifest said {:?}", excerpt(path), bytes.len(), session.size_of(&hash))));
        }
        // Without a part type (the SDKs send none) the type comes from the
        // file's extension, as Cloudflare serves assets; `application/null`
        // (wrangler, unknown types) means none.
        let content_type = content_type.unwrap_or_else(|| boardingpass::asset_content_type(path));
        let content_type = Some(content_type).filter(|c| !c.starts_with("application/null"));
        checked.push((hash, StoredAsset { bytes, content_type }));
    }
    let held = &mut store.workers.entry(session.account.clone()).or_default().assets;
    let mut done = Vec::new();
    for (hash, asset) in checked {
        held.insert(hash.clone(), asset);
        done.push(hash);
    }
    let s = store.sessions.get_mut(&claims.sid).expect("session read above");
    for h in done {
        s.missing.remove(&h);
    }
    if s.missing.is_empty() {
        let acc = s.account.clone();
        drop(store);
        Ok(envelope::ok_with(StatusCode::CREATED, json!({"jwt": token(state, &claims.sid, &acc, Purpose::Complete)})))
    } else {
        Ok(envelope::ok_with(StatusCode::ACCEPTED, json!({})))
    }
}

#[derive(Deserialize)]
pub struct UploadQuery {
    base64: Option<String>,
}

/// `POST workers/assets/upload?base64=true`: one part per hash.
pub async fn upload(State(state): Shared, Extension(claims): Extension<AssetClaims>, Query(q): Query<UploadQuery>, MultipartBody(mut form): MultipartBody) -> Result<Response, ApiError> {
    let base64 = q.base64.as_deref() == Some("true");
    let mut files = Vec::new();
    while let Some(field) = form.next_field().await.map_err(|e| multipart_error(&e))? {
        let hash = part_hash(field.name().unwrap_or_default())?;
        let content_type = field.content_type().map(str::to_string);
        let body = field.bytes().await.map_err(|e| multipart_error(&e))?;
        let bytes = if base64 {
            Bytes::from(STANDARD.decode(&body).map_err(|e| bad_request(BAD_REQUEST, format!("part {hash} is not base64: {e}")))?)
        } else {
            body
        };
        if bytes.len() as u64 > state.config.max_asset_size {
            return Err(bad_request(ASSET_LIMIT, format!("{hash} is {} bytes, over the limit of {} bytes per file", bytes.len(), state.config.max_asset_size)));
        }
        files.push((hash, bytes, content_type));
    }
    accept(&state, &claims, files)
}

/// `POST workers/assets/upload/{hash}`: single-asset mode, raw bytes.
pub async fn upload_one(State(state): Shared, Path((_, hash)): Path<(String, String)>, Extension(claims): Extension<AssetClaims>, headers: HeaderMap, RawBody(body): RawBody) -> Result<Response, ApiError> {
    let hash = part_hash(&hash)?;
    if body.len() as u64 > state.config.max_asset_size {
        return Err(bad_request(ASSET_LIMIT, format!("{hash} is {} bytes, over the limit of {} bytes per file", body.len(), state.config.max_asset_size)));
    }
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).map(str::to_string);
    accept(&state, &claims, vec![(hash, body, content_type)])
}

//! Turns a script upload (multipart form, docs/PROTOCOL.md §6, in the forms
//! listed in docs/EMULATOR.md) into a `Version`:
//! metadata, modules, bindings (with `inherit` and `keep_bindings`), and the
//! asset set proven by a completion token.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use bytes::Bytes;
use chrono::Utc;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::form_fields;
use crate::body::{excerpt, multipart_error, MultipartBody, RawBody};
use crate::config::EmulatorConfig;
use crate::envelope::{bad_request, ApiError, ASSET_TOKEN_INVALID, ASSET_UPLOAD_INCOMPLETE, BAD_REQUEST, SCRIPT_INVALID, SCRIPT_TOO_LARGE, TOO_MANY_VERSIONS, TOO_MANY_WORKERS};
use crate::jwt::{self, Purpose};
use crate::state::AppState;
use crate::workers::{AccountWorkers, AssetSet, ModuleFile, Script, Version};

pub struct Upload {
    pub metadata: Value,
    pub modules: Vec<ModuleFile>,
}

/// Reads a script upload in any form a client sends it: a multipart form
/// (metadata as one JSON part or as `metadata[…]` fields; modules named by
/// file name, else by part name), JSON `{"metadata": …}` for an update
/// without files, or a bare service-worker script.
pub async fn read(req: Request) -> Result<Upload, ApiError> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let MultipartBody(form) = MultipartBody::from_request(req, &()).await?;
        return read_form(form).await;
    }
    let RawBody(bytes) = RawBody::from_request(req, &()).await?;
    // The TypeScript SDK labels every script upload `application/javascript`,
    // its forms and its JSON alike: the bytes decide.
    if let Some(boundary) = form_boundary(&bytes) {
        let relabelled = Request::builder()
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(axum::body::Body::from(bytes.clone()))
            .map_err(|_| bad_request(BAD_REQUEST, "the multipart body's boundary is not usable"))?;
        let MultipartBody(form) = MultipartBody::from_request(relabelled, &()).await?;
        return read_form(form).await;
    }
    if let Ok(Value::Object(mut o)) = serde_json::from_slice::<Value>(&bytes) {
        if let Some(metadata) = o.remove("metadata") {
            return Ok(Upload { metadata, modules: Vec::new() });
        }
    }
    if content_type.starts_with("application/javascript") || content_type.starts_with("text/javascript") {
        let script = ModuleFile { name: SERVICE_WORKER_PART.into(), part: SERVICE_WORKER_PART.into(), content_type: "application/javascript".into(), bytes };
        return Ok(Upload { metadata: json!({"body_part": SERVICE_WORKER_PART}), modules: vec![script] });
    }
    Err(bad_request(BAD_REQUEST, "the body must be multipart/form-data (metadata and modules), JSON {\"metadata\": …}, or a service-worker script sent as application/javascript"))
}

/// The boundary of a body that is a multipart form whatever its label says:
/// it opens with `--boundary` (RFC 2046: 1-70 characters) and a line break.
fn form_boundary(body: &[u8]) -> Option<String> {
    let rest = body.strip_prefix(b"--")?;
    let end = rest.windows(2).take(71).position(|w| w == b"\r\n")?;
    let boundary = std::str::from_utf8(&rest[..end]).ok()?;
    let usable = !boundary.is_empty() && boundary.bytes().all(|b| b.is_ascii_graphic() && b != b'"');
    usable.then(|| boundary.to_string())
}

/// The part name a bare service-worker script gets.
const SERVICE_WORKER_PART: &str = "script";

async fn read_form(mut form: Multipart) -> Result<Upload, ApiError> {
    let mut metadata = None;
    let mut fields = Vec::new();
    let mut modules = Vec::new();
    while let Some(field) = form.next_field().await.map_err(|e| multipart_error(&e))? {
        let part = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().filter(|f| !f.is_empty()).map(str::to_string);
        let content_type = field.content_type().unwrap_or("application/octet-stream").to_string();
        let bytes: Bytes = field.bytes().await.map_err(|e| multipart_error(&e))?;
        if part == "metadata" {
            let v: Value = serde_json::from_slice(&bytes).map_err(|e| bad_request(BAD_REQUEST, format!("metadata is not JSON: {e}")))?;
            metadata = Some(v);
        } else if part.starts_with("metadata[") {
            let value = String::from_utf8(bytes.to_vec()).map_err(|_| bad_request(BAD_REQUEST, format!("form field {} is not UTF-8", excerpt(&part))))?;
            fields.push((part, value));
        } else {
            modules.push(ModuleFile { name: file_name.unwrap_or_else(|| part.clone()), part, content_type, bytes });
        }
    }
    let metadata = match metadata {
        Some(m) => m,
        None if !fields.is_empty() => form_fields::assemble(&fields)?,
        None => return Err(bad_request(BAD_REQUEST, "the form has no metadata part")),
    };
    Ok(Upload { metadata, modules })
}

/// Whether one more version of `name` fits: a new Worker under the
/// account's Worker cap, a new version under the Worker's version cap.
pub fn room(config: &EmulatorConfig, workers: Option<&AccountWorkers>, name: &str) -> Result<(), ApiError> {
    let scripts = workers.map(|w| &w.scripts);
    match scripts.and_then(|s| s.get(name)) {
        Some(script) if script.versions.len() >= config.max_versions => Err(bad_request(
            TOO_MANY_VERSIONS,
            format!("Worker {name} has {} versions, the most one Worker may have; delete it and deploy again", script.versions.len()),
        )),
        Some(_) => Ok(()),
        None if scripts.map_or(0, |s| s.len()) >= config.max_workers => Err(bad_request(
            TOO_MANY_WORKERS,
            format!("this account has {} Workers, the most one account may have; delete one first", config.max_workers),
        )),
        None => Ok(()),
    }
}

pub fn uuid() -> String {
    let b: [u8; 16] = rand::random();
    let h = hex::encode(b);
    format!("{}-{}-4{}-{}-{}", &h[0..8], &h[8..12], &h[13..16], &h[16..20], &h[20..32])
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

/// A `kv_namespace` or `d1` binding must name a resource of this account:
/// an id of another account's (or none) is refused like an unknown one
/// (KV 10013, D1 7404).
fn storage_bindings_are_own(state: &AppState, account: &str, bindings: &[Value]) -> Result<(), ApiError> {
    let store = state.store();
    for b in bindings {
        let id_of = |field: &str| b[field].as_str().unwrap_or_default();
        let (product, noun, code, id, own) = match b["type"].as_str() {
            Some("kv_namespace") => {
                let id = id_of("namespace_id");
                ("KV", "namespace", crate::kv::NAMESPACE_NOT_FOUND, id, store.kv.get(account).is_some_and(|kv| kv.namespaces.contains_key(id)))
            }
            Some("d1") => {
                let id = id_of("id");
                ("D1", "database", crate::d1::NOT_FOUND, id, store.d1.get(account).is_some_and(|d| d.databases.contains_key(id)))
            }
            _ => continue,
        };
        if !own {
            return Err(bad_request(code, format!("{product} binding {} names {noun} {}, which this account does not have", excerpt(b["name"].as_str().unwrap_or_default()), excerpt(id))));
        }
    }
    Ok(())
}

/// Resolves `inherit` bindings and carries over the `keep_bindings` types
/// from the version currently deployed.
fn bindings(metadata: &Value, previous: Option<&Version>) -> Result<Vec<Value>, ApiError> {
    let mut out = Vec::new();
    for b in metadata["bindings"].as_array().into_iter().flatten() {
        if b["type"] == "inherit" {
            let name = b["name"].as_str().unwrap_or_default();
            let found = previous.and_then(|p| p.bindings.iter().find(|x| x["name"] == name));
            out.push(found.cloned().ok_or_else(|| bad_request(SCRIPT_INVALID, format!("binding {} is marked inherit but the deployed version has no such binding", excerpt(name))))?);
        } else {
            out.push(b.clone());
        }
    }
    let keep = strings(&metadata["keep_bindings"]);
    if let Some(prev) = previous {
        for b in &prev.bindings {
            let kept = b["type"].as_str().is_some_and(|t| keep.iter().any(|k| k == t));
            if kept && !out.iter().any(|x| x["name"] == b["name"]) {
                out.push(b.clone());
            }
        }
    }
    Ok(out)
}

/// The asset set a completion token proves for `account`.
fn assets(state: &AppState, account: &str, meta: &Value, previous: Option<&Version>) -> Result<Option<AssetSet>, ApiError> {
    let config = meta.get("config").cloned().unwrap_or(Value::Null);
    if meta["keep_assets"] == true {
        let prev = previous.and_then(|p| p.assets.clone()).ok_or_else(|| bad_request(ASSET_UPLOAD_INCOMPLETE, "keep_assets is set but the deployed version has no assets"))?;
        return Ok(Some(AssetSet { config: if config.is_null() { prev.config } else { config }, ..prev }));
    }
    let Some(token) = meta["jwt"].as_str() else { return Ok(None) };
    let claims = jwt::verify(&state.key, token, Utc::now().timestamp())
        .map_err(|e| bad_request(ASSET_TOKEN_INVALID, format!("assets.jwt is not a valid completion token ({e:?}); run the upload session again")))?;
    if claims.purpose != Purpose::Complete || claims.acc != account {
        return Err(bad_request(ASSET_TOKEN_INVALID, "assets.jwt is not a completion token of this account"));
    }
    let store = state.store();
    let session = store.sessions.get(&claims.sid).ok_or_else(|| bad_request(ASSET_TOKEN_INVALID, "the upload session of assets.jwt is unknown"))?;
    if !session.missing.is_empty() {
        return Err(bad_request(ASSET_UPLOAD_INCOMPLETE, format!("{} asset(s) of the session were never uploaded", session.missing.len())));
    }
    let files = session.manifest.iter().map(|(p, (h, _))| (p.clone(), h.clone())).collect();
    Ok(Some(AssetSet { files, config }))
}

/// The caller's version annotations (`workers/message`, `workers/tag`);
/// `workers/triggered_by` is the server's to set.
fn annotations(given: &Value) -> Result<serde_json::Map<String, Value>, ApiError> {
    let mut out = serde_json::Map::new();
    for key in ["workers/message", "workers/tag"] {
        match &given[key] {
            Value::Null => {}
            Value::String(s) if key == "workers/tag" && s.len() > 100 => {
                return Err(bad_request(BAD_REQUEST, "annotations[\"workers/tag\"] is longer than 100 bytes"))
            }
            Value::String(s) => {
                out.insert(key.into(), Value::String(s.clone()));
            }
            _ => return Err(bad_request(BAD_REQUEST, format!("annotations[{key:?}] must be a string"))),
        }
    }
    Ok(out)
}

/// Builds (without storing) the next version of `script` from an upload.
pub fn version(state: &AppState, account: &str, existing: Option<&Script>, upload: Upload) -> Result<Version, ApiError> {
    let Upload { metadata, modules } = upload;
    let previous = existing.and_then(|s| s.active()).map(|v| v.as_ref());
    let size: u64 = modules.iter().map(|m| m.bytes.len() as u64).sum();
    if size > state.config.max_script_size {
        return Err(bad_request(SCRIPT_TOO_LARGE, format!("the Worker's modules total {size} bytes, over the limit of {} bytes", state.config.max_script_size)));
    }
    let (main_module, service_worker) = match (metadata["main_module"].as_str(), metadata["body_part"].as_str()) {
        (Some(m), _) => (Some(m.to_string()), false),
        (None, Some(b)) => (Some(b.to_string()), true),
        (None, None) => (None, false),
    };
    // Metadata names a module by its file name; by part name for clients that name parts after files.
    let main_module = match main_module {
        Some(main) => match modules.iter().find(|m| m.name == main).or_else(|| modules.iter().find(|m| m.part == main)) {
            Some(m) => Some(m.name.clone()),
            None => return Err(bad_request(SCRIPT_INVALID, format!("Uncaught Error: No such module {} (named by metadata but not uploaded)", excerpt(&main)))),
        },
        None => None,
    };
    let assets = match metadata.get("assets") {
        Some(meta) => assets(state, account, meta, previous)?,
        None => None,
    };
    if main_module.is_none() && assets.is_none() {
        return Err(bad_request(SCRIPT_INVALID, "the upload has neither a main module (main_module/body_part) nor assets"));
    }
    let bindings = bindings(&metadata, previous)?;
    storage_bindings_are_own(state, account, &bindings)?;
    let mut etag = Sha256::new();
    for m in &modules {
        etag.update(m.name.as_bytes());
        etag.update(&m.bytes);
    }
    etag.update(metadata.to_string().as_bytes());
    Ok(Version {
        annotations: annotations(&metadata["annotations"])?,
        id: uuid(),
        number: existing.map_or(1, |s| s.versions.len() as u32 + 1),
        created_on: Utc::now(),
        bindings,
        compatibility_date: metadata["compatibility_date"].as_str().unwrap_or("2024-01-01").to_string(),
        compatibility_flags: strings(&metadata["compatibility_flags"]),
        main_module,
        service_worker,
        modules,
        assets,
        etag: hex::encode(etag.finalize()),
        startup_time_ms: 0,
    })
}

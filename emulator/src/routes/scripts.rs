//! The Workers script surface wrangler 4.164 and the official SDKs use
//! (docs/PROTOCOL.md §5, docs/EMULATOR.md): list, upload, download, versions,
//! deployments, settings, workers.dev toggle, delete. "Not found" codes are
//! exact: 10007 on `scripts/…`, 10090 on `services/…`.

use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::script_upload::{self, uuid};
use crate::body::{excerpt, JsonBody};
use crate::envelope::{self, bad_request, service_not_found, worker_not_found, ApiError, BAD_REQUEST, SCRIPT_INVALID, VERSION_NOT_FOUND};
use crate::gateway;
use crate::runner::{AssetsLink, Instance};
use crate::state::AppState;
use crate::workers::{DeploymentRecord, Script, Version};

type Shared = State<Arc<AppState>>;

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn script_of(state: &AppState, account: &str, name: &str) -> Option<Script> {
    state.store().workers.get(account).and_then(|w| w.scripts.get(name)).cloned()
}

fn handlers(v: &Version) -> Vec<&'static str> {
    if v.has_code() { vec!["fetch"] } else { vec![] }
}

fn script_json(s: &Script, v: &Version) -> Value {
    json!({
        "id": s.name, "tag": s.tag, "etag": v.etag, "handlers": handlers(v),
        "created_on": ts(s.created_on), "modified_on": ts(s.modified_on), "usage_model": "standard",
        "compatibility_date": v.compatibility_date, "compatibility_flags": v.compatibility_flags,
        "last_deployed_from": "wrangler", "has_assets": v.assets.is_some(), "has_modules": v.has_code(),
        "entry_point": v.main_module, "logpush": false, "tail_consumers": [],
    })
}

/// Starts workerd for a version with code; assets-only versions need none.
async fn start(state: &Arc<AppState>, account: &str, script: &str, version: &Version) -> Result<Option<Arc<Instance>>, ApiError> {
    if !version.has_code() {
        return Ok(None);
    }
    let token = gateway::assets_token(state, account, script, &version.id);
    let address = state.origin.trim_start_matches("http://").to_string();
    let link = version.assets.as_ref().map(|_| AssetsLink { address: &address, header: gateway::ASSETS_HEADER, token: &token });
    let route = gateway::code_token(state, account, script, &version.id);
    state.runner.start(account, script, version, link, &route).await.map(Some).map_err(|e| bad_request(SCRIPT_INVALID, e))
}

/// Checked before the upload is read, so a full account costs no upload.
fn room(state: &AppState, account: &str, name: &str) -> Result<(), ApiError> {
    script_upload::room(&state.config, state.store().workers.get(account), name)
}

fn validate_name(name: &str) -> Result<(), ApiError> {
    boardingpass::validate_worker_name(name).map_err(|e| bad_request(BAD_REQUEST, e.to_string()))
}

/// `PUT scripts/{name}`: upload and deploy at once.
pub async fn put(State(state): Shared, Path((acc, name)): Path<(String, String)>, req: Request) -> Result<Response, ApiError> {
    validate_name(&name)?;
    room(&state, &acc, &name)?;
    let upload = script_upload::read(req).await?;
    let existing = script_of(&state, &acc, &name);
    let mut version = script_upload::version(&state, &acc, existing.as_ref(), upload)?;
    version.annotations.insert("workers/triggered_by".into(), json!("upload"));
    let instance = start(&state, &acc, &name, &version).await?;
    version.startup_time_ms = instance.as_ref().map_or(0, |i| i.startup_time_ms);
    let version = Arc::new(version);
    let now = Utc::now();
    let script = {
        let mut store = state.store();
        // Again under the lock: concurrent uploads may have filled the room.
        script_upload::room(&state.config, store.workers.get(&acc), &name)?;
        let script = store.workers.entry(acc.clone()).or_default().scripts.entry(name.clone()).or_insert_with(|| Script {
            name: name.clone(),
            tag: hex::encode(rand::random::<[u8; 16]>()),
            created_on: now,
            modified_on: now,
            versions: Vec::new(),
            deployments: Vec::new(),
            workers_dev: false,
            previews_enabled: false,
            schedules: Vec::new(),
            observability: json!({"enabled": false}),
            tags: Vec::new(),
        });
        script.modified_on = now;
        script.versions.push(version.clone());
        script.deployments.push(DeploymentRecord { id: uuid(), created_on: now, version_id: version.id.clone(), annotations: json!({"workers/triggered_by": "upload"}) });
        script.clone()
    };
    match instance {
        Some(i) => state.runner.activate(&acc, &name, i),
        None => state.runner.stop(&acc, &name),
    }
    let mut result = script_json(&script, &version);
    result["deployment_id"] = json!(version.id);
    result["startup_time_ms"] = json!(version.startup_time_ms);
    Ok(envelope::ok(result))
}

/// `POST scripts/{name}/versions`: upload without deploying; the version is
/// started (and so validated) now and routed by the next deployment.
pub async fn upload_version(State(state): Shared, Path((acc, name)): Path<(String, String)>, req: Request) -> Result<Response, ApiError> {
    room(&state, &acc, &name)?;
    let upload = script_upload::read(req).await?;
    let existing = script_of(&state, &acc, &name).ok_or_else(worker_not_found)?;
    let mut version = script_upload::version(&state, &acc, Some(&existing), upload)?;
    version.annotations.insert("workers/triggered_by".into(), json!("version_upload"));
    let instance = start(&state, &acc, &name, &version).await?;
    version.startup_time_ms = instance.as_ref().map_or(0, |i| i.startup_time_ms);
    let version = Arc::new(version);
    {
        let mut store = state.store();
        script_upload::room(&state.config, store.workers.get(&acc), &name)?;
        let script = store.workers.get_mut(&acc).and_then(|w| w.scripts.get_mut(&name)).ok_or_else(worker_not_found)?;
        script.versions.push(version.clone());
    }
    if let Some(i) = instance {
        state.runner.prepare(&acc, &name, i);
    }
    Ok(envelope::ok(version_detail(&version)))
}

/// A version as the versions API shows it (upload answer and `GET versions/{id}`).
fn version_detail(v: &Version) -> Value {
    json!({
        "id": v.id, "number": v.number, "metadata": version_metadata(v), "annotations": v.annotations,
        "resources": {
            "script": {"etag": v.etag, "handlers": handlers(v), "last_deployed_from": "wrangler"},
            "script_runtime": {"compatibility_date": v.compatibility_date, "compatibility_flags": v.compatibility_flags, "usage_model": "standard"},
            "bindings": v.public_bindings(),
        },
        "startup_time_ms": v.startup_time_ms,
    })
}

fn version_metadata(v: &Version) -> Value {
    json!({"author_email": "", "author_id": "", "created_on": ts(v.created_on), "modified_on": ts(v.created_on), "source": "wrangler"})
}

/// `GET scripts/{name}/versions`: the versions, newest first, with their
/// annotations (how a client finds an upload whose answer it lost), a page
/// at a time (`page`, `per_page`: the SDKs walk pages until one is empty).
pub async fn versions(State(state): Shared, Path((acc, name)): Path<(String, String)>, Query(page): Query<PageQuery>) -> Result<Response, ApiError> {
    let script = script_of(&state, &acc, &name).ok_or_else(worker_not_found)?;
    let all: Vec<&Arc<Version>> = script.versions.iter().rev().collect();
    let (number, per_page) = (page.page.unwrap_or(1).max(1), page.per_page.unwrap_or(DEFAULT_PER_PAGE).clamp(1, MAX_PER_PAGE));
    let items: Vec<Value> = all
        .iter()
        .skip((number - 1).saturating_mul(per_page))
        .take(per_page)
        .map(|v| json!({"id": v.id, "number": v.number, "metadata": version_metadata(v), "annotations": v.annotations}))
        .collect();
    let info = json!({"page": number, "per_page": per_page, "count": items.len(), "total_count": all.len(), "total_pages": all.len().div_ceil(per_page)});
    Ok(envelope::ok_paged(json!({"items": items}), info))
}

/// `?page=&per_page=` of a paged listing.
#[derive(serde::Deserialize)]
pub struct PageQuery {
    page: Option<usize>,
    per_page: Option<usize>,
}

const DEFAULT_PER_PAGE: usize = 20;
const MAX_PER_PAGE: usize = 100;

/// `GET scripts/{name}/versions/{id}`
pub async fn version(State(state): Shared, Path((acc, name, id)): Path<(String, String, String)>) -> Result<Response, ApiError> {
    let script = script_of(&state, &acc, &name).ok_or_else(worker_not_found)?;
    let v = script.version(&id).ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, VERSION_NOT_FOUND, "This version does not exist on this Worker."))?;
    Ok(envelope::ok(version_detail(v)))
}

/// `GET scripts`: every Worker of the account, by name.
pub async fn list(State(state): Shared, Path(acc): Path<String>) -> Result<Response, ApiError> {
    let store = state.store();
    let mut scripts: Vec<&Script> = store.workers.get(&acc).map(|w| w.scripts.values().collect()).unwrap_or_default();
    scripts.sort_by(|a, b| a.name.cmp(&b.name));
    let list: Vec<Value> = scripts.into_iter().filter_map(|s| s.active().map(|v| script_json(s, v))).collect();
    Ok(envelope::ok(Value::Array(list)))
}

/// `GET scripts/{name}`: the deployed version's modules as Cloudflare
/// returns them, a `multipart/form-data` body with one part per module.
pub async fn download(State(state): Shared, Path((acc, name)): Path<(String, String)>) -> Result<Response, ApiError> {
    let script = script_of(&state, &acc, &name).ok_or_else(worker_not_found)?;
    let v = script.active().ok_or_else(worker_not_found)?;
    let boundary = hex::encode(rand::random::<[u8; 12]>());
    let mut body = Vec::new();
    for m in &v.modules {
        let disposition = format!("--{boundary}\r\nContent-Disposition: form-data; name={q}; filename={q}\r\nContent-Type: {}\r\n\r\n", m.content_type, q = serde_json::to_string(&m.name).unwrap_or_default());
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(&m.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let mut resp = Response::new(axum::body::Body::from(body));
    let content_type = format!("multipart/form-data; boundary={boundary}");
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_str(&content_type).expect("hex boundary"));
    Ok(resp)
}

/// `GET scripts/{name}/content/v2`: the deployed main module's bytes.
pub async fn content(State(state): Shared, Path((acc, name)): Path<(String, String)>) -> Result<Response, ApiError> {
    let script = script_of(&state, &acc, &name).ok_or_else(worker_not_found)?;
    let v = script.active().ok_or_else(worker_not_found)?;
    let main = v.main_module.as_deref().and_then(|m| v.modules.iter().find(|x| x.name == m)).ok_or_else(worker_not_found)?;
    let mut resp = Response::new(axum::body::Body::from(main.bytes.clone()));
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_str(&main.content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")));
    Ok(resp)
}

/// `POST scripts/{name}/deployments`: routes traffic to one version. The
/// new process is listening before the switch, so there is no 5xx window.
pub async fn deploy(State(state): Shared, Path((acc, name)): Path<(String, String)>, JsonBody(body): JsonBody<Value>) -> Result<Response, ApiError> {
    let versions = body["versions"].as_array().cloned().unwrap_or_default();
    let [only] = versions.as_slice() else {
        return Err(bad_request(BAD_REQUEST, "the emulator deploys exactly one version at 100 percent"));
    };
    let version_id = only["version_id"].as_str().unwrap_or_default().to_string();
    if only["percentage"].as_f64() != Some(100.0) {
        return Err(bad_request(BAD_REQUEST, "the emulator deploys exactly one version at 100 percent"));
    }
    let script = script_of(&state, &acc, &name).ok_or_else(worker_not_found)?;
    let version = script.version(&version_id).cloned().ok_or_else(|| bad_request(BAD_REQUEST, format!("version {} does not exist on this Worker", excerpt(&version_id))))?;
    let instance = match state.runner.take_prepared(&acc, &name, &version_id) {
        Some(i) => Some(i),
        None => start(&state, &acc, &name, &version).await?,
    };
    let record = DeploymentRecord {
        id: uuid(),
        created_on: Utc::now(),
        version_id: version_id.clone(),
        annotations: body.get("annotations").cloned().unwrap_or_else(|| json!({})),
    };
    {
        let mut store = state.store();
        let script = store.workers.get_mut(&acc).and_then(|w| w.scripts.get_mut(&name)).ok_or_else(worker_not_found)?;
        script.modified_on = record.created_on;
        script.deployments.push(record.clone());
    }
    match instance {
        Some(i) => state.runner.activate(&acc, &name, i),
        None => state.runner.stop(&acc, &name),
    }
    Ok(envelope::ok(json!({
        "id": record.id, "created_on": ts(record.created_on), "source": "wrangler", "strategy": "percentage",
        "versions": [{"version_id": version_id, "percentage": 100}], "annotations": record.annotations, "author_email": "",
    })))
}

pub async fn deployments(State(state): Shared, Path((acc, name)): Path<(String, String)>) -> Result<Response, ApiError> {
    let script = script_of(&state, &acc, &name).ok_or_else(worker_not_found)?;
    let list: Vec<Value> = script
        .deployments
        .iter()
        .rev()
        .map(|d| json!({
            "id": d.id, "created_on": ts(d.created_on), "source": "wrangler", "strategy": "percentage",
            "versions": [{"version_id": d.version_id, "percentage": 100.0}], "annotations": d.annotations,
        }))
        .collect();
    Ok(envelope::ok(json!({"deployments": list})))
}

pub async fn settings(State(state): Shared, Path((acc, name)): Path<(String, String)>) -> Result<Response, ApiError> {
    let script = script_of(&state, &acc, &name).ok_or_else(worker_not_found)?;
    let v = script.active().ok_or_else(worker_not_found)?;
    Ok(envelope::ok(json!({
        "bindings": v.public_bindings(), "compatibility_date": v.compatibility_date, "compatibility_flags": v.compatibility_flags,
        "logpush": false, "observability": script.observability, "placement": {}, "tags": script.tags, "tail_consumers": [],
        "usage_model": "standard",
    })))
}

pub async fn secrets(State(state): Shared, Path((acc, name)): Path<(String, String)>) -> Result<Response, ApiError> {
    let script = script_of(&state, &acc, &name).ok_or_else(worker_not_found)?;
    let list: Vec<Value> = script
        .active()
        .map(|v| v.bindings.iter().filter(|b| b["type"] == "secret_text").map(|b| json!({"name": b["name"], "type": "secret_text"})).collect())
        .unwrap_or_default();
    Ok(envelope::ok(Value::Array(list)))
}

pub async fn patch_settings(State(state): Shared, Path((acc, name)): Path<(String, String)>, JsonBody(body): JsonBody<Value>) -> Result<Response, ApiError> {
    let mut store = state.store();
    let script = store.workers.get_mut(&acc).and_then(|w| w.scripts.get_mut(&name)).ok_or_else(worker_not_found)?;
    if let Some(o) = body.get("observability") {
        script.observability = o.clone();
    }
    if let Some(t) = body.get("tags") {
        script.tags = t.as_array().into_iter().flatten().filter_map(|x| x.as_str().map(str::to_string)).collect();
    }
    Ok(envelope::ok(script_settings_json(script)))
}

fn script_settings_json(s: &Script) -> Value {
    json!({"logpush": false, "tail_consumers": [], "observability": s.observability, "tags": s.tags})
}

/// `GET scripts/{name}/script-settings`
pub async fn script_settings(State(state): Shared, Path((acc, name)): Path<(String, String)>) -> Result<Response, ApiError> {
    let script = script_of(&state, &acc, &name).ok_or_else(worker_not_found)?;
    Ok(envelope::ok(script_settings_json(&script)))
}

pub async fn service(State(state): Shared, Path((acc, name)): Path<(String, String)>) -> Result<Response, ApiError> {
    let script = script_of(&state, &acc, &name).ok_or_else(service_not_found)?;
    let v = script.active().ok_or_else(service_not_found)?;
    Ok(envelope::ok(json!({
        "id": script.name, "created_on": ts(script.created_on), "modified_on": ts(script.modified_on),
        "default_environment": {
            "environment": "production", "created_on": ts(script.created_on), "modified_on": ts(script.modified_on),
            "script": script_json(&script, v),
        },
    })))
}

pub async fn worker(State(state): Shared, Path((acc, name)): Path<(String, String)>) -> Result<Response, ApiError> {
    let s = script_of(&state, &acc, &name).ok_or_else(worker_not_found)?;
    Ok(envelope::ok(json!({
        "id": s.tag, "name": s.name, "created_on": ts(s.created_on), "updated_on": ts(s.modified_on),
        "logpush": false, "observability": s.observability, "tags": s.tags, "tail_consumers": [], "references": {},
        "subdomain": {"enabled": s.workers_dev, "previews_enabled": s.previews_enabled},
    })))
}

fn subdomain_json(s: &Script) -> Value {
    json!({"enabled": s.workers_dev, "previews_enabled": s.previews_enabled})
}

pub async fn set_subdomain(State(state): Shared, Path((acc, name)): Path<(String, String)>, JsonBody(body): JsonBody<Value>) -> Result<Response, ApiError> {
    let mut store = state.store();
    let s = store.workers.get_mut(&acc).and_then(|w| w.scripts.get_mut(&name)).ok_or_else(worker_not_found)?;
    let enabled = body["enabled"].as_bool().ok_or_else(|| bad_request(BAD_REQUEST, "body needs a boolean \"enabled\""))?;
    s.workers_dev = enabled;
    if let Some(p) = body["previews_enabled"].as_bool() {
        s.previews_enabled = p;
    }
    Ok(envelope::ok(subdomain_json(s)))
}

pub async fn get_subdomain(State(state): Shared, Path((acc, name)): Path<(String, String)>) -> Result<Response, ApiError> {
    let s = script_of(&state, &acc, &name).ok_or_else(worker_not_found)?;
    Ok(envelope::ok(subdomain_json(&s)))
}

pub async fn schedules(State(state): Shared, Path((acc, name)): Path<(String, String)>, JsonBody(body): JsonBody<Value>) -> Result<Response, ApiError> {
    let now = ts(Utc::now());
    let list: Vec<Value> = body
        .as_array()
        .ok_or_else(|| bad_request(BAD_REQUEST, "body must be an array of {\"cron\": …}"))?
        .iter()
        .map(|c| json!({"cron": c["cron"], "created_on": now, "modified_on": now}))
        .collect();
    let mut store = state.store();
    let s = store.workers.get_mut(&acc).and_then(|w| w.scripts.get_mut(&name)).ok_or_else(worker_not_found)?;
    s.schedules = list.clone();
    Ok(envelope::ok(json!({"schedules": list})))
}

pub async fn references(State(state): Shared, Path((acc, name)): Path<(String, String)>) -> Result<Response, ApiError> {
    script_of(&state, &acc, &name).ok_or_else(worker_not_found)?;
    Ok(envelope::ok(json!({"services": {"incoming": [], "outgoing": [], "pages_function": false}, "durable_objects": [], "dispatch_outbounds": []})))
}

/// Removes a script and stops its process; `None` when it did not exist.
fn remove(state: &AppState, acc: &str, name: &str) -> Option<()> {
    state.store().workers.get_mut(acc)?.scripts.remove(name)?;
    state.runner.stop(acc, name);
    Some(())
}

/// `DELETE scripts/{name}/subdomain`: off workers.dev (and previews).
pub async fn delete_subdomain(State(state): Shared, Path((acc, name)): Path<(String, String)>) -> Result<Response, ApiError> {
    let mut store = state.store();
    let s = store.workers.get_mut(&acc).and_then(|w| w.scripts.get_mut(&name)).ok_or_else(worker_not_found)?;
    s.workers_dev = false;
    s.previews_enabled = false;
    Ok(envelope::ok(subdomain_json(s)))
}

pub async fn delete_service(State(state): Shared, Path((acc, name)): Path<(String, String)>) -> Result<Response, ApiError> {
    remove(&state, &acc, &name).ok_or_else(service_not_found)?;
    Ok(envelope::ok(Value::Null))
}

pub async fn delete_script(State(state): Shared, Path((acc, name)): Path<(String, String)>) -> Result<Response, ApiError> {
    remove(&state, &acc, &name).ok_or_else(worker_not_found)?;
    Ok(envelope::ok(Value::Null))
}

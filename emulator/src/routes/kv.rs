//! `storage/kv/namespaces…`: Workers KV namespaces and keys of the token's
//! account (the store is [`crate::kv`]).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use base64::Engine;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::body::{multipart_error, JsonBody, MultipartBody, RawBody};
use crate::envelope::{self, ApiError};
use crate::kv::{self, LIST_INVALID};
use crate::state::AppState;

type Shared = State<Arc<AppState>>;

fn list_error(message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, LIST_INVALID, message)
}

fn namespace_json(id: &str, title: &str) -> Value {
    json!({"id": id, "title": title, "supports_url_encoding": true})
}

/// `POST storage/kv/namespaces` `{"title"}`.
pub async fn create(State(state): Shared, Path(acc): Path<String>, JsonBody(body): JsonBody<Value>) -> Result<Response, ApiError> {
    let title = body["title"].as_str().ok_or_else(|| envelope::bad_request(kv::TITLE_INVALID, "the body needs a string title"))?;
    let id = state.store().kv.entry(acc).or_default().create(title)?;
    Ok(envelope::ok(namespace_json(&id, title)))
}

/// `GET storage/kv/namespaces?page&per_page`: by title, 20 a page by
/// default; `per_page` is brought into 5–100 rather than refused, so a
/// client asking for more still gets every page.
pub async fn list(State(state): Shared, Path(acc): Path<String>, Query(q): Query<HashMap<String, String>>) -> Result<Response, ApiError> {
    let number = |name: &str, default: usize| match q.get(name) {
        None => Ok(default),
        Some(v) => v.parse::<usize>().ok().filter(|n| *n >= 1).ok_or_else(|| list_error(&format!("{name} must be a whole number from 1"))),
    };
    let page = number("page", 1)?;
    let per_page = number("per_page", 20)?.clamp(5, 100);
    let store = state.store();
    let mut all: Vec<(&String, &kv::Namespace)> = store.kv.get(&acc).map(|k| k.namespaces.iter().collect()).unwrap_or_default();
    all.sort_by(|a, b| a.1.title.cmp(&b.1.title));
    let shown: Vec<Value> = all.iter().skip((page - 1).saturating_mul(per_page)).take(per_page).map(|(id, n)| namespace_json(id, &n.title)).collect();
    let info = json!({"page": page, "per_page": per_page, "count": shown.len(), "total_count": all.len()});
    Ok(envelope::ok_paged(Value::Array(shown), info))
}

/// `DELETE storage/kv/namespaces/{id}`: the namespace and its keys.
pub async fn delete(State(state): Shared, Path((acc, id)): Path<(String, String)>) -> Result<Response, ApiError> {
    state.store().kv.entry(acc).or_default().delete(&id)?;
    Ok(envelope::ok(json!({})))
}

/// `PUT …/values/{key}`: the body is the value, or, as a
/// `multipart/form-data` form (what clients send with metadata), its
/// `value` field (metadata is not kept).
pub async fn put_value(State(state): Shared, Path((acc, id, key)): Path<(String, String, String)>, req: Request) -> Result<Response, ApiError> {
    let is_form = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|c| c.starts_with("multipart/form-data"));
    let value = if is_form {
        let MultipartBody(mut form) = MultipartBody::from_request(req, &()).await?;
        let mut value = None;
        while let Some(field) = form.next_field().await.map_err(|e| multipart_error(&e))? {
            if field.name() == Some("value") {
                value = Some(field.bytes().await.map_err(|e| multipart_error(&e))?);
            }
        }
        value.ok_or_else(|| envelope::bad_request(kv::KEY_INVALID, "the form has no value field"))?
    } else {
        RawBody::from_request(req, &()).await?.0
    };
    state.store().kv.entry(acc).or_default().put_all(&id, vec![(key, value)])?;
    Ok(envelope::ok(json!({})))
}

/// `GET …/values/{key}`: the value itself, not an envelope.
pub async fn get_value(State(state): Shared, Path((acc, id, key)): Path<(String, String, String)>) -> Result<Response, ApiError> {
    let value = state.store().kv.entry(acc).or_default().get(&id, &key)?;
    let mut resp = Response::new(axum::body::Body::from(value));
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    Ok(resp)
}

pub async fn delete_value(State(state): Shared, Path((acc, id, key)): Path<(String, String, String)>) -> Result<Response, ApiError> {
    state.store().kv.entry(acc).or_default().remove(&id, &key)?;
    Ok(envelope::ok(json!({})))
}

#[derive(Deserialize)]
pub struct KeysQuery {
    #[serde(default)]
    prefix: String,
    cursor: Option<String>,
    limit: Option<String>,
}

/// `GET …/keys?prefix&cursor&limit`: the cursor is the hex of the last key
/// shown; `result_info.cursor` is empty on the last page.
pub async fn keys(State(state): Shared, Path((acc, id)): Path<(String, String)>, Query(q): Query<KeysQuery>) -> Result<Response, ApiError> {
    let limit = match &q.limit {
        None => 1000,
        Some(l) => l.parse().ok().filter(|n| (10..=1000).contains(n)).ok_or_else(|| list_error("limit must be in 10-1000"))?,
    };
    let after = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(hex::decode(c).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(|| list_error("the cursor is not one this server gave"))?),
    };
    let (names, more) = state.store().kv.entry(acc).or_default().list(&id, &q.prefix, after.as_deref(), limit)?;
    let cursor = if more { names.last().map(hex::encode).unwrap_or_default() } else { String::new() };
    let result: Vec<Value> = names.iter().map(|n| json!({"name": n})).collect();
    Ok(envelope::ok_paged(json!(result), json!({"count": result.len(), "cursor": cursor})))
}

#[derive(Deserialize)]
pub struct BulkPair {
    key: String,
    value: String,
    #[serde(default)]
    base64: bool,
}

/// `PUT …/bulk` `[{"key", "value", "base64"?}]`: all pairs or none.
pub async fn bulk(State(state): Shared, Path((acc, id)): Path<(String, String)>, JsonBody(pairs): JsonBody<Vec<BulkPair>>) -> Result<Response, ApiError> {
    let mut decoded = Vec::with_capacity(pairs.len());
    for p in pairs {
        let value = if p.base64 {
            Bytes::from(base64::engine::general_purpose::STANDARD.decode(&p.value).map_err(|_| envelope::bad_request(kv::BULK_INVALID, "a base64 value does not decode"))?)
        } else {
            Bytes::from(p.value)
        };
        decoded.push((p.key, value));
    }
    let count = state.store().kv.entry(acc).or_default().put_all(&id, decoded)?;
    Ok(envelope::ok(json!({"successful_key_count": count, "unsuccessful_keys": []})))
}

//! What a deployed Worker's `env.KV.get/put/delete/list` reach: the
//! dispatcher's `Kv` entrypoint (`runner/dispatcher.js`) turns each call into
//! a loopback request to the emulator, signed for one namespace of one
//! account (`gateway::kv_token`), answered here from the same store as the
//! API's (`crate::kv`), so the API and the Worker see the same data.
//!
//! `GET|PUT|DELETE /values/{hex of the key's UTF-8}` and
//! `GET /keys?prefix&cursor&limit` (a listing in the runtime's shape:
//! `{keys, list_complete, cursor}`).

use std::sync::Arc;

use axum::extract::{Query, Request};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::envelope::ApiError;
use crate::kv::{MAX_VALUE_BYTES, NAMESPACE_NOT_FOUND};
use crate::state::AppState;

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    prefix: String,
    cursor: Option<String>,
    limit: Option<usize>,
}

/// 404 is kept for a missing key (the runtime's `null`); a namespace that
/// is gone is a 410, which the entrypoint throws.
fn refuse(e: ApiError) -> Response {
    let status = if e.code == NAMESPACE_NOT_FOUND { StatusCode::GONE } else { e.status };
    (status, format!("{}: {}", e.code, e.message)).into_response()
}

fn text(status: StatusCode, message: &str) -> Response {
    (status, message.to_string()).into_response()
}

pub async fn serve(state: &Arc<AppState>, account: &str, namespace: &str, req: Request) -> Response {
    // An expired or revoked account's data is gone; nothing is created for it.
    if !state.store().kv.contains_key(account) {
        return text(StatusCode::GONE, "10013: namespace not found");
    }
    let path = req.uri().path().to_string();
    if path == "/keys" && req.method() == Method::GET {
        let Ok(Query(q)) = Query::<ListQuery>::try_from_uri(req.uri()) else { return text(StatusCode::BAD_REQUEST, "bad listing query") };
        let after = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => match hex::decode(c).ok().and_then(|b| String::from_utf8(b).ok()) {
                Some(k) => Some(k),
                None => return text(StatusCode::BAD_REQUEST, "the cursor is not one this server gave"),
            },
        };
        let limit = q.limit.unwrap_or(1000).clamp(1, 1000);
        let listed = state.store().kv.entry(account.to_string()).or_default().list(namespace, &q.prefix, after.as_deref(), limit);
        return match listed {
            Ok((names, more)) => {
                let keys: Vec<_> = names.iter().map(|n| json!({"name": n})).collect();
                let cursor = if more { names.last().map(hex::encode) } else { None };
                axum::Json(json!({"keys": keys, "list_complete": !more, "cursor": cursor})).into_response()
            }
            Err(e) => refuse(e),
        };
    }
    let Some(key) = path.strip_prefix("/values/").and_then(|h| hex::decode(h).ok()).and_then(|b| String::from_utf8(b).ok()) else {
        return text(StatusCode::NOT_FOUND, "no such KV call");
    };
    let method = req.method().clone();
    let outcome = if method == Method::GET {
        let found = state.store().kv.entry(account.to_string()).or_default().get(namespace, &key);
        return match found {
            Ok(value) => ([(header::CONTENT_TYPE, "application/octet-stream")], value).into_response(),
            Err(e) => refuse(e),
        };
    } else if method == Method::PUT {
        let Ok(value) = axum::body::to_bytes(req.into_body(), MAX_VALUE_BYTES).await else {
            return text(StatusCode::PAYLOAD_TOO_LARGE, "1602: a value has at most 25 MiB");
        };
        state.store().kv.entry(account.to_string()).or_default().put_all(namespace, vec![(key, value)]).map(drop)
    } else if method == Method::DELETE {
        state.store().kv.entry(account.to_string()).or_default().remove(namespace, &key)
    } else {
        return text(StatusCode::METHOD_NOT_ALLOWED, "no such KV call");
    };
    match outcome {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => refuse(e),
    }
}

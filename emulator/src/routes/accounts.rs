//! Token and account look-ups for the token's own account.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::Extension;
use axum::response::Response;
use chrono::SecondsFormat;
use serde_json::{json, Value};

use crate::auth::Owner;
use crate::body::JsonBody;
use crate::envelope::{self, ApiError};
use crate::state::{AccountStatus, AppState};

pub async fn verify_token(State(state): State<Arc<AppState>>, Extension(Owner(id)): Extension<Owner>) -> Result<Response, ApiError> {
    let store = state.store();
    let a = &store.accounts[&id];
    Ok(envelope::ok(json!({
        "id": a.token_id, "status": "active",
        "expires_on": a.expires_at.to_rfc3339_opts(SecondsFormat::Secs, true),
    })))
}

pub async fn account(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let store = state.store();
    let a = &store.accounts[&id];
    Ok(envelope::ok(json!({
        "id": a.id, "name": a.name, "type": "standard",
        "created_on": a.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "settings": {"enforce_twofactor": false},
    })))
}

pub async fn user(Extension(Owner(id)): Extension<Owner>) -> Result<Response, ApiError> {
    Ok(envelope::ok(json!({"id": id, "email": "", "has_pro_zones": false, "has_business_zones": false, "has_enterprise_zones": false, "suspended": false})))
}

/// `DELETE /accounts/{a}/tokens/{id}`: the agent ends its pass early. The
/// token stops working at once and the account counts as revoked.
pub async fn revoke_token(State(state): State<Arc<AppState>>, Path((acc, token_id)): Path<(String, String)>) -> Result<Response, ApiError> {
    let mut store = state.store();
    let account = store.accounts.get_mut(&acc).expect("authenticated account exists");
    if account.token_id != token_id {
        return Err(ApiError::new(axum::http::StatusCode::NOT_FOUND, 1000, "no such token on this account"));
    }
    let hash = account.token_hash.take();
    // A pending pass ends here; a claimed account belongs to its new owner
    // and only loses the temporary token.
    let ended = account.status == AccountStatus::Pending;
    if ended {
        account.status = AccountStatus::Revoked;
        account.changed_at = chrono::Utc::now();
    }
    if let Some(h) = hash {
        store.tokens.remove(&h);
    }
    if ended {
        store.workers.remove(&acc);
        store.kv.remove(&acc);
        store.d1.remove(&acc);
        store.sessions.retain(|_, s| s.account != acc);
    }
    drop(store);
    if ended {
        state.runner.stop_account(&acc);
        state.status_changed();
    }
    Ok(envelope::ok(json!({"id": token_id})))
}

pub async fn get_subdomain(State(state): State<Arc<AppState>>, Path(acc): Path<String>) -> Result<Response, ApiError> {
    let store = state.store();
    match &store.accounts[&acc].subdomain {
        Some(s) => Ok(envelope::ok(json!({"subdomain": s}))),
        None => Err(ApiError::new(axum::http::StatusCode::NOT_FOUND, envelope::WORKER_NOT_FOUND, "This account has no workers.dev subdomain.")),
    }
}

pub async fn put_subdomain(State(state): State<Arc<AppState>>, Path(acc): Path<String>, JsonBody(body): JsonBody<Value>) -> Result<Response, ApiError> {
    let wanted = body["subdomain"].as_str().unwrap_or_default().to_string();
    let valid = !wanted.is_empty() && wanted.len() <= 63 && wanted.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') && !wanted.starts_with('-');
    if !valid {
        return Err(envelope::bad_request(envelope::BAD_REQUEST, "subdomain must be 1-63 lowercase letters, digits or dashes"));
    }
    let mut store = state.store();
    if store.accounts.values().any(|a| a.id != acc && a.subdomain.as_deref() == Some(wanted.as_str())) {
        return Err(ApiError::new(axum::http::StatusCode::CONFLICT, envelope::SUBDOMAIN_TAKEN, "That subdomain is taken."));
    }
    store.accounts.get_mut(&acc).expect("authenticated").subdomain = Some(wanted.clone());
    Ok(envelope::ok(json!({"subdomain": wanted})))
}

/// Listings wrangler's delete walks; temporary accounts have none of these.
pub async fn empty_list() -> Response {
    envelope::ok(json!([]))
}

pub async fn empty_page(Query(q): Query<std::collections::HashMap<String, String>>) -> Response {
    let per_page: u64 = q.get("per_page").and_then(|p| p.parse().ok()).unwrap_or(20);
    envelope::ok_paged(json!([]), json!({"page": 1, "per_page": per_page, "count": 0, "total_count": 0}))
}

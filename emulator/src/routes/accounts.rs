//! Token and account look-ups for the token's own account.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::SecondsFormat;
use serde_json::json;

use crate::auth::authenticate;
use crate::envelope::{self, ApiError};
use crate::state::AppState;

pub async fn verify_token(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Result<Response, ApiError> {
    let id = authenticate(&state, &headers, None)?;
    let store = state.store();
    let a = &store.accounts[&id];
    Ok(envelope::ok(json!({
        "id": a.token_id, "status": "active",
        "expires_on": a.expires_at.to_rfc3339_opts(SecondsFormat::Secs, true),
    })))
}

pub async fn account(State(state): State<Arc<AppState>>, Path(id): Path<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    authenticate(&state, &headers, Some(&id))?;
    let store = state.store();
    let a = &store.accounts[&id];
    Ok(envelope::ok(json!({
        "id": a.id, "name": a.name, "type": "temporary",
        "created_on": a.created_at.to_rfc3339_opts(SecondsFormat::Millis, true), "settings": {},
    })))
}

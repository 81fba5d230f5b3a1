//! The gates in front of every authenticated route. They run on the headers
//! alone, before any byte of the body is read; a refused request's body is
//! only drained (bounded) so the client gets the answer.

use std::sync::Arc;

use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{RawPathParams, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use crate::envelope::{ApiError, ASSET_TOKEN_INVALID, FORBIDDEN};
use crate::jwt::{self, AssetClaims, Purpose};
use crate::state::{hash, AccountStatus, AppState};

/// The account whose API token authenticated the request.
#[derive(Debug, Clone)]
pub struct Owner(pub String);

fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).ok_or_else(ApiError::auth)
}

/// The account id the request's token belongs to, after checking it may
/// act on `account_id` (when given). Expired or unknown tokens get
/// Cloudflare's authentication error, other accounts 403/9109.
fn authenticate(state: &AppState, headers: &HeaderMap, account_id: Option<&str>) -> Result<String, ApiError> {
    let token = bearer(headers)?;
    state.sweep();
    let store = state.store();
    let owner = store.tokens.get(&hash(token)).cloned().ok_or_else(ApiError::auth)?;
    match account_id {
        Some(id) if id != owner => Err(ApiError::new(StatusCode::FORBIDDEN, FORBIDDEN, "Unauthorized to access requested resource")),
        _ => Ok(owner),
    }
}

/// The matched route's path parameters (not UTF-8: refused).
type Params = Result<RawPathParams, RawPathParamsRejection>;

/// The `{acc}` of the matched route, if it has one.
fn account_param(params: &Params) -> Result<Option<String>, ApiError> {
    match params {
        Ok(p) => Ok(p.iter().find(|(k, _)| *k == "acc").map(|(_, v)| v.to_string())),
        Err(_) => Err(ApiError::auth()),
    }
}

async fn refuse(req: Request, e: ApiError) -> Response {
    crate::body::drain(req).await;
    e.into_response()
}

/// Gate of the API-token routes: the token, and that it owns `{acc}`.
/// Handlers find the account as an [`Owner`] extension.
pub async fn require_token(State(state): State<Arc<AppState>>, params: Params, mut req: Request, next: Next) -> Response {
    let checked = account_param(&params).and_then(|acc| authenticate(&state, req.headers(), acc.as_deref()));
    match checked {
        Ok(owner) => {
            req.extensions_mut().insert(Owner(owner));
            next.run(req).await
        }
        Err(e) => refuse(req, e).await,
    }
}

/// The upload session a Bearer upload JWT opens, for account `acc`.
fn upload_claims(state: &AppState, headers: &HeaderMap, acc: &str) -> Result<AssetClaims, ApiError> {
    let claims = jwt::verify(&state.key, bearer(headers)?, Utc::now().timestamp())
        .map_err(|e| ApiError::new(StatusCode::UNAUTHORIZED, ASSET_TOKEN_INVALID, format!("upload token rejected ({e:?}); start a new upload session")))?;
    if claims.purpose != Purpose::Upload || claims.acc != acc {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, ASSET_TOKEN_INVALID, "not an upload token of this account"));
    }
    state.sweep();
    let live = state.store().accounts.get(acc).is_some_and(|a| matches!(a.status, AccountStatus::Pending | AccountStatus::Claimed));
    if !live {
        return Err(ApiError::auth());
    }
    Ok(claims)
}

/// Gate of the asset upload routes, which take the session's upload JWT
/// instead of the API token. Handlers find the claims as an extension.
pub async fn require_upload_token(State(state): State<Arc<AppState>>, params: Params, mut req: Request, next: Next) -> Response {
    let checked = account_param(&params).and_then(|acc| upload_claims(&state, req.headers(), acc.as_deref().unwrap_or_default()));
    match checked {
        Ok(claims) => {
            req.extensions_mut().insert(claims);
            next.run(req).await
        }
        Err(e) => refuse(req, e).await,
    }
}

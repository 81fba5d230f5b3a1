//! Bearer-token authentication shared by every account route.

use axum::http::{HeaderMap, StatusCode};

use crate::envelope::{ApiError, FORBIDDEN};
use crate::state::{hash, AppState};

/// The account id the request's token belongs to, after checking it may
/// act on `account_id` (when given). Expired or unknown tokens get
/// Cloudflare's authentication error, other accounts 403/9109.
pub fn authenticate(state: &AppState, headers: &HeaderMap, account_id: Option<&str>) -> Result<String, ApiError> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(ApiError::auth)?;
    state.sweep();
    let store = state.store();
    let owner = store.tokens.get(&hash(token)).cloned().ok_or_else(ApiError::auth)?;
    match account_id {
        Some(id) if id != owner => Err(ApiError::new(StatusCode::FORBIDDEN, FORBIDDEN, "Unauthorized to access requested resource")),
        _ => Ok(owner),
    }
}

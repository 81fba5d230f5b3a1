//! Cloudflare v4 envelope answers, and the error codes the emulator uses.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// Cloudflare's authentication error (wrangler handles exactly this one).
pub const AUTH_ERROR: i64 = 10000;
/// Cloudflare's "not authorised for this account".
pub const FORBIDDEN: i64 = 9109;
/// Cloudflare's "no route for that URI".
pub const NO_ROUTE: i64 = 7003;
/// Emulator code: the route exists but not for this method.
pub const METHOD_NOT_ALLOWED: i64 = 10405;
/// Emulator codes for provisioning failures (Cloudflare's are undocumented).
pub const BAD_REQUEST: i64 = 1100;
pub const TERMS_NOT_ACCEPTED: i64 = 1101;
pub const CHALLENGE_INVALID: i64 = 1102;
pub const CHALLENGE_EXPIRED: i64 = 1103;
pub const CHALLENGE_REPLAYED: i64 = 1104;
pub const SOLUTION_INVALID: i64 = 1105;
pub const RATE_LIMITED: i64 = 971;

pub fn ok(result: Value) -> Response {
    (StatusCode::OK, axum::Json(json!({"success": true, "errors": [], "messages": [], "result": result}))).into_response()
}

/// An error envelope; `retry_after` adds the header (429).
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: i64,
    pub message: String,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: i64, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), retry_after: None }
    }
    pub fn auth() -> Self {
        Self::new(StatusCode::FORBIDDEN, AUTH_ERROR, "Authentication error")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"success": false, "errors": [{"code": self.code, "message": self.message}], "messages": [], "result": null});
        let mut resp = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut().insert("retry-after", HeaderValue::from(secs));
        }
        resp
    }
}

/// Cloudflare's "This Worker does not exist on your account." (scripts paths).
pub const WORKER_NOT_FOUND: i64 = 10007;
/// Emulator code: no such version of an existing Worker.
pub const VERSION_NOT_FOUND: i64 = 10220;
/// Cloudflare's `workers.api.error.service_not_found` (services paths).
pub const SERVICE_NOT_FOUND: i64 = 10090;
/// Cloudflare's script validation error (bad module, startup failure).
pub const SCRIPT_INVALID: i64 = 10021;
/// Cloudflare's script size error.
pub const SCRIPT_TOO_LARGE: i64 = 10027;
/// Emulator codes for static-asset failures (Cloudflare's are undocumented).
pub const ASSET_LIMIT: i64 = 1201;
pub const ASSET_HASH_MISMATCH: i64 = 1202;
pub const ASSET_TOKEN_INVALID: i64 = 1203;
pub const ASSET_UPLOAD_INCOMPLETE: i64 = 1204;
pub const ASSET_NOT_EXPECTED: i64 = 1205;
/// Emulator code: the workers.dev subdomain belongs to another account.
pub const SUBDOMAIN_TAKEN: i64 = 10036;
/// Emulator codes for refusals before a route runs (Cloudflare's edge
/// answers these with HTML pages, which no API client can parse).
pub const HOST_NOT_ALLOWED: i64 = 1401;
pub const BODY_TOO_LARGE: i64 = 1402;
/// Emulator codes for the per-account caps (Cloudflare's are undocumented).
pub const TOO_MANY_WORKERS: i64 = 1501;
pub const TOO_MANY_VERSIONS: i64 = 1502;

pub fn bad_request(code: i64, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

pub fn worker_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, WORKER_NOT_FOUND, "This Worker does not exist on your account.")
}

pub fn service_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, SERVICE_NOT_FOUND, "workers.api.error.service_not_found")
}

/// A page of a listing, with its `result_info`.
pub fn ok_paged(result: Value, info: Value) -> Response {
    (StatusCode::OK, axum::Json(json!({"success": true, "errors": [], "messages": [], "result": result, "result_info": info}))).into_response()
}

/// An answer with a status other than 200 (asset uploads use 201/202).
pub fn ok_with(status: StatusCode, result: Value) -> Response {
    (status, axum::Json(json!({"success": true, "errors": [], "messages": [], "result": result}))).into_response()
}

/// Middleware of the API: an error that is not already a v4 envelope (the
/// framework's own answers to an unreadable path, query or method) is put
/// into one, so every client can parse every answer. The framework's text
/// is not repeated: it can quote what the client sent.
pub async fn wrap_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let is_json = resp.headers().get(axum::http::header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if status.is_success() || status.is_redirection() || is_json {
        return resp;
    }
    let (code, message) = match status {
        StatusCode::NOT_FOUND => (NO_ROUTE, "No route for that URI"),
        StatusCode::METHOD_NOT_ALLOWED => (METHOD_NOT_ALLOWED, "Method not allowed for this route"),
        StatusCode::PAYLOAD_TOO_LARGE => (BODY_TOO_LARGE, "the request body is larger than this route accepts"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (BAD_REQUEST, "the request body has a content type this route does not read"),
        _ => (BAD_REQUEST, "the request's path, query or body could not be read"),
    };
    ApiError::new(status, code, message).into_response()
}

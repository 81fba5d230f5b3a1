//! Scripted faults for tests in every language: the next `times` requests
//! whose path contains `path_contains` get `kind` instead of a real answer.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// An error envelope with this status (and `Retry-After` seconds, if set).
    Status { status: u16, retry_after: Option<u64> },
    /// A 200 whose body is not JSON.
    MalformedJson,
    /// Answer normally, after a delay.
    Delay(Duration),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub path_contains: String,
    pub kind: FaultKind,
    pub times: u32,
}

impl Fault {
    pub fn new(path_contains: impl Into<String>, kind: FaultKind, times: u32) -> Self {
        Self { path_contains: path_contains.into(), kind, times }
    }
}

fn take(state: &AppState, path: &str) -> Option<FaultKind> {
    let mut faults = state.faults.lock().unwrap_or_else(|p| p.into_inner());
    let f = faults.iter_mut().find(|f| f.times > 0 && path.contains(&f.path_contains))?;
    f.times -= 1;
    Some(f.kind.clone())
}

pub async fn inject(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    match take(&state, req.uri().path()) {
        None => next.run(req).await,
        Some(FaultKind::Delay(d)) => {
            tokio::time::sleep(d).await;
            next.run(req).await
        }
        Some(FaultKind::MalformedJson) => (StatusCode::OK, "{\"success\": tru").into_response(),
        Some(FaultKind::Status { status, retry_after }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = serde_json::json!({"success": false, "errors": [{"code": status.as_u16(), "message": "injected fault"}], "messages": [], "result": null});
            let mut resp = (status, axum::Json(body)).into_response();
            if let Some(s) = retry_after {
                resp.headers_mut().insert("retry-after", HeaderValue::from(s));
            }
            resp
        }
    }
}

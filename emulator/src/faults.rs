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

/// JSON body of `POST /x-boardingpass/test/faults` (test control, off unless
/// the emulator was started with `test_control`).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRequest {
    pub path_contains: String,
    /// `status`, `malformed_json` or `delay`.
    pub kind: String,
    pub status: Option<u16>,
    pub retry_after: Option<u64>,
    pub delay_ms: Option<u64>,
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

impl TryFrom<FaultRequest> for Fault {
    type Error = String;
    fn try_from(r: FaultRequest) -> Result<Self, String> {
        let kind = match r.kind.as_str() {
            "status" => FaultKind::Status {
                status: r.status.filter(|s| (400..600).contains(s)).ok_or("kind \"status\" needs a status between 400 and 599")?,
                retry_after: r.retry_after,
            },
            "malformed_json" => FaultKind::MalformedJson,
            "delay" => FaultKind::Delay(Duration::from_millis(r.delay_ms.ok_or("kind \"delay\" needs delay_ms")?)),
            other => return Err(format!("unknown kind {other:?}; use status, malformed_json or delay")),
        };
        Ok(Fault::new(r.path_contains, kind, r.times))
    }
}

/// `POST /x-boardingpass/test/faults`: lets tests in any language script the
/// next answers. Answers 404 unless test control is on, so a normal emulator
/// exposes no way to tamper with it.
pub async fn add(State(state): State<Arc<AppState>>, body: axum::body::Bytes) -> Response {
    if !state.config.test_control {
        return (StatusCode::NOT_FOUND, "test control is off (start the emulator with --test-control)").into_response();
    }
    let parsed = serde_json::from_slice::<FaultRequest>(&body).map_err(|e| e.to_string()).and_then(Fault::try_from);
    match parsed {
        Ok(fault) => {
            state.faults.lock().unwrap_or_else(|p| p.into_inner()).push(fault);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, e).into_response(),
    }
}

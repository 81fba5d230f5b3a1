//! Faults for tests in every language. Scripted: the next `times` requests
//! whose path contains `path_contains` get `kind` instead of a real answer.
//! Random ([`Chaos`]): a seeded share of API requests get a fault drawn at
//! random, either *before* the request is processed (nothing happened) or
//! *after* (it took effect and its answer is lost, late or cut), which is
//! what a client's retries must survive without doing anything twice.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::server::API_PREFIX;
use crate::state::AppState;

#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// An error envelope with this status (and `Retry-After` seconds, if set).
    Status { status: u16, retry_after: Option<u64> },
    /// A 200 whose body is not JSON.
    MalformedJson,
    /// Answer normally, after a delay.
    Delay(Duration),
    /// One of the random faults, placed by hand (a stall holds the answer
    /// for the given time).
    Chaos(ChaosFault, Duration),
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

fn status_answer(status: u16, retry_after: Option<u64>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::json!({"success": false, "errors": [{"code": status.as_u16(), "message": "injected fault"}], "messages": [], "result": null});
    let mut resp = (status, axum::Json(body)).into_response();
    if let Some(s) = retry_after {
        resp.headers_mut().insert("retry-after", HeaderValue::from(s));
    }
    resp
}

pub async fn inject(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    match take(&state, req.uri().path()) {
        Some(FaultKind::Delay(d)) => {
            tokio::time::sleep(d).await;
            next.run(req).await
        }
        Some(FaultKind::MalformedJson) => (StatusCode::OK, "{\"success\": tru").into_response(),
        Some(FaultKind::Status { status, retry_after }) => status_answer(status, retry_after),
        Some(FaultKind::Chaos(fault, stall)) => fault.apply(stall, req, next).await,
        None => match draw(&state, req.uri().path()) {
            None => next.run(req).await,
            Some((fault, stall)) => fault.apply(stall, req, next).await,
        },
    }
}

/// Random faults: `rate` of the API requests get one, drawn from a
/// generator seeded with `seed` (the same request order gives the same faults).
#[derive(Debug, Clone, PartialEq)]
pub struct Chaos {
    /// Share of API requests that get a fault, 0 to 1.
    pub rate: f64,
    pub seed: u64,
    /// How long a stalled answer is held; make it longer than the client's timeout.
    pub stall: Duration,
}

/// What a random fault does, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChaosFault {
    /// 429 with `Retry-After: 1`, before processing (a rate limiter answers first).
    RateLimited,
    /// A 500/502/503 error envelope instead of the real answer.
    Status { status: u16, after: bool },
    /// The connection closes without an answer.
    Reset { after: bool },
    /// The answer is held for [`Chaos::stall`]: before processing (then a 503
    /// that nobody reads), or after (then the real answer, too late).
    Stall { after: bool },
    /// The real 2xx answer with its body cut in half, `Content-Length` matching.
    CutJson,
    /// The real 2xx answer announcing its full `Content-Length` but sending half.
    ShortBody,
}

impl ChaosFault {
    pub const ALL: [ChaosFault; 13] = [
        Self::RateLimited,
        Self::Status { status: 500, after: false },
        Self::Status { status: 502, after: false },
        Self::Status { status: 503, after: false },
        Self::Reset { after: false },
        Self::Stall { after: false },
        Self::Status { status: 500, after: true },
        Self::Status { status: 502, after: true },
        Self::Status { status: 503, after: true },
        Self::Reset { after: true },
        Self::Stall { after: true },
        Self::CutJson,
        Self::ShortBody,
    ];

    /// Stable name for counts, e.g. `after/503`, `before/reset`.
    pub fn name(self) -> String {
        let when = |after: bool| if after { "after" } else { "before" };
        match self {
            Self::RateLimited => "before/429".into(),
            Self::Status { status, after } => format!("{}/{status}", when(after)),
            Self::Reset { after } => format!("{}/reset", when(after)),
            Self::Stall { after } => format!("{}/stall", when(after)),
            Self::CutJson => "after/cut_json".into(),
            Self::ShortBody => "after/short_body".into(),
        }
    }

    async fn apply(self, stall: Duration, req: Request, next: Next) -> Response {
        match self {
            Self::RateLimited => status_answer(429, Some(1)),
            Self::Status { status, after } => {
                if after {
                    drop(next.run(req).await);
                }
                status_answer(status, None)
            }
            Self::Reset { after } => {
                if after {
                    drop(next.run(req).await);
                }
                reset()
            }
            Self::Stall { after: false } => {
                tokio::time::sleep(stall).await;
                status_answer(503, None)
            }
            Self::Stall { after: true } => {
                let resp = next.run(req).await;
                tokio::time::sleep(stall).await;
                resp
            }
            Self::CutJson | Self::ShortBody => {
                let resp = next.run(req).await;
                if !resp.status().is_success() {
                    return resp;
                }
                let (mut parts, body) = resp.into_parts();
                let Ok(full) = axum::body::to_bytes(body, usize::MAX).await else { return reset() };
                let half = full.slice(..full.len() / 2);
                if self == Self::CutJson {
                    parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(half.len()));
                    return Response::from_parts(parts, Body::from(half));
                }
                parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(full.len()));
                Response::from_parts(parts, short_body(half))
            }
        }
    }
}

/// A body that fails before its first byte: hyper drops the connection
/// before the head is flushed, so the client sees it close with no answer.
fn reset() -> Response {
    let failing = futures::stream::once(async { Err::<Bytes, std::io::Error>(std::io::Error::other("injected connection reset")) });
    Response::new(Body::from_stream(failing))
}

/// Sends `half`, pauses so it is flushed, then ends early: with the full
/// `Content-Length` announced, hyper closes the connection mid-body.
fn short_body(half: Bytes) -> Body {
    let chunks = futures::stream::unfold(Some(half), |left| async move {
        match left {
            Some(h) => Some((Ok::<Bytes, std::io::Error>(h), None)),
            None => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                None
            }
        }
    });
    Body::from_stream(chunks)
}

/// Random-fault state of an emulator: the generator and what it injected.
pub struct ChaosState {
    chaos: Chaos,
    rng: StdRng,
    counts: BTreeMap<String, u64>,
}

impl ChaosState {
    pub fn new(chaos: Chaos) -> Self {
        Self { rng: StdRng::seed_from_u64(chaos.seed), chaos, counts: BTreeMap::new() }
    }
}

fn chaos_of(state: &AppState) -> std::sync::MutexGuard<'_, Option<ChaosState>> {
    state.chaos.lock().unwrap_or_else(|p| p.into_inner())
}

/// Draws the fault (if any) for one request, with the stall length; only
/// API requests get one.
fn draw(state: &AppState, path: &str) -> Option<(ChaosFault, Duration)> {
    if !path.starts_with(API_PREFIX) {
        return None;
    }
    let mut guard = chaos_of(state);
    let c = guard.as_mut()?;
    if !c.rng.gen_bool(c.chaos.rate.clamp(0.0, 1.0)) {
        return None;
    }
    let fault = ChaosFault::ALL[c.rng.gen_range(0..ChaosFault::ALL.len())];
    *c.counts.entry(fault.name()).or_default() += 1;
    Some((fault, c.chaos.stall))
}

/// Turns random faults on (`Some`) or off, resetting the counts.
pub fn set_chaos(state: &AppState, chaos: Option<Chaos>) {
    *chaos_of(state) = chaos.map(ChaosState::new);
}

/// How many faults of each kind ([`ChaosFault::name`]) were injected.
pub fn chaos_counts(state: &AppState) -> BTreeMap<String, u64> {
    chaos_of(state).as_ref().map(|c| c.counts.clone()).unwrap_or_default()
}

/// JSON body of `POST /x-boardingpass/test/faults` (test control, off unless
/// the emulator was started with `test_control`).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRequest {
    pub path_contains: String,
    /// `status`, `malformed_json`, `delay` or `chaos`.
    pub kind: String,
    /// For `chaos`: a [`ChaosFault::name`], e.g. `after/503`.
    pub fault: Option<String>,
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
            "chaos" => {
                let name = r.fault.ok_or("kind \"chaos\" needs a fault, e.g. \"after/503\"")?;
                let fault = ChaosFault::ALL.into_iter().find(|f| f.name() == name).ok_or_else(|| {
                    let names: Vec<String> = ChaosFault::ALL.iter().map(|f| f.name()).collect();
                    format!("unknown fault {name:?}; use one of {}", names.join(", "))
                })?;
                FaultKind::Chaos(fault, Duration::from_millis(r.delay_ms.unwrap_or(default_stall_ms())))
            }
            other => return Err(format!("unknown kind {other:?}; use status, malformed_json, delay or chaos")),
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

/// JSON body of `POST /x-boardingpass/test/chaos`: `rate` 0 turns random faults off.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChaosRequest {
    pub rate: f64,
    #[serde(default)]
    pub seed: u64,
    #[serde(default = "default_stall_ms")]
    pub stall_ms: u64,
}

fn default_stall_ms() -> u64 {
    1000
}

impl TryFrom<ChaosRequest> for Option<Chaos> {
    type Error = String;
    fn try_from(r: ChaosRequest) -> Result<Self, String> {
        if !(0.0..=1.0).contains(&r.rate) {
            return Err("rate must be between 0 and 1".into());
        }
        Ok((r.rate > 0.0).then(|| Chaos { rate: r.rate, seed: r.seed, stall: Duration::from_millis(r.stall_ms) }))
    }
}

/// `POST /x-boardingpass/test/chaos` sets random faults; `GET` answers the
/// counts of faults injected so far. Both 404 unless test control is on.
pub async fn chaos(State(state): State<Arc<AppState>>, method: axum::http::Method, body: axum::body::Bytes) -> Response {
    if !state.config.test_control {
        return (StatusCode::NOT_FOUND, "test control is off (start the emulator with --test-control)").into_response();
    }
    if method == axum::http::Method::GET {
        return axum::Json(chaos_counts(&state)).into_response();
    }
    let parsed = serde_json::from_slice::<ChaosRequest>(&body).map_err(|e| e.to_string()).and_then(Option::<Chaos>::try_from);
    match parsed {
        Ok(chaos) => {
            set_chaos(&state, chaos);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, e).into_response(),
    }
}

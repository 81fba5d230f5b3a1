//! The HTTP server: the Cloudflare API under `/client/v4`, bound to
//! 127.0.0.1 only.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post, put};
use axum::Router;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::EmulatorConfig;
use crate::faults::{self, Fault};
use crate::envelope::{self, ApiError, NO_ROUTE};
use crate::linger::{LingeringListener, Peer};
use crate::{auth, body, gateway, hosts};
use crate::routes::{accounts, assets, claim, d1, kv, provisioning, scripts};
use crate::state::AppState;

/// Path prefix of the Cloudflare API, as in `https://api.cloudflare.com/client/v4`.
pub const API_PREFIX: &str = "/client/v4";

async fn not_found(uri: Uri) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, NO_ROUTE, format!("No route for that URI: {}", uri.path()))
}

/// Every answer carries a `cf-ray`, like Cloudflare's.
async fn ray(req: axum::extract::Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let id = format!("{}-EMU", hex::encode(rand::random::<[u8; 8]>()));
    resp.headers_mut().insert("cf-ray", HeaderValue::from_str(&id).expect("hex is a valid header"));
    resp
}

/// Keeps method, path and status of every API request (see [`EmulatorHandle::requests`]).
async fn record(axum::extract::State(state): axum::extract::State<Arc<AppState>>, req: axum::extract::Request, next: Next) -> Response {
    // Nested routes see the path without `/client/v4`; record what the client sent.
    let original = req.extensions().get::<axum::extract::OriginalUri>().map(|u| u.0.path().to_string());
    let (method, path) = (req.method().to_string(), original.unwrap_or_else(|| req.uri().path().to_string()));
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    let (resp, response, content_type) = if state.config.record_responses { keep_answer(resp).await } else { (resp, None, None) };
    let mut log = state.requests.lock().unwrap_or_else(|p| p.into_inner());
    if log.len() == crate::state::RECORDED_REQUESTS {
        log.pop_front();
    }
    log.push_back(crate::state::RecordedRequest { method, path, status, response, content_type });
    resp
}

/// Largest answer kept whole by [`EmulatorConfig::record_responses`].
const RECORDED_ANSWER: usize = 16 * 1024 * 1024;

/// The answer, rebuilt, with its JSON (if it is JSON) and content type.
async fn keep_answer(resp: Response) -> (Response, Option<serde_json::Value>, Option<String>) {
    let (parts, body) = resp.into_parts();
    let content_type = parts.headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
    let bytes = axum::body::to_bytes(body, RECORDED_ANSWER).await.unwrap_or_default();
    let json = serde_json::from_slice(&bytes).ok().filter(|_| content_type.as_deref().is_some_and(|c| c.starts_with("application/json")));
    (Response::from_parts(parts, axum::body::Body::from(bytes)), json, content_type)
}

fn router(state: Arc<AppState>) -> Router {
    let token = middleware::from_fn_with_state(state.clone(), auth::require_token);
    let upload_token = middleware::from_fn_with_state(state.clone(), auth::require_upload_token);
    // Routes anyone may call: small bodies only (the outer limit below),
    // except the proof of work's solution.
    let cap = |limit: usize| middleware::from_fn(move |req, next| body::refuse_declared_over(limit, req, next));
    let small = state.config.max_open_body;
    let create = provisioning::create_body_limit(&state.config);
    let open = Router::new()
        .route("/provisioning/previews/challenge", post(provisioning::challenge))
        .route("/x-boardingpass/claim-status", get(claim::status))
        .route_layer(cap(small))
        .route("/provisioning/previews", post(provisioning::create).layer(DefaultBodyLimit::max(create)).route_layer(cap(create)));
    // The gates run before any handler, so before any body is read.
    let account = Router::new()
        .route("/user/tokens/verify", get(accounts::verify_token))
        .route("/user", get(accounts::user))
        .route("/accounts/{acc}", get(accounts::account))
        .route("/accounts/{acc}/tokens/{id}", delete(accounts::revoke_token))
        .route("/accounts/{acc}/workers/subdomain", get(accounts::get_subdomain).put(accounts::put_subdomain))
        .route("/accounts/{acc}/workers/services/{name}", get(scripts::service).delete(scripts::delete_service))
        .route("/accounts/{acc}/workers/workers/{name}", get(scripts::worker))
        .route("/accounts/{acc}/workers/scripts", get(scripts::list))
        .route("/accounts/{acc}/workers/scripts/{name}", get(scripts::download).put(scripts::put).delete(scripts::delete_script))
        .route("/accounts/{acc}/workers/scripts/{name}/content/v2", get(scripts::content))
        .route("/accounts/{acc}/workers/scripts/{name}/versions", get(scripts::versions).post(scripts::upload_version))
        .route("/accounts/{acc}/workers/scripts/{name}/versions/{version}", get(scripts::version))
        .route("/accounts/{acc}/workers/scripts/{name}/deployments", get(scripts::deployments).post(scripts::deploy))
        .route("/accounts/{acc}/workers/scripts/{name}/settings", get(scripts::settings))
        .route("/accounts/{acc}/workers/scripts/{name}/script-settings", get(scripts::script_settings).patch(scripts::patch_settings))
        .route("/accounts/{acc}/workers/scripts/{name}/secrets", get(scripts::secrets))
        .route("/accounts/{acc}/workers/scripts/{name}/subdomain", get(scripts::get_subdomain).post(scripts::set_subdomain).delete(scripts::delete_subdomain))
        .route("/accounts/{acc}/workers/scripts/{name}/schedules", put(scripts::schedules))
        .route("/accounts/{acc}/workers/scripts/{name}/references", get(scripts::references))
        .route("/accounts/{acc}/workers/scripts/{name}/assets-upload-session", post(assets::session))
        .route("/accounts/{acc}/workers/tails/by-consumer/{name}", get(accounts::empty_list))
        .route("/accounts/{acc}/workers/durable_objects/namespaces", get(accounts::empty_page))
        .route("/accounts/{acc}/storage/kv/namespaces", get(kv::list).post(kv::create))
        .route("/accounts/{acc}/storage/kv/namespaces/{ns}", delete(kv::delete))
        .route("/accounts/{acc}/storage/kv/namespaces/{ns}/values/{*key}", get(kv::get_value).put(kv::put_value).delete(kv::delete_value))
        .route("/accounts/{acc}/storage/kv/namespaces/{ns}/keys", get(kv::keys))
        .route("/accounts/{acc}/storage/kv/namespaces/{ns}/bulk", put(kv::bulk))
        .route("/accounts/{acc}/d1/database", get(d1::list).post(d1::create))
        .route("/accounts/{acc}/d1/database/{db}", get(d1::get).delete(d1::delete))
        .route("/accounts/{acc}/d1/database/{db}/query", post(d1::query))
        .route("/accounts/{acc}/d1/database/{db}/raw", post(d1::raw))
        .route("/accounts/{acc}/d1/database/{db}/import", post(d1::import))
        .route_layer(token);
    let uploads = Router::new()
        .route("/accounts/{acc}/workers/assets/upload", post(assets::upload))
        .route("/accounts/{acc}/workers/assets/upload/{hash}", post(assets::upload_one))
        .route_layer(upload_token);
    // Worker uploads and asset buckets are larger than the open routes' cap.
    let authenticated = account.merge(uploads).layer(DefaultBodyLimit::max(state.config.max_body));
    let api = open
        .merge(authenticated)
        .fallback(not_found)
        .layer(middleware::from_fn(envelope::wrap_errors))
        .layer(middleware::from_fn(body::drain_after_error))
        .layer(middleware::from_fn_with_state(state.clone(), record));
    Router::new()
        .route("/claim-preview", get(claim::page).post(claim::submit))
        .route("/x-boardingpass/claim", post(claim::claim_api))
        .route("/x-boardingpass/test/faults", post(faults::add))
        .route("/x-boardingpass/test/chaos", get(faults::chaos).post(faults::chaos))
        .route_layer(cap(small))
        // wrangler's upload of a `d1 execute --file` (see routes/d1.rs).
        .route(&format!("{}/{{db}}/{{file}}", d1::IMPORT_PATH), put(d1::upload).layer(DefaultBodyLimit::max(d1::MAX_IMPORT_BYTES)).route_layer(cap(d1::MAX_IMPORT_BYTES)))
        .nest(API_PREFIX, api)
        .fallback(|| async { (StatusCode::NOT_FOUND, "boardingpass emulator: nothing here").into_response() })
        .layer(DefaultBodyLimit::max(small))
        .layer(middleware::from_fn_with_state(state.clone(), faults::inject))
        .layer(middleware::from_fn_with_state(state.clone(), hosts::check))
        .layer(middleware::from_fn(ray))
        .layer(middleware::from_fn_with_state(state.clone(), gateway::route))
        .with_state(state)
}

/// How long a signalled emulator waits for open connections to finish.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// The first SIGINT or SIGTERM (a terminal's Ctrl-C, or `kill` / a service
/// manager / a container runtime stopping the process).
pub async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) {
        (Ok(mut int), Ok(mut term)) => {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
        }
        // Without signal handlers the default actions apply; Ctrl-C still works.
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// A running emulator. Dropping it stops the server.
pub struct EmulatorHandle {
    addr: SocketAddr,
    state: Arc<AppState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl EmulatorHandle {
    /// The value for `CLOUDFLARE_API_BASE_URL`.
    pub fn base_url(&self) -> String {
        format!("{}{API_PREFIX}", self.origin())
    }
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }
    pub fn port(&self) -> u16 {
        self.addr.port()
    }
    pub fn state(&self) -> &Arc<AppState> {
        &self.state
    }
    /// Adds a scripted fault (see [`Fault`]).
    pub fn inject(&self, fault: Fault) {
        self.state.faults.lock().unwrap_or_else(|p| p.into_inner()).push(fault);
    }
    pub fn account_count(&self) -> usize {
        self.state.store().accounts.len()
    }
    /// Console output of the Worker `script` of `account_id` (newest last);
    /// with the shared workerd, that of every Worker in it.
    pub fn worker_logs(&self, account_id: &str, script: &str) -> Vec<crate::runner::LogLine> {
        self.state.runner.get(account_id, script).map(|i| i.logs.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect()).unwrap_or_default()
    }
    /// API requests answered so far (method, path, status), oldest first.
    pub fn requests(&self) -> Vec<crate::state::RecordedRequest> {
        self.state.requests.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect()
    }
    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.state.requests.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
    /// Directory holding the workerd configs (the shared process's, or each
    /// running version's with its module files), created on the first
    /// deployment, removed on shutdown.
    pub fn work_dir(&self) -> &std::path::Path {
        self.state.runner.root()
    }
    /// Number of Workers with code serving traffic.
    pub fn live_workers(&self) -> usize {
        self.state.runner.live_count()
    }
    /// Serves until `stop` resolves (e.g. [`wait_for_signal`] or
    /// [`ServeFlags::stop_requested`](crate::ServeFlags::stop_requested)), then
    /// shuts down: Workers stopped, work directory removed. Open connections
    /// (a claim-status long-poll holds one for up to a minute) get
    /// [`SHUTDOWN_GRACE`] to finish.
    pub async fn run_until(self, stop: impl std::future::Future<Output = ()>) {
        stop.await;
        // Dropping the handle when the grace runs out cleans up all the same.
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, self.shutdown()).await;
    }

    /// Stops accepting connections, stops every Worker and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.state.runner.stop_all();
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.state.runner.stop_all();
    }
}

/// Binds 127.0.0.1 on `config.port` and serves in the background.
pub async fn spawn(config: EmulatorConfig) -> std::io::Result<EmulatorHandle> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
    let addr = listener.local_addr()?;
    let state = Arc::new(AppState::new(config, format!("http://{addr}")));
    let app = router(state.clone()).into_make_service_with_connect_info::<Peer>();
    let listener = LingeringListener(listener);
    let (tx, rx) = oneshot::channel();
    // Expiry happens on time even when nobody calls: Workers stop, data goes.
    let sweeper = Arc::downgrade(&state);
    let reaper = tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(250));
        loop {
            tick.tick().await;
            match sweeper.upgrade() {
                Some(s) => s.sweep(),
                None => break,
            }
        }
    });
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).with_graceful_shutdown(async { let _ = rx.await; }).await;
        reaper.abort();
    });
    Ok(EmulatorHandle { addr, state, stop: Some(tx), task: Some(task) })
}

//! The HTTP server: the Cloudflare API under `/client/v4`, bound to
//! 127.0.0.1 only.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::EmulatorConfig;
use crate::faults::{self, Fault};
use crate::envelope::{ApiError, NO_ROUTE};
use crate::routes::{accounts, provisioning};
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

fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/provisioning/previews/challenge", post(provisioning::challenge))
        .route("/provisioning/previews", post(provisioning::create))
        .route("/user/tokens/verify", get(accounts::verify_token))
        .route("/accounts/{id}", get(accounts::account))
        .fallback(not_found);
    Router::new()
        .nest(API_PREFIX, api)
        .fallback(|| async { (StatusCode::NOT_FOUND, "boardingpass emulator: nothing here").into_response() })
        .layer(middleware::from_fn_with_state(state.clone(), faults::inject))
        .layer(middleware::from_fn(ray))
        .with_state(state)
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
    /// Stops accepting connections and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Binds 127.0.0.1 on `config.port` and serves in the background.
pub async fn spawn(config: EmulatorConfig) -> std::io::Result<EmulatorHandle> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
    let addr = listener.local_addr()?;
    let state = Arc::new(AppState::new(config, format!("http://{addr}")));
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let (tx, rx) = oneshot::channel();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).with_graceful_shutdown(async { let _ = rx.await; }).await;
    });
    Ok(EmulatorHandle { addr, state, stop: Some(tx), task: Some(task) })
}

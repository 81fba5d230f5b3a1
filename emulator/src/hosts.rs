//! The API and the claim page answer only to the emulator's own names. A
//! web page whose host name an attacker points at 127.0.0.1 (DNS rebinding)
//! reaches the loopback port with its own name in `Host`; without this
//! check the browser would treat the emulator's answers as that page's.
//! Worker hosts (`*.localhost`, `*.workers.dev`) are routed before this
//! check, by the gateway.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::envelope::{ApiError, HOST_NOT_ALLOWED};
use crate::state::AppState;

/// The host (with port) a request names: `Host`, or the URI's authority (HTTP/2).
fn requested_host(req: &Request) -> Option<String> {
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).or_else(|| req.uri().authority().map(|a| a.as_str()))?;
    Some(host.to_ascii_lowercase())
}

/// Whether `host` is one of the names the emulator serves on `port`:
/// `127.0.0.1:PORT`, `localhost:PORT`, or a configured name (compared with
/// and without the port).
pub fn allowed(host: &str, port: u16, configured: &[String]) -> bool {
    let host = host.to_ascii_lowercase();
    let own = [format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    own.contains(&host)
        || configured.iter().any(|name| {
            let name = name.to_ascii_lowercase();
            host == name || host == format!("{name}:{port}")
        })
}

/// Middleware in front of the API and the claim page.
pub async fn check(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let port = state.port();
    match requested_host(&req) {
        Some(host) if allowed(&host, port, &state.config.allowed_hosts) => next.run(req).await,
        _ => {
            let message = format!("this emulator answers only to 127.0.0.1:{port} and localhost:{port} (add names with --allowed-host)");
            crate::body::drain(req).await;
            ApiError::new(StatusCode::MISDIRECTED_REQUEST, HOST_NOT_ALLOWED, message).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::allowed;

    #[test]
    fn own_names_only() {
        let configured = vec!["Emulator.Internal".to_string()];
        for host in ["127.0.0.1:8787", "localhost:8787", "LOCALHOST:8787", "emulator.internal", "emulator.internal:8787"] {
            assert!(allowed(host, 8787, &configured), "{host}");
        }
        for host in ["evil.example", "evil.example:8787", "127.0.0.1", "localhost", "localhost:8788", "127.0.0.1:8787.evil", "emulator.internal:1", "", "[::1]:8787"] {
            assert!(!allowed(host, 8787, &configured), "{host}");
        }
    }
}

//! Serves deployed Workers on the emulator's own port. A request whose Host
//! is `{script}.{subdomain}.localhost[:port]` or `{script}.{subdomain}.workers.dev`
//! goes to that Worker: static assets per its config, everything else to its
//! workerd process. A Worker's `env.ASSETS.fetch()` comes back here with a
//! signed header naming the version.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::runner::host;
use crate::state::AppState;
use crate::static_assets::{self, Outcome};
use crate::workers::{AssetSet, StoredAsset, Version};

/// Header the dispatcher's `Kv` entrypoint sends with a Worker's KV calls.
pub const KV_HEADER: &str = "x-boardingpass-kv";

/// Header the dispatcher's `D1` entrypoint sends with a Worker's D1 calls.
pub const D1_HEADER: &str = "x-boardingpass-d1";

/// Header workerd adds to `env.ASSETS` requests (see `runner::capnp`).
pub const ASSETS_HEADER: &str = "x-boardingpass-assets";

/// What a version token proves: asset reads, or the version's code.
#[derive(Clone, Copy)]
enum Purpose {
    Assets,
    Code,
    Kv,
    D1,
}

fn mac(state: &AppState, purpose: Purpose, payload: &str) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(&state.key).expect("any key length");
    m.update(match purpose {
        Purpose::Assets => b"assets:".as_slice(),
        Purpose::Code => b"code:".as_slice(),
        Purpose::Kv => b"kv:".as_slice(),
        Purpose::D1 => b"d1:".as_slice(),
    });
    m.update(payload.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

fn version_token(state: &AppState, purpose: Purpose, account: &str, script: &str, version: &str) -> String {
    let payload = format!("{account}:{script}:{version}");
    let sig = mac(state, purpose, &payload);
    format!("{payload}:{sig}")
}

/// `account:script:version:signature`, given to that version's workerd only.
pub fn assets_token(state: &AppState, account: &str, script: &str, version: &str) -> String {
    version_token(state, Purpose::Assets, account, script, version)
}

/// The name the shared workerd knows a version by, and its claim to the
/// version's code (`x-boardingpass-code`).
pub fn code_token(state: &AppState, account: &str, script: &str, version: &str) -> String {
    version_token(state, Purpose::Code, account, script, version)
}

/// `account:kv:namespace:signature`: a Worker's `env.KV` calls (see `kv_binding`).
pub fn kv_token(state: &AppState, account: &str, namespace: &str) -> String {
    version_token(state, Purpose::Kv, account, "kv", namespace)
}

/// `account:d1:uuid:signature`: a Worker's `env.DB` calls (see `d1_binding`).
pub fn d1_token(state: &AppState, account: &str, database: &str) -> String {
    version_token(state, Purpose::D1, account, "d1", database)
}

fn open_assets_token(state: &AppState, token: &str) -> Option<(String, String, String)> {
    open_token(state, Purpose::Assets, token)
}

fn open_token(state: &AppState, purpose: Purpose, token: &str) -> Option<(String, String, String)> {
    let (payload, sig) = token.rsplit_once(':')?;
    let expected = mac(state, purpose, payload);
    if !subtle_eq(expected.as_bytes(), sig.as_bytes()) {
        return None;
    }
    let mut it = payload.splitn(3, ':');
    Some((it.next()?.to_string(), it.next()?.to_string(), it.next()?.to_string()))
}

fn subtle_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `(script, subdomain)` when `host` names a Worker.
pub fn worker_host(host: &str) -> Option<(String, String)> {
    let host = host.rsplit_once(':').filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit())).map_or(host, |(h, _)| h).to_ascii_lowercase();
    let rest = host.strip_suffix(".localhost").or_else(|| host.strip_suffix(".workers.dev"))?;
    let (script, sub) = rest.split_once('.')?;
    (!script.is_empty() && !sub.is_empty() && !sub.contains('.')).then(|| (script.to_string(), sub.to_string()))
}

/// Middleware: Worker hosts and asset-binding calls are served here, all
/// else goes on to the API and the claim page.
pub async fn route(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if let Some(token) = req.headers().get(ASSETS_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string) {
        return assets_binding(&state, &token, req).await;
    }
    if let Some(token) = req.headers().get(host::CODE_HEADER).and_then(|v| v.to_str().ok()) {
        return worker_code(&state, token);
    }
    if let Some(token) = req.headers().get(KV_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string) {
        return kv_binding(&state, &token, req).await;
    }
    if let Some(token) = req.headers().get(D1_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string) {
        return match open_token(&state, Purpose::D1, &token) {
            Some((account, kind, database)) if kind == "d1" => crate::d1_binding::serve(&state, &account, &database, req).await,
            _ => plain(StatusCode::FORBIDDEN, "invalid D1 binding token\n"),
        };
    }
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    match worker_host(host) {
        Some((script, sub)) => serve_worker(&state, &script, &sub, req).await,
        None => next.run(req).await,
    }
}

fn plain(status: StatusCode, text: &str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text.to_string()).into_response()
}

struct Target {
    account: String,
    version: Arc<Version>,
}

fn lookup(state: &AppState, script: &str, sub: &str) -> Option<Target> {
    state.sweep();
    let store = state.store();
    let account = store.account_by_subdomain(sub)?.id.clone();
    let s = store.workers.get(&account)?.scripts.get(script)?;
    if !s.workers_dev {
        return None;
    }
    Some(Target { account, version: s.active()?.clone() })
}

async fn serve_worker(state: &Arc<AppState>, script: &str, sub: &str, req: Request) -> Response {
    let Some(t) = lookup(state, script, sub) else {
        return plain(StatusCode::NOT_FOUND, &format!("There is nothing here yet: no Worker {script} is enabled on {sub}.workers.dev in this emulator.\n"));
    };
    let path = req.uri().path().to_string();
    if let Some(assets) = &t.version.assets {
        let config = &assets.config;
        let worker_first = t.version.has_code() && static_assets::worker_first(&config["run_worker_first"], &path);
        if !worker_first {
            let redirect = config["_redirects"].as_str().and_then(|r| static_assets::redirect_rule(r, &path));
            let outcome = redirect.or_else(|| static_assets::resolve(&assets.files, &path, config["html_handling"].as_str()));
            match outcome {
                Some(o) => return respond(state, &t.account, assets, o, &req),
                None if !t.version.has_code() => {
                    let o = static_assets::not_found(&assets.files, &path, config["not_found_handling"].as_str());
                    return respond(state, &t.account, assets, o, &req);
                }
                None => {}
            }
        }
    }
    forward(state, &t.account, script, req).await
}

/// The shared workerd asks for a version's code: the stored version, or
/// one still starting.
fn worker_code(state: &AppState, token: &str) -> Response {
    let Some((account, script, version_id)) = open_token(state, Purpose::Code, token) else {
        return plain(StatusCode::FORBIDDEN, "invalid code token\n");
    };
    let stored = state.store().workers.get(&account).and_then(|w| w.scripts.get(&script)).and_then(|s| s.version(&version_id).cloned());
    let Some(version) = stored.or_else(|| state.runner.starting(token)) else {
        return plain(StatusCode::NOT_FOUND, "no such version\n");
    };
    let assets = version.assets.as_ref().map(|_| assets_token(state, &account, &script, &version_id));
    let tokens = version
        .bindings
        .iter()
        .filter_map(|b| {
            let token = match b["type"].as_str()? {
                "kv_namespace" => kv_token(state, &account, b["namespace_id"].as_str()?),
                "d1" => d1_token(state, &account, b["id"].as_str()?),
                _ => return None,
            };
            Some((b["name"].as_str()?.to_string(), token))
        })
        .collect();
    match state.runner.code(&version, assets.as_deref(), &tokens) {
        Ok(code) => axum::Json(code).into_response(),
        Err(e) => plain(StatusCode::UNPROCESSABLE_ENTITY, &e),
    }
}

/// A Worker's `env.KV` call, from the dispatcher's `Kv` entrypoint: only
/// the namespace its token names, of the token's account.
async fn kv_binding(state: &Arc<AppState>, token: &str, req: Request) -> Response {
    match open_token(state, Purpose::Kv, token) {
        Some((account, kind, namespace)) if kind == "kv" => crate::kv_binding::serve(state, &account, &namespace, req).await,
        _ => plain(StatusCode::FORBIDDEN, "invalid KV binding token\n"),
    }
}

/// A Worker's `env.ASSETS.fetch(request)`: assets only, never the Worker.
async fn assets_binding(state: &Arc<AppState>, token: &str, req: Request) -> Response {
    let Some((account, script, version_id)) = open_assets_token(state, token) else {
        return plain(StatusCode::FORBIDDEN, "invalid assets binding token\n");
    };
    let version = {
        let store = state.store();
        store.workers.get(&account).and_then(|w| w.scripts.get(&script)).and_then(|s| s.version(&version_id).cloned())
    };
    let Some(assets) = version.as_ref().and_then(|v| v.assets.as_ref()) else {
        return plain(StatusCode::NOT_FOUND, "this Worker has no assets\n");
    };
    let path = req.uri().path().to_string();
    let config = &assets.config;
    let outcome = static_assets::resolve(&assets.files, &path, config["html_handling"].as_str())
        .unwrap_or_else(|| static_assets::not_found(&assets.files, &path, config["not_found_handling"].as_str()));
    respond(state, &account, assets, outcome, &req)
}

fn respond(state: &AppState, account: &str, assets: &AssetSet, outcome: Outcome, req: &Request) -> Response {
    match outcome {
        Outcome::Redirect { location, status } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::TEMPORARY_REDIRECT);
            (status, [(header::LOCATION, location)]).into_response()
        }
        Outcome::NotFound => StatusCode::NOT_FOUND.into_response(),
        Outcome::Serve { path, status } => {
            let Some(hash) = assets.files.get(&path) else { return StatusCode::NOT_FOUND.into_response() };
            let stored: Option<StoredAsset> = state.store().workers.get(account).and_then(|w| w.assets.get(hash).cloned());
            let Some(asset) = stored else { return plain(StatusCode::INTERNAL_SERVER_ERROR, "asset content missing\n") };
            let etag = format!("\"{hash}\"");
            let mut headers = HeaderMap::new();
            headers.insert(header::ETAG, HeaderValue::from_str(&etag).expect("hex"));
            if let Some(ct) = asset.content_type.as_deref().and_then(|c| HeaderValue::from_str(c).ok()) {
                headers.insert(header::CONTENT_TYPE, ct);
            }
            if let Some(rules) = assets.config["_headers"].as_str() {
                for (k, v) in static_assets::header_rules(rules, &path) {
                    if let (Ok(k), Ok(v)) = (HeaderName::try_from(k), HeaderValue::from_str(&v)) {
                        headers.insert(k, v);
                    }
                }
            }
            let not_modified = req.headers().get(header::IF_NONE_MATCH).is_some_and(|v| v.as_bytes() == etag.as_bytes());
            if not_modified && status == 200 {
                return (StatusCode::NOT_MODIFIED, headers).into_response();
            }
            let body = if req.method() == Method::HEAD { Body::empty() } else { Body::from(asset.bytes) };
            (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), headers, body).into_response()
        }
    }
}

/// Hop-by-hop headers are not forwarded.
const HOP: &[&str] = &["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"];

async fn forward(state: &Arc<AppState>, account: &str, script: &str, req: Request) -> Response {
    let Some(instance) = state.runner.get(account, script) else {
        return plain(StatusCode::SERVICE_UNAVAILABLE, "the Worker is not running (see the deploy error)\n");
    };
    let (parts, body) = req.into_parts();
    let pq = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let url = format!("http://127.0.0.1:{}{pq}", instance.port);
    let mut out = state.proxy.request(parts.method.clone(), url).body(reqwest::Body::wrap_stream(body.into_data_stream()));
    for (k, v) in parts.headers.iter() {
        // A client must not name another version to the shared process.
        if !HOP.contains(&k.as_str()) && k.as_str() != host::WORKER_HEADER {
            out = out.header(k, v);
        }
    }
    if let Some(route) = &instance.route {
        out = out.header(host::WORKER_HEADER, route);
    }
    match out.send().await {
        Ok(resp) => {
            let mut b = Response::builder().status(resp.status().as_u16());
            for (k, v) in resp.headers() {
                if !HOP.contains(&k.as_str()) {
                    b = b.header(k, v);
                }
            }
            // Keep the process alive while the body streams.
            let keep = instance.clone();
            let stream = futures::StreamExt::map(resp.bytes_stream(), move |c| {
                let _ = &keep;
                c
            });
            b.body(Body::from_stream(stream)).unwrap_or_else(|_| plain(StatusCode::BAD_GATEWAY, "bad response from workerd\n"))
        }
        Err(e) => {
            if instance.route.is_some() {
                state.runner.revive().await;
            }
            plain(StatusCode::BAD_GATEWAY, &format!("workerd did not answer: {e}\n"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_hosts() {
        assert_eq!(worker_host("hello.brisk-otter.localhost:8787"), Some(("hello".into(), "brisk-otter".into())));
        assert_eq!(worker_host("Hello.Brisk-Otter.workers.dev"), Some(("hello".into(), "brisk-otter".into())));
        assert_eq!(worker_host("127.0.0.1:8787"), None);
        assert_eq!(worker_host("localhost:8787"), None);
        assert_eq!(worker_host("sub.localhost"), None);
        assert_eq!(worker_host("a.b.c.localhost"), None);
    }

    #[test]
    fn assets_tokens_are_bound_to_the_key() {
        let state = AppState::new(crate::EmulatorConfig::default(), "http://127.0.0.1:1".into());
        let t = assets_token(&state, "acc", "script", "ver");
        assert_eq!(open_assets_token(&state, &t), Some(("acc".into(), "script".into(), "ver".into())));
        let forged = t.replace("script", "other");
        assert_eq!(open_assets_token(&state, &forged), None);
    }
}

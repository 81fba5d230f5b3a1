//! Claiming (the emulator's claim page and its programmatic twin) and the
//! claim-status extension. None of this is a Cloudflare API: Cloudflare's
//! claim page is its dashboard and it publishes no status endpoint
//! (docs/PROTOCOL.md §4; docs/PROTOCOL-CHOICES.md).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::{SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::json;
use sha2::Sha256;

use crate::claim_page::{self, AccountView, WorkerLink};
use crate::envelope::{self, ApiError};
use crate::state::{hash, Account, AccountStatus, AppState};

type Shared = State<Arc<AppState>>;

/// Header carrying the claim token (never the URL, which ends up in logs).
pub const CLAIM_TOKEN_HEADER: &str = "x-claim-token";
/// Longest long-poll, seconds.
pub const MAX_WAIT: u64 = 60;
/// Emulator code: the claim token is unknown.
pub const UNKNOWN_CLAIM: i64 = 1301;
/// Emulator code: the account cannot be claimed in its current state.
pub const NOT_CLAIMABLE: i64 = 1302;
const CSRF_COOKIE: &str = "bp_csrf";

fn account_for(state: &AppState, claim_token: &str) -> Option<Account> {
    state.sweep();
    let store = state.store();
    let id = store.claims.get(&hash(claim_token))?;
    store.accounts.get(id).cloned()
}

fn status_json(a: &Account) -> serde_json::Value {
    let ts = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
    let status = match a.status {
        AccountStatus::Pending => "pending",
        AccountStatus::Claimed => "claimed",
        AccountStatus::Expired => "expired",
        AccountStatus::Revoked => "revoked",
    };
    json!({"status": status, "changed_at": ts(a.changed_at), "account_id": a.id, "expires_at": ts(a.expires_at)})
}

fn claim_token(headers: &HeaderMap) -> Result<String, ApiError> {
    headers
        .get(CLAIM_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, UNKNOWN_CLAIM, "send the claim token in the X-Claim-Token header"))
}

fn unknown() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, UNKNOWN_CLAIM, "unknown claim token")
}

/// `GET /client/v4/x-boardingpass/claim-status?wait=S`: answers at once
/// unless the account is pending, then when it stops being pending or after
/// `wait` seconds (decimals allowed, at most 60). Holding only while pending means a claim that
/// lands between a client's probe and its long poll is still seen at once.
pub async fn status(State(state): Shared, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Result<Response, ApiError> {
    let token = claim_token(&headers)?;
    let wait = q.get("wait").and_then(|w| w.parse::<f64>().ok()).filter(|w| w.is_finite() && *w > 0.0).unwrap_or(0.0).min(MAX_WAIT as f64);
    let mut changes = state.status_changes.subscribe();
    let mut current = account_for(&state, &token).ok_or_else(unknown)?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(wait);
    while current.status == AccountStatus::Pending {
        // Expiry is a change too: wake at the expiry instant at the latest.
        let until_expiry = (current.expires_at - Utc::now()).to_std().unwrap_or(Duration::ZERO) + Duration::from_millis(300);
        let wake = deadline.min(tokio::time::Instant::now() + until_expiry);
        if tokio::time::Instant::now() >= deadline {
            break;
        }
        let _ = tokio::time::timeout_at(wake, changes.changed()).await;
        current = account_for(&state, &token).ok_or_else(unknown)?;
    }
    Ok(envelope::ok(status_json(&current)))
}

/// Makes the account permanent. `Err` says why it cannot be claimed.
fn claim(state: &AppState, token: &str) -> Result<Account, (StatusCode, &'static str, String)> {
    state.sweep();
    let mut store = state.store();
    let id = store.claims.get(&hash(token)).cloned().ok_or((StatusCode::NOT_FOUND, "Claim link not valid", "This claim link does not belong to any account. Check that you copied the whole link.".to_string()))?;
    let account = store.accounts.get_mut(&id).expect("claims point at accounts");
    match account.status {
        AccountStatus::Pending => {}
        AccountStatus::Claimed => return Err((StatusCode::CONFLICT, "Already claimed", "This account has already been claimed; the link cannot be used again.".into())),
        AccountStatus::Expired => return Err((StatusCode::GONE, "Claim link expired", "The account expired before it was claimed; it and its Workers have been deleted. Ask the agent to deploy again.".into())),
        AccountStatus::Revoked => return Err((StatusCode::GONE, "Access ended", "The agent ended this temporary account before it was claimed; its Workers have been deleted.".into())),
    }
    account.status = AccountStatus::Claimed;
    account.changed_at = Utc::now();
    let revoked = if state.config.revoke_token_on_claim { account.token_hash.take() } else { None };
    let claimed = account.clone();
    if let Some(h) = revoked {
        store.tokens.remove(&h);
    }
    drop(store);
    state.status_changed();
    Ok(claimed)
}

/// `POST /x-boardingpass/claim` with `X-Claim-Token`: what clicking Claim
/// does, for scripts and tests.
pub async fn claim_api(State(state): Shared, headers: HeaderMap) -> Result<Response, ApiError> {
    let token = claim_token(&headers)?;
    match claim(&state, &token) {
        Ok(a) => Ok(envelope::ok(status_json(&a))),
        Err((StatusCode::NOT_FOUND, ..)) => Err(unknown()),
        Err((status, _, message)) => Err(ApiError::new(status, NOT_CLAIMABLE, message)),
    }
}

fn view<'a>(state: &AppState, a: &'a Account) -> AccountView<'a> {
    let port = state.port();
    let store = state.store();
    let mut workers: Vec<WorkerLink> = store
        .workers
        .get(&a.id)
        .map(|w| {
            w.scripts
                .values()
                .filter(|s| s.workers_dev)
                .map(|s| WorkerLink { name: s.name.clone(), url: format!("http://{}.{}.localhost:{port}/", s.name, a.subdomain.as_deref().unwrap_or_default()) })
                .collect()
        })
        .unwrap_or_default();
    workers.sort_by(|x, y| x.name.cmp(&y.name));
    AccountView { name: &a.name, id: &a.id, expires_at: a.expires_at, workers }
}

fn csrf_for(state: &AppState, nonce: &str, token: &str) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(&state.key).expect("any key length");
    m.update(b"csrf:");
    m.update(nonce.as_bytes());
    m.update(&hash(token));
    hex::encode(m.finalize().into_bytes())
}

/// `same-origin`: the claim URL (a bearer link) never leaks to other sites in
/// a Referer, while the form still posts with a real Origin (`no-referrer`
/// would make it `null`).
fn html(status: StatusCode, body: String) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store"), (header::REFERRER_POLICY, "same-origin")], Html(body)).into_response()
}

#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(rename = "claimToken")]
    claim_token: Option<String>,
}

fn csrf_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix(&format!("{CSRF_COOKIE}=")).map(str::to_string))
        .find(|n| n.len() == 32 && n.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `GET /claim-preview?claimToken=…`
pub async fn page(State(state): Shared, headers: HeaderMap, Query(q): Query<PageQuery>) -> Response {
    let Some(token) = q.claim_token.filter(|t| !t.is_empty()) else {
        return html(StatusCode::BAD_REQUEST, claim_page::problem("Claim link incomplete", "The link has no claimToken. Open the whole claim URL the agent gave you."));
    };
    let Some(a) = account_for(&state, &token) else {
        return html(StatusCode::NOT_FOUND, claim_page::problem("Claim link not valid", "This claim link does not belong to any account. Check that you copied the whole link."));
    };
    match a.status {
        AccountStatus::Pending => {
            // Double-submit: a random cookie (kept across tabs) plus a form
            // field bound to it and to this claim.
            let nonce = csrf_cookie(&headers).unwrap_or_else(|| hex::encode(rand::random::<[u8; 16]>()));
            let csrf = csrf_for(&state, &nonce, &token);
            let body = claim_page::pending(&view(&state, &a), &token, &csrf);
            let cookie = format!("{CSRF_COOKIE}={nonce}; Path=/claim-preview; HttpOnly; SameSite=Strict");
            let mut resp = html(StatusCode::OK, body);
            resp.headers_mut().insert(header::SET_COOKIE, cookie.parse().expect("ascii cookie"));
            resp
        }
        AccountStatus::Claimed => html(StatusCode::OK, claim_page::claimed(&view(&state, &a), false)),
        AccountStatus::Expired => html(StatusCode::GONE, claim_page::problem("Claim link expired", "The account expired before it was claimed; it and its Workers have been deleted.")),
        AccountStatus::Revoked => html(StatusCode::GONE, claim_page::problem("Access ended", "The agent ended this temporary account before it was claimed.")),
    }
}

#[derive(Deserialize)]
pub struct ClaimForm {
    #[serde(rename = "claimToken")]
    claim_token: String,
    csrf: String,
}

/// `POST /claim-preview` from the page's form.
pub async fn submit(State(state): Shared, headers: HeaderMap, Form(form): Form<ClaimForm>) -> Response {
    let nonce = csrf_cookie(&headers);
    let origin_ok = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()).is_none_or(|o| o == state.origin || o.starts_with("http://localhost:") || o.starts_with("http://127.0.0.1:"));
    let csrf_ok = nonce.is_some_and(|n| {
        let expected = csrf_for(&state, &n, &form.claim_token);
        expected.len() == form.csrf.len() && expected.bytes().zip(form.csrf.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    });
    if !origin_ok || !csrf_ok {
        return html(StatusCode::FORBIDDEN, claim_page::problem("Request refused", "The form could not be verified (missing or stale security token). Open the claim link again and press Claim."));
    }
    match claim(&state, &form.claim_token) {
        Ok(a) => html(StatusCode::OK, claim_page::claimed(&view(&state, &a), true)),
        Err((status, title, message)) if status == StatusCode::CONFLICT => {
            let a = account_for(&state, &form.claim_token);
            match a {
                Some(a) => html(StatusCode::CONFLICT, claim_page::claimed(&view(&state, &a), false)),
                None => html(status, claim_page::problem(title, &message)),
            }
        }
        Err((status, title, message)) => html(status, claim_page::problem(title, &message)),
    }
}

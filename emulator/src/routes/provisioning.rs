//! `POST /provisioning/previews/challenge` and `POST /provisioning/previews`
//! (docs/PROTOCOL.md §2–3), with real checks: terms, authentic/unexpired/unused
//! challenge, proof of work verified in parallel off the async executor,
//! and a per-address rate limit.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use boardingpass::pow::{self, Challenge};
use chrono::{SecondsFormat, Utc};
use rand::distributions::{Alphanumeric, DistString};
use serde_json::{json, Value};

use crate::challenge::{self, Claims};
use crate::config::EmulatorConfig;
use crate::envelope::{self, ApiError, BAD_REQUEST, CHALLENGE_EXPIRED, CHALLENGE_INVALID, CHALLENGE_REPLAYED, RATE_LIMITED, SOLUTION_INVALID, TERMS_NOT_ACCEPTED};
use crate::body::{json_error, RawBody};
use crate::linger::Peer;
use crate::names;
use crate::state::{hash, Account, AccountStatus, AppState};

const TERMS: &str = "https://www.cloudflare.com/terms/";
const PRIVACY: &str = "https://www.cloudflare.com/privacypolicy/";

fn bad(code: i64, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

/// Body cap of the create call: its solution is `k+1` checkpoints of 32
/// bytes in base64, on top of the small fields every open route may send.
pub fn create_body_limit(config: &EmulatorConfig) -> usize {
    let solution = (config.pow_k as usize + 1) * 32;
    config.max_open_body + solution.div_ceil(3) * 4
}

fn rate_limit(state: &AppState, Peer(addr): Peer) -> Result<(), ApiError> {
    let Some(limit) = &state.config.rate_limit else { return Ok(()) };
    let now = Instant::now();
    let mut store = state.store();
    let hits = store.rate.entry(addr.ip()).or_default();
    hits.retain(|t| now.duration_since(*t) < limit.per);
    if hits.len() as u32 >= limit.max {
        let oldest = hits[0];
        let wait = limit.per.saturating_sub(now.duration_since(oldest)).as_secs_f64().ceil().max(1.0) as u64;
        let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, RATE_LIMITED, "Too many temporary accounts requested; retry later");
        e.retry_after = Some(wait);
        return Err(e);
    }
    hits.push(now);
    Ok(())
}

pub async fn challenge(State(state): State<Arc<AppState>>, ConnectInfo(addr): ConnectInfo<Peer>) -> Result<Response, ApiError> {
    rate_limit(&state, addr)?;
    let exp = Utc::now().timestamp() + state.config.challenge_ttl.as_secs().max(1) as i64;
    let claims = Claims {
        nonce: hex::encode(rand::random::<[u8; 16]>()),
        seed: B64.encode(rand::random::<[u8; 32]>()),
        k: state.config.pow_k,
        g: state.config.pow_g,
        exp,
    };
    let token = challenge::sign(&state.key, &claims);
    Ok(envelope::ok(json!({
        "challengeToken": token, "seed": claims.seed, "k": claims.k, "g": claims.g, "s": 16, "expiresAt": exp,
    })))
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    ConnectInfo(addr): ConnectInfo<Peer>,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    rate_limit(&state, addr)?;
    let body: Value = serde_json::from_slice(&body).map_err(|e| json_error(&e))?;
    let field = |k: &str| body.get(k).and_then(Value::as_str);
    if field("acceptTermsOfService") != Some("yes") || field("termsOfService") != Some(TERMS) || field("privacyPolicy") != Some(PRIVACY) {
        return Err(bad(TERMS_NOT_ACCEPTED, format!("acceptTermsOfService must be \"yes\" with termsOfService {TERMS} and privacyPolicy {PRIVACY}")));
    }
    let token = field("challengeToken").ok_or_else(|| bad(CHALLENGE_INVALID, "challengeToken missing"))?;
    let claims = challenge::open(&state.key, token).ok_or_else(|| bad(CHALLENGE_INVALID, "challengeToken is not authentic"))?;
    if claims.exp < Utc::now().timestamp() {
        return Err(bad(CHALLENGE_EXPIRED, "challenge expired; request a new one"));
    }
    let checkpoints = body
        .pointer("/solution/checkpoints")
        .and_then(Value::as_str)
        .ok_or_else(|| bad(SOLUTION_INVALID, "solution.checkpoints missing"))?
        .to_string();
    // Claim the nonce before the expensive check so concurrent replays lose.
    if !state.store().used_challenges.insert(claims.nonce.clone()) {
        return Err(bad(CHALLENGE_REPLAYED, "challenge already used; request a new one"));
    }
    let ch = Challenge::new(&claims.seed, claims.k.into(), claims.g.into(), u64::MAX).map_err(|e| bad(CHALLENGE_INVALID, e.to_string()))?;
    let threads = state.config.verify_threads;
    let verdict = tokio::task::spawn_blocking(move || pow::verify(&ch, &checkpoints, threads))
        .await
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, BAD_REQUEST, "verifier failed"))?;
    verdict.map_err(|e| bad(SOLUTION_INVALID, format!("proof of work rejected: {e}")))?;
    Ok(envelope::ok(new_account(&state)))
}

fn random_token(len: usize) -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), len)
}

fn new_account(state: &AppState) -> Value {
    let now = Utc::now();
    let expires = now + chrono::Duration::from_std(state.config.lifetime).unwrap_or(chrono::Duration::hours(1));
    let id = hex::encode(rand::random::<[u8; 16]>());
    let name = names::account_name();
    let api_token = format!("cfat_{}", random_token(40));
    let claim_token = random_token(43);
    let token_id = hex::encode(rand::random::<[u8; 16]>());
    let account = Account {
        id: id.clone(),
        name: name.clone(),
        subdomain: None,
        token_id: token_id.clone(),
        token_hash: Some(hash(&api_token)),
        claim_hash: hash(&claim_token),
        created_at: now,
        expires_at: expires,
        status: AccountStatus::Pending,
        changed_at: now,
    };
    let mut store = state.store();
    let mut account = account;
    account.subdomain = Some(store.unique_subdomain(&name));
    store.tokens.insert(hash(&api_token), id.clone());
    store.claims.insert(hash(&claim_token), id.clone());
    store.accounts.insert(id.clone(), account);
    let at = expires.to_rfc3339_opts(SecondsFormat::Millis, true);
    json!({
        "account": {"id": id, "name": name, "type": "temporary", "apiToken": api_token, "tokenId": token_id, "expiresAt": at},
        "claim": {"token": claim_token, "url": format!("{}/claim-preview?claimToken={claim_token}", state.origin), "expiresAt": at},
    })
}

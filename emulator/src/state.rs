//! Everything the emulator remembers. Credentials are stored only as
//! SHA-256 hashes: the raw API token and claim token exist once, in the
//! create response.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::config::EmulatorConfig;
use crate::faults::{ChaosState, Fault};
use crate::runner::Runner;
use crate::workers::{AccountWorkers, UploadSession};

pub type Hash = [u8; 32];

pub fn hash(secret: &str) -> Hash {
    Sha256::digest(secret.as_bytes()).into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    Pending,
    Claimed,
    Expired,
    Revoked,
}

#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub subdomain: Option<String>,
    pub token_id: String,
    pub token_hash: Option<Hash>,
    pub claim_hash: Hash,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub status: AccountStatus,
    pub changed_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct Store {
    pub accounts: HashMap<String, Account>,
    /// token hash → account id
    pub tokens: HashMap<Hash, String>,
    /// claim token hash → account id
    pub claims: HashMap<Hash, String>,
    /// nonces of challenges already answered
    pub used_challenges: HashSet<String>,
    /// provisioning request times per client address
    pub rate: HashMap<IpAddr, Vec<Instant>>,
    /// account id → its Workers and assets
    pub workers: HashMap<String, AccountWorkers>,
    /// asset upload session id → session
    pub sessions: HashMap<String, UploadSession>,
    /// account id → its Workers KV namespaces
    pub kv: HashMap<String, crate::kv::AccountKv>,
    /// account id → its D1 databases
    pub d1: HashMap<String, crate::d1::AccountD1>,
}

pub struct AppState {
    pub config: EmulatorConfig,
    /// `http://127.0.0.1:PORT`
    pub origin: String,
    /// HMAC key of challenge tokens, per process.
    pub key: [u8; 32],
    pub store: Mutex<Store>,
    pub faults: Mutex<Vec<Fault>>,
    /// Random faults, when on.
    pub chaos: Mutex<Option<ChaosState>>,
    /// workerd processes (or the shared one's isolates) of live Workers.
    pub runner: Runner,
    /// Forwards requests to workerd (no proxy, no redirects followed).
    pub proxy: reqwest::Client,
    /// Bumped on every account status change (claim, revocation, expiry);
    /// long-polls wait on it.
    pub status_changes: tokio::sync::watch::Sender<u64>,
    /// API requests answered, oldest first (bounded), for protocol tests.
    pub requests: Mutex<std::collections::VecDeque<RecordedRequest>>,
}

/// One API request as the emulator saw it: no headers, no request body, so
/// no secrets (unless [`EmulatorConfig::record_responses`] keeps answers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub status: u16,
    /// The answer's JSON, when recorded and the answer is JSON.
    pub response: Option<serde_json::Value>,
    /// The answer's `Content-Type`, when answers are recorded.
    pub content_type: Option<String>,
}

/// Requests kept for inspection.
pub const RECORDED_REQUESTS: usize = 10_000;

impl AppState {
    pub fn new(config: EmulatorConfig, origin: String) -> Self {
        let faults = Mutex::new(config.faults.clone());
        let chaos = Mutex::new(config.chaos.clone().map(ChaosState::new));
        let shared_with = config.shared_workerd.then(|| origin.trim_start_matches("http://").to_string());
        let runner = Runner::new(config.workerd_startup_timeout, config.workerd.clone(), shared_with);
        let proxy = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a plain HTTP client builds");
        Self { config, origin, key: rand::random(), store: Mutex::new(Store::default()), faults, chaos, runner, proxy, status_changes: tokio::sync::watch::Sender::new(0), requests: Mutex::default() }
    }

    /// The port the emulator listens on.
    pub fn port(&self) -> u16 {
        self.origin.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or_default()
    }

    pub fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Store {
    /// Marks accounts whose window has passed as expired, forgets their
    /// tokens, Workers, assets, KV and D1 data and upload sessions, and returns their ids
    /// (whose workerd processes the caller stops).
    pub fn expire(&mut self, now: DateTime<Utc>) -> Vec<String> {
        let mut dead = Vec::new();
        let mut ids = Vec::new();
        for a in self.accounts.values_mut() {
            if a.status == AccountStatus::Pending && a.expires_at <= now {
                a.status = AccountStatus::Expired;
                a.changed_at = now;
                dead.extend(a.token_hash.take());
                ids.push(a.id.clone());
            }
        }
        for h in dead {
            self.tokens.remove(&h);
        }
        for id in &ids {
            self.workers.remove(id);
            self.kv.remove(id);
            self.d1.remove(id);
            self.sessions.retain(|_, s| &s.account != id);
        }
        ids
    }

    /// A subdomain no other account uses, derived from `name`.
    pub fn unique_subdomain(&self, name: &str) -> String {
        let base = crate::names::subdomain_of(name);
        let taken = |s: &str| self.accounts.values().any(|a| a.subdomain.as_deref() == Some(s));
        let mut candidate = base.clone();
        while taken(&candidate) {
            candidate = format!("{base}-{}", hex::encode(rand::random::<[u8; 2]>()));
        }
        candidate
    }

    /// The live account serving `subdomain` (pending or claimed).
    pub fn account_by_subdomain(&self, subdomain: &str) -> Option<&Account> {
        self.accounts.values().find(|a| {
            a.subdomain.as_deref() == Some(subdomain) && matches!(a.status, AccountStatus::Pending | AccountStatus::Claimed)
        })
    }
}

impl AppState {
    /// Expires what is due and stops the expired accounts' Workers.
    pub fn sweep(&self) {
        let gone = self.store().expire(Utc::now());
        if !gone.is_empty() {
            self.status_changed();
        }
        for id in gone {
            self.runner.stop_account(&id);
        }
    }

    /// Wakes every claim-status long-poll.
    pub fn status_changed(&self) {
        self.status_changes.send_modify(|g| *g += 1);
    }
}

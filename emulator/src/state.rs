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
use crate::faults::Fault;

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
}

pub struct AppState {
    pub config: EmulatorConfig,
    /// `http://127.0.0.1:PORT`
    pub origin: String,
    /// HMAC key of challenge tokens, per process.
    pub key: [u8; 32],
    pub store: Mutex<Store>,
    pub faults: Mutex<Vec<Fault>>,
}

impl AppState {
    pub fn new(config: EmulatorConfig, origin: String) -> Self {
        let faults = Mutex::new(config.faults.clone());
        Self { config, origin, key: rand::random(), store: Mutex::new(Store::default()), faults }
    }

    pub fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Store {
    /// Marks accounts whose window has passed as expired and forgets their tokens.
    pub fn expire(&mut self, now: DateTime<Utc>) {
        let mut dead = Vec::new();
        for a in self.accounts.values_mut() {
            if a.status == AccountStatus::Pending && a.expires_at <= now {
                a.status = AccountStatus::Expired;
                a.changed_at = now;
                dead.extend(a.token_hash.take());
            }
        }
        for h in dead {
            self.tokens.remove(&h);
        }
    }
}

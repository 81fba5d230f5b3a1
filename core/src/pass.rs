//! The boarding pass: authority for one temporary account, for one window.
//!
//! It holds the account's identity and two bearer credentials, the API token
//! and the claim URL, in memory only. It cannot be serialised, its `Debug`
//! shows fingerprints, and every request made with it first checks the
//! window locally ([`BoardingPass::ensure_valid`]), so expired authority
//! fails before anything is sent.

use std::time::Duration;

use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use serde_json::{json, Value};

use crate::audit::AuditKind;
use crate::client::Client;
use crate::error::Error;
use crate::policy::Context;
use crate::record::{Deployment, Evidence, PassState};
use crate::secret::Secret;

/// A cheap-to-clone handle: clones share the same credentials and state.
#[derive(Clone)]
pub struct BoardingPass {
    pub(crate) inner: Arc<PassInner>,
}

pub(crate) struct PassInner {
    pub(crate) client: Client,
    pub(crate) account_id: String,
    pub(crate) account_name: String,
    pub(crate) account_type: Option<String>,
    pub(crate) token_id: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) claim_expires_at: DateTime<Utc>,
    pub(crate) api_token: Secret,
    pub(crate) claim_url: Secret,
    pub(crate) claim_token: Option<Secret>,
    /// The person who will receive the claim link.
    pub(crate) owner: Option<String>,
    pub(crate) state: Mutex<PassState>,
}


impl BoardingPass {
    pub(crate) fn new(inner: PassInner) -> Self {
        Self { inner: Arc::new(inner) }
    }

    /// The client this pass talks through.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    pub fn account_id(&self) -> &str {
        &self.inner.account_id
    }
    /// Two-word display name, e.g. "Waiting Salmonberry".
    pub fn account_name(&self) -> &str {
        &self.inner.account_name
    }
    pub fn account_type(&self) -> Option<&str> {
        self.inner.account_type.as_deref()
    }
    /// Cloudflare's id of the API token (not a secret).
    pub fn token_id(&self) -> Option<&str> {
        self.inner.token_id.as_deref()
    }
    /// The named person the claim link is for.
    pub fn owner(&self) -> Option<&str> {
        self.inner.owner.as_deref()
    }
    /// `true` once [`BoardingPass::teardown`] revoked the token.
    pub fn is_revoked(&self) -> bool {
        self.state().revoked
    }
    /// When this process received the pass.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.inner.created_at
    }
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.inner.expires_at
    }
    pub fn claim_expires_at(&self) -> DateTime<Utc> {
        self.inner.claim_expires_at
    }
    /// The workers.dev subdomain Cloudflare derives from the account name
    /// (docs/PROTOCOL.md §2.2); the deploy step asks the API and prefers its answer.
    pub fn derived_subdomain(&self) -> String {
        self.inner.account_name.to_lowercase().split_whitespace().collect::<Vec<_>>().join("-")
    }

    /// Time left before the pass stops being usable (zero once expired).
    pub fn time_left(&self) -> Duration {
        (self.inner.expires_at - Utc::now()).to_std().unwrap_or(Duration::ZERO)
    }

    pub fn is_expired(&self) -> bool {
        self.time_left() <= self.inner.client.config().expiry_margin
    }

    /// Fails locally with [`Error::PassRevoked`] once teardown revoked the
    /// token, and with [`Error::PassExpired`] once the window (minus the
    /// client's safety margin) has passed.
    pub fn ensure_valid(&self) -> Result<(), Error> {
        if self.is_revoked() {
            return Err(Error::PassRevoked { account_id: self.inner.account_id.clone() });
        }
        if self.is_expired() {
            return Err(Error::PassExpired { account_id: self.inner.account_id.clone(), expired_at: self.inner.expires_at });
        }
        Ok(())
    }

    /// Fingerprint of the API token, safe to log and put in tickets.
    pub fn token_fingerprint(&self) -> String {
        self.inner.api_token.fingerprint()
    }
    /// Fingerprint of the claim URL, safe to log and put in tickets.
    pub fn claim_fingerprint(&self) -> String {
        self.inner.claim_url.fingerprint()
    }

    /// The API token. Only for callers that must hand it to another tool;
    /// it is a bearer credential for the whole account.
    pub fn expose_api_token(&self) -> &str {
        self.inner.api_token.expose_secret()
    }
    /// The claim URL: whoever completes it owns the account. Hand it only to
    /// the named claim owner.
    pub fn expose_claim_url(&self) -> &str {
        self.inner.claim_url.expose_secret()
    }

    /// The same pass (credentials, window, deploy and verification history)
    /// talking through `client`: for a process that cannot use the original
    /// client's connections, such as a child forked after provisioning.
    /// The copy's history then grows on its own.
    pub fn with_client(&self, client: Client) -> BoardingPass {
        let st = self.state();
        let i = &self.inner;
        BoardingPass::new(PassInner {
            client,
            account_id: i.account_id.clone(),
            account_name: i.account_name.clone(),
            account_type: i.account_type.clone(),
            token_id: i.token_id.clone(),
            created_at: i.created_at,
            expires_at: i.expires_at,
            claim_expires_at: i.claim_expires_at,
            api_token: i.api_token.clone(),
            claim_url: i.claim_url.clone(),
            claim_token: i.claim_token.clone(),
            owner: i.owner.clone(),
            state: Mutex::new(PassState {
                subdomain: st.subdomain.clone(),
                deployments: st.deployments.clone(),
                evidence: st.evidence.clone(),
                deleted: st.deleted.clone(),
                revoked: st.revoked,
                resources: st.resources.clone(),
            }),
        })
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, PassState> {
        // A panic while holding the lock leaves plain data behind; keep going.
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn record_deployment(&self, d: &Deployment) {
        let mut st = self.state();
        st.deleted.retain(|n| n != &d.worker_name);
        st.deployments.push(d.clone());
    }

    /// Every deploy made with this pass, oldest first.
    pub fn deployments(&self) -> Vec<Deployment> {
        self.state().deployments.clone()
    }

    /// Every verification made with this pass, oldest first.
    pub fn evidence(&self) -> Vec<Evidence> {
        self.state().evidence.clone()
    }

    /// Names of the Workers deployed with this pass and not deleted since.
    pub fn live_workers(&self) -> Vec<String> {
        self.state().live_workers()
    }

    pub(crate) fn policy_context(&self) -> Context<'_> {
        Context { job_class: self.client().config().job_class.as_deref(), claim_owner: self.owner() }
    }

    /// Writes one audit event for this pass; secrets are scrubbed.
    pub(crate) fn audit(&self, kind: AuditKind, worker: Option<&str>, digest: Option<&str>, details: Value) -> Result<(), Error> {
        let mut secrets = vec![self.api_token(), &self.inner.claim_url];
        secrets.extend(self.claim_token());
        self.client().audit().record(kind, Some(self.account_id()), worker, digest, details, &secrets)
    }

    /// Records in the audit log that `step` failed after provisioning (a
    /// `failed` event naming the error's code) and hands the error back, or
    /// the audit log's own error when the event cannot be written. Callers
    /// that run steps of their own after a deploy use it so the log never
    /// stops silently.
    pub fn record_failure(&self, step: &str, worker: Option<&str>, digest: Option<&str>, error: Error) -> Error {
        let details = json!({"step": step, "code": error.code(), "error": error.to_string()});
        match self.audit(AuditKind::Failed, worker, digest, details) {
            Ok(()) => error,
            Err(audit_error) => audit_error,
        }
    }

    pub(crate) fn claim_url(&self) -> &Secret {
        &self.inner.claim_url
    }
    pub(crate) fn api_token(&self) -> &Secret {
        &self.inner.api_token
    }
    pub(crate) fn claim_token(&self) -> Option<&Secret> {
        self.inner.claim_token.as_ref()
    }
}

impl std::fmt::Debug for BoardingPass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoardingPass")
            .field("account_id", &self.inner.account_id)
            .field("account_name", &self.inner.account_name)
            .field("expires_at", &crate::timestamp::display(self.inner.expires_at))
            .field("api_token", &self.inner.api_token)
            .field("claim_url", &self.inner.claim_url)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
pub(crate) fn test_pass(expires_in: chrono::Duration) -> BoardingPass {
    let now = Utc::now();
    let client = Client::builder().api_base("http://127.0.0.1:9/client/v4").build().unwrap();
    BoardingPass::new(PassInner {
        client,
        account_id: "0123456789abcdef0123456789abcdef".into(),
        account_name: "Waiting Salmonberry".into(),
        account_type: Some("temporary".into()),
        token_id: None,
        created_at: now,
        expires_at: now + expires_in,
        claim_expires_at: now + expires_in,
        api_token: Secret::new("cfat_TESTTOKENVALUE_abcdefghijklmnop"),
        claim_url: Secret::new("https://dash.cloudflare.com/claim-preview?claimToken=CLAIMVALUE123"),
        claim_token: Some(Secret::new("CLAIMVALUE123")),
        owner: Some("Ada Lovelace".into()),
        state: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_both_credentials() {
        let p = test_pass(chrono::Duration::minutes(60));
        let dbg = format!("{p:?}{p:#?}");
        assert!(!dbg.contains("TESTTOKENVALUE") && !dbg.contains("CLAIMVALUE"), "{dbg}");
        assert!(dbg.contains(&p.token_fingerprint()) && dbg.contains("Waiting Salmonberry"));
        assert_eq!(p.derived_subdomain(), "waiting-salmonberry");
    }

    #[test]
    fn with_client_keeps_identity_credentials_and_history() {
        let p = test_pass(chrono::Duration::minutes(60));
        p.state().deleted.push("old".into());
        let other = Client::builder().api_base("http://127.0.0.1:10/client/v4").build().unwrap();
        let q = p.with_client(other);
        assert_eq!(q.client().api_base(), "http://127.0.0.1:10/client/v4");
        assert_eq!((q.account_id(), q.account_name(), q.owner()), (p.account_id(), p.account_name(), p.owner()));
        assert_eq!((q.expose_api_token(), q.expose_claim_url()), (p.expose_api_token(), p.expose_claim_url()));
        assert_eq!((q.expires_at(), q.claim_expires_at(), q.created_at()), (p.expires_at(), p.claim_expires_at(), p.created_at()));
        assert_eq!(q.claim_token().map(|t| t.expose_secret()), Some("CLAIMVALUE123"));
        assert_eq!(q.state().deleted, vec!["old".to_string()]);
        q.state().revoked = true;
        assert!(!p.is_revoked() && q.is_revoked(), "each copy keeps its own history from then on");
    }

    #[test]
    fn expiry_is_enforced_locally_with_margin() {
        assert!(test_pass(chrono::Duration::minutes(1)).ensure_valid().is_ok());
        let within_margin = test_pass(chrono::Duration::seconds(3));
        let e = within_margin.ensure_valid().unwrap_err();
        assert_eq!(e.code(), "pass_expired");
        assert!(e.to_string().contains("provision a new pass"));
        let past = test_pass(chrono::Duration::seconds(-10));
        assert!(past.is_expired());
        assert_eq!(past.time_left(), Duration::ZERO);
    }
}

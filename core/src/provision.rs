//! Provisioning a temporary account (docs/PROTOCOL.md §2): challenge, proof of
//! work, create. Nothing is sent unless the caller accepted the terms.
//!
//! The challenge request is retried like any idempotent call (a fresh
//! challenge is harmless); the create request is sent once, because its
//! challenge token is single-use. After a transient create failure the whole
//! sequence (fresh challenge, proof of work, create) runs once more
//! (docs/PROTOCOL-CHOICES.md).
//!
//! Every field of the create answer is validated ([`crate::untrusted`])
//! before a pass is built from it, and the answer's buffers are wiped once
//! the credentials sit in their [`Secret`]s.
//!
//! [`Client::provision_and_prepare`] runs a deploy's local preparation
//! alongside the challenge and proof of work and sends the create request
//! only once both succeeded.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Utc;
use futures::TryFutureExt;
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::audit::AuditKind;
use crate::cancel::{cancellable, CancellationToken};
use crate::client::{Client, PRIVACY_POLICY_URL, TERMS_OF_SERVICE_URL};
use crate::error::Error;
use crate::http::{self, Auth, Call};
use crate::pass::{BoardingPass, PassInner};
use crate::policy::Context;
use crate::pow::{self, CancelFlag, Challenge};
use crate::prepare::{DeployOptions, PreparedDeploy};
use crate::progress::{Phase, Progress};
use crate::secret::Secret;
use crate::untrusted;
use crate::worker::Worker;

const CHALLENGE_PATH: &str = "/provisioning/previews/challenge";
const CREATE_PATH: &str = "/provisioning/previews";
/// Largest challenge answer read: a real one (a JWT, a seed, k, g) is under 1 KB.
pub const MAX_CHALLENGE_BODY: usize = 16 << 10;

#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ProvisionOptions {
    /// The named person who will receive the claim link (required by the
    /// default policy).
    pub owner: Option<String>,
    /// Hidden wrangler `--event-code`: redeem an event allocation.
    pub event_code: Option<String>,
    pub progress: Progress,
    pub cancel: Option<CancellationToken>,
}

setters!(ProvisionOptions { progress: Progress } optional { owner => String, event_code => String, cancel: CancellationToken });

#[derive(Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(rename_all = "camelCase")]
struct ChallengeResult {
    challenge_token: String,
    seed: String,
    k: i64,
    g: i64,
}

#[derive(Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(rename_all = "camelCase")]
struct CreateResult {
    account: Option<AccountResult>,
    claim: Option<ClaimResult>,
    event_code_accepted: Option<bool>,
}

#[derive(Deserialize, Zeroize)]
#[serde(rename_all = "camelCase")]
struct AccountResult {
    id: Option<String>,
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    api_token: Option<String>,
    token_id: Option<String>,
    expires_at: Option<String>,
}

#[derive(Deserialize, Zeroize)]
#[serde(rename_all = "camelCase")]
struct ClaimResult {
    token: Option<String>,
    url: Option<String>,
    expires_at: Option<String>,
}

/// Solves off the async executor. Dropping the returned future (or firing
/// `cancel`) stops the solver thread within a few thousand hashes.
#[tracing::instrument(name = "proof_of_work", skip_all, fields(k = challenge.k(), g = challenge.g()))]
pub async fn solve(challenge: Challenge, progress: Progress) -> Result<String, Error> {
    struct StopOnDrop(CancelFlag);
    impl Drop for StopOnDrop {
        fn drop(&mut self) {
            self.0.cancel();
        }
    }
    let flag = CancelFlag::new();
    let _guard = StopOnDrop(flag.clone());
    let total = u64::from(challenge.k());
    progress.emit(Phase::ProofOfWork, 0, total);
    let raw = tokio::task::spawn_blocking(move || {
        pow::solve_blocking(&challenge, &flag, |p| progress.emit(Phase::ProofOfWork, p.checkpoints_done.into(), total))
    })
    .await
    .map_err(|e| Error::protocol("proof of work", format!("solver thread failed: {e}")))??;
    Ok(pow::encode_checkpoints(&raw))
}

/// The `claimToken` query parameter of a claim URL (wrangler reads only the URL).
fn claim_token_from_url(url: &url::Url) -> Option<Zeroizing<String>> {
    url.query_pairs().find(|(k, _)| k == "claimToken").map(|(_, v)| Zeroizing::new(v.into_owned()))
}

impl Client {
    /// Gets a boarding pass: a temporary account with its API token and
    /// claim URL, valid for the window the server grants (60 minutes on
    /// Cloudflare).
    pub async fn provision(&self, options: ProvisionOptions) -> Result<BoardingPass, Error> {
        Ok(self.provision_with(&options, std::future::ready(Ok(()))).await?.0)
    }

    /// Provisions while `worker` is prepared for deploying
    /// ([`Client::prepare_deploy`]): loading, hashing and checking run during
    /// the proof of work, so a good project adds nothing to the critical path.
    /// The create request is sent only once the preparation succeeded; a
    /// failed preparation stops the proof of work and no account is created.
    /// TypeScript modules are compiled first, so a compile error is raised
    /// before any request.
    pub async fn provision_and_prepare(
        &self,
        options: ProvisionOptions,
        worker: &Worker,
        deploy: DeployOptions,
    ) -> Result<(BoardingPass, PreparedDeploy), Error> {
        let compiled = crate::prepare::compile(worker, &deploy).await?;
        let prepare = self.prepare_deploy(compiled.as_ref().unwrap_or(worker), deploy, options.owner.as_deref());
        self.provision_with(&options, prepare).await
    }

    /// Provisioning gated on `local` work, which runs alongside the challenge
    /// and proof of work and must succeed before the account is created.
    #[tracing::instrument(name = "provision", skip_all, fields(run_id = self.audit().run_id(), job_id = self.audit().job_id()))]
    async fn provision_with<T>(&self, options: &ProvisionOptions, local: impl Future<Output = Result<T, Error>>) -> Result<(BoardingPass, T), Error> {
        if !self.config().accept_terms {
            return Err(Error::TermsNotAccepted { terms: TERMS_OF_SERVICE_URL.into(), privacy: PRIVACY_POLICY_URL.into() });
        }
        if let Some(code) = &options.event_code {
            if code.trim().is_empty() {
                return Err(Error::invalid("event_code", "must not be empty"));
            }
        }
        let ctx = Context { job_class: self.config().job_class.as_deref(), claim_owner: options.owner.as_deref() };
        let checked = self.config().policy.check_provision(&ctx);
        let violations: Vec<String> = match &checked {
            Err(Error::PolicyViolation { violations }) => violations.iter().map(|v| v.rule.clone()).collect(),
            _ => Vec::new(),
        };
        self.audit().record(AuditKind::PolicyChecked, None, None, None, json!({"step": "provision", "violations": violations}), &[])?;
        checked?;
        let local_failed = AtomicBool::new(false);
        let local = local.inspect_err(|_| local_failed.store(true, Ordering::Relaxed));
        match cancellable(options.cancel.as_ref(), self.provision_inner(options, local)).await {
            Ok((pass, local)) => {
                pass.audit(
                    AuditKind::Provisioned,
                    None,
                    None,
                    json!({
                        "account_name": pass.account_name(),
                        "expires_at": pass.expires_at(),
                        "token_fingerprint": pass.token_fingerprint(),
                        "claim_url_fingerprint": pass.claim_fingerprint(),
                        "owner": pass.owner(),
                    }),
                )?;
                Ok((pass, local))
            }
            Err(e) => {
                let step = if local_failed.load(Ordering::Relaxed) { "prepare" } else { "provision" };
                let details = json!({"step": step, "code": e.code(), "error": e.to_string()});
                self.audit().record(AuditKind::Failed, None, None, None, details, &[])?;
                Err(e)
            }
        }
    }

    async fn provision_inner<T>(&self, options: &ProvisionOptions, local: impl Future<Output = Result<T, Error>>) -> Result<(BoardingPass, T), Error> {
        // The first failure drops the other side (a dropped solve stops its thread).
        let (mut solved, local) = futures::future::try_join(self.solved_challenge(&options.progress), local).await?;
        let mut first = true;
        let created = loop {
            let (token, checkpoints) = solved;
            match self.create(options, token, checkpoints).await {
                // The challenge is spent, and an account the server may have
                // made is out of reach (no token, no claim URL): a fresh
                // challenge is the only way on. Once, so a failing server is
                // not hammered.
                Err(e) if first && http::transient(&e).is_some() => {
                    let wait = self.config().retry.wait_for(1, e.retry_after()).ok_or(e)?;
                    tracing::warn!(wait_ms = wait.as_millis() as u64, "account creation failed transiently; provisioning again with a fresh challenge");
                    tokio::time::sleep(wait).await;
                    first = false;
                    solved = self.solved_challenge(&options.progress).await?;
                }
                other => break other?,
            }
        };
        let pass = self.pass_from(created, &format!("POST {CREATE_PATH}"), options)?;
        options.progress.emit(Phase::CreateAccount, 1, 1);
        tracing::info!(account_id = %pass.account_id(), token = %pass.token_fingerprint(), "provisioned temporary account");
        Ok((pass, local))
    }

    /// A challenge and its solution: (challenge token, encoded checkpoints).
    /// The token authorises one account creation, so it is a [`Secret`] from
    /// the moment it is decoded.
    async fn solved_challenge(&self, progress: &Progress) -> Result<(Secret, String), Error> {
        progress.emit(Phase::Challenge, 0, 1);
        let call = Call::new(Method::POST, CHALLENGE_PATH, Auth::None).json(json!({})).idempotent(true).max_body(MAX_CHALLENGE_BODY);
        let endpoint = call.endpoint();
        let mut answer = self.http().call(call).await?;
        let decoded = answer.result_as::<ChallengeResult>(&endpoint);
        http::wipe_json(&mut answer.result);
        let mut ch = decoded?;
        let token = Secret::new(std::mem::take(&mut ch.challenge_token));
        progress.emit(Phase::Challenge, 1, 1);
        let challenge = Challenge::new(&ch.seed, ch.k, ch.g, self.config().pow_work_cap)?;
        let checkpoints = solve(challenge, progress.clone()).await?;
        Ok((token, checkpoints))
    }

    async fn create(&self, options: &ProvisionOptions, challenge_token: Secret, checkpoints: String) -> Result<CreateResult, Error> {
        options.progress.emit(Phase::CreateAccount, 0, 1);
        let mut body = json!({
            "termsOfService": TERMS_OF_SERVICE_URL,
            "privacyPolicy": PRIVACY_POLICY_URL,
            "acceptTermsOfService": "yes",
            "challengeToken": challenge_token.expose_secret(),
            "solution": { "checkpoints": checkpoints },
        });
        if let Some(code) = &options.event_code {
            body["eventCode"] = json!(code);
        }
        let call = Call::new(Method::POST, CREATE_PATH, Auth::None).json(body).idempotent(false);
        self.http().call_secret(call).await
    }

    fn pass_from(&self, mut created: CreateResult, endpoint: &str, options: &ProvisionOptions) -> Result<BoardingPass, Error> {
        if options.event_code.is_some() && created.event_code_accepted != Some(true) {
            return Err(Error::protocol(endpoint, "the event code was not accepted (no eventCodeAccepted: true)"));
        }
        let (mut account, mut claim) = (created.account.take(), created.claim.take());
        let required = |name: &str, value: Option<&mut Option<String>>| {
            let taken = value.and_then(Option::take).filter(|v| !v.is_empty());
            taken.map(Zeroizing::new).ok_or_else(|| name.to_string())
        };
        let fields = [
            required("account.id", account.as_mut().map(|a| &mut a.id)),
            required("account.name", account.as_mut().map(|a| &mut a.name)),
            required("account.apiToken", account.as_mut().map(|a| &mut a.api_token)),
            required("account.expiresAt", account.as_mut().map(|a| &mut a.expires_at)),
            required("claim.url", claim.as_mut().map(|c| &mut c.url)),
            required("claim.expiresAt", claim.as_mut().map(|c| &mut c.expires_at)),
        ];
        let missing: Vec<&str> = fields.iter().filter_map(|f| f.as_ref().err().map(String::as_str)).collect();
        if !missing.is_empty() {
            return Err(Error::protocol(endpoint, format!("missing required fields: {}", missing.join(", "))));
        }
        let [id, name, token, expires, claim_url, claim_expires] = fields.map(|f| f.unwrap_or_default());
        let optional = |v: Option<&mut Option<String>>| v.and_then(Option::take).map(Zeroizing::new);
        let account_type = optional(account.as_mut().map(|a| &mut a.kind));
        let token_id = optional(account.as_mut().map(|a| &mut a.token_id));
        let sent_claim_token = optional(claim.as_mut().map(|c| &mut c.token));
        account.zeroize();
        claim.zeroize();

        untrusted::identifier(endpoint, "account.id", &id)?;
        untrusted::display_name(endpoint, "account.name", &name)?;
        untrusted::credential(endpoint, "account.apiToken", &token)?;
        if let Some(t) = &token_id {
            untrusted::identifier(endpoint, "account.tokenId", t)?;
        }
        if let Some(t) = &account_type {
            untrusted::identifier(endpoint, "account.type", t)?;
        }
        let expires_at = untrusted::expiry(endpoint, "account.expiresAt", &expires)?;
        let claim_expires_at = untrusted::expiry(endpoint, "claim.expiresAt", &claim_expires)?;
        let parsed = untrusted::claim_url(endpoint, "claim.url", &claim_url, &self.http().base)?;
        let claim_token = sent_claim_token.or_else(|| claim_token_from_url(&parsed));
        // The parsed URL holds the claim token too: wipe its text.
        drop(Zeroizing::new(String::from(parsed)));
        if let Some(t) = &claim_token {
            untrusted::credential(endpoint, "claim.token", t)?;
        }
        Ok(BoardingPass::new(PassInner {
            client: self.clone(),
            account_id: id.to_string(),
            account_name: name.to_string(),
            account_type: account_type.map(|t| t.to_string()),
            token_id: token_id.map(|t| t.to_string()),
            created_at: Utc::now(),
            expires_at,
            claim_expires_at,
            api_token: Secret::new(token.as_str()),
            claim_url: Secret::new(claim_url.as_str()),
            claim_token: claim_token.map(|t| Secret::new(t.as_str())),
            owner: options.owner.clone(),
            state: Default::default(),
        }))
    }
}

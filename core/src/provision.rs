//! Provisioning a temporary account (PROTOCOL.md §2): challenge, proof of
//! work, create. Nothing is sent unless the caller accepted the terms.
//!
//! The challenge request is retried like any idempotent call (a fresh
//! challenge is harmless); the create request is sent once, because its
//! challenge token is single-use. After a transient create failure the whole
//! sequence (fresh challenge, proof of work, create) runs once more
//! (docs/PROTOCOL-CHOICES.md).

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use crate::audit::{rfc3339, AuditKind};
use crate::cancel::{cancellable, CancellationToken};
use crate::client::{Client, PRIVACY_POLICY_URL, TERMS_OF_SERVICE_URL};
use crate::error::Error;
use crate::http::{self, Auth, Call};
use crate::pass::{BoardingPass, PassInner};
use crate::policy::Context;
use crate::pow::{self, CancelFlag, Challenge};
use crate::progress::{Phase, Progress};
use crate::secret::Secret;

const CHALLENGE_PATH: &str = "/provisioning/previews/challenge";
const CREATE_PATH: &str = "/provisioning/previews";

#[derive(Debug, Clone, Default)]
pub struct ProvisionOptions {
    /// The named person who will receive the claim link (required by the
    /// default policy).
    pub owner: Option<String>,
    /// Hidden wrangler `--event-code`: redeem an event allocation.
    pub event_code: Option<String>,
    pub progress: Progress,
    pub cancel: Option<CancellationToken>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChallengeResult {
    challenge_token: String,
    seed: String,
    k: i64,
    g: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateResult {
    account: Option<AccountResult>,
    claim: Option<ClaimResult>,
    event_code_accepted: Option<bool>,
}

#[derive(Deserialize)]
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClaimResult {
    token: Option<String>,
    url: Option<String>,
    expires_at: Option<String>,
}

/// Solves off the async executor. Dropping the returned future (or firing
/// `cancel`) stops the solver thread within a few thousand hashes.
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

fn parse_time(field: &str, value: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Error::protocol(format!("POST {CREATE_PATH}"), format!("{field} {value:?} is not an ISO-8601 time: {e}")))
}

fn claim_token_from_url(url: &str) -> Option<String> {
    url::Url::parse(url).ok()?.query_pairs().find(|(k, _)| k == "claimToken").map(|(_, v)| v.into_owned())
}

impl Client {
    /// Gets a boarding pass: a temporary account with its API token and
    /// claim URL, valid for the window the server grants (60 minutes on
    /// Cloudflare).
    pub async fn provision(&self, options: ProvisionOptions) -> Result<BoardingPass, Error> {
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
        match cancellable(options.cancel.as_ref(), self.provision_inner(&options)).await {
            Ok(pass) => {
                pass.audit(
                    AuditKind::Provisioned,
                    None,
                    None,
                    json!({
                        "account_name": pass.account_name(),
                        "expires_at": rfc3339(pass.expires_at()),
                        "token_fingerprint": pass.token_fingerprint(),
                        "claim_url_fingerprint": pass.claim_fingerprint(),
                        "owner": pass.owner(),
                    }),
                )?;
                Ok(pass)
            }
            Err(e) => {
                let details = json!({"step": "provision", "code": e.code(), "error": e.to_string()});
                self.audit().record(AuditKind::Failed, None, None, None, details, &[])?;
                Err(e)
            }
        }
    }

    async fn provision_inner(&self, options: &ProvisionOptions) -> Result<BoardingPass, Error> {
        let mut first = true;
        let created = loop {
            let (token, checkpoints) = self.solved_challenge(&options.progress).await?;
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
                }
                other => break other?,
            }
        };
        let pass = self.pass_from(created, options)?;
        options.progress.emit(Phase::CreateAccount, 1, 1);
        tracing::info!(account_id = %pass.account_id(), token = %pass.token_fingerprint(), "provisioned temporary account");
        Ok(pass)
    }

    /// A challenge and its solution: (challenge token, encoded checkpoints).
    async fn solved_challenge(&self, progress: &Progress) -> Result<(String, String), Error> {
        progress.emit(Phase::Challenge, 0, 1);
        let call = Call::new(Method::POST, CHALLENGE_PATH, Auth::None).json(json!({})).idempotent(true);
        let endpoint = call.endpoint();
        let ch: ChallengeResult = self.http().call(call).await?.result_as(&endpoint)?;
        progress.emit(Phase::Challenge, 1, 1);
        let challenge = Challenge::new(&ch.seed, ch.k, ch.g, self.config().pow_work_cap)?;
        let checkpoints = solve(challenge, progress.clone()).await?;
        Ok((ch.challenge_token, checkpoints))
    }

    async fn create(&self, options: &ProvisionOptions, challenge_token: String, checkpoints: String) -> Result<CreateResult, Error> {
        options.progress.emit(Phase::CreateAccount, 0, 1);
        let mut body = json!({
            "termsOfService": TERMS_OF_SERVICE_URL,
            "privacyPolicy": PRIVACY_POLICY_URL,
            "acceptTermsOfService": "yes",
            "challengeToken": challenge_token,
            "solution": { "checkpoints": checkpoints },
        });
        if let Some(code) = &options.event_code {
            body["eventCode"] = json!(code);
        }
        let call = Call::new(Method::POST, CREATE_PATH, Auth::None).json(body).idempotent(false);
        let endpoint = call.endpoint();
        self.http().call(call).await?.result_as(&endpoint)
    }

    fn pass_from(&self, created: CreateResult, options: &ProvisionOptions) -> Result<BoardingPass, Error> {
        let endpoint = format!("POST {CREATE_PATH}");
        if options.event_code.is_some() && created.event_code_accepted != Some(true) {
            return Err(Error::protocol(endpoint, "the event code was not accepted (no eventCodeAccepted: true)"));
        }
        let account = created.account;
        let claim = created.claim;
        let a = |f: fn(&AccountResult) -> &Option<String>| account.as_ref().and_then(|x| f(x).clone());
        let c = |f: fn(&ClaimResult) -> &Option<String>| claim.as_ref().and_then(|x| f(x).clone());
        let fields = [
            ("account.id", a(|x| &x.id)),
            ("account.name", a(|x| &x.name)),
            ("account.apiToken", a(|x| &x.api_token)),
            ("account.expiresAt", a(|x| &x.expires_at)),
            ("claim.url", c(|x| &x.url)),
            ("claim.expiresAt", c(|x| &x.expires_at)),
        ];
        let missing: Vec<_> = fields.iter().filter(|(_, v)| v.as_deref().is_none_or(str::is_empty)).map(|(n, _)| *n).collect();
        if !missing.is_empty() {
            return Err(Error::protocol(endpoint, format!("missing required fields: {}", missing.join(", "))));
        }
        let [id, name, token, expires, claim_url, claim_expires] = fields.map(|(_, v)| v.unwrap_or_default());
        let claim_token = c(|x| &x.token).or_else(|| claim_token_from_url(&claim_url));
        Ok(BoardingPass::new(PassInner {
            client: self.clone(),
            account_id: id,
            account_name: name,
            account_type: a(|x| &x.kind),
            token_id: a(|x| &x.token_id),
            created_at: Utc::now(),
            expires_at: parse_time("account.expiresAt", &expires)?,
            claim_expires_at: parse_time("claim.expiresAt", &claim_expires)?,
            api_token: Secret::new(token),
            claim_url: Secret::new(claim_url),
            claim_token: claim_token.map(Secret::new),
            owner: options.owner.clone(),
            state: Default::default(),
        }))
    }
}

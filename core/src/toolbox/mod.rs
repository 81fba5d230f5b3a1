//! Agent tools: provision, deploy, verify, redeploy, claim ticket/status,
//! wait for the claim, teardown, as JSON in and JSON out. The MCP server and
//! the framework integrations of every language call this one
//! implementation. Passes stay in the toolbox's memory, named by an opaque
//! handle; no result carries a credential or the claim link, which goes to
//! the owner through the caller's [`ClaimLinkSink`].

mod files;
mod specs;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use futures::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

pub use files::{MAX_INLINE_FILES, MAX_INLINE_FILE_BYTES, MAX_INLINE_TOTAL_BYTES};
pub use specs::{tool_specs, ToolSpec};

use crate::cancel::CancellationToken;
use crate::claim::{ClaimOutcome, ClaimStatus, ClaimWaitOptions};
use crate::client::Client;
use crate::prepare::DeployOptions;
use crate::record::{Deployment, Evidence};
use crate::error::{Error, ErrorKind};
use crate::pass::BoardingPass;
use crate::progress::Progress;
use crate::provision::ProvisionOptions;
use crate::secret::Secret;
use crate::verify::VerifyOptions;
use files::InlineProject;

/// The claim link for its owner, handed to a [`ClaimLinkSink`].
#[non_exhaustive]
pub struct ClaimLink {
    pub owner: Option<String>,
    pub account_id: String,
    pub account_name: String,
    pub expires_at: DateTime<Utc>,
    pub url: Secret,
}

/// Delivers a claim link to its owner and says, in words fit for a model,
/// where it went ("the owner's MCP client", "the server's standard error").
pub type ClaimLinkSink = Arc<dyn Fn(ClaimLink) -> BoxFuture<'static, Result<String, Error>> + Send + Sync>;

/// Settings a human chooses when setting the tools up; a model never
/// chooses them.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct ToolboxConfig {
    /// Who receives claim links (the default policy requires a name).
    pub owner: Option<String>,
    /// Directory `path` arguments must lie in; `None` refuses `path` (only
    /// inline files are deployed).
    pub root: Option<PathBuf>,
}

impl ToolboxConfig {
    pub fn new(owner: Option<String>, root: Option<PathBuf>) -> Self {
        Self { owner, root }
    }
}

/// What one call may use besides its arguments.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct CallContext {
    pub progress: Progress,
    pub cancel: Option<CancellationToken>,
    /// Where a claim link created by this call goes; `None` uses the toolbox's.
    pub claim_link: Option<ClaimLinkSink>,
}

impl CallContext {
    pub fn new(progress: Progress, cancel: Option<CancellationToken>, claim_link: Option<ClaimLinkSink>) -> Self {
        Self { progress, cancel, claim_link }
    }
}

/// The tools over one client, holding the passes they create.
#[derive(Clone)]
pub struct Toolbox {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    config: ToolboxConfig,
    claim_link: ClaimLinkSink,
    passes: Mutex<HashMap<String, BoardingPass>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoArgs {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PassArgs {
    pass_id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Check {
    verify_path: Option<String>,
    expect_status: Option<u16>,
    expect_body_contains: Option<String>,
    verify_timeout_seconds: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeployArgs {
    pass_id: Option<String>,
    name: String,
    files: Option<BTreeMap<String, String>>,
    main: Option<String>,
    path: Option<String>,
    #[serde(flatten)]
    check: Check,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyArgs {
    pass_id: String,
    worker: String,
    #[serde(flatten)]
    check: Check,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WaitArgs {
    pass_id: String,
    timeout_seconds: Option<u64>,
}

fn parse<T: DeserializeOwned>(args: Value) -> Result<T, Error> {
    let args = if args.is_null() { json!({}) } else { args };
    serde_json::from_value(args).map_err(|e| Error::invalid("arguments", format!("{e}; see the tool's input schema")))
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A fresh pass handle: opaque, unguessable, not a Cloudflare identifier.
fn new_pass_id() -> String {
    format!("pass_{}", hex::encode(rand::random::<[u8; 12]>()))
}

fn evidence_json(e: &Evidence) -> Value {
    json!({
        "passed": e.passed,
        "url": e.url,
        "status": e.status,
        "latency_ms": e.latency_ms,
        "attempts": e.attempts,
        "body_sha256": e.body_sha256,
        "body_prefix": e.body_prefix.as_deref().map(crate::printable),
        "failures": e.failures.iter().map(|f| crate::printable(f)).collect::<Vec<_>>(),
    })
}

fn outcome_json(o: &ClaimOutcome) -> Value {
    json!({"status": o.status.as_str(), "confirmed": o.confirmed, "timed_out": o.timed_out, "observed_at": o.observed_at})
}

impl Toolbox {
    /// `claim_link` is the default destination of claim links (a call's
    /// [`CallContext::claim_link`] may name another, such as the MCP client).
    pub fn new(client: Client, config: ToolboxConfig, claim_link: ClaimLinkSink) -> Self {
        Self { inner: Arc::new(Inner { client, config, claim_link, passes: Mutex::new(HashMap::new()) }) }
    }

    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// Runs tool `name` with JSON `args`. An unknown tool or bad arguments
    /// are `invalid_input` errors, raised before anything is provisioned.
    #[tracing::instrument(name = "tool", skip(self, args, ctx), fields(tool = name))]
    pub async fn call(&self, name: &str, args: Value, ctx: CallContext) -> Result<Value, Error> {
        match name {
            "provision" => {
                parse::<NoArgs>(args)?;
                self.provision(&ctx).await
            }
            "deploy" => self.deploy(parse(args)?, &ctx, false).await,
            "redeploy" => self.deploy(parse(args)?, &ctx, true).await,
            "verify" => self.verify(parse(args)?, &ctx).await,
            "claim_ticket" => {
                let pass = self.pass(&parse::<PassArgs>(args)?.pass_id)?;
                Ok(pass.ticket(ClaimStatus::Pending)?.to_json())
            }
            "claim_status" => {
                let pass = self.pass(&parse::<PassArgs>(args)?.pass_id)?;
                let opts = ClaimWaitOptions { cancel: ctx.cancel.clone(), ..Default::default() };
                let now = pass.watch_claim(opts).next().await?.ok_or_else(|| Error::invalid("pass_id", "the claim window has ended".to_string()))?;
                Ok(outcome_json(&now))
            }
            "wait_for_claim" => {
                let args: WaitArgs = parse(args)?;
                let pass = self.pass(&args.pass_id)?;
                let timeout = args.timeout_seconds.unwrap_or(300);
                if !(1..=3600).contains(&timeout) {
                    return Err(Error::invalid("timeout_seconds", format!("{timeout}: use 1 to 3600")));
                }
                let opts = ClaimWaitOptions { timeout: Duration::from_secs(timeout), cancel: ctx.cancel.clone(), ..Default::default() };
                Ok(outcome_json(&pass.wait_for_claim(opts).await?))
            }
            "teardown" => {
                let id = parse::<PassArgs>(args)?.pass_id;
                let report = self.pass(&id)?.teardown().await?;
                self.inner.passes.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
                Ok(serde_json::to_value(report).expect("a teardown report serialises"))
            }
            other => Err(Error::invalid("tool", format!("{:?} is not a tool; the tools are {}", crate::printable(other), tool_specs().iter().map(|t| t.name).collect::<Vec<_>>().join(", ")))),
        }
    }

    fn pass(&self, id: &str) -> Result<BoardingPass, Error> {
        let passes = self.inner.passes.lock().unwrap_or_else(|p| p.into_inner());
        passes.get(id).cloned().ok_or_else(|| Error::invalid("pass_id", format!("{:?} is not a pass held here; use the pass_id a provision or deploy result returned", crate::printable(id))))
    }

    fn provision_options(&self, ctx: &CallContext) -> ProvisionOptions {
        ProvisionOptions { owner: self.inner.config.owner.clone(), progress: ctx.progress.clone(), cancel: ctx.cancel.clone(), ..Default::default() }
    }

    /// Keeps `pass` and sends its claim link to the owner; returns the
    /// handle and where the link went.
    async fn hold(&self, pass: &BoardingPass, ctx: &CallContext) -> Result<(String, String), Error> {
        let id = new_pass_id();
        self.inner.passes.lock().unwrap_or_else(|p| p.into_inner()).insert(id.clone(), pass.clone());
        let link = || ClaimLink {
            owner: pass.owner().map(str::to_string),
            account_id: pass.account_id().to_string(),
            account_name: pass.account_name().to_string(),
            expires_at: pass.expires_at(),
            url: Secret::new(pass.expose_claim_url()),
        };
        let sink = ctx.claim_link.clone().unwrap_or_else(|| self.inner.claim_link.clone());
        let to = match sink(link()).await {
            Ok(to) => to,
            // The account exists: its link must reach someone. The failure is audited, the link goes to stderr.
            Err(e) => {
                let e = pass.record_failure("claim_link", None, None, e);
                eprintln!("claim link delivery failed ({}); falling back to standard error", crate::printable(&e.to_string()));
                claim_link_to_stderr()(link()).await?
            }
        };
        Ok((id, to))
    }

    async fn provision(&self, ctx: &CallContext) -> Result<Value, Error> {
        let pass = self.inner.client.provision(self.provision_options(ctx)).await?;
        let (id, to) = self.hold(&pass, ctx).await?;
        Ok(json!({"pass_id": id, "account_id": pass.account_id(), "account_name": pass.account_name(), "expires_at": rfc3339(pass.expires_at()), "claim_link": to}))
    }

    /// The project a deploy names, checked before anything is provisioned.
    fn project(&self, args: &DeployArgs) -> Result<(crate::worker::Worker, Option<InlineProject>), Error> {
        match (&args.files, &args.path) {
            (Some(files), None) => {
                let project = InlineProject::write(files, args.main.as_deref())?;
                Ok((project.load(&args.name)?, Some(project)))
            }
            (None, Some(path)) => {
                if args.main.is_some() {
                    return Err(Error::invalid("main", "only with `files`; a project path names its entry in wrangler.toml".to_string()));
                }
                Ok((crate::project::load(&self.allowed(path)?, Some(&args.name))?, None))
            }
            _ => Err(Error::invalid("arguments", "give exactly one of `files` (the project inline) and `path`".to_string())),
        }
    }

    /// `path` resolved, refused unless inside the configured root.
    fn allowed(&self, path: &str) -> Result<PathBuf, Error> {
        let Some(root) = &self.inner.config.root else {
            return Err(Error::invalid("path", "this toolbox deploys inline files only; pass `files`".to_string()));
        };
        let root = root.canonicalize().map_err(|source| Error::Io { path: root.display().to_string(), source })?;
        let resolved = root.join(path).canonicalize().map_err(|e| Error::invalid("path", format!("{:?} cannot be read: {e}", crate::printable(path))))?;
        if !resolved.starts_with(&root) {
            return Err(Error::invalid("path", format!("{:?} is outside {}, the only directory this server deploys from", crate::printable(path), root.display())));
        }
        Ok(resolved)
    }

    fn verify_options(check: &Check, ctx: &CallContext) -> Result<VerifyOptions, Error> {
        let path = check.verify_path.clone().unwrap_or_else(|| "/".into());
        crate::verify::check_path(&path)?;
        let timeout = check.verify_timeout_seconds.unwrap_or(30);
        if !(1..=300).contains(&timeout) {
            return Err(Error::invalid("verify_timeout_seconds", format!("{timeout}: use 1 to 300")));
        }
        Ok(VerifyOptions {
            path,
            timeout: Duration::from_secs(timeout),
            expect_status: check.expect_status,
            expect_body_contains: check.expect_body_contains.clone(),
            progress: ctx.progress.clone(),
            cancel: ctx.cancel.clone(),
            ..Default::default()
        })
    }

    /// Deploys then verifies. A failed verification is a result (the model
    /// reads the evidence and fixes its code), not an error.
    async fn deploy(&self, args: DeployArgs, ctx: &CallContext, redeploy: bool) -> Result<Value, Error> {
        if redeploy && args.pass_id.is_none() {
            return Err(Error::invalid("pass_id", "redeploy needs the pass_id of an account you hold; use deploy for a new one".to_string()));
        }
        let verify = Self::verify_options(&args.check, ctx)?;
        let (worker, _files) = self.project(&args)?;
        let options = DeployOptions { progress: ctx.progress.clone(), cancel: ctx.cancel.clone(), ..Default::default() };
        let (pass_id, pass, claim_link, deployment) = match &args.pass_id {
            Some(id) => {
                let pass = self.pass(id)?;
                let deployment = pass.deploy(&worker, options).await?;
                (id.clone(), pass, None, deployment)
            }
            None => {
                let (pass, prepared) = self.inner.client.provision_and_prepare(self.provision_options(ctx), &worker, options).await?;
                let (id, to) = self.hold(&pass, ctx).await?;
                let deployment = pass.deploy_prepared(&prepared).await?;
                (id, pass, Some(to), deployment)
            }
        };
        let evidence = self.checked(&pass, &deployment, verify).await?;
        Ok(json!({
            "pass_id": pass_id,
            "worker": deployment.worker_name,
            "url": deployment.url,
            "version_id": deployment.version_id,
            "redeploy": deployment.redeploy,
            "content_digest": deployment.content_digest,
            "assets_uploaded": deployment.assets_uploaded,
            "verified": evidence.passed,
            "evidence": evidence_json(&evidence),
            "expires_at": rfc3339(pass.expires_at()),
            "claim_link": claim_link,
            "resources": pass.resources(),
        }))
    }

    /// The evidence of a verification, passed or failed.
    async fn checked(&self, pass: &BoardingPass, deployment: &Deployment, options: VerifyOptions) -> Result<Evidence, Error> {
        match pass.verify(deployment, options).await {
            Ok(e) => Ok(e),
            Err(e) if e.kind() == ErrorKind::Verification => {
                pass.evidence().into_iter().rev().find(|ev| ev.version_id == deployment.version_id).ok_or(e)
            }
            Err(e) => Err(e),
        }
    }

    async fn verify(&self, args: VerifyArgs, ctx: &CallContext) -> Result<Value, Error> {
        let options = Self::verify_options(&args.check, ctx)?;
        let pass = self.pass(&args.pass_id)?;
        let deployment = pass.deployments().into_iter().rev().find(|d| d.worker_name == args.worker).ok_or_else(|| {
            Error::invalid("worker", format!("no Worker {:?} was deployed with this pass; deployed: {}", crate::printable(&args.worker), pass.live_workers().join(", ")))
        })?;
        Ok(evidence_json(&self.checked(&pass, &deployment, options).await?))
    }
}

/// Where claim links go by default when the host offers no channel of its
/// own: the process's standard error, which a model does not read.
pub fn claim_link_to_stderr() -> ClaimLinkSink {
    Arc::new(|link: ClaimLink| {
        Box::pin(async move {
            eprintln!(
                "claim link for {} (account {}, expires {}): {}",
                link.owner.as_deref().map(crate::printable).unwrap_or_else(|| "the owner".into()),
                crate::printable(&link.account_name),
                rfc3339(link.expires_at),
                link.url.expose_secret()
            );
            Ok("sent to the owner out of band (the server's standard error)".to_string())
        })
    })
}

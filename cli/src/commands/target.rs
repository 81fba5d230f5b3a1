//! Where a command sends its API calls: an embedded emulator (`--local`) or
//! a given API base (`--api-base`, else `CLOUDFLARE_API_BASE_URL`, else
//! Cloudflare).

use std::path::PathBuf;

use boardingpass::{AuditLog, Client, ClientBuilder, Error, Policy};
use boardingpass_emulator::{EmulatorConfig, EmulatorHandle};

#[derive(clap::Args, Debug, Clone)]
pub struct TargetArgs {
    /// Start an embedded local emulator on 127.0.0.1 and use it.
    #[arg(long, conflicts_with = "api_base")]
    pub local: bool,
    /// API base URL (default: $CLOUDFLARE_API_BASE_URL, else https://api.cloudflare.com/client/v4).
    #[arg(long)]
    pub api_base: Option<String>,
    /// I have read and accept https://www.cloudflare.com/terms/ and https://www.cloudflare.com/privacypolicy/.
    #[arg(long)]
    pub accept_terms: bool,
}

/// The client plus, with `--local`, the emulator it talks to (kept alive by the caller).
pub struct Target {
    pub client: Client,
    pub emulator: Option<EmulatorHandle>,
}

impl TargetArgs {
    /// Starts the emulator if asked, then builds the client; `configure`
    /// adds command-specific settings (policy, audit log, ...).
    pub async fn connect(&self, configure: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Result<Target, Error> {
        let emulator = if self.local {
            let handle = boardingpass_emulator::spawn(EmulatorConfig::default())
                .await
                .map_err(|e| Error::InvalidInput { field: "--local".into(), message: format!("cannot start the emulator: {e}") })?;
            eprintln!("local emulator: {}", handle.base_url());
            Some(handle)
        } else {
            None
        };
        let mut builder = Client::builder().accept_terms(self.accept_terms);
        if let Some(base) = emulator.as_ref().map(|e| e.base_url()).or(self.api_base.clone()) {
            builder = builder.api_base(base);
        }
        Ok(Target { client: configure(builder).build()?, emulator })
    }
}

/// The governing settings `deploy` and `mcp` share: the policy file (else
/// the default policy), the audit log with its job id, and the job class.
#[derive(clap::Args, Debug, Clone)]
pub struct GovernanceArgs {
    /// Caller's job id, recorded in every audit event.
    #[arg(long)]
    pub job_id: Option<String>,
    /// Job class checked against the policy's allowed_job_classes.
    #[arg(long)]
    pub job_class: Option<String>,
    /// Append audit events (JSON lines) to this file.
    #[arg(long)]
    pub audit_log: Option<PathBuf>,
    /// Policy file (TOML or JSON). Default: a named owner and a passing verification are required.
    #[arg(long)]
    pub policy: Option<PathBuf>,
}

impl GovernanceArgs {
    /// The settings as a `configure` step for [`TargetArgs::connect`]; a
    /// policy file or audit log that cannot be read fails here, before any
    /// request.
    pub fn configure(&self) -> Result<impl FnOnce(ClientBuilder) -> ClientBuilder, Error> {
        let policy = match &self.policy {
            Some(p) => Policy::from_file(p)?,
            None => Policy::default(),
        };
        let audit = AuditLog::new(self.job_id.clone(), self.audit_log.as_deref(), None)?;
        let job_class = self.job_class.clone();
        Ok(move |b: ClientBuilder| {
            let b = b.policy(policy).audit(audit);
            match job_class {
                Some(c) => b.job_class(c),
                None => b,
            }
        })
    }
}

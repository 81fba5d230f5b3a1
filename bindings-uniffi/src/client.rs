//! The client: core's `ClientConfig` filled from named arguments (each
//! `null` keeps core's default) and one method, `provision`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use boardingpass::{AuditLog, ClientConfig, Error, Policy, ProvisionOptions};

use crate::inflight::InFlight;
use crate::pass::Pass;
use crate::progress::{self, ProgressListener};

#[derive(uniffi::Object)]
pub struct Client {
    inner: boardingpass::Client,
}

#[uniffi::export(async_runtime = "tokio")]
impl Client {
    /// `accept_terms`: the caller read and accepts Cloudflare's terms of
    /// service and privacy policy; provisioning refuses to start without it.
    /// `policy_toml`: rules in the CLI's policy file format.
    #[uniffi::constructor(default(
        api_base = None, accept_terms = false, pow_work_cap = None, timeout = None, connect_timeout = None,
        expiry_margin = None, max_attempts = None, user_agent = None, headers = None, policy_toml = None,
        job_class = None, job_id = None, audit_path = None
    ))]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        api_base: Option<String>,
        accept_terms: bool,
        pow_work_cap: Option<u64>,
        timeout: Option<Duration>,
        connect_timeout: Option<Duration>,
        expiry_margin: Option<Duration>,
        max_attempts: Option<u32>,
        user_agent: Option<String>,
        headers: Option<HashMap<String, String>>,
        policy_toml: Option<String>,
        job_class: Option<String>,
        job_id: Option<String>,
        audit_path: Option<String>,
    ) -> Result<Arc<Self>, Error> {
        let mut config = ClientConfig::default();
        config.api_base = api_base;
        config.accept_terms = accept_terms;
        config.job_class = job_class;
        if let Some(v) = pow_work_cap {
            config.pow_work_cap = v;
        }
        if let Some(v) = timeout {
            config.timeout = v;
        }
        if let Some(v) = connect_timeout {
            config.connect_timeout = v;
        }
        if let Some(v) = expiry_margin {
            config.expiry_margin = v;
        }
        if let Some(v) = max_attempts {
            config.retry.max_attempts = v;
        }
        if let Some(v) = user_agent {
            config.user_agent = v;
        }
        config.extra_headers.extend(headers.unwrap_or_default());
        if let Some(text) = policy_toml {
            config.policy = Policy::from_toml_str(&text)?;
        }
        config.audit = AuditLog::new(job_id, audit_path.as_deref().map(Path::new), None)?;
        Ok(Arc::new(Self { inner: boardingpass::Client::from_config(config)? }))
    }

    /// The API base every call goes to.
    pub fn api_base(&self) -> String {
        self.inner.api_base().to_owned()
    }

    /// Run id stamped on every audit event and ticket of this client.
    pub fn run_id(&self) -> String {
        self.inner.audit().run_id().to_owned()
    }

    /// Solves the proof of work and creates a temporary account; the pass
    /// holds its API token and claim URL in memory only.
    #[uniffi::method(default(owner = None, event_code = None, progress = None))]
    pub async fn provision(
        &self,
        owner: Option<String>,
        event_code: Option<String>,
        progress: Option<Arc<dyn ProgressListener>>,
    ) -> Result<Arc<Pass>, Error> {
        let _op = InFlight::enter();
        let mut options = ProvisionOptions::default();
        options.owner = owner;
        options.event_code = event_code;
        options.progress = progress::to_core(progress);
        Ok(Arc::new(Pass::new(self.inner.provision(options).await?)))
    }
}

//! The client: core's `ClientConfig` filled from named arguments (each
//! `null` keeps core's default) and one method, `provision`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use boardingpass::{AuditLog, ClientConfig, Error, ProvisionOptions};

use crate::audit::{self, AuditListener};
use crate::inflight::InFlight;
use crate::pass::Pass;
use crate::policy::Policy;
use crate::progress::{self, ProgressListener};
use crate::set;

/// Buffered spans reach the collector when the JVM exits (it runs the C
/// library's exit handlers); registered once per process.
fn flush_telemetry_at_exit() {
    extern "C" fn flush() {
        boardingpass::telemetry::shutdown_installed();
    }
    static REGISTERED: std::sync::Once = std::sync::Once::new();
    // SAFETY: registers a plain function with no arguments, as atexit expects.
    REGISTERED.call_once(|| unsafe {
        libc::atexit(flush);
    });
}

#[derive(uniffi::Object)]
pub struct Client {
    inner: boardingpass::Client,
}

#[uniffi::export(async_runtime = "tokio")]
impl Client {
    /// `accept_terms`: the caller read and accepts Cloudflare's terms of
    /// service and privacy policy; provisioning refuses to start without it.
    /// `audit_log`: append audit records (JSON lines, mode 0600) to this file;
    /// `on_audit` receives each record. `max_attempts`, `base_delay`,
    /// `max_delay` and `max_retry_after` are the retry settings.
    /// `otlp_endpoint`: an OTLP/HTTP collector receiving the spans and audit
    /// events (default `OTEL_EXPORTER_OTLP_ENDPOINT`; one per process).
    #[uniffi::constructor(default(
        api_base = None, accept_terms = false, policy = None, audit_log = None, on_audit = None, job_id = None,
        job_class = None, timeout = None, connect_timeout = None, max_attempts = None, base_delay = None,
        max_delay = None, max_retry_after = None, pow_work_cap = None, expiry_margin = None, headers = None,
        user_agent = None, otlp_endpoint = None
    ))]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        api_base: Option<String>,
        accept_terms: bool,
        policy: Option<Arc<Policy>>,
        audit_log: Option<String>,
        on_audit: Option<Arc<dyn AuditListener>>,
        job_id: Option<String>,
        job_class: Option<String>,
        timeout: Option<Duration>,
        connect_timeout: Option<Duration>,
        max_attempts: Option<u32>,
        base_delay: Option<Duration>,
        max_delay: Option<Duration>,
        max_retry_after: Option<Duration>,
        pow_work_cap: Option<u64>,
        expiry_margin: Option<Duration>,
        headers: Option<HashMap<String, String>>,
        user_agent: Option<String>,
        otlp_endpoint: Option<String>,
    ) -> Result<Arc<Self>, Error> {
        let mut config = ClientConfig::default();
        (config.api_base, config.accept_terms, config.job_class) = (api_base, accept_terms, job_class);
        set(&mut config.policy, policy.map(|p| p.inner.clone()));
        set(&mut config.timeout, timeout);
        set(&mut config.connect_timeout, connect_timeout);
        set(&mut config.retry.max_attempts, max_attempts);
        set(&mut config.retry.base_delay, base_delay);
        set(&mut config.retry.max_delay, max_delay);
        set(&mut config.retry.max_retry_after, max_retry_after);
        set(&mut config.pow_work_cap, pow_work_cap);
        set(&mut config.expiry_margin, expiry_margin);
        set(&mut config.user_agent, user_agent);
        config.extra_headers.extend(headers.unwrap_or_default());
        config.audit = AuditLog::new(job_id, audit_log.as_deref().map(Path::new), on_audit.map(audit::to_core))?;
        config.otlp_endpoint = otlp_endpoint.or_else(boardingpass::telemetry::endpoint_from_env);
        if config.otlp_endpoint.is_some() {
            flush_telemetry_at_exit();
        }
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

    /// The rules this client enforces.
    pub fn policy(&self) -> Arc<Policy> {
        Arc::new(Policy { inner: self.inner.config().policy.clone() })
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

//! `Client(options)` → `provision(...)` → `BoardingPass`.

use std::path::Path;
use std::sync::Arc;

use boardingpass as bp;
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode, UnknownReturnValue};
use napi_derive::napi;

use crate::abort::Abort;
use crate::convert::{millis_or, whole};
use crate::errors;
use crate::pass::BoardingPass;
use crate::policy::{self, Policy};
use crate::progress::{progress, ProgressCallback};
use crate::promise::{self, CoreResult};

/// Backoff of idempotent calls (milliseconds).
#[napi(object)]
pub struct RetryOptions {
    /// Total attempts including the first (1 disables retries). Default 3.
    pub max_attempts: Option<i64>,
    /// Delay before the second attempt; doubles each time. Default 250.
    pub base_delay: Option<f64>,
    /// Upper bound of a computed delay. Default 8000.
    pub max_delay: Option<f64>,
    /// Longest `Retry-After` slept through; longer ones fail with
    /// `RateLimitedError` carrying the wait. Default 60000.
    pub max_retry_after: Option<f64>,
}

/// One audit record (secrets scrubbed): core's `AuditEvent` as a JS object.
pub use bp::AuditEvent;

pub type AuditCallback = ThreadsafeFunction<AuditEvent, UnknownReturnValue, AuditEvent, Status, false, true>;

#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct ClientOptions<'env> {
    /// Default: `CLOUDFLARE_API_BASE_URL`, else Cloudflare's API. Plain http
    /// only for loopback hosts (the emulator).
    pub api_base: Option<String>,
    pub user_agent: Option<String>,
    /// Per-request timeout in milliseconds (long polls set their own). Default 60000.
    pub timeout: Option<f64>,
    /// Default 10000.
    pub connect_timeout: Option<f64>,
    pub retry: Option<RetryOptions>,
    /// The caller has read and accepts https://www.cloudflare.com/terms/ and
    /// https://www.cloudflare.com/privacypolicy/. Provisioning refuses without it.
    pub accept_terms: Option<bool>,
    /// Largest proof of work (`k·g`) the client agrees to solve.
    pub pow_work_cap: Option<i64>,
    /// A pass counts as expired this many milliseconds before its
    /// `expiresAt`. Default 5000.
    pub expiry_margin: Option<f64>,
    /// Extra headers for every call.
    pub headers: Option<std::collections::HashMap<String, String>>,
    /// Default: a named claim owner and a passing verification are required.
    #[napi(ts_type = "Policy | Partial<PolicyFields>")]
    pub policy: Option<Either<ClassInstance<'env, Policy>, Object<'env>>>,
    /// Class of the job using this client (checked against the policy).
    pub job_class: Option<String>,
    /// The caller's job id, written into every audit record and ticket.
    pub job_id: Option<String>,
    /// Append audit records (JSON lines, mode 0600) to this file.
    pub audit_log: Option<String>,
    /// Receives each audit record.
    #[napi(ts_type = "(event: AuditEvent) => void")]
    pub on_audit: Option<AuditCallback>,
    /// An OTLP/HTTP collector (`http://host:4318`) receiving the spans of
    /// every operation and the audit events. Default:
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`; one collector per process.
    pub otlp_endpoint: Option<String>,
}

#[napi(object, object_to_js = false)]
pub struct ProvisionOptions<'env> {
    /// The named person who will receive the claim link (required by the default policy).
    pub owner: Option<String>,
    /// Redeem an event allocation (wrangler's hidden `--event-code`).
    pub event_code: Option<String>,
    #[napi(ts_type = "(event: ProgressEvent) => void")]
    pub on_progress: Option<ProgressCallback>,
    /// Aborting rejects with an `AbortError` and stops the proof of work.
    #[napi(ts_type = "AbortSignal")]
    pub signal: Option<Object<'env>>,
}

fn config(env: &Env, options: ClientOptions) -> CoreResult<bp::ClientConfig> {
    let d = bp::ClientConfig::default();
    let retry = match options.retry {
        None => d.retry.clone(),
        Some(r) => d
            .retry
            .clone()
            .max_attempts(r.max_attempts.map_or(Ok(d.retry.max_attempts), |n| whole("max_attempts", n))?)
            .base_delay(millis_or("base_delay", r.base_delay, d.retry.base_delay)?)
            .max_delay(millis_or("max_delay", r.max_delay, d.retry.max_delay)?)
            .max_retry_after(millis_or("max_retry_after", r.max_retry_after, d.retry.max_retry_after)?),
    };
    let policy = match options.policy {
        None => d.policy.clone(),
        Some(Either::A(p)) => p.inner.clone(),
        Some(Either::B(fields)) => policy::from_fields(env.from_js_value(fields).map_err(|e| errors::invalid("policy", e.reason))?)?,
    };
    let on_audit = options.on_audit.map(|cb| {
        let cb = Arc::new(cb);
        Arc::new(move |e: &bp::AuditEvent| {
            cb.call(e.clone(), ThreadsafeFunctionCallMode::NonBlocking);
        }) as Arc<dyn Fn(&bp::AuditEvent) + Send + Sync>
    });
    let audit = match (&options.audit_log, on_audit) {
        (None, None) => bp::AuditLog::disabled(options.job_id.clone()),
        (path, cb) => bp::AuditLog::new(options.job_id.clone(), path.as_deref().map(Path::new), cb)?,
    };
    let mut c = bp::ClientConfig::default();
    c.api_base = options.api_base;
    c.user_agent = options.user_agent.unwrap_or(d.user_agent);
    c.timeout = millis_or("timeout", options.timeout, d.timeout)?;
    c.connect_timeout = millis_or("connect_timeout", options.connect_timeout, d.connect_timeout)?;
    c.retry = retry;
    c.accept_terms = options.accept_terms.unwrap_or(false);
    c.pow_work_cap = options.pow_work_cap.map_or(Ok(d.pow_work_cap), |cap| whole("pow_work_cap", cap))?;
    c.expiry_margin = millis_or("expiry_margin", options.expiry_margin, d.expiry_margin)?;
    c.extra_headers = options.headers.unwrap_or_default().into_iter().collect();
    c.policy = policy;
    c.job_class = options.job_class;
    c.audit = audit;
    c.otlp_endpoint = options.otlp_endpoint.or_else(bp::telemetry::endpoint_from_env);
    if c.otlp_endpoint.is_some() {
        flush_telemetry_at_exit(env)?;
    }
    Ok(c)
}

/// Buffered spans reach the collector when Node tears the environment
/// down (registered once per process).
fn flush_telemetry_at_exit(env: &Env) -> CoreResult<()> {
    static REGISTERED: std::sync::Once = std::sync::Once::new();
    let mut result = Ok(());
    REGISTERED.call_once(|| {
        result = env.add_env_cleanup_hook((), |_| bp::telemetry::shutdown_installed()).map(drop).map_err(|e| errors::invalid("otlp_endpoint", e.reason));
    });
    result
}

/// Entry point: configuration plus one pooled HTTP client.
#[napi]
pub struct Client {
    inner: bp::Client,
}

impl Client {
    pub(crate) fn core(&self) -> &bp::Client {
        &self.inner
    }
}

#[napi]
impl Client {
    #[napi(constructor)]
    pub fn new(env: &Env, options: Option<ClientOptions>) -> Result<Self> {
        config(env, options.unwrap_or_default())
            .and_then(bp::Client::from_config)
            .map(|inner| Self { inner })
            .map_err(|e| errors::to_js(env, &e))
    }

    /// Gets a boarding pass: a temporary account with its API token and
    /// claim URL. The proof of work runs off the JS thread.
    #[napi(ts_return_type = "Promise<BoardingPass>")]
    pub fn provision(&self, env: &Env, options: Option<ProvisionOptions>) -> Result<AsyncBlock<BoardingPass>> {
        let (owner, event_code, on_progress, signal) =
            options.map_or((None, None, None, None), |o| (o.owner, o.event_code, o.on_progress, o.signal));
        let abort = Abort::link(env, signal)?;
        let mut opts = bp::ProvisionOptions::default().progress(progress(on_progress)).cancel(abort.token.clone());
        (opts.owner, opts.event_code) = (owner, event_code);
        let client = self.inner.clone();
        let fut = async move { client.provision(opts).await };
        promise::spawn(env, abort, fut, |_, inner| Ok(BoardingPass::new(inner)))
    }

    /// The API base every call goes to.
    #[napi(getter)]
    pub fn api_base(&self) -> String {
        self.inner.api_base().to_string()
    }

    /// Id of this client's run, in every audit record and ticket.
    #[napi(getter)]
    pub fn run_id(&self) -> String {
        self.inner.audit().run_id().to_string()
    }

    #[napi(getter)]
    pub fn job_id(&self) -> Option<String> {
        self.inner.audit().job_id().map(str::to_string)
    }

    #[napi(getter)]
    pub fn job_class(&self) -> Option<String> {
        self.inner.config().job_class.clone()
    }

    /// The rules this client enforces.
    #[napi(getter)]
    pub fn policy(&self) -> Policy {
        Policy { inner: self.inner.config().policy.clone() }
    }

    /// Path of the audit log file, if any.
    #[napi(getter)]
    pub fn audit_log(&self) -> Option<String> {
        self.inner.audit().path().map(|p| p.display().to_string())
    }
}

//! The [`Client`]: configuration plus one pooled reqwest client, cheap to
//! clone and share across tasks.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::audit::AuditLog;
use crate::error::Error;
use crate::policy::Policy;
use crate::http::{redirect_policy, Http};
use crate::untrusted::is_loopback_host;
use crate::pow::{DEFAULT_WORK_CAP, MAX_WORK};
use crate::retry::RetryPolicy;

/// Cloudflare's API base (what wrangler uses unless told otherwise).
pub const DEFAULT_API_BASE: &str = "https://api.cloudflare.com/client/v4";
/// Environment variable wrangler reads to replace the API base.
pub const API_BASE_ENV: &str = "CLOUDFLARE_API_BASE_URL";
/// Where the terms of service and privacy policy live (sent verbatim).
pub const TERMS_OF_SERVICE_URL: &str = "https://www.cloudflare.com/terms/";
pub const PRIVACY_POLICY_URL: &str = "https://www.cloudflare.com/privacypolicy/";

/// Largest [`ClientConfig::expiry_margin`]: half the 60-minute life of a
/// temporary account; a larger margin leaves a pass unusable most of its life.
pub const MAX_EXPIRY_MARGIN: Duration = Duration::from_secs(30 * 60);

pub fn default_user_agent() -> String {
    format!("boardingpass/{}", env!("CARGO_PKG_VERSION"))
}

/// Everything a [`Client`] is configured with. Public fields so bindings can
/// fill it from their native option objects; [`ClientBuilder`] is the
/// ergonomic path in Rust.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// `None`: `CLOUDFLARE_API_BASE_URL` if set, else [`DEFAULT_API_BASE`].
    pub api_base: Option<String>,
    pub user_agent: String,
    /// Per-request timeout (long polls set their own).
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub retry: RetryPolicy,
    /// The caller has read and accepts Cloudflare's terms of service and
    /// privacy policy. Provisioning refuses to send anything without it.
    pub accept_terms: bool,
    /// Largest proof of work (`k·g`) the client agrees to solve.
    pub pow_work_cap: u64,
    /// A pass is treated as expired this long before its `expiresAt`, so no
    /// call starts that could not finish inside the window.
    pub expiry_margin: Duration,
    /// Extra headers for every call (like wrangler's `CLOUDFLARE_API_HEADERS`).
    pub extra_headers: Vec<(String, String)>,
    /// Rules checked before provisioning, before each deploy and before a
    /// ticket is issued. Default: a named claim owner and a passing
    /// verification are required.
    pub policy: Policy,
    /// Class of the job using this client (checked against the policy).
    pub job_class: Option<String>,
    /// Where audit events go (and the run/job ids they carry).
    pub audit: AuditLog,
    /// An OTLP/HTTP collector (`http://host:4318`) receiving the spans of
    /// every operation and the audit events, installed once per process
    /// (needs the `otlp` feature; the bindings have it).
    pub otlp_endpoint: Option<String>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            api_base: None,
            user_agent: default_user_agent(),
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            accept_terms: false,
            pow_work_cap: DEFAULT_WORK_CAP,
            expiry_margin: Duration::from_secs(5),
            extra_headers: Vec::new(),
            policy: Policy::default(),
            job_class: None,
            audit: AuditLog::disabled(None),
            otlp_endpoint: None,
        }
    }
}

impl ClientConfig {
    /// The one check of the numeric settings, run by [`Client::from_config`]
    /// so every binding refuses the same values (tests/fixtures/client-config-cases.json).
    pub fn validate(&self) -> Result<(), Error> {
        self.retry.validate()?;
        if !(1..=MAX_WORK).contains(&self.pow_work_cap) {
            return Err(Error::invalid(
                "pow_work_cap",
                format!(
                    "{} is outside 1..={MAX_WORK}; it must be at least 1 hash, and no challenge above {MAX_WORK} (k={} × g={}) is accepted anyway",
                    self.pow_work_cap,
                    crate::pow::MAX_K,
                    crate::pow::MAX_G
                ),
            ));
        }
        for (field, value) in [("timeout", self.timeout), ("connect_timeout", self.connect_timeout)] {
            if value.is_zero() {
                return Err(Error::invalid(field, "must be a positive duration; a zero timeout fails every request"));
            }
        }
        if let Some(endpoint) = &self.otlp_endpoint {
            let url = Url::parse(endpoint).map_err(|e| Error::invalid("otlp_endpoint", format!("{endpoint:?} is not a URL ({e}); give the collector's base, e.g. http://127.0.0.1:4318")))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(Error::invalid("otlp_endpoint", format!("{endpoint:?}: use an http:// or https:// collector URL")));
            }
        }
        if self.expiry_margin > MAX_EXPIRY_MARGIN {
            return Err(Error::invalid(
                "expiry_margin",
                format!("{:?} is over the limit; use at most {} s (half a temporary account's 60-minute life)", self.expiry_margin, MAX_EXPIRY_MARGIN.as_secs()),
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Default, Clone)]
pub struct ClientBuilder {
    config: ClientConfig,
}

impl ClientBuilder {
    pub fn api_base(mut self, url: impl Into<String>) -> Self {
        self.config.api_base = Some(url.into());
        self
    }
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.config.user_agent = ua.into();
        self
    }
    pub fn timeout(mut self, t: Duration) -> Self {
        self.config.timeout = t;
        self
    }
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.config.connect_timeout = t;
        self
    }
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.config.retry = policy;
        self
    }
    /// Records that the caller accepts [`TERMS_OF_SERVICE_URL`] and
    /// [`PRIVACY_POLICY_URL`]; required before provisioning.
    pub fn accept_terms(mut self, yes: bool) -> Self {
        self.config.accept_terms = yes;
        self
    }
    pub fn pow_work_cap(mut self, cap: u64) -> Self {
        self.config.pow_work_cap = cap;
        self
    }
    pub fn expiry_margin(mut self, margin: Duration) -> Self {
        self.config.expiry_margin = margin;
        self
    }
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.config.extra_headers.push((name.into(), value.into()));
        self
    }
    pub fn policy(mut self, policy: Policy) -> Self {
        self.config.policy = policy;
        self
    }
    pub fn job_class(mut self, class: impl Into<String>) -> Self {
        self.config.job_class = Some(class.into());
        self
    }
    /// Audit log (JSON lines file and/or callback) carrying the caller's job id.
    pub fn audit(mut self, log: AuditLog) -> Self {
        self.config.audit = log;
        self
    }
    /// Exports spans and audit events to this OTLP/HTTP collector.
    pub fn otlp_endpoint(mut self, url: impl Into<String>) -> Self {
        self.config.otlp_endpoint = Some(url.into());
        self
    }
    pub fn build(self) -> Result<Client, Error> {
        Client::from_config(self.config)
    }
}

/// Entry point of the SDK. Clone freely: clones share the connection pool.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    pub(crate) http: Http,
    pub(crate) config: ClientConfig,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("api_base", &self.inner.http.base.as_str())
            .field("accept_terms", &self.inner.config.accept_terms)
            .finish_non_exhaustive()
    }
}

/// Resolves and validates the API base: explicit value, else the environment,
/// else Cloudflare. Plain HTTP only for loopback hosts.
#[cfg(feature = "otlp")]
fn install_telemetry(endpoint: &str) -> Result<(), Error> {
    crate::telemetry::install_once(endpoint)
}

#[cfg(not(feature = "otlp"))]
fn install_telemetry(_: &str) -> Result<(), Error> {
    Err(Error::invalid("otlp_endpoint", "this build has no OTLP export; build boardingpass with the `otlp` feature"))
}

pub fn resolve_api_base(explicit: Option<&str>) -> Result<Url, Error> {
    let from_env = std::env::var(API_BASE_ENV).ok().filter(|v| !v.trim().is_empty());
    let raw = explicit.map(str::to_string).or(from_env).unwrap_or_else(|| DEFAULT_API_BASE.to_string());
    let url = Url::parse(raw.trim())
        .map_err(|e| Error::invalid("api_base", format!("{raw:?} is not a URL ({e}); expected e.g. {DEFAULT_API_BASE}")))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&url) => {}
        "http" => {
            return Err(Error::invalid(
                "api_base",
                format!("{url} uses plain http on a non-loopback host; credentials would travel unencrypted, use https"),
            ))
        }
        other => return Err(Error::invalid("api_base", format!("unsupported scheme {other:?}; use https"))),
    }
    if !url.username().is_empty() || url.password().is_some() || url.query().is_some() {
        return Err(Error::invalid("api_base", "must not contain credentials or a query string"));
    }
    Ok(url)
}

impl Client {
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    pub fn from_config(config: ClientConfig) -> Result<Self, Error> {
        config.validate()?;
        let base = resolve_api_base(config.api_base.as_deref())?;
        let mut extra = HeaderMap::new();
        for (k, v) in &config.extra_headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| Error::invalid("header", format!("{k:?} is not a valid header name")))?;
            if matches!(name.as_str(), "host" | "content-type" | "content-length" | "authorization" | "transfer-encoding") {
                return Err(Error::invalid("header", format!("{k} is set by the client and cannot be overridden")));
            }
            let value = HeaderValue::from_str(v).map_err(|_| Error::invalid("header", format!("value of {k} is not valid")))?;
            extra.insert(name, value);
        }
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.connect_timeout)
            .https_only(!is_loopback_host(&base))
            .redirect(redirect_policy())
            .build()
            .map_err(|e| Error::invalid("client", format!("cannot build HTTP client: {e}")))?;
        if let Some(endpoint) = &config.otlp_endpoint {
            install_telemetry(endpoint)?;
        }
        let http = Http { client, base, timeout: config.timeout, retry: config.retry.clone(), extra_headers: extra };
        Ok(Self { inner: Arc::new(ClientInner { http, config }) })
    }

    pub fn api_base(&self) -> &str {
        self.inner.http.base.as_str()
    }

    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The audit log this client writes to.
    pub fn audit(&self) -> &AuditLog {
        &self.inner.config.audit
    }

    pub(crate) fn http(&self) -> &Http {
        &self.inner.http
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_base_requires_https_except_loopback() {
        for ok in [
            "https://api.cloudflare.com/client/v4",
            "http://127.0.0.1:8787/client/v4",
            "http://127.4.5.6/client/v4",
            "http://[::1]:9/client/v4",
            "http://localhost:1/x",
            "http://emu.localhost:1/x",
        ] {
            assert!(resolve_api_base(Some(ok)).is_ok(), "{ok}");
        }
        for bad in ["http://api.cloudflare.com/client/v4", "http://10.0.0.1/x", "ftp://x/y", "not a url", "https://u:p@h/x"] {
            let e = resolve_api_base(Some(bad)).unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{bad}");
        }
    }

    #[test]
    fn reserved_headers_cannot_be_overridden() {
        let e = Client::builder().api_base("http://127.0.0.1:1/x").header("Authorization", "x").build().unwrap_err();
        assert!(e.to_string().contains("cannot be overridden"));
        assert!(Client::builder().api_base("http://127.0.0.1:1/x").header("x-team", "a").build().is_ok());
    }

    /// Sets `option` of the shared fixture on a loopback client config, or
    /// validates a small Worker against it (`max_script_size`, a deploy option).
    fn apply(option: &str, value: f64) -> Result<(), Error> {
        let whole = value as u64;
        let secs = Duration::from_secs_f64(value);
        let mut config = ClientConfig { api_base: Some("http://127.0.0.1:1/client/v4".into()), ..ClientConfig::default() };
        match option {
            "max_attempts" => config.retry.max_attempts = whole as u32,
            "pow_work_cap" => config.pow_work_cap = whole,
            "timeout" => config.timeout = secs,
            "connect_timeout" => config.connect_timeout = secs,
            "expiry_margin" => config.expiry_margin = secs,
            "max_script_size" => return crate::Worker::from_source("w", "index.js", "export default {}").validate(whole),
            other => panic!("tests/fixtures/client-config-cases.json names {other:?}, which core does not have"),
        }
        Client::from_config(config).map(drop)
    }

    #[test]
    fn shared_config_cases_hold_in_core() {
        let doc: serde_json::Value = serde_json::from_str(include_str!("../../tests/fixtures/client-config-cases.json")).unwrap();
        let mut ran = 0;
        for case in doc["cases"].as_array().unwrap() {
            let (option, value) = (case["option"].as_str().unwrap(), case["value"].as_f64().unwrap());
            // Negative numbers cannot reach core's unsigned fields; each binding refuses them while converting.
            if value < 0.0 {
                continue;
            }
            ran += 1;
            match (apply(option, value), case["valid"].as_bool().unwrap()) {
                (Ok(()), true) => {}
                (Err(Error::InvalidInput { field, .. }), false) => assert_eq!(field, case["field"].as_str().unwrap(), "{case}"),
                (got, _) => panic!("{case}: got {got:?}"),
            }
        }
        assert!(ran >= 15, "only {ran} cases ran");
    }

    #[test]
    fn an_otlp_endpoint_must_be_an_http_url() {
        for bad in ["not a url", "ftp://127.0.0.1:4318", "file:///tmp/x"] {
            let config = ClientConfig { otlp_endpoint: Some(bad.into()), ..ClientConfig::default() };
            match config.validate() {
                Err(Error::InvalidInput { field, message }) => assert!(field == "otlp_endpoint" && message.contains("http"), "{bad}: {message}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        let ok = ClientConfig { otlp_endpoint: Some("http://127.0.0.1:4318".into()), ..ClientConfig::default() };
        assert!(ok.validate().is_ok());
    }

    #[cfg(not(feature = "otlp"))]
    #[test]
    fn an_otlp_endpoint_needs_the_feature() {
        match Client::builder().api_base("http://127.0.0.1:1/client/v4").otlp_endpoint("http://127.0.0.1:4318").build() {
            Err(Error::InvalidInput { field, message }) => assert!(field == "otlp_endpoint" && message.contains("`otlp` feature"), "{message}"),
            other => panic!("{:?}", other.map(drop)),
        }
    }

    #[test]
    fn config_errors_say_what_to_do() {
        let message = |option, value| match apply(option, value) {
            Err(Error::InvalidInput { message, .. }) => message,
            other => panic!("{option}={value}: {other:?}"),
        };
        assert!(message("max_attempts", 0.0).contains("at least 1"));
        assert!(message("pow_work_cap", 0.0).contains("at least 1"));
        assert!(message("pow_work_cap", 2e8).contains("128000000"));
        assert!(message("timeout", 0.0).contains("positive"));
        assert!(message("connect_timeout", 0.0).contains("positive"));
        assert!(message("expiry_margin", 3600.0).contains("at most 1800"));
        assert!(message("max_script_size", 0.0).contains("at least 1"));
    }
}

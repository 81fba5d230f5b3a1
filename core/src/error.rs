//! The one error type every binding maps. `kind()`/`code()` are stable API:
//! Python exception classes and Node error subclasses are derived from them
//! (`tests/fixtures/error-kinds.json`), so never rename a code.
//!
//! No variant ever carries a secret: messages hold endpoints (paths with the
//! account id, never a token), Cloudflare error texts and local facts.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Details of a failed API call, as decoded from the Cloudflare v4 envelope.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApiFailure {
    /// What we were doing, e.g. `PUT /accounts/{id}/workers/scripts/hello`.
    pub endpoint: String,
    /// HTTP status of the response.
    pub status: u16,
    /// `errors[0].code`, when the body carried one.
    pub code: Option<i64>,
    /// `errors[0].message`, or the HTTP reason when the body had none.
    pub message: String,
    /// `cf-ray` (or `x-request-id`) response header, for support requests.
    pub request_id: Option<String>,
}

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} answered HTTP {}", self.endpoint, self.status)?;
        if let Some(code) = self.code {
            write!(f, " with error {code}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

/// One broken policy rule (filled in by the policy module).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Stable rule name, e.g. `max_deploys_per_pass`.
    pub rule: String,
    /// What was wrong and what to change.
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
// Kotlin: BoardingpassException (UniFFI turns the Error suffix into
// Exception) with one subclass per variant, carrying the Display message.
#[cfg_attr(feature = "uniffi", derive(uniffi::Error), uniffi(flat_error, name = "BoardingpassError"))]
#[non_exhaustive]
pub enum Error {
    #[error("network error on {endpoint}: {message}; check that the API base URL is reachable")]
    Network {
        endpoint: String,
        message: String,
        /// The transport's error, with its own chain (connect, TLS, I/O causes).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("{endpoint} did not answer within {}s; retry, or raise the client timeout", after.as_secs_f64())]
    Timeout { endpoint: String, after: Duration },
    #[error("{0}")]
    Api(ApiFailure),
    #[error("rate limited: {failure}{}", retry_after.map(|d| format!("; retry after {}s", d.as_secs())).unwrap_or_default())]
    RateLimited { failure: ApiFailure, retry_after: Option<Duration> },
    #[error("the terms of service ({terms}) and privacy policy ({privacy}) must be accepted explicitly by the caller: set accept_terms on the client (CLI: --accept-terms)")]
    TermsNotAccepted { terms: String, privacy: String },
    #[error("proof-of-work challenge refused: {reason}")]
    PowRefused { reason: String },
    #[error("the boarding pass for account {account_id} expired at {}; provision a new pass", crate::timestamp::display(*expired_at))]
    PassExpired { account_id: String, expired_at: DateTime<Utc> },
    #[error("the boarding pass for account {account_id} was revoked by teardown; provision a new pass")]
    PassRevoked { account_id: String },
    #[error("policy violation: {}", violations.iter().map(|v| format!("[{}] {}", v.rule, v.message)).collect::<Vec<_>>().join("; "))]
    PolicyViolation { violations: Vec<Violation> },
    #[error("invalid {field}: {message}")]
    InvalidInput { field: String, message: String },
    #[error("unexpected response from {endpoint}: {message}")]
    Protocol { endpoint: String, status: Option<u16>, message: String, request_id: Option<String> },
    #[error("{what} failed verification: {message}")]
    Verification { what: String, message: String },
    #[error("I/O error on {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cancelled")]
    Cancelled,
    /// The project could not be bundled or its TypeScript compiled; found
    /// locally, before any request. `line`/`column` are 1-based.
    #[error("cannot bundle {}: {message}; {hint}", location(file.as_deref(), *line, *column))]
    Bundle { file: Option<String>, line: Option<u32>, column: Option<u32>, message: String, hint: String },
    /// The database refused a statement (Cloudflare code 7500); `message`
    /// is SQLite's. `migration` names the migration file that failed. D1
    /// kept nothing of the call.
    #[error("{}the database refused the SQL: {message} ({endpoint})", migration.as_ref().map(|m| format!("migration {m} failed: ")).unwrap_or_default())]
    Sql { endpoint: String, migration: Option<String>, message: String },
}

/// `file:line:column`, as much of it as is known.
fn location(file: Option<&str>, line: Option<u32>, column: Option<u32>) -> String {
    match (file, line, column) {
        (Some(f), Some(l), Some(c)) => format!("{f}:{l}:{c}"),
        (Some(f), Some(l), None) => format!("{f}:{l}"),
        (Some(f), _, _) => f.to_string(),
        (None, ..) => "the project".to_string(),
    }
}

/// Stable, binding-facing classification of [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[non_exhaustive]
pub enum ErrorKind {
    Network,
    Timeout,
    Api,
    RateLimited,
    TermsNotAccepted,
    PowRefused,
    PassExpired,
    PassRevoked,
    PolicyViolation,
    InvalidInput,
    Protocol,
    Verification,
    Io,
    Cancelled,
    Bundle,
    Sql,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 16] = [
        Self::Network,
        Self::Timeout,
        Self::Api,
        Self::RateLimited,
        Self::TermsNotAccepted,
        Self::PowRefused,
        Self::PassExpired,
        Self::PassRevoked,
        Self::PolicyViolation,
        Self::InvalidInput,
        Self::Protocol,
        Self::Verification,
        Self::Io,
        Self::Cancelled,
        Self::Bundle,
        Self::Sql,
    ];

    /// Stable snake_case code used by every binding.
    pub fn code(self) -> &'static str {
        match self {
            Self::Network => "network",
            Self::Timeout => "timeout",
            Self::Api => "api",
            Self::RateLimited => "rate_limited",
            Self::TermsNotAccepted => "terms_not_accepted",
            Self::PowRefused => "pow_refused",
            Self::PassExpired => "pass_expired",
            Self::PassRevoked => "pass_revoked",
            Self::PolicyViolation => "policy_violation",
            Self::InvalidInput => "invalid_input",
            Self::Protocol => "protocol",
            Self::Verification => "verification",
            Self::Io => "io",
            Self::Cancelled => "cancelled",
            Self::Bundle => "bundle",
            Self::Sql => "sql",
        }
    }
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Network { .. } => ErrorKind::Network,
            Self::Timeout { .. } => ErrorKind::Timeout,
            Self::Api(_) => ErrorKind::Api,
            Self::RateLimited { .. } => ErrorKind::RateLimited,
            Self::TermsNotAccepted { .. } => ErrorKind::TermsNotAccepted,
            Self::PowRefused { .. } => ErrorKind::PowRefused,
            Self::PassExpired { .. } => ErrorKind::PassExpired,
            Self::PassRevoked { .. } => ErrorKind::PassRevoked,
            Self::PolicyViolation { .. } => ErrorKind::PolicyViolation,
            Self::InvalidInput { .. } => ErrorKind::InvalidInput,
            Self::Protocol { .. } => ErrorKind::Protocol,
            Self::Verification { .. } => ErrorKind::Verification,
            Self::Io { .. } => ErrorKind::Io,
            Self::Cancelled => ErrorKind::Cancelled,
            Self::Bundle { .. } => ErrorKind::Bundle,
            Self::Sql { .. } => ErrorKind::Sql,
        }
    }

    /// Stable snake_case code of [`Error::kind`].
    pub fn code(&self) -> &'static str {
        self.kind().code()
    }

    fn failure(&self) -> Option<&ApiFailure> {
        match self {
            Self::Api(f) | Self::RateLimited { failure: f, .. } => Some(f),
            _ => None,
        }
    }

    /// HTTP status of the response that caused the error, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Protocol { status, .. } => *status,
            _ => self.failure().map(|f| f.status),
        }
    }

    /// Cloudflare's `errors[0].code`, if the server sent one.
    pub fn api_code(&self) -> Option<i64> {
        self.failure().and_then(|f| f.code)
    }

    /// `cf-ray` / request id of the failing response, if any.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Protocol { request_id, .. } => request_id.as_deref(),
            _ => self.failure().and_then(|f| f.request_id.as_deref()),
        }
    }

    /// How long the server asked us to wait (429 `Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidInput { field: field.into(), message: message.into() }
    }

    pub(crate) fn protocol(endpoint: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Protocol { endpoint: endpoint.into(), status: None, message: message.into(), request_id: None }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Parses one of `all` by its `as_str` name, for the enums bindings take as
/// strings; an unknown name is an `invalid_input` error listing every name.
pub(crate) fn parse_name<T: Copy>(field: &str, name: &str, all: &[T], as_str: fn(T) -> &'static str) -> Result<T> {
    all.iter().copied().find(|v| as_str(*v) == name).ok_or_else(|| {
        let names: Vec<&str> = all.iter().map(|v| as_str(*v)).collect();
        Error::invalid(field, format!("{name:?} is not one of {}", names.join(", ")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_snake_case() {
        let codes: std::collections::HashSet<_> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(codes.len(), ErrorKind::ALL.len());
        assert!(codes.iter().all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_')));
    }

    #[test]
    fn binding_fixture_lists_every_kind_in_order() {
        let doc: serde_json::Value = serde_json::from_str(include_str!("../../tests/fixtures/error-kinds.json")).unwrap();
        let listed: Vec<&str> = doc["kinds"].as_array().unwrap().iter().map(|k| k["code"].as_str().unwrap()).collect();
        let ours: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(listed, ours, "tests/fixtures/error-kinds.json is what the bindings map; keep it in step");
    }

    #[test]
    fn rate_limited_exposes_status_code_retry_after_and_request_id() {
        let e = Error::RateLimited {
            failure: ApiFailure {
                endpoint: "POST /provisioning/previews".into(),
                status: 429,
                code: Some(971),
                message: "slow down".into(),
                request_id: Some("8a1b-LHR".into()),
            },
            retry_after: Some(Duration::from_secs(7)),
        };
        assert_eq!(e.code(), "rate_limited");
        assert_eq!(e.status(), Some(429));
        assert_eq!(e.api_code(), Some(971));
        assert_eq!(e.request_id(), Some("8a1b-LHR"));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        let text = e.to_string();
        assert!(text.contains("retry after 7s") && text.contains("8a1b-LHR"), "{text}");
    }

    #[test]
    fn terms_error_says_what_to_do() {
        let e = Error::TermsNotAccepted { terms: "T".into(), privacy: "P".into() };
        assert!(e.to_string().contains("--accept-terms"));
    }
}

//! Append-only audit log: one JSON object per line, one line per step, tied
//! to a run id (generated per client) and the caller's job id. It outlives
//! the account it describes, so it records only identifiers, digests and
//! credential fingerprints, and scrubs any known secret value that slipped
//! into a detail field (defence in depth).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::error::Error;
use crate::secret::Secret;

/// Kinds of audit events. Serialised as snake_case strings.
#[cfg_attr(feature = "napi", napi_derive::napi(string_enum = "snake_case"))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuditKind {
    PolicyChecked,
    Provisioned,
    DeployStarted,
    DeployFinished,
    Verified,
    TicketIssued,
    ClaimStatusChanged,
    TornDown,
    Failed,
    /// The pass created a resource (a KV namespace): type, name, id.
    ResourceCreated,
    ResourceDeleted,
    /// A D1 migration file was applied: database, name.
    MigrationApplied,
}

impl AuditKind {
    /// The wire name, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PolicyChecked => "policy_checked",
            Self::Provisioned => "provisioned",
            Self::DeployStarted => "deploy_started",
            Self::DeployFinished => "deploy_finished",
            Self::Verified => "verified",
            Self::TicketIssued => "ticket_issued",
            Self::ClaimStatusChanged => "claim_status_changed",
            Self::TornDown => "torn_down",
            Self::Failed => "failed",
            Self::ResourceCreated => "resource_created",
            Self::ResourceDeleted => "resource_deleted",
            Self::MigrationApplied => "migration_applied",
        }
    }

    /// Events whose loss would hide what happened to an account: synced to
    /// disk before the call that produced them returns.
    fn is_important(self) -> bool {
        !matches!(self, Self::DeployStarted | Self::PolicyChecked)
    }
}

#[cfg_attr(feature = "napi", napi_derive::napi(object, object_from_js = false))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct AuditEvent {
    pub ts: DateTime<Utc>,
    pub run_id: String,
    pub job_id: Option<String>,
    pub event: AuditKind,
    pub account_id: Option<String>,
    pub worker: Option<String>,
    pub content_digest: Option<String>,
    /// Event-specific facts (fingerprints, URLs, versions, error codes).
    pub details: Value,
}

type Callback = Arc<dyn Fn(&AuditEvent) + Send + Sync>;

/// Where events go: a JSON-lines file, a callback, or both.
#[derive(Clone, Default)]
pub struct AuditLog {
    inner: Arc<AuditInner>,
}

#[derive(Default)]
struct AuditInner {
    run_id: String,
    job_id: Option<String>,
    file: Option<(PathBuf, Mutex<File>)>,
    callback: Option<Callback>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("run_id", &self.inner.run_id)
            .field("job_id", &self.inner.job_id)
            .field("file", &self.inner.file.as_ref().map(|(p, _)| p))
            .finish()
    }
}

/// A fresh run id: `run_` + 16 random hex digits.
pub fn new_run_id() -> String {
    format!("run_{}", hex::encode(rand::random::<[u8; 8]>()))
}

impl AuditLog {
    /// A log with no sink: events are dropped (still gets a run id).
    pub fn disabled(job_id: Option<String>) -> Self {
        Self { inner: Arc::new(AuditInner { run_id: new_run_id(), job_id, file: None, callback: None }) }
    }

    /// Opens (creating, mode 0600) `path` for appending, and/or registers a callback.
    pub fn new(job_id: Option<String>, path: Option<&Path>, callback: Option<Callback>) -> Result<Self, Error> {
        let file = match path {
            None => None,
            Some(p) => {
                let mut opts = OpenOptions::new();
                opts.create(true).append(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
                let f = opts.open(p).map_err(|source| Error::Io { path: p.display().to_string(), source })?;
                Some((p.to_path_buf(), Mutex::new(f)))
            }
        };
        Ok(Self { inner: Arc::new(AuditInner { run_id: new_run_id(), job_id, file, callback }) })
    }

    pub fn run_id(&self) -> &str {
        &self.inner.run_id
    }
    pub fn job_id(&self) -> Option<&str> {
        self.inner.job_id.as_deref()
    }
    pub fn path(&self) -> Option<&Path> {
        self.inner.file.as_ref().map(|(p, _)| p.as_path())
    }

    /// Records one event. `secrets` are scrubbed from the serialised line
    /// (replaced by their fingerprints) before it leaves memory.
    pub fn record(
        &self,
        event: AuditKind,
        account_id: Option<&str>,
        worker: Option<&str>,
        content_digest: Option<&str>,
        details: Value,
        secrets: &[&Secret],
    ) -> Result<(), Error> {
        // Exported as an event of the current span when telemetry is installed.
        let traced = tracing::enabled!(target: "boardingpass::audit", tracing::Level::INFO);
        if self.inner.file.is_none() && self.inner.callback.is_none() && !traced {
            return Ok(());
        }
        let ev = AuditEvent {
            ts: crate::timestamp::now(),
            run_id: self.inner.run_id.clone(),
            job_id: self.inner.job_id.clone(),
            event,
            account_id: account_id.map(str::to_string),
            worker: worker.map(str::to_string),
            content_digest: content_digest.map(str::to_string),
            details,
        };
        let mut line = serde_json::to_string(&ev).expect("audit event serialises");
        for s in secrets.iter().filter(|s| !s.is_empty()) {
            // Inside the line a secret appears as JSON writes it (`"` as `\"`, a newline as `\n`, ...).
            let quoted = zeroize::Zeroizing::new(serde_json::to_string(s.expose_secret()).expect("a string serialises"));
            let as_written = &quoted[1..quoted.len() - 1];
            if line.contains(as_written) {
                line = line.replace(as_written, &s.fingerprint());
            }
        }
        if traced {
            tracing::info!(target: "boardingpass::audit", record = %line, "{}", event.as_str());
        }
        if let Some(cb) = &self.inner.callback {
            let scrubbed: AuditEvent = serde_json::from_str::<Value>(&line).map(|v| rebuild(ev.clone(), v)).expect("own JSON");
            cb(&scrubbed);
        }
        if let Some((path, file)) = &self.inner.file {
            let io = |source| Error::Io { path: path.display().to_string(), source };
            let mut f = file.lock().unwrap_or_else(|p| p.into_inner());
            line.push('\n');
            f.write_all(line.as_bytes()).map_err(io)?;
            if event.is_important() {
                f.sync_data().map_err(io)?;
            }
        }
        Ok(())
    }
}

/// Copies the scrubbed fields back into an event for the callback.
fn rebuild(mut ev: AuditEvent, v: Value) -> AuditEvent {
    ev.details = v["details"].clone();
    ev.worker = v["worker"].as_str().map(str::to_string);
    ev.job_id = v["job_id"].as_str().map(str::to_string);
    ev
}


#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kind_names_are_the_serialised_names() {
        use AuditKind::*;
        for k in [PolicyChecked, Provisioned, DeployStarted, DeployFinished, Verified, TicketIssued, ClaimStatusChanged, TornDown, Failed, ResourceCreated, ResourceDeleted, MigrationApplied] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }

    #[test]
    fn secrets_holding_characters_json_escapes_are_scrubbed_too() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let log = AuditLog::new(None, None, Some(Arc::new(move |e: &AuditEvent| sink.lock().unwrap().push(e.clone())))).unwrap();
        let secret = Secret::new("tok\"en\\with\nnewline\u{1}ctl-ünï€-LEAKY");
        log.record(AuditKind::Failed, None, Some(secret.expose_secret()), None, json!({"error": format!("bad {}", secret.expose_secret())}), &[&secret]).unwrap();
        let ev = seen.lock().unwrap()[0].clone();
        let text = serde_json::to_string(&ev).unwrap();
        assert!(!text.contains("LEAKY") && !format!("{ev:?}").contains("LEAKY"), "{text}");
        assert_eq!(ev.details["error"], format!("bad {}", secret.fingerprint()));
        assert_eq!(ev.worker.as_deref(), Some(secret.fingerprint().as_str()));
    }

    #[test]
    fn appends_json_lines_with_run_and_job_ids_and_scrubs_secrets() {
        let dir = std::env::temp_dir().join(format!("bp-audit-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("audit.jsonl");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let log = AuditLog::new(Some("job-7".into()), Some(&path), Some(Arc::new(move |e: &AuditEvent| sink.lock().unwrap().push(e.clone())))).unwrap();
        let token = Secret::new("cfat_LEAKY_TOKEN_VALUE");
        log.record(AuditKind::Provisioned, Some("acc"), None, None, json!({"oops": "cfat_LEAKY_TOKEN_VALUE"}), &[&token]).unwrap();
        log.record(AuditKind::DeployStarted, Some("acc"), Some("w"), Some("sha256:x"), json!({}), &[]).unwrap();
        // A second log on the same file appends, never truncates.
        let again = AuditLog::new(Some("job-8".into()), Some(&path), None).unwrap();
        again.record(AuditKind::TornDown, Some("acc"), None, None, json!({}), &[]).unwrap();

        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("LEAKY"), "{text}");
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["event"], "provisioned");
        assert_eq!(lines[0]["details"]["oops"], token.fingerprint());
        assert_eq!(lines[0]["run_id"], lines[1]["run_id"]);
        assert_ne!(lines[0]["run_id"], lines[2]["run_id"]);
        assert_eq!(lines[1]["job_id"], "job-7");
        assert_eq!(lines[1]["worker"], "w");
        let cb = seen.lock().unwrap();
        assert_eq!(cb.len(), 2);
        assert!(!format!("{:?}", cb[0]).contains("LEAKY"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}

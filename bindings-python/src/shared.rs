//! What a client and every pass it provisions share: the configuration, the
//! core client (rebuilt in a forked child) and the token that `close()`
//! fires to cancel everything still running.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use boardingpass::{AuditLog, CancellationToken, Client as CoreClient, ClientConfig, Error};
use pyo3::prelude::*;

use crate::runtime::call_python;

/// What the audit log is built from, kept to rebuild it in a forked child.
pub struct AuditSpec {
    pub job_id: Option<String>,
    pub path: Option<PathBuf>,
    pub callback: Option<Arc<Py<PyAny>>>,
}

impl AuditSpec {
    fn build(&self) -> Result<AuditLog, Error> {
        let callback = self.callback.clone().map(|cb| {
            Arc::new(move |event: &boardingpass::AuditEvent| {
                let (cb, event) = (cb.clone(), serde_json::to_value(event).unwrap_or_default());
                call_python(move |py| {
                    let delivered = crate::convert::json_to_py(py, &event).and_then(|e| cb.call1(py, (e,)));
                    if let Err(err) = delivered {
                        err.write_unraisable(py, Some(cb.bind(py)));
                    }
                });
            }) as Arc<dyn Fn(&boardingpass::AuditEvent) + Send + Sync>
        });
        AuditLog::new(self.job_id.clone(), self.path.as_deref(), callback)
    }
}

/// State shared by a client and every pass it provisions.
pub struct Shared {
    pub config: ClientConfig,
    pub audit: AuditSpec,
    /// The core client and the process that built it.
    pub core: Mutex<(u32, CoreClient)>,
    pub closed: CancellationToken,
}

impl Shared {
    pub fn new(config: ClientConfig, audit: AuditSpec) -> Result<Self, Error> {
        let mut with_audit = config.clone();
        with_audit.audit = audit.build()?;
        let core = CoreClient::from_config(with_audit)?;
        Ok(Self { config, audit, core: Mutex::new((std::process::id(), core)), closed: CancellationToken::new() })
    }

    /// The core client, rebuilt (new pool, new audit run) in a forked child.
    pub fn core(&self) -> Result<CoreClient, Error> {
        let mut slot = self.core.lock().unwrap_or_else(|p| p.into_inner());
        let pid = std::process::id();
        if slot.0 != pid {
            let mut config = self.config.clone();
            config.audit = self.audit.build()?;
            let fresh = CoreClient::from_config(config)?;
            *slot = (pid, fresh);
        }
        Ok(slot.1.clone())
    }
}

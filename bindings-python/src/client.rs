//! `boardingpass.Client`: core's client configured from keyword arguments,
//! plus what a Python process needs around it: `close()` (cancels every
//! operation still running from this client and its passes), context
//! managers, and a fresh connection pool after `fork` (pooled connections
//! belong to the parent's runtime and would never answer in the child).

use std::path::PathBuf;
use std::sync::Arc;

use boardingpass::{ClientConfig, ProvisionOptions};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{opt_seconds, repr, whole};
use crate::errors::{invalid, py_result, OrRaise};
use crate::pass::PyBoardingPass;
use crate::policy::PyPolicy;
use crate::progress::progress_from;
use crate::runtime::{block_on, coroutine, flush_callbacks, flush_callbacks_blocking, Op};
use crate::shared::{AuditSpec, Shared};

#[pyclass(frozen, module = "boardingpass", name = "Client")]
pub struct PyClient {
    shared: Arc<Shared>,
}

fn provision(
    py: Python<'_>,
    shared: Arc<Shared>,
    owner: Option<String>,
    event_code: Option<String>,
    progress: Option<Py<PyAny>>,
    locals: Option<&pyo3_async_runtimes::TaskLocals>,
) -> PyResult<Op<PyBoardingPass>> {
    let progress = progress_from(py, progress.as_ref().map(|p| p.bind(py)), locals)?;
    let mut options = ProvisionOptions::default().progress(progress).cancel(shared.closed.clone());
    (options.owner, options.event_code) = (owner, event_code);
    let core = shared.core().or_raise(py)?;
    Ok(Box::pin(async move {
        let pass = py_result(core.provision(options)).await?;
        Ok(PyBoardingPass::new(pass, shared))
    }))
}

impl PyClient {
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

#[pymethods]
impl PyClient {
    #[new]
    #[pyo3(signature = (api_base=None, *, accept_terms=false, policy=None, audit_log=None, on_audit=None,
        job_id=None, job_class=None, timeout=None, connect_timeout=None, max_attempts=None, base_delay=None, max_delay=None,
        max_retry_after=None, pow_work_cap=None, expiry_margin=None, headers=None, user_agent=None, otlp_endpoint=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        api_base: Option<String>,
        accept_terms: bool,
        policy: Option<PyRef<'_, PyPolicy>>,
        audit_log: Option<PathBuf>,
        on_audit: Option<Bound<'_, PyAny>>,
        job_id: Option<String>,
        job_class: Option<String>,
        timeout: Option<f64>,
        connect_timeout: Option<f64>,
        max_attempts: Option<i64>,
        base_delay: Option<f64>,
        max_delay: Option<f64>,
        max_retry_after: Option<f64>,
        pow_work_cap: Option<i64>,
        expiry_margin: Option<f64>,
        headers: Option<Bound<'_, PyDict>>,
        user_agent: Option<String>,
        otlp_endpoint: Option<String>,
    ) -> PyResult<Self> {
        let mut config = ClientConfig::default();
        (config.api_base, config.accept_terms, config.job_class) = (api_base, accept_terms, job_class);
        if let Some(p) = policy {
            config.policy = p.inner.clone();
        }
        if let Some(t) = opt_seconds(py, "timeout", timeout)? {
            config.timeout = t;
        }
        if let Some(t) = opt_seconds(py, "connect_timeout", connect_timeout)? {
            config.connect_timeout = t;
        }
        if let Some(n) = max_attempts {
            config.retry.max_attempts = whole(py, "max_attempts", n)?;
        }
        let retry = &mut config.retry;
        for (field, value, slot) in [("base_delay", base_delay, &mut retry.base_delay), ("max_delay", max_delay, &mut retry.max_delay), ("max_retry_after", max_retry_after, &mut retry.max_retry_after)] {
            if let Some(d) = opt_seconds(py, field, value)? {
                *slot = d;
            }
        }
        if let Some(cap) = pow_work_cap {
            config.pow_work_cap = whole(py, "pow_work_cap", cap)?;
        }
        if let Some(m) = opt_seconds(py, "expiry_margin", expiry_margin)? {
            config.expiry_margin = m;
        }
        if let Some(h) = headers {
            config.extra_headers = h.extract()?;
        }
        if let Some(ua) = user_agent {
            config.user_agent = ua;
        }
        config.otlp_endpoint = otlp_endpoint.or_else(boardingpass::telemetry::endpoint_from_env);
        if let Some(cb) = on_audit.as_ref().filter(|cb| !cb.is_callable()) {
            return Err(invalid(py, "on_audit", format!("expected a callable taking a dict, got {}", cb.get_type().name()?)));
        }
        let audit = AuditSpec { job_id, path: audit_log, callback: on_audit.map(|cb| Arc::new(cb.unbind())) };
        let shared = py.detach(|| Shared::new(config, audit)).or_raise(py)?;
        Ok(Self { shared: Arc::new(shared) })
    }

    /// Provisions a temporary account (challenge, proof of work, create) and
    /// returns its boarding pass. `owner` names the person who will get the claim link.
    #[pyo3(signature = (*, owner=None, event_code=None, progress=None))]
    fn provision<'py>(
        &self,
        py: Python<'py>,
        owner: Option<String>,
        event_code: Option<String>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let shared = self.shared.clone();
        coroutine(py, move |py, locals| provision(py, shared, owner, event_code, progress, Some(locals)))
    }

    /// `provision`, blocking (the GIL is released while it runs).
    #[pyo3(signature = (*, owner=None, event_code=None, progress=None))]
    fn provision_sync(
        &self,
        py: Python<'_>,
        owner: Option<String>,
        event_code: Option<String>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<PyBoardingPass> {
        block_on(py, provision(py, self.shared.clone(), owner, event_code, progress, None)?)
    }

    /// Cancels every operation still running from this client or its passes
    /// (they raise `CancelledError`) and delivers pending callbacks. Passes
    /// stay valid on the server until they expire or are torn down.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.shared.closed.cancel();
        py.detach(flush_callbacks_blocking);
        Ok(())
    }

    #[getter]
    fn closed(&self) -> bool {
        self.shared.closed.is_cancelled()
    }

    #[getter]
    fn api_base(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.shared.core().or_raise(py)?.api_base().to_owned())
    }

    /// Id of this client's audit run (in every audit event and ticket).
    #[getter]
    fn run_id(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.shared.core().or_raise(py)?.audit().run_id().to_owned())
    }

    #[getter]
    fn job_id(&self) -> Option<String> {
        self.shared.audit.job_id.clone()
    }

    #[getter]
    fn job_class(&self) -> Option<String> {
        self.shared.config.job_class.clone()
    }

    #[getter]
    fn audit_log(&self) -> Option<PathBuf> {
        self.shared.audit.path.clone()
    }

    #[getter]
    fn policy(&self) -> PyPolicy {
        PyPolicy { inner: self.shared.config.policy.clone() }
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __exit__(&self, py: Python<'_>, _t: Option<Bound<'_, PyAny>>, _v: Option<Bound<'_, PyAny>>, _tb: Option<Bound<'_, PyAny>>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __aenter__<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let me = slf.unbind();
        coroutine(py, move |_, _| Ok(Box::pin(async move { Ok(me) }) as Op<Py<Self>>))
    }

    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _t: Option<Bound<'py, PyAny>>,
        _v: Option<Bound<'py, PyAny>>,
        _tb: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let closed = self.shared.closed.clone();
        coroutine(py, move |_, _| {
            closed.cancel();
            Ok(Box::pin(async {
                flush_callbacks().await;
                Ok(false)
            }) as Op<bool>)
        })
    }

    fn __repr__(&self) -> String {
        let core = self.shared.core.lock().unwrap_or_else(|p| p.into_inner());
        format!(
            "Client(api_base={}, accept_terms={}, job_id={}, closed={})",
            repr::s(core.1.api_base()),
            repr::b(self.shared.config.accept_terms),
            repr::opt_s(self.shared.audit.job_id.as_deref()),
            repr::b(self.closed())
        )
    }
}

//! `boardingpass.Toolbox`: core's agent tools (names, schemas, behaviour)
//! for Python frameworks, JSON in and out as dicts. A claim link goes to the
//! `on_claim_link` callable, run on the caller's event loop, never into a
//! result.

use std::path::PathBuf;
use std::sync::Arc;

use boardingpass::toolbox::{claim_link_to_stderr, tool_specs, CallContext, ClaimLink, ClaimLinkSink, Toolbox, ToolboxConfig};
use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3_async_runtimes::TaskLocals;

use crate::client::PyClient;
use crate::convert::{py_to_json, repr, to_py_dict, Json};
use crate::errors::{invalid, py_result, OrRaise};
use crate::progress::progress_from;
use crate::runtime::{coroutine, Op};
use crate::secret::PySecret;

/// A claim link for its owner, as `on_claim_link` receives it.
#[pyclass(frozen, get_all, module = "boardingpass", name = "ClaimLink")]
pub struct PyClaimLink {
    url: Py<PySecret>,
    owner: Option<String>,
    account_id: String,
    account_name: String,
    expires_at: DateTime<Utc>,
}

#[pymethods]
impl PyClaimLink {
    fn __repr__(&self) -> String {
        format!(
            "ClaimLink(owner={}, account_name={}, expires_at={}, url=Secret(claim_url, {}))",
            repr::opt_s(self.owner.as_deref()),
            repr::s(&self.account_name),
            repr::s(&self.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            self.url.get().inner
        )
    }
}

static DELIVER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Hands each link to `callback` on the event loop of `locals` and returns
/// the sentence it gives. A callback that fails leaves the account without
/// an owner, so the link then goes to standard error (as the CLI does).
fn sink(callback: Arc<Py<PyAny>>, locals: TaskLocals) -> ClaimLinkSink {
    Arc::new(move |link: ClaimLink| {
        let (callback, locals) = (callback.clone(), locals.clone());
        Box::pin(async move {
            let started = tokio::task::spawn_blocking({
                let callback = callback.clone();
                let (owner, account_id, account_name, expires_at) = (link.owner.clone(), link.account_id.clone(), link.account_name.clone(), link.expires_at);
                let url = link.url.expose_secret().to_string();
                move || {
                    Python::attach(|py| {
                        let url = Py::new(py, PySecret::new("claim_url", &url))?;
                        let arg = PyClaimLink { url, owner, account_id, account_name, expires_at };
                        let coro = DELIVER.import(py, "boardingpass._aio", "deliver")?.call1((callback.clone_ref(py), arg))?;
                        pyo3_async_runtimes::into_future_with_locals(&locals, coro)
                    })
                }
            })
            .await;
            let delivered = match started {
                Ok(Ok(fut)) => fut.await,
                Ok(Err(e)) => Err(e),
                Err(join) => std::panic::resume_unwind(join.into_panic()),
            };
            let sentence = tokio::task::spawn_blocking(move || {
                Python::attach(|py| delivered.and_then(|s| s.extract::<String>(py)).map_err(|e| e.write_unraisable(py, Some(callback.bind(py)))))
            })
            .await;
            match sentence {
                Ok(Ok(sentence)) => Ok(sentence),
                Ok(Err(())) => Err(boardingpass::Error::InvalidInput { field: "on_claim_link".into(), message: "the callback failed (its exception was reported as unraisable)".into() }),
                Err(join) => std::panic::resume_unwind(join.into_panic()),
            }
        })
    })
}

#[pyclass(frozen, module = "boardingpass", name = "Toolbox")]
pub struct PyToolbox {
    inner: Toolbox,
    client: Py<PyClient>,
    on_claim_link: Option<Arc<Py<PyAny>>>,
}

#[pymethods]
impl PyToolbox {
    /// `owner` receives the claim links; `root` is the only directory a
    /// `path` argument may name (without it only inline files deploy);
    /// `on_claim_link(link: ClaimLink) -> str` (or a coroutine function)
    /// delivers each link and says where it went. Without it links go to
    /// standard error.
    #[new]
    #[pyo3(signature = (client, *, owner=None, root=None, on_claim_link=None))]
    fn new(py: Python<'_>, client: Bound<'_, PyClient>, owner: Option<String>, root: Option<PathBuf>, on_claim_link: Option<Bound<'_, PyAny>>) -> PyResult<Self> {
        if let Some(cb) = on_claim_link.as_ref().filter(|cb| !cb.is_callable()) {
            return Err(invalid(py, "on_claim_link", format!("expected a callable taking a ClaimLink, got {}", cb.get_type().name()?)));
        }
        let core = client.get().shared().core().or_raise(py)?;
        let inner = Toolbox::new(core, ToolboxConfig::new(owner, root), claim_link_to_stderr());
        Ok(Self { inner, client: client.unbind(), on_claim_link: on_claim_link.map(|cb| Arc::new(cb.unbind())) })
    }

    /// Every tool as a dict: `name`, `title`, `description`, `input_schema`,
    /// `output_schema` (JSON Schemas).
    fn tool_specs(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py_dict(py, &tool_specs())
    }

    /// Runs tool `name` with `args` (a JSON-like dict) and returns its result
    /// dict. Cancelling the task (or closing the client) stops the work.
    #[pyo3(signature = (name, args=None, *, progress=None))]
    fn call<'py>(&self, py: Python<'py>, name: String, args: Option<Bound<'py, PyAny>>, progress: Option<Py<PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let args = args.map_or(Ok(serde_json::Value::Null), |a| py_to_json("args", &a))?;
        let (toolbox, callback) = (self.inner.clone(), self.on_claim_link.clone());
        let closed = self.client.get().shared().closed.clone();
        coroutine(py, move |py, locals| {
            let progress = progress_from(py, progress.as_ref().map(|p| p.bind(py)), Some(locals))?;
            let claim_link = callback.map(|cb| sink(cb, locals.clone()));
            let ctx = CallContext::new(progress, Some(closed), claim_link);
            Ok(Box::pin(async move { py_result(toolbox.call(&name, args, ctx)).await.map(Json) }) as Op<Json>)
        })
    }
}

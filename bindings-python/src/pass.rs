//! `boardingpass.BoardingPass`: the authority for one temporary account.
//! Every long method has an async form and a `*_sync` twin.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use boardingpass::{cancellable, load_project_with, LoadOptions};
use boardingpass::{BoardingPass as CorePass, ClaimOutcome, ClaimStatus, ClaimWaitOptions, DeployOptions, Deployment, Evidence, TeardownReport, VerifyOptions, Worker as CoreWorker};
use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3_async_runtimes::TaskLocals;

use std::borrow::Cow;

use boardingpass::{D1Database, D1Result, D1Value, KvKeyPage, KvNamespace};

use crate::claim::PyClaimWatcher;
use crate::kv::{kv_pairs, list_options, KvValue};
use crate::shared::Shared;
use crate::convert::{opt_seconds, repr, whole};
use crate::errors::{invalid, py_result, OrRaise};
use crate::progress::progress_from;
use crate::results::PyClaimTicket;
use crate::runtime::{block_on, coroutine, flush_callbacks_blocking, Op};
use crate::secret::PySecret;
use crate::worker::PyWorker;

#[pyclass(frozen, module = "boardingpass", name = "BoardingPass")]
pub struct PyBoardingPass {
    /// Identity and credentials: the same in every process.
    original: CorePass,
    shared: Arc<Shared>,
    /// The copy this process talks through, and the process: a forked child
    /// rebinds the pass to its own client (the parent's connections are dead there).
    current: Mutex<(u32, CorePass)>,
}

/// What an operation needs from the pass, cloned into its future.
#[derive(Clone)]
pub(crate) struct PassHandle {
    pub(crate) core: CorePass,
    pub(crate) shared: Arc<Shared>,
}

/// `ClaimWaitOptions` from keyword arguments (seconds); unset ones keep core's defaults.
fn wait_options(py: Python<'_>, timeout: Option<f64>, poll_interval: Option<f64>, long_poll: Option<f64>, expiry_grace: Option<f64>, shared: &Shared) -> PyResult<ClaimWaitOptions> {
    let mut o = ClaimWaitOptions::default().cancel(shared.closed.clone());
    for (field, value, slot) in [
        ("timeout", timeout, &mut o.timeout),
        ("poll_interval", poll_interval, &mut o.poll_interval),
        ("long_poll", long_poll, &mut o.long_poll),
        ("expiry_grace", expiry_grace, &mut o.expiry_grace),
    ] {
        if let Some(d) = opt_seconds(py, field, value)? {
            *slot = d;
        }
    }
    Ok(o)
}

/// `VerifyOptions` from keyword arguments (seconds); unset ones keep core's defaults.
#[allow(clippy::too_many_arguments)]
fn verify_options(
    py: Python<'_>,
    path: Option<String>,
    timeout: Option<f64>,
    expect_status: Option<u16>,
    expect_body_contains: Option<String>,
    expect_header: Option<(String, String)>,
    interval: Option<f64>,
    max_interval: Option<f64>,
) -> PyResult<VerifyOptions> {
    let mut o = VerifyOptions::default();
    (o.expect_status, o.expect_body_contains, o.expect_header) = (expect_status, expect_body_contains, expect_header);
    if let Some(p) = path {
        o.path = p;
    }
    for (field, value, slot) in [("timeout", timeout, &mut o.timeout), ("interval", interval, &mut o.interval), ("max_interval", max_interval, &mut o.max_interval)] {
        if let Some(d) = opt_seconds(py, field, value)? {
            *slot = d;
        }
    }
    Ok(o)
}

fn claim_status(py: Python<'_>, status: &Bound<'_, PyAny>) -> PyResult<ClaimStatus> {
    if let Ok(outcome) = status.cast::<ClaimOutcome>() {
        return Ok(outcome.get().status);
    }
    let name: String = status.extract().map_err(|_| invalid(py, "status", "expected a status name or a ClaimOutcome"))?;
    name.parse::<ClaimStatus>().or_raise(py)
}

/// The `worker` argument of `deploy`: a `Worker`, or a path core loads
/// (and bundles) as part of the deploy, reporting the `bundle` phase.
enum WorkerArg {
    Worker(Box<CoreWorker>),
    Path(PathBuf),
}

fn worker_arg(py: Python<'_>, worker: &Bound<'_, PyAny>) -> PyResult<WorkerArg> {
    if let Ok(w) = worker.cast::<PyWorker>() {
        return Ok(WorkerArg::Worker(Box::new(w.get().inner.clone())));
    }
    let path: PathBuf = worker
        .extract()
        .map_err(|_| invalid(py, "worker", "expected a Worker or a path (Worker file, project or assets directory)"))?;
    Ok(WorkerArg::Path(path))
}

impl PassHandle {
    fn deploy(
        self,
        py: Python<'_>,
        worker: WorkerArg,
        progress: Option<Py<PyAny>>,
        message: Option<String>,
        max_script_size: Option<i64>,
        locals: Option<&TaskLocals>,
    ) -> PyResult<Op<Deployment>> {
        let progress = progress_from(py, progress.as_ref().map(|p| p.bind(py)), locals)?;
        let mut options = DeployOptions::default().progress(progress).cancel(self.shared.closed.clone());
        options.message = message;
        if let Some(max) = max_script_size {
            options.max_script_size = whole(py, "max_script_size", max)?;
        }
        Ok(Box::pin(async move {
            let worker = match worker {
                WorkerArg::Worker(w) => *w,
                WorkerArg::Path(path) => {
                    let load = LoadOptions::default().progress(options.progress.clone());
                    let loading = async { tokio::task::spawn_blocking(move || load_project_with(&path, &load)).await.expect("loading does not panic") };
                    py_result(cancellable(Some(&self.shared.closed), loading)).await?
                }
            };
            py_result(self.core.deploy(&worker, options)).await
        }))
    }

    fn verify(
        self,
        py: Python<'_>,
        deployment: Deployment,
        options: VerifyOptions,
        progress: Option<Py<PyAny>>,
        locals: Option<&TaskLocals>,
    ) -> PyResult<Op<Evidence>> {
        let options = options.progress(progress_from(py, progress.as_ref().map(|p| p.bind(py)), locals)?).cancel(self.shared.closed.clone());
        Ok(Box::pin(async move { py_result(self.core.verify(&deployment, options)).await }))
    }

    fn teardown(self) -> Op<TeardownReport> {
        Box::pin(async move { py_result(cancellable(Some(&self.shared.closed), self.core.teardown())).await })
    }

    fn delete_worker(self, name: String, force: bool) -> Op<()> {
        Box::pin(async move { py_result(cancellable(Some(&self.shared.closed), self.core.delete_worker(&name, force))).await })
    }

    fn wait(self, options: ClaimWaitOptions) -> Op<ClaimOutcome> {
        Box::pin(async move { py_result(self.core.wait_for_claim(options)).await })
    }
}

impl PyBoardingPass {
    pub fn new(core: CorePass, shared: Arc<Shared>) -> Self {
        Self { current: Mutex::new((std::process::id(), core.clone())), original: core, shared }
    }

    /// The pass as provisioned (identity and credentials).
    pub fn core(&self) -> &CorePass {
        &self.original
    }

    fn current(&self, py: Python<'_>) -> PyResult<CorePass> {
        let mut slot = self.current.lock().unwrap_or_else(|p| p.into_inner());
        let pid = std::process::id();
        if slot.0 != pid {
            let rebound = slot.1.with_client(self.shared.core().or_raise(py)?);
            *slot = (pid, rebound);
        }
        Ok(slot.1.clone())
    }

    fn handle(&self, py: Python<'_>) -> PyResult<PassHandle> {
        Ok(PassHandle { core: self.current(py)?, shared: self.shared.clone() })
    }
}

#[pymethods]
impl PyBoardingPass {
    #[getter]
    fn account_id(&self) -> &str {
        self.original.account_id()
    }
    /// Two-word display name, e.g. "Waiting Salmonberry".
    #[getter]
    fn account_name(&self) -> &str {
        self.original.account_name()
    }
    #[getter]
    fn account_type(&self) -> Option<&str> {
        self.original.account_type()
    }
    /// Cloudflare's id of the API token (not a secret).
    #[getter]
    fn token_id(&self) -> Option<&str> {
        self.original.token_id()
    }
    /// The named person the claim link is for.
    #[getter]
    fn owner(&self) -> Option<&str> {
        self.original.owner()
    }
    #[getter]
    fn created_at(&self) -> DateTime<Utc> {
        self.original.created_at()
    }
    #[getter]
    fn expires_at(&self) -> DateTime<Utc> {
        self.original.expires_at()
    }
    #[getter]
    fn claim_expires_at(&self) -> DateTime<Utc> {
        self.original.claim_expires_at()
    }
    /// Time left before the pass stops being usable (zero once expired).
    #[getter]
    fn time_left(&self) -> Duration {
        self.original.time_left()
    }
    #[getter]
    fn is_expired(&self) -> bool {
        self.original.is_expired()
    }
    /// `True` once `teardown()` revoked the token.
    #[getter]
    fn is_revoked(&self, py: Python<'_>) -> PyResult<bool> {
        Ok(self.current(py)?.is_revoked())
    }
    #[getter]
    fn token_fingerprint(&self) -> String {
        self.original.token_fingerprint()
    }
    #[getter]
    fn claim_fingerprint(&self) -> String {
        self.original.claim_fingerprint()
    }
    /// The API token: a bearer credential for the whole account.
    #[getter]
    fn api_token(&self) -> PySecret {
        PySecret::new("api_token", self.original.expose_api_token())
    }
    /// The claim URL: whoever completes it owns the account. Only for the named owner.
    #[getter]
    fn claim_url(&self) -> PySecret {
        PySecret::new("claim_url", self.original.expose_claim_url())
    }
    /// Every deploy made with this pass, oldest first.
    #[getter]
    fn deployments(&self, py: Python<'_>) -> PyResult<Vec<Deployment>> {
        Ok(self.current(py)?.deployments())
    }
    /// Every verification made with this pass, oldest first.
    #[getter]
    fn evidence(&self, py: Python<'_>) -> PyResult<Vec<Evidence>> {
        Ok(self.current(py)?.evidence())
    }
    /// Workers deployed with this pass and not deleted since.
    #[getter]
    fn live_workers(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        Ok(self.current(py)?.live_workers())
    }

    /// Deploys (or redeploys, when the name exists) a `Worker` or a path.
    /// Local checks and the client's policy run first: on a violation
    /// nothing is sent.
    #[pyo3(signature = (worker, *, progress=None, message=None, max_script_size=None))]
    fn deploy<'py>(
        &self,
        py: Python<'py>,
        worker: &Bound<'py, PyAny>,
        progress: Option<Py<PyAny>>,
        message: Option<String>,
        max_script_size: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (handle, worker) = (self.handle(py)?, worker_arg(py, worker)?);
        coroutine(py, move |py, locals| handle.deploy(py, worker, progress, message, max_script_size, Some(locals)))
    }

    #[pyo3(signature = (worker, *, progress=None, message=None, max_script_size=None))]
    fn deploy_sync(
        &self,
        py: Python<'_>,
        worker: &Bound<'_, PyAny>,
        progress: Option<Py<PyAny>>,
        message: Option<String>,
        max_script_size: Option<i64>,
    ) -> PyResult<Deployment> {
        let op = self.handle(py)?.deploy(py, worker_arg(py, worker)?, progress, message, max_script_size, None)?;
        block_on(py, op)
    }

    /// Requests the deployment's URL, as this pass recorded it, until it
    /// answers as expected; raises `VerificationError` when `timeout` seconds
    /// pass first, `InvalidInputError` for a deployment from another pass.
    #[pyo3(signature = (deployment, *, path=None, timeout=None, expect_status=None, expect_body_contains=None, expect_header=None, interval=None, max_interval=None, progress=None))]
    #[allow(clippy::too_many_arguments)]
    fn verify<'py>(
        &self,
        py: Python<'py>,
        deployment: PyRef<'py, Deployment>,
        path: Option<String>,
        timeout: Option<f64>,
        expect_status: Option<u16>,
        expect_body_contains: Option<String>,
        expect_header: Option<(String, String)>,
        interval: Option<f64>,
        max_interval: Option<f64>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = verify_options(py, path, timeout, expect_status, expect_body_contains, expect_header, interval, max_interval)?;
        let (handle, deployment) = (self.handle(py)?, (*deployment).clone());
        coroutine(py, move |py, locals| handle.verify(py, deployment, options, progress, Some(locals)))
    }

    #[pyo3(signature = (deployment, *, path=None, timeout=None, expect_status=None, expect_body_contains=None, expect_header=None, interval=None, max_interval=None, progress=None))]
    #[allow(clippy::too_many_arguments)]
    fn verify_sync(
        &self,
        py: Python<'_>,
        deployment: PyRef<'_, Deployment>,
        path: Option<String>,
        timeout: Option<f64>,
        expect_status: Option<u16>,
        expect_body_contains: Option<String>,
        expect_header: Option<(String, String)>,
        interval: Option<f64>,
        max_interval: Option<f64>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Evidence> {
        let options = verify_options(py, path, timeout, expect_status, expect_body_contains, expect_header, interval, max_interval)?;
        let op = self.handle(py)?.verify(py, (*deployment).clone(), options, progress, None)?;
        block_on(py, op)
    }

    /// Ends the pass early: deletes every live Worker and revokes the token
    /// where the server allows.
    fn teardown<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let handle = self.handle(py)?;
        coroutine(py, move |_, _| Ok(handle.teardown()))
    }

    fn teardown_sync(&self, py: Python<'_>) -> PyResult<TeardownReport> {
        block_on(py, self.handle(py)?.teardown())
    }

    /// Deletes one Worker; refuses, unless `force`, while others reference it.
    #[pyo3(signature = (name, *, force=false))]
    fn delete_worker<'py>(&self, py: Python<'py>, name: String, force: bool) -> PyResult<Bound<'py, PyAny>> {
        let handle = self.handle(py)?;
        coroutine(py, move |_, _| Ok(handle.delete_worker(name, force)))
    }

    #[pyo3(signature = (name, *, force=false))]
    fn delete_worker_sync(&self, py: Python<'_>, name: String, force: bool) -> PyResult<()> {
        block_on(py, self.handle(py)?.delete_worker(name, force))
    }

    /// Creates a Workers KV namespace (listed in the ticket, audited as `resource_created`).
    fn create_kv_namespace<'py>(&self, py: Python<'py>, title: String) -> PyResult<Bound<'py, PyAny>> {
        let handle = self.handle(py)?;
        coroutine(py, move |_, _| Ok(handle.create_kv_namespace(title)))
    }
    fn create_kv_namespace_sync(&self, py: Python<'_>, title: String) -> PyResult<KvNamespace> {
        block_on(py, self.handle(py)?.create_kv_namespace(title))
    }
    /// Every KV namespace of the account.
    fn kv_namespaces<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let handle = self.handle(py)?;
        coroutine(py, move |_, _| Ok(handle.kv_namespaces()))
    }
    fn kv_namespaces_sync(&self, py: Python<'_>) -> PyResult<Vec<KvNamespace>> {
        block_on(py, self.handle(py)?.kv_namespaces())
    }
    /// Deletes a KV namespace and its keys.
    fn delete_kv_namespace<'py>(&self, py: Python<'py>, namespace_id: String) -> PyResult<Bound<'py, PyAny>> {
        let handle = self.handle(py)?;
        coroutine(py, move |_, _| Ok(handle.delete_kv_namespace(namespace_id)))
    }
    fn delete_kv_namespace_sync(&self, py: Python<'_>, namespace_id: String) -> PyResult<()> {
        block_on(py, self.handle(py)?.delete_kv_namespace(namespace_id))
    }
    /// Writes one value (`bytes`, or `str` as UTF-8).
    fn kv_put<'py>(&self, py: Python<'py>, namespace_id: String, key: String, value: KvValue) -> PyResult<Bound<'py, PyAny>> {
        let handle = self.handle(py)?;
        coroutine(py, move |_, _| Ok(handle.kv_put(namespace_id, key, value)))
    }
    fn kv_put_sync(&self, py: Python<'_>, namespace_id: String, key: String, value: KvValue) -> PyResult<()> {
        block_on(py, self.handle(py)?.kv_put(namespace_id, key, value))
    }
    /// Reads one value as `bytes`; `None` when the key does not exist.
    fn kv_get<'py>(&self, py: Python<'py>, namespace_id: String, key: String) -> PyResult<Bound<'py, PyAny>> {
        let handle = self.handle(py)?;
        coroutine(py, move |_, _| Ok(handle.kv_get(namespace_id, key)))
    }
    fn kv_get_sync(&self, py: Python<'_>, namespace_id: String, key: String) -> PyResult<Option<Cow<'static, [u8]>>> {
        block_on(py, self.handle(py)?.kv_get(namespace_id, key))
    }
    /// Deletes one key.
    fn kv_delete<'py>(&self, py: Python<'py>, namespace_id: String, key: String) -> PyResult<Bound<'py, PyAny>> {
        let handle = self.handle(py)?;
        coroutine(py, move |_, _| Ok(handle.kv_delete(namespace_id, key)))
    }
    fn kv_delete_sync(&self, py: Python<'_>, namespace_id: String, key: String) -> PyResult<()> {
        block_on(py, self.handle(py)?.kv_delete(namespace_id, key))
    }
    /// One page of keys; pass the page's `cursor` back for the next.
    #[pyo3(signature = (namespace_id, *, prefix=None, cursor=None, limit=None))]
    fn kv_list<'py>(&self, py: Python<'py>, namespace_id: String, prefix: Option<String>, cursor: Option<String>, limit: Option<u32>) -> PyResult<Bound<'py, PyAny>> {
        let (handle, options) = (self.handle(py)?, list_options(prefix, cursor, limit));
        coroutine(py, move |_, _| Ok(handle.kv_list(namespace_id, options)))
    }
    #[pyo3(signature = (namespace_id, *, prefix=None, cursor=None, limit=None))]
    fn kv_list_sync(&self, py: Python<'_>, namespace_id: String, prefix: Option<String>, cursor: Option<String>, limit: Option<u32>) -> PyResult<KvKeyPage> {
        block_on(py, self.handle(py)?.kv_list(namespace_id, list_options(prefix, cursor, limit)))
    }
    /// Writes many pairs in one request: a mapping of key to value, or `(key, value)` pairs.
    fn kv_put_bulk<'py>(&self, py: Python<'py>, namespace_id: String, pairs: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let (handle, pairs) = (self.handle(py)?, kv_pairs(pairs)?);
        coroutine(py, move |_, _| Ok(handle.kv_put_bulk(namespace_id, pairs)))
    }
    fn kv_put_bulk_sync(&self, py: Python<'_>, namespace_id: String, pairs: &Bound<'_, PyAny>) -> PyResult<()> {
        block_on(py, self.handle(py)?.kv_put_bulk(namespace_id, kv_pairs(pairs)?))
    }

    /// Creates a D1 database (listed in the ticket, audited as `resource_created`).
    fn create_d1_database<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        let handle = self.handle(py)?;
        coroutine(py, move |_, _| Ok(handle.create_d1_database(name)))
    }
    fn create_d1_database_sync(&self, py: Python<'_>, name: String) -> PyResult<D1Database> {
        block_on(py, self.handle(py)?.create_d1_database(name))
    }
    /// Every D1 database of the account.
    fn d1_databases<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let handle = self.handle(py)?;
        coroutine(py, move |_, _| Ok(handle.d1_databases()))
    }
    fn d1_databases_sync(&self, py: Python<'_>) -> PyResult<Vec<D1Database>> {
        block_on(py, self.handle(py)?.d1_databases())
    }
    /// Deletes a D1 database and its data.
    fn delete_d1_database<'py>(&self, py: Python<'py>, database_id: String) -> PyResult<Bound<'py, PyAny>> {
        let handle = self.handle(py)?;
        coroutine(py, move |_, _| Ok(handle.delete_d1_database(database_id)))
    }
    fn delete_d1_database_sync(&self, py: Python<'_>, database_id: String) -> PyResult<()> {
        block_on(py, self.handle(py)?.delete_d1_database(database_id))
    }
    /// Runs SQL with `params` bound to its `?` placeholders (None, int,
    /// float, str, bytes): one `D1Result` per statement. A statement the
    /// database refuses raises `SqlError` and the whole call changes nothing.
    #[pyo3(signature = (database_id, sql, params=Vec::new()))]
    fn d1_query<'py>(&self, py: Python<'py>, database_id: String, sql: String, params: Vec<D1Value>) -> PyResult<Bound<'py, PyAny>> {
        let handle = self.handle(py)?;
        coroutine(py, move |_, _| Ok(handle.d1_query(database_id, sql, params)))
    }
    #[pyo3(signature = (database_id, sql, params=Vec::new()))]
    fn d1_query_sync(&self, py: Python<'_>, database_id: String, sql: String, params: Vec<D1Value>) -> PyResult<Vec<D1Result>> {
        block_on(py, self.handle(py)?.d1_query(database_id, sql, params))
    }
    /// Applies the `NNNN_name.sql` files of `directory` not applied yet, in
    /// order, recorded as wrangler records them; returns their names.
    fn d1_apply_migrations<'py>(&self, py: Python<'py>, database_id: String, directory: PathBuf) -> PyResult<Bound<'py, PyAny>> {
        let handle = self.handle(py)?;
        coroutine(py, move |_, _| Ok(handle.d1_apply_migrations(database_id, directory)))
    }
    fn d1_apply_migrations_sync(&self, py: Python<'_>, database_id: String, directory: PathBuf) -> PyResult<Vec<String>> {
        block_on(py, self.handle(py)?.d1_apply_migrations(database_id, directory))
    }

    /// Waits until the pass is claimed, expires or is revoked, or `timeout`
    /// seconds pass (then the outcome has `timed_out=True`).
    #[pyo3(signature = (timeout=None, *, poll_interval=None, long_poll=None, expiry_grace=None))]
    fn wait_for_claim<'py>(&self, py: Python<'py>, timeout: Option<f64>, poll_interval: Option<f64>, long_poll: Option<f64>, expiry_grace: Option<f64>) -> PyResult<Bound<'py, PyAny>> {
        let options = wait_options(py, timeout, poll_interval, long_poll, expiry_grace, &self.shared)?;
        let handle = self.handle(py)?;
        coroutine(py, move |_, _| Ok(handle.wait(options)))
    }

    #[pyo3(signature = (timeout=None, *, poll_interval=None, long_poll=None, expiry_grace=None))]
    fn wait_for_claim_sync(&self, py: Python<'_>, timeout: Option<f64>, poll_interval: Option<f64>, long_poll: Option<f64>, expiry_grace: Option<f64>) -> PyResult<ClaimOutcome> {
        let options = wait_options(py, timeout, poll_interval, long_poll, expiry_grace, &self.shared)?;
        block_on(py, self.handle(py)?.wait(options))
    }

    /// Iterates over claim status changes (`async for` or `for`): first the
    /// current status, then each change, until a final status or `timeout`.
    #[pyo3(signature = (timeout=None, *, poll_interval=None, long_poll=None, expiry_grace=None))]
    fn watch_claim(&self, py: Python<'_>, timeout: Option<f64>, poll_interval: Option<f64>, long_poll: Option<f64>, expiry_grace: Option<f64>) -> PyResult<PyClaimWatcher> {
        let mut options = wait_options(py, timeout, poll_interval, long_poll, expiry_grace, &self.shared)?;
        let stop = self.shared.closed.child_token();
        options.cancel = Some(stop.clone());
        Ok(PyClaimWatcher::new(self.current(py)?.watch_claim(options), stop))
    }

    /// The claim ticket. `include_claim_url=True` renders the owner's copy
    /// with the claim URL; hand that only to the named owner.
    /// `status` defaults to `"pending"`.
    #[pyo3(signature = (status=None, *, include_claim_url=false))]
    fn ticket(&self, py: Python<'_>, status: Option<Bound<'_, PyAny>>, include_claim_url: bool) -> PyResult<PyClaimTicket> {
        let status = status.map(|s| claim_status(py, &s)).transpose()?.unwrap_or(ClaimStatus::Pending);
        let pass = self.current(py)?;
        let ticket = py
            .detach(|| {
                let issued = if include_claim_url { pass.owner_ticket(status) } else { pass.ticket(status) };
                flush_callbacks_blocking();
                issued
            })
            .or_raise(py)?;
        Ok(PyClaimTicket { inner: ticket })
    }

    fn __repr__(&self) -> String {
        let p = &self.original;
        format!(
            "BoardingPass(account_id={}, account_name={}, owner={}, expires_at={}, api_token=Secret({}), claim_url=Secret({}))",
            repr::s(p.account_id()),
            repr::s(p.account_name()),
            repr::opt_s(p.owner()),
            repr::s(&p.expires_at().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            p.token_fingerprint(),
            p.claim_fingerprint()
        )
    }
}

//! `boardingpass.ClaimWatcher`: claim status changes as an async iterator
//! (`async for`) or a blocking one (`for`). Polling happens only while a
//! next value is awaited; `close()` ends the iteration, also one in progress.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use boardingpass::{CancellationToken, ClaimOutcome, ClaimWatcher, ErrorKind};
use pyo3::exceptions::{PyStopAsyncIteration, PyStopIteration};
use pyo3::prelude::*;
use tokio::sync::Mutex;

use crate::convert::repr;
use crate::errors::to_py_async;
use crate::runtime::{block_on, coroutine, Op};

#[pyclass(frozen, module = "boardingpass", name = "ClaimWatcher")]
pub struct PyClaimWatcher {
    watcher: Arc<Mutex<ClaimWatcher>>,
    /// Fires the watcher's cancellation (a child of the client's).
    stop: CancellationToken,
    closed: Arc<AtomicBool>,
}

impl PyClaimWatcher {
    pub fn new(watcher: ClaimWatcher, stop: CancellationToken) -> Self {
        Self { watcher: Arc::new(Mutex::new(watcher)), stop, closed: Arc::new(AtomicBool::new(false)) }
    }

    /// The next outcome, or `None` when finished or closed.
    fn next(&self) -> impl std::future::Future<Output = PyResult<Option<ClaimOutcome>>> + Send + 'static {
        let (watcher, closed) = (self.watcher.clone(), self.closed.clone());
        async move {
            if closed.load(Ordering::SeqCst) {
                return Ok(None);
            }
            match watcher.lock().await.next().await {
                Ok(o) => Ok(o),
                Err(e) if e.kind() == ErrorKind::Cancelled && closed.load(Ordering::SeqCst) => Ok(None),
                Err(e) => Err(to_py_async(e).await),
            }
        }
    }
}

#[pymethods]
impl PyClaimWatcher {
    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let next = self.next();
        coroutine(py, move |_, _| Ok(Box::pin(async move { next.await?.ok_or_else(|| PyStopAsyncIteration::new_err(())) }) as Op<ClaimOutcome>))
    }

    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<ClaimOutcome> {
        block_on(py, self.next())?.ok_or_else(|| PyStopIteration::new_err(()))
    }

    /// Stops watching: iteration ends, also one waiting right now.
    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.stop.cancel();
    }

    #[getter]
    fn closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    fn __repr__(&self) -> String {
        format!("ClaimWatcher(closed={})", repr::b(self.closed()))
    }
}

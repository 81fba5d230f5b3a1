//! Progress of hashing, uploads and proof of work, delivered to a plain
//! callable or to a `ProgressStream` (an async iterator).
//!
//! A callable passed to an async method runs on the caller's event loop
//! (`call_soon_threadsafe`); passed to a `*_sync` method it runs on the
//! library's callback thread. Either way every event is delivered, in
//! order, before the operation's result.

use std::sync::{Arc, Mutex};

use boardingpass::{Progress, ProgressEvent};
use pyo3::exceptions::PyStopAsyncIteration;
use pyo3::prelude::*;
use pyo3_async_runtimes::TaskLocals;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use crate::convert::repr;
use crate::errors::invalid;
use crate::runtime::{call_python, coroutine, Op};

/// Async iterator over the progress of the one operation it is passed to;
/// it ends when that operation finishes.
#[pyclass(frozen, module = "boardingpass")]
pub struct ProgressStream {
    sender: Mutex<Option<UnboundedSender<ProgressEvent>>>,
    receiver: Arc<tokio::sync::Mutex<UnboundedReceiver<ProgressEvent>>>,
}

#[pymethods]
impl ProgressStream {
    #[new]
    fn new() -> Self {
        let (tx, rx) = unbounded_channel();
        Self { sender: Mutex::new(Some(tx)), receiver: Arc::new(tokio::sync::Mutex::new(rx)) }
    }

    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let receiver = self.receiver.clone();
        coroutine(py, move |_, _| {
            Ok(Box::pin(async move {
                match receiver.lock().await.recv().await {
                    Some(e) => Ok(e),
                    None => Err(PyStopAsyncIteration::new_err(())),
                }
            }) as Op<ProgressEvent>)
        })
    }

    fn __repr__(&self) -> String {
        let attached = self.sender.lock().unwrap_or_else(|p| p.into_inner()).is_none();
        format!("ProgressStream(attached={})", repr::b(attached))
    }
}

/// The core `Progress` for a method's `progress` argument. `locals` is the
/// caller's event loop for async methods, `None` for `*_sync` ones.
pub fn progress_from(py: Python<'_>, arg: Option<&Bound<'_, PyAny>>, locals: Option<&TaskLocals>) -> PyResult<Progress> {
    let Some(arg) = arg.filter(|a| !a.is_none()) else { return Ok(Progress::none()) };
    if let Ok(stream) = arg.cast::<ProgressStream>() {
        let sender = stream.get().sender.lock().unwrap_or_else(|p| p.into_inner()).take();
        let sender = sender.ok_or_else(|| invalid(py, "progress", "this ProgressStream already follows an operation; create one per operation"))?;
        return Ok(Progress::new(move |e| {
            let _ = sender.send(e);
        }));
    }
    if !arg.is_callable() {
        return Err(invalid(py, "progress", "expected a callable taking a ProgressEvent, or a ProgressStream"));
    }
    let callback = Arc::new(arg.clone().unbind());
    Ok(match locals {
        Some(locals) => {
            let event_loop = Arc::new(locals.event_loop(py).unbind());
            Progress::new(move |e| {
                let (callback, event_loop) = (callback.clone(), event_loop.clone());
                call_python(move |py| {
                    // A closed loop cannot run it any more; nothing is waiting for it then.
                    let _ = event_loop.call_method1(py, "call_soon_threadsafe", (callback.clone_ref(py), e));
                });
            })
        }
        None => Progress::new(move |e| {
            let callback = callback.clone();
            call_python(move |py| {
                if let Err(err) = callback.call1(py, (e,)) {
                    err.write_unraisable(py, Some(callback.bind(py)));
                }
            });
        }),
    })
}

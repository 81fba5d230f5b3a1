//! One tokio runtime per process, plus one thread that runs Python callbacks,
//! both created lazily and rebuilt after `fork`: a forked child inherits the
//! memory of the parent's runtime but none of its threads, so any future
//! handed to it would never run (the reason pyo3-async-runtimes' own global
//! runtime is not used: it cannot be replaced).
//!
//! Every Rust operation reaches Python in one of two ways:
//! - [`coroutine`]: starts the operation when awaited; cancelling the task
//!   drops the Rust future.
//! - [`block_on`]: the sync facade; the GIL is released while the future runs,
//!   and signals are checked every 100 ms so Ctrl-C drops the future too.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyCFunction, PyDict, PyTuple};
use pyo3_async_runtimes::generic::{ContextExt, JoinError, Runtime};
use pyo3_async_runtimes::TaskLocals;
use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// Work for the callback thread.
enum Job {
    Call(Box<dyn FnOnce(Python<'_>) + Send>),
    /// Answered once every job queued before it has run.
    Flush(oneshot::Sender<()>),
    /// Ends the thread (interpreter exit).
    Stop,
}

struct Native {
    pid: u32,
    handle: Handle,
    /// Taken out only by [`shutdown`], at interpreter exit.
    runtime: Mutex<Option<tokio::runtime::Runtime>>,
    jobs: mpsc::Sender<Job>,
    callbacks: Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// This process's runtime and callback thread. Read without a lock (tokio
/// workers read it constantly, and a lock held at `fork` would stay held in
/// the child); each `Native` is leaked, so a pointer to one stays valid.
static NATIVE: AtomicPtr<Native> = AtomicPtr::new(std::ptr::null_mut());
/// Taken only to start a `Native` (once per process).
static STARTING: Mutex<()> = Mutex::new(());

/// Rust operations started from Python and not yet dropped.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

fn this_process(ptr: *mut Native, pid: u32) -> Option<&'static Native> {
    // SAFETY: NATIVE only ever holds null or a pointer from `Box::leak`.
    unsafe { ptr.as_ref() }.filter(|n| n.pid == pid)
}

/// The `Native` of this process. One inherited from the parent is left alone:
/// its threads do not exist here, and dropping it would wait for them forever.
fn native() -> &'static Native {
    let pid = std::process::id();
    if let Some(n) = this_process(NATIVE.load(Ordering::Acquire), pid) {
        return n;
    }
    let _starting = STARTING.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(n) = this_process(NATIVE.load(Ordering::Acquire), pid) {
        return n;
    }
    let fresh: &'static Native = Box::leak(Box::new(start(pid)));
    NATIVE.store(std::ptr::from_ref(fresh).cast_mut(), Ordering::Release);
    fresh
}

fn start(pid: u32) -> Native {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("boardingpass-tokio")
        .build()
        .expect("cannot start the tokio runtime");
    let (jobs, queue) = mpsc::channel::<Job>();
    let callbacks = std::thread::Builder::new()
        .name("boardingpass-callbacks".into())
        .spawn(move || {
            ON_CALLBACK_THREAD.with(|on| on.set(true));
            for job in queue {
                match job {
                    Job::Call(f) => Python::attach(f),
                    Job::Flush(done) => {
                        let _ = done.send(());
                    }
                    Job::Stop => break,
                }
            }
        })
        .expect("cannot start the callback thread");
    Native { pid, handle: runtime.handle().clone(), runtime: Mutex::new(Some(runtime)), jobs, callbacks: Mutex::new(Some(callbacks)) }
}

pub fn handle() -> Handle {
    native().handle.clone()
}

/// Registered with `atexit`: stops this process's runtime and callback thread
/// before the interpreter finalizes. A thread of ours that reached for the GIL
/// during finalization would be ended by CPython inside pyo3's GIL guard, which
/// aborts the process. The GIL is released meanwhile so that operations still
/// completing (they set asyncio results) can take it and finish. A later call
/// into the library (another atexit hook) starts a fresh runtime.
#[pyfunction]
pub fn shutdown(py: Python<'_>) {
    let ptr = NATIVE.swap(std::ptr::null_mut(), Ordering::AcqRel);
    let Some(n) = this_process(ptr, std::process::id()) else { return };
    py.detach(|| {
        if let Some(rt) = n.runtime.lock().unwrap_or_else(|p| p.into_inner()).take() {
            rt.shutdown_timeout(Duration::from_secs(2));
        }
        let _ = n.jobs.send(Job::Stop);
        if let Some(t) = n.callbacks.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = t.join();
        }
        // Spans still buffered reach the collector before the process ends.
        boardingpass::telemetry::shutdown_installed();
    });
}

/// Runs `f` with the GIL on the callback thread, after every call queued
/// before it. Never blocks the caller (tokio workers must not wait for the GIL).
pub fn call_python(f: impl FnOnce(Python<'_>) + Send + 'static) {
    let _ = native().jobs.send(Job::Call(Box::new(f)));
}

thread_local! {
    /// Set on the callback thread, which must never wait for itself.
    static ON_CALLBACK_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn on_callback_thread() -> bool {
    ON_CALLBACK_THREAD.with(|on| on.get())
}

/// Resolves once every callback queued so far has run, so an operation's
/// progress, audit and log callbacks all happen before its result is seen.
pub async fn flush_callbacks() {
    let (tx, rx) = oneshot::channel();
    let _ = native().jobs.send(Job::Flush(tx));
    let _ = rx.await;
}

pub fn operations_in_flight() -> usize {
    IN_FLIGHT.load(Ordering::SeqCst)
}

/// Counts the operation while its future exists (dropped = no longer counted).
struct InFlight;

impl InFlight {
    fn new() -> Self {
        IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        Self
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
}

/// [`flush_callbacks`] for a thread outside the runtime, without the GIL.
/// A no-op on the callback thread itself (a callback calling the library).
pub fn flush_callbacks_blocking() {
    if !on_callback_thread() {
        handle().block_on(flush_callbacks());
    }
}

/// `fut`, counted while it lives, with its callbacks flushed before it
/// resolves (unless started from a callback, which would wait for itself).
fn tracked<T>(fut: impl Future<Output = T>) -> impl Future<Output = T> {
    let counted = InFlight::new();
    let flush = !on_callback_thread();
    async move {
        let _counted = counted;
        let out = fut.await;
        if flush {
            flush_callbacks().await;
        }
        out
    }
}

/// The pyo3-async-runtimes `Runtime` backed by [`handle`].
pub struct Tokio;

pub struct Joined(tokio::task::JoinError);

impl JoinError for Joined {
    fn is_panic(&self) -> bool {
        self.0.is_panic()
    }
    fn into_panic(self) -> Box<dyn std::any::Any + Send + 'static> {
        self.0.into_panic()
    }
}

pub struct Join(tokio::task::JoinHandle<()>);

impl Future for Join {
    type Output = Result<(), Joined>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx).map(|r| r.map_err(Joined))
    }
}

tokio::task_local! {
    static LOCALS: TaskLocals;
}

impl Runtime for Tokio {
    type JoinError = Joined;
    type JoinHandle = Join;

    fn spawn<F>(fut: F) -> Join
    where
        F: Future<Output = ()> + Send + 'static,
    {
        Join(handle().spawn(fut))
    }

    fn spawn_blocking<F>(f: F) -> Join
    where
        F: FnOnce() + Send + 'static,
    {
        Join(handle().spawn_blocking(f))
    }
}

impl ContextExt for Tokio {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        Box::pin(LOCALS.scope(locals, fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        LOCALS.try_with(|l| l.clone()).ok()
    }
}

/// The running asyncio loop of the calling thread (with its context vars).
fn current_locals(py: Python<'_>) -> PyResult<TaskLocals> {
    pyo3_async_runtimes::generic::get_current_locals::<Tokio>(py)
}

/// An asyncio future for `fut`, bound to the loop in `locals`.
fn awaitable<'py, T>(
    py: Python<'py>,
    locals: TaskLocals,
    fut: impl Future<Output = PyResult<T>> + Send + 'static,
) -> PyResult<Bound<'py, PyAny>>
where
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    pyo3_async_runtimes::generic::future_into_py_with_locals::<Tokio, _, T>(py, locals, tracked(fut))
}

/// A boxed operation future, ready to become an awaitable or be blocked on.
pub type Op<T> = Pin<Box<dyn Future<Output = PyResult<T>> + Send + 'static>>;

static RUN: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// A coroutine that, when first awaited, calls `start` with the running
/// loop and awaits the operation it returns. Nothing runs before that.
pub fn coroutine<'py, T, F>(py: Python<'py>, start: F) -> PyResult<Bound<'py, PyAny>>
where
    T: for<'a> IntoPyObject<'a> + Send + 'static,
    F: FnOnce(Python<'_>, &TaskLocals) -> PyResult<Op<T>> + Send + 'static,
{
    let slot = Mutex::new(Some(start));
    let begin = PyCFunction::new_closure(py, None, None, move |args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>| {
        let py = args.py();
        let start = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
        let start = start.ok_or_else(|| PyRuntimeError::new_err("this operation was already started"))?;
        let locals = current_locals(py)?;
        let op = start(py, &locals)?;
        awaitable(py, locals, op).map(Bound::unbind)
    })?;
    RUN.import(py, "boardingpass._aio", "run")?.call1((begin,))
}

/// Runs `fut` to completion on the runtime with the GIL released, checking
/// for signals (Ctrl-C) every 100 ms; a raised signal drops the future.
pub fn block_on<T: Send>(py: Python<'_>, fut: impl Future<Output = PyResult<T>> + Send) -> PyResult<T> {
    let rt = handle();
    let mut fut = Box::pin(tracked(fut));
    loop {
        let step = py.detach(|| {
            rt.block_on(async {
                tokio::select! {
                    out = &mut fut => Some(out),
                    _ = tokio::time::sleep(Duration::from_millis(100)) => None,
                }
            })
        });
        match step {
            Some(out) => return out,
            None => py.check_signals()?,
        }
    }
}

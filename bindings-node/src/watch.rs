//! `watchClaim()`: the core `ClaimWatcher` behind the async-iterator
//! protocol (`next`/`return`; lib/index.js adds `Symbol.asyncIterator`).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use boardingpass as bp;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use tokio::sync::Mutex;

use crate::abort::Abort;
use crate::convert::ClaimOutcome;
use crate::errors;
use crate::promise;

#[napi(object, object_from_js = false)]
pub struct ClaimWatcherStep {
    pub done: bool,
    pub value: Option<ClaimOutcome>,
}

fn step(outcome: Option<bp::ClaimOutcome>) -> ClaimWatcherStep {
    ClaimWatcherStep { done: outcome.is_none(), value: outcome }
}

/// Claim status changes, for `for await (const outcome of pass.watchClaim())`.
#[napi(custom_finalize)]
pub struct ClaimWatcher {
    watcher: Arc<Mutex<bp::ClaimWatcher>>,
    stop: bp::CancellationToken,
    closed: Arc<AtomicBool>,
    /// The signal's listener, removed once the watch ends.
    listener: Rc<RefCell<Option<Abort>>>,
}

fn release(listener: &RefCell<Option<Abort>>, env: &Env) {
    if let Some(abort) = listener.borrow_mut().take() {
        // A listener that cannot be removed only costs memory.
        let _ = abort.release(env);
    }
}

impl ClaimWatcher {
    pub(crate) fn new(pass: &bp::BoardingPass, opts: bp::ClaimWaitOptions, abort: Abort) -> Self {
        let stop = abort.token.clone();
        let watcher = pass.watch_claim(opts.cancel(stop.clone()));
        Self {
            watcher: Arc::new(Mutex::new(watcher)),
            stop,
            closed: Arc::new(AtomicBool::new(false)),
            listener: Rc::new(RefCell::new(Some(abort))),
        }
    }
}

/// A watcher collected before it ended still lets go of its signal.
impl ObjectFinalize for ClaimWatcher {
    fn finalize(self, env: Env) -> Result<()> {
        release(&self.listener, &env);
        Ok(())
    }
}

#[napi]
impl ClaimWatcher {
    /// The next status change; `done` once a final status was seen, the
    /// timeout passed or the watch was closed.
    #[napi(ts_return_type = "Promise<ClaimWatcherStep>")]
    pub fn next(&self, env: &Env) -> Result<AsyncBlock<ClaimWatcherStep>> {
        let (watcher, closed, listener) = (self.watcher.clone(), self.closed.clone(), self.listener.clone());
        let fut = async move {
            if closed.load(Ordering::SeqCst) {
                return Ok(None);
            }
            match watcher.lock().await.next().await {
                // Closing ends the iteration, a `next()` waiting right now included (as in Python).
                Err(bp::Error::Cancelled) if closed.load(Ordering::SeqCst) => Ok(None),
                other => other,
            }
        };
        promise::settle(env, fut, move |env, out| {
            if !matches!(out, Ok(Some(_))) {
                release(&listener, env);
            }
            out.map(step).map_err(|e| errors::to_js(env, &e))
        })
    }

    /// Stops polling (what leaving a `for await` loop calls): the iteration
    /// ends, a pending `next()` resolves `{ done: true }`. Aborting the
    /// signal instead rejects with `AbortError`.
    #[napi(js_name = "return", ts_return_type = "Promise<ClaimWatcherStep>")]
    pub fn close(&self, env: &Env) -> Result<AsyncBlock<ClaimWatcherStep>> {
        self.closed.store(true, Ordering::SeqCst);
        self.stop.cancel();
        release(&self.listener, env);
        promise::settle(env, async { Ok(None) }, |_, out| Ok(step(out.unwrap_or(None))))
    }
}

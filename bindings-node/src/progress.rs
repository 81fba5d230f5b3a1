//! Progress callbacks: the core calls them from worker threads, a weak
//! ThreadsafeFunction queues each event to the JS thread without blocking
//! (and without keeping the process alive on its own).

use boardingpass as bp;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode, UnknownReturnValue};
use napi::Status;
use napi_derive::napi;

/// Units of `done`/`total`: proof of work = checkpoints, hashing = files,
/// uploading = bytes; the other phases report 0/1 when they start and 1/1
/// when they finish.
///
/// Core's `ProgressEvent` counts in `u64`, which napi would hand to JS as a
/// BigInt; this wrapper carries the same fields as numbers. The phase is
/// core's `Phase` (a string union generated from it).
#[napi(object, object_from_js = false)]
pub struct ProgressEvent {
    pub phase: bp::Phase,
    pub done: f64,
    pub total: f64,
}

pub type ProgressCallback = ThreadsafeFunction<ProgressEvent, UnknownReturnValue, ProgressEvent, Status, false, true>;

pub(crate) fn progress(callback: Option<ProgressCallback>) -> bp::Progress {
    match callback {
        None => bp::Progress::none(),
        Some(cb) => bp::Progress::new(move |e| {
            let event = ProgressEvent { phase: e.phase, done: e.done as f64, total: e.total as f64 };
            cb.call(event, ThreadsafeFunctionCallMode::NonBlocking);
        }),
    }
}

//! Progress events from core, delivered to a Kotlin listener.

use std::sync::Arc;

use boardingpass::{Progress, ProgressEvent};

/// Receives core's progress events (on a Rust thread: keep it quick).
#[uniffi::export(with_foreign)]
pub trait ProgressListener: Send + Sync {
    fn on_progress(&self, event: ProgressEvent);
}

pub(crate) fn to_core(listener: Option<Arc<dyn ProgressListener>>) -> Progress {
    match listener {
        Some(l) => Progress::new(move |event| l.on_progress(event)),
        None => Progress::none(),
    }
}

//! Claim watching: core's watcher behind a handle whose `next()` Kotlin
//! turns into a `Flow` (kotlin/src/main/kotlin/dev/boardingpass/Kotlin.kt).

use std::sync::atomic::{AtomicBool, Ordering};

use boardingpass::{CancellationToken, ClaimOutcome, ClaimWatcher, Error};
use tokio::sync::Mutex;

use crate::inflight::InFlight;

#[derive(uniffi::Object)]
pub struct ClaimWatch {
    watcher: Mutex<ClaimWatcher>,
    /// The watcher's cancellation: `stop()` fires it, so a `next()` waiting
    /// on the server ends at once instead of holding the lock until it answers.
    stop: CancellationToken,
    stopped: AtomicBool,
}

impl ClaimWatch {
    pub(crate) fn new(watcher: ClaimWatcher, stop: CancellationToken) -> Self {
        Self { watcher: Mutex::new(watcher), stop, stopped: AtomicBool::new(false) }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl ClaimWatch {
    /// The first call returns the current status, later ones each change;
    /// `null` once a terminal status was seen, the deadline passed or the
    /// watch was stopped.
    pub async fn next(&self) -> Result<Option<ClaimOutcome>, Error> {
        let _op = InFlight::enter();
        if self.stopped.load(Ordering::SeqCst) {
            return Ok(None);
        }
        match self.watcher.lock().await.next().await {
            // Stopping ends the iteration, a `next()` waiting right now included.
            Err(Error::Cancelled) if self.stopped.load(Ordering::SeqCst) => Ok(None),
            other => other,
        }
    }

    /// Ends the watch: a pending `next()` returns `null` promptly, later ones
    /// too. (`close()` only frees the handle once no call is pending.)
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.stop.cancel();
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }
}

//! Claim watching: core's watcher behind a handle whose `next()` Kotlin
//! turns into a `Flow` (kotlin/src/main/kotlin/dev/boardingpass/Flows.kt).

use boardingpass::{ClaimOutcome, ClaimWatcher, Error};
use tokio::sync::Mutex;

use crate::inflight::InFlight;

#[derive(uniffi::Object)]
pub struct ClaimWatch {
    /// `None` once stopped: polling ends with the watcher.
    watcher: Mutex<Option<ClaimWatcher>>,
}

impl ClaimWatch {
    pub(crate) fn new(watcher: ClaimWatcher) -> Self {
        Self { watcher: Mutex::new(Some(watcher)) }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl ClaimWatch {
    /// The first call returns the current status, later ones each change;
    /// `null` once a terminal status was seen, the deadline passed or the
    /// watch was stopped.
    pub async fn next(&self) -> Result<Option<ClaimOutcome>, Error> {
        let _op = InFlight::enter();
        match self.watcher.lock().await.as_mut() {
            Some(w) => w.next().await,
            None => Ok(None),
        }
    }

    /// Ends the watch: a pending `next()` finishes first, later ones return `null`.
    pub async fn stop(&self) {
        self.watcher.lock().await.take();
    }
}

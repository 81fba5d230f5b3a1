//! A count of the async calls whose Rust future is alive, so tests can see
//! that cancelling a coroutine dropped the future (not just abandoned it).

use std::sync::atomic::{AtomicU64, Ordering};

static IN_FLIGHT: AtomicU64 = AtomicU64::new(0);

/// Held by every async call for as long as its future lives.
pub(crate) struct InFlight(());

impl InFlight {
    pub(crate) fn enter() -> Self {
        IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        Self(())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Async calls whose Rust future has not been dropped yet.
#[uniffi::export]
pub fn operations_in_flight() -> u64 {
    IN_FLIGHT.load(Ordering::SeqCst)
}

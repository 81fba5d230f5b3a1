//! The Kotlin/JVM binding (UniFFI). Conversions only: core's records,
//! enums, errors and [`boardingpass::Secret`] carry UniFFI derives of their
//! own (core feature `uniffi`); this crate wraps the handles that hold
//! methods (client, pass, policy, worker, claim watcher), the listener
//! interfaces, and turns optional arguments into core's option structs,
//! whose defaults stay in core.

uniffi::setup_scaffolding!();

mod audit;
mod client;
mod d1;
mod inflight;
mod kv;
mod pass;
mod policy;
mod progress;
mod watch;
mod worker;

pub use audit::AuditListener;
pub use client::Client;
pub use inflight::operations_in_flight;
pub use pass::{HeaderExpectation, Pass, Ticket};
pub use policy::Policy;
pub use progress::ProgressListener;
pub use watch::ClaimWatch;
pub use worker::Worker;

/// Sets `slot` when the caller gave a value: a `null` argument keeps core's default.
fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *slot = v;
    }
}

// Core's UTC instants cross as `java.time.Instant` (core/src/ffi.rs).
uniffi::use_remote_type!(boardingpass::chrono::DateTime<chrono::Utc>);

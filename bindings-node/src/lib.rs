//! Node binding of boardingpass (napi-rs). It converts types and errors and
//! nothing else: every behaviour (validation, polling, retries, redaction,
//! policy, ticket rendering) is the Rust core's.
//!
//! Long calls are synchronous napi functions that link the optional
//! `AbortSignal` on the JS thread, then spawn the core future on napi's tokio
//! runtime and return its Promise (`promise.rs`); nothing runs on the event
//! loop thread but conversions.

mod abort;
mod client;
mod convert;
mod d1;
mod errors;
mod kv;
mod pass;
mod policy;
mod progress;
mod promise;
mod secret;
mod testing;
mod ticket;
mod toolbox;
mod watch;
mod worker;

//! A local emulator of Cloudflare's temporary-account and Workers deploy API
//! (see `docs/PROTOCOL.md`), bound to loopback. Used in-process
//! by every test (`spawn`) and as a binary.

mod auth;
mod body;
mod challenge;
mod claim_page;
pub mod config;
pub mod envelope;
pub mod faults;
pub mod flags;
mod gateway;
mod hosts;
mod jwt;
mod linger;
mod names;
mod routes;
pub mod runner;
pub mod server;
pub mod state;
mod static_assets;
pub mod workers;

pub use config::{EmulatorConfig, RateLimit};
pub use faults::{Chaos, ChaosFault, Fault, FaultKind};
pub use flags::ServeFlags;
pub use server::{spawn, wait_for_signal, EmulatorHandle, API_PREFIX};

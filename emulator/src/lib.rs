//! A local emulator of Cloudflare's temporary-account and Workers deploy API
//! (see `docs/PROTOCOL.md`), bound to loopback. Used in-process
//! by every test (`spawn`) and as a binary.

mod auth;
mod body;
mod challenge;
mod claim_page;
pub mod config;
pub mod d1;
mod d1_binding;
pub mod envelope;
pub mod faults;
pub mod flags;
mod gateway;
mod hosts;
mod jwt;
pub mod kv;
mod kv_binding;
mod linger;
mod names;
mod routes;
pub mod runner;
pub mod server;
pub mod state;
mod static_assets;
pub mod workers;

/// Entry points for the fuzz targets in `tests/fuzz` (feature `fuzzing`,
/// never enabled by users): the matchers that read what a deploy uploaded.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::static_assets::{header_rules, redirect_rule, worker_first};

    /// `*`-glob matching as `run_worker_first` rules use it.
    pub fn glob(pattern: &str, text: &str) -> bool {
        crate::static_assets::glob(pattern, text)
    }
}

pub use config::{EmulatorConfig, RateLimit};
pub use faults::{Chaos, ChaosFault, Fault, FaultKind};
pub use flags::ServeFlags;
pub use server::{spawn, wait_for_signal, EmulatorHandle, API_PREFIX};

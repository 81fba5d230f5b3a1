//! Emulator settings. Defaults match production where PROTOCOL.md states it
//! (k=1000, g=2000, 60-minute accounts).

use std::time::Duration;

use crate::faults::Fault;

#[derive(Debug, Clone)]
pub struct RateLimit {
    /// Provisioning requests allowed per client address per window.
    pub max: u32,
    pub per: Duration,
}

#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    pub pow_k: u32,
    pub pow_g: u32,
    /// How long a challenge may be answered.
    pub challenge_ttl: Duration,
    /// Lifetime of an unclaimed account.
    pub lifetime: Duration,
    pub rate_limit: Option<RateLimit>,
    /// Threads used to verify a proof of work.
    pub verify_threads: usize,
    /// Scripted faults (tests); more can be added at run time.
    pub faults: Vec<Fault>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            port: 0,
            pow_k: 1000,
            pow_g: 2000,
            challenge_ttl: Duration::from_secs(300),
            lifetime: Duration::from_secs(3600),
            rate_limit: Some(RateLimit { max: 30, per: Duration::from_secs(60) }),
            verify_threads: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            faults: Vec::new(),
        }
    }
}

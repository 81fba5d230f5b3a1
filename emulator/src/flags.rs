//! The command-line flags of the emulator, shared by the `boardingpass-emulator`
//! binary and `boardingpass serve`, so a flag is declared once.

use std::time::Duration;

use crate::config::{EmulatorConfig, RateLimit};
use crate::faults::Chaos;

#[derive(clap::Args, Debug, Clone)]
pub struct ServeFlags {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Proof-of-work checkpoints per challenge.
    #[arg(long, default_value_t = 1000)]
    pub pow_k: u32,
    /// Hashes per checkpoint.
    #[arg(long, default_value_t = 2000)]
    pub pow_g: u32,
    /// Account lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    pub lifetime: u64,
    /// Provisioning requests per client address per minute (0: no limit).
    #[arg(long, default_value_t = 30)]
    pub rate_limit: u32,
    /// Accept scripted faults over HTTP (`POST /x-boardingpass/test/faults`), for test suites.
    #[arg(long)]
    pub test_control: bool,
    /// Share of API requests (0 to 1) that get a random fault (429, 5xx,
    /// reset, stall, cut body), before or after processing. Needs --test-control.
    #[arg(long, requires = "test_control", value_parser = chaos_rate)]
    pub chaos_rate: Option<f64>,
    /// Seed of the random faults, to replay a run.
    #[arg(long, default_value_t = 0, requires = "chaos_rate")]
    pub chaos_seed: u64,
    /// How long a stalled answer is held, in milliseconds.
    #[arg(long, default_value_t = 1000, requires = "chaos_rate")]
    pub chaos_stall_ms: u64,
}

fn chaos_rate(s: &str) -> Result<f64, String> {
    let rate: f64 = s.parse().map_err(|e| format!("{e}"))?;
    (0.0..=1.0).contains(&rate).then_some(rate).ok_or_else(|| "must be between 0 and 1".into())
}

impl ServeFlags {
    pub fn config(&self) -> EmulatorConfig {
        EmulatorConfig {
            port: self.port,
            pow_k: self.pow_k,
            pow_g: self.pow_g,
            lifetime: Duration::from_secs(self.lifetime),
            rate_limit: RateLimit::per_minute(self.rate_limit),
            test_control: self.test_control,
            chaos: self.chaos_rate.map(|rate| Chaos { rate, seed: self.chaos_seed, stall: Duration::from_millis(self.chaos_stall_ms) }),
            ..EmulatorConfig::default()
        }
    }
}

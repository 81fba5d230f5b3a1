//! The command-line flags of the emulator, shared by the `boardingpass-emulator`
//! binary and `boardingpass serve`, so a flag is declared once.

use std::time::Duration;

use crate::config::{EmulatorConfig, RateLimit, DEFAULT_MAX_VERSIONS, DEFAULT_MAX_WORKERS};

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
    /// Workers per account.
    #[arg(long, default_value_t = DEFAULT_MAX_WORKERS)]
    pub max_workers: usize,
    /// Versions per Worker.
    #[arg(long, default_value_t = DEFAULT_MAX_VERSIONS)]
    pub max_versions: usize,
    /// Another host name the API and the claim page answer to (repeatable),
    /// e.g. behind a reverse proxy; 127.0.0.1:PORT and localhost:PORT always work.
    #[arg(long = "allowed-host", value_name = "NAME")]
    pub allowed_hosts: Vec<String>,
    /// Accept scripted faults over HTTP (`POST /x-boardingpass/test/faults`), for test suites.
    #[arg(long)]
    pub test_control: bool,
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
            max_workers: self.max_workers,
            max_versions: self.max_versions,
            allowed_hosts: self.allowed_hosts.clone(),
            ..EmulatorConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        flags: ServeFlags,
    }

    #[test]
    fn limits_and_host_names_reach_the_config() {
        let defaults = Cli::parse_from(["emulator"]).flags.config();
        assert_eq!((defaults.max_workers, defaults.max_versions), (EmulatorConfig::default().max_workers, EmulatorConfig::default().max_versions));
        assert!(defaults.allowed_hosts.is_empty());
        let set = Cli::parse_from(["emulator", "--max-workers", "3", "--max-versions", "4", "--allowed-host", "a.test", "--allowed-host", "b.test"]).flags.config();
        assert_eq!((set.max_workers, set.max_versions), (3, 4));
        assert_eq!(set.allowed_hosts, ["a.test", "b.test"]);
    }
}

//! The command-line flags of the emulator, shared by the `boardingpass-emulator`
//! binary and `boardingpass serve`, so a flag is declared once.

use std::time::Duration;

use crate::config::{EmulatorConfig, RateLimit, DEFAULT_MAX_VERSIONS, DEFAULT_MAX_WORKERS};
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
    /// Run each Worker version in a workerd process of its own instead of
    /// all of them in one shared process (an isolate per version).
    #[arg(long)]
    pub workerd_per_worker: bool,
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
    /// Also stop when standard input closes: test fixtures hold a pipe to
    /// it, so the emulator never outlives the process that started it.
    #[arg(long)]
    pub stop_on_stdin_close: bool,
}

fn chaos_rate(s: &str) -> Result<f64, String> {
    let rate: f64 = s.parse().map_err(|e| format!("{e}"))?;
    (0.0..=1.0).contains(&rate).then_some(rate).ok_or_else(|| "must be between 0 and 1".into())
}

impl ServeFlags {
    /// Resolves on SIGINT or SIGTERM, or when standard input closes if
    /// `--stop-on-stdin-close` was given.
    pub async fn stop_requested(&self) {
        let closed = self.stop_on_stdin_close.then(|| {
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            // A plain thread, not tokio's stdin: a read blocked there would
            // keep the runtime from shutting down after a signal.
            std::thread::spawn(move || {
                let mut buf = [0u8; 256];
                // Anything written is ignored; only the end of input counts.
                while std::io::Read::read(&mut std::io::stdin(), &mut buf).is_ok_and(|n| n > 0) {}
                let _ = tx.send(());
            });
            rx
        });
        let stdin_closed = async move {
            match closed {
                Some(rx) => drop(rx.await),
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = crate::wait_for_signal() => {}
            _ = stdin_closed => {}
        }
    }

    pub fn config(&self) -> EmulatorConfig {
        EmulatorConfig {
            port: self.port,
            pow_k: self.pow_k,
            pow_g: self.pow_g,
            lifetime: Duration::from_secs(self.lifetime),
            rate_limit: RateLimit::per_minute(self.rate_limit),
            test_control: self.test_control,
            shared_workerd: !self.workerd_per_worker,
            chaos: self.chaos_rate.map(|rate| Chaos { rate, seed: self.chaos_seed, stall: Duration::from_millis(self.chaos_stall_ms) }),
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

    fn parse(args: &[&str]) -> Result<EmulatorConfig, clap::Error> {
        Cli::try_parse_from(std::iter::once("emu").chain(args.iter().copied())).map(|c| c.flags.config())
    }

    #[test]
    fn random_faults_need_test_control_and_a_rate_in_range() {
        assert!(parse(&[]).unwrap().chaos.is_none());
        let c = parse(&["--test-control", "--chaos-rate", "0.2", "--chaos-seed", "9", "--chaos-stall-ms", "300"]).unwrap();
        assert_eq!(c.chaos, Some(Chaos { rate: 0.2, seed: 9, stall: Duration::from_millis(300) }));
        assert!(parse(&["--chaos-rate", "0.2"]).unwrap_err().to_string().contains("--test-control"));
        assert!(parse(&["--test-control", "--chaos-rate", "1.5"]).unwrap_err().to_string().contains("between 0 and 1"));
        assert!(parse(&["--test-control", "--chaos-seed", "3"]).is_err(), "a seed without a rate does nothing");
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

    #[test]
    fn workers_share_one_workerd_unless_asked_otherwise() {
        assert!(parse(&[]).unwrap().shared_workerd);
        assert!(!parse(&["--workerd-per-worker"]).unwrap().shared_workerd);
    }
}

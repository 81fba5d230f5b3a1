use std::process::ExitCode;
use std::time::Duration;

use boardingpass::Error;
use boardingpass_emulator::{EmulatorConfig, RateLimit};

#[derive(clap::Args)]
pub struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Proof-of-work checkpoints per challenge.
    #[arg(long, default_value_t = 1000)]
    pow_k: u32,
    /// Hashes per checkpoint.
    #[arg(long, default_value_t = 2000)]
    pow_g: u32,
    /// Account lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    lifetime: u64,
    /// Provisioning requests per client address per minute (0: no limit).
    #[arg(long, default_value_t = 30)]
    rate_limit: u32,
    /// Accept scripted faults over HTTP (`POST /x-boardingpass/test/faults`), for test suites.
    #[arg(long)]
    test_control: bool,
}

pub async fn run(args: Args) -> Result<ExitCode, Error> {
    let config = EmulatorConfig {
        port: args.port,
        pow_k: args.pow_k,
        pow_g: args.pow_g,
        lifetime: Duration::from_secs(args.lifetime),
        rate_limit: RateLimit::per_minute(args.rate_limit),
        test_control: args.test_control,
        ..EmulatorConfig::default()
    };
    let handle = boardingpass_emulator::spawn(config)
        .await
        .map_err(|e| Error::InvalidInput { field: "--port".into(), message: format!("cannot start the emulator: {e}") })?;
    println!("boardingpass emulator listening on {}", handle.base_url());
    println!("use it with: CLOUDFLARE_API_BASE_URL={} (wrangler) or --api-base (boardingpass)", handle.base_url());
    let _ = tokio::signal::ctrl_c().await;
    handle.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

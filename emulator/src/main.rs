//! `boardingpass-emulator [--port P] [--pow-k K] [--pow-g G] [--lifetime SECS] [--rate-limit N] [--test-control]`

use std::time::Duration;

use boardingpass_emulator::{EmulatorConfig, RateLimit};

fn parse(args: &[String]) -> Result<EmulatorConfig, String> {
    let mut config = EmulatorConfig::default();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--test-control" {
            config.test_control = true;
            continue;
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let num = |v: &str| v.parse::<u64>().map_err(|_| format!("{flag}: {v:?} is not a number"));
        match flag.as_str() {
            "--port" => config.port = num(value)?.try_into().map_err(|_| "--port: too large".to_string())?,
            "--pow-k" => config.pow_k = num(value)?.try_into().map_err(|_| "--pow-k: too large".to_string())?,
            "--pow-g" => config.pow_g = num(value)?.try_into().map_err(|_| "--pow-g: too large".to_string())?,
            "--lifetime" => config.lifetime = Duration::from_secs(num(value)?),
            "--rate-limit" => config.rate_limit = RateLimit::per_minute(num(value)?.try_into().map_err(|_| "--rate-limit: too large".to_string())?),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(config)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match parse(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}\nusage: boardingpass-emulator [--port P] [--pow-k K] [--pow-g G] [--lifetime SECS] [--rate-limit N] [--test-control]");
            return std::process::ExitCode::from(2);
        }
    };
    let handle = match boardingpass_emulator::spawn(config).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: cannot listen: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("boardingpass emulator listening on {}", handle.base_url());
    let _ = tokio::signal::ctrl_c().await;
    handle.shutdown().await;
    std::process::ExitCode::SUCCESS
}

//! `boardingpass-emulator [--port P] [--pow-k K] [--pow-g G] [...]` (`--help` lists the flags, declared in `flags.rs`)

use boardingpass_emulator::ServeFlags;
use clap::Parser;

/// Local stand-in for Cloudflare's temporary-account and Workers deploy API.
#[derive(Parser)]
#[command(name = "boardingpass-emulator", version)]
struct Cli {
    #[command(flatten)]
    flags: ServeFlags,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let handle = match boardingpass_emulator::spawn(cli.flags.config()).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: cannot listen: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("boardingpass emulator listening on {}", handle.base_url());
    println!("worker files: {}", handle.work_dir().display());
    handle.run_until(cli.flags.stop_requested()).await;
    std::process::ExitCode::SUCCESS
}

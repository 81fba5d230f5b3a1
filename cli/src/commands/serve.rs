use std::process::ExitCode;

use boardingpass::Error;
use boardingpass_emulator::ServeFlags;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    flags: ServeFlags,
}

pub async fn run(args: Args) -> Result<ExitCode, Error> {
    let handle = boardingpass_emulator::spawn(args.flags.config())
        .await
        .map_err(|e| Error::InvalidInput { field: "--port".into(), message: format!("cannot start the emulator: {e}") })?;
    println!("boardingpass emulator listening on {}", handle.base_url());
    println!("use it with: CLOUDFLARE_API_BASE_URL={} (wrangler) or --api-base (boardingpass)", handle.base_url());
    println!("worker files: {}", handle.work_dir().display());
    handle.run_until(args.flags.stop_requested()).await;
    Ok(ExitCode::SUCCESS)
}

use std::process::ExitCode;

use boardingpass::pow::{self, CancelFlag, Challenge};
use boardingpass::Error;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum Command {
    /// Solve a challenge and print the `checkpoints` string (for interop checks).
    Solve {
        /// Seed, base64url (32 bytes once decoded).
        #[arg(long)]
        seed: String,
        #[arg(long)]
        k: i64,
        #[arg(long)]
        g: i64,
        /// Refuse challenges with k·g above this.
        #[arg(long, default_value_t = pow::DEFAULT_WORK_CAP)]
        work_cap: u64,
    },
}

pub fn run(cmd: Command) -> Result<ExitCode, Error> {
    match cmd {
        Command::Solve { seed, k, g, work_cap } => {
            let challenge = Challenge::new(&seed, k, g, work_cap)?;
            let raw = pow::solve_blocking(&challenge, &CancelFlag::new(), |_| {})?;
            println!("{}", pow::encode_checkpoints(&raw));
            Ok(ExitCode::SUCCESS)
        }
    }
}

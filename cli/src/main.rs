//! `boardingpass`: provision a temporary account, deploy, verify and hand
//! off — or run the local emulator that speaks the same protocol.

mod commands;
mod mcp;
mod output;
mod progress;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  boardingpass deploy ./my-worker --accept-terms --owner \"Ada Lovelace\"
      provision, deploy, verify; print the URL, the claim URL and the ticket
  boardingpass deploy src/index.ts --local --accept-terms --owner Ada
      the same against an embedded local emulator
  boardingpass serve --port 8787
      run the emulator (then CLOUDFLARE_API_BASE_URL=http://127.0.0.1:8787/client/v4)
  boardingpass completions bash > ~/.local/share/bash-completion/completions/boardingpass

Progress goes to stderr: bars on a terminal, plain lines otherwise, none with --json.
NO_COLOR turns colours off.";

#[derive(Parser)]
#[command(name = "boardingpass", version, about = "Deploy to a live URL on a temporary account and hand a human the claim link", after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the local emulator in the foreground and print its API base URL.
    Serve(commands::serve::Args),
    /// Provision a temporary account and print its claim URL for its owner.
    Provision(commands::provision::Args),
    /// Provision, deploy, verify and print the URL, claim URL and ticket.
    Deploy(Box<commands::deploy::Args>),
    /// Serve the agent tools (provision, deploy, verify, claim, teardown) over MCP: stdio, or HTTP with --http.
    Mcp(Box<commands::mcp::Args>),
    /// Proof-of-work tools.
    #[command(subcommand)]
    Pow(commands::pow::Command),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    #[command(after_help = "Examples:\n  boardingpass completions bash > ~/.local/share/bash-completion/completions/boardingpass\n  boardingpass completions zsh > \"${fpath[1]}/_boardingpass\"\n  boardingpass completions fish > ~/.config/fish/completions/boardingpass.fish")]
    Completions {
        shell: clap_complete::Shell,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Spans go to an OTLP collector when OTEL_EXPORTER_OTLP_ENDPOINT is set; flushed at exit.
    let _telemetry = match boardingpass::telemetry::Telemetry::from_env() {
        Ok(t) => t,
        Err(e) => return output::fail(&e),
    };
    let result = match cli.command {
        Command::Serve(args) => commands::serve::run(args).await,
        Command::Provision(args) => commands::provision::run(args).await,
        Command::Deploy(args) => commands::deploy::run(*args).await,
        Command::Mcp(args) => commands::mcp::run(*args).await,
        Command::Pow(cmd) => commands::pow::run(cmd),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "boardingpass", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => output::fail(&e),
    }
}

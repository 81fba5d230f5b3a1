//! `boardingpass provision`: a temporary account handed to its owner. The
//! API token lives in this process only and dies with it, so what the
//! command hands over is the claim URL (to stdout, for the named owner):
//! completing it makes the account theirs. `deploy` is the command that
//! also puts code on it.

use std::process::ExitCode;

use boardingpass::{Error, ProvisionOptions};
use chrono::SecondsFormat;
use serde_json::json;

use super::target::TargetArgs;
use crate::output::print_json;
use crate::progress::{Display, Reporter};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    target: TargetArgs,
    /// The person who receives the claim link printed (required by the default policy).
    #[arg(long, env = "BOARDINGPASS_OWNER")]
    owner: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

pub async fn run(args: Args) -> Result<ExitCode, Error> {
    let target = args.target.connect(|b| b).await?;
    let mut options = ProvisionOptions::default().progress(Reporter::new(Display::for_output(args.json)).progress());
    options.owner = args.owner;
    let pass = target.client.provision(options).await?;
    let expires = pass.expires_at().to_rfc3339_opts(SecondsFormat::Secs, true);
    if args.json {
        print_json(&json!({
            "account_id": pass.account_id(),
            "account_name": pass.account_name(),
            "expires_at": expires,
            "claim_expires_at": pass.claim_expires_at().to_rfc3339_opts(SecondsFormat::Secs, true),
            "token_fingerprint": pass.token_fingerprint(),
            "claim_url": pass.expose_claim_url(),
            "claim_url_fingerprint": pass.claim_fingerprint(),
            "api_base": target.client.api_base(),
        }));
    } else {
        println!("account      {} ({})", pass.account_name(), pass.account_id());
        println!("expires      {expires} ({} min left)", pass.time_left().as_secs() / 60);
        println!("api token    {} (in memory only; never printed, gone when this command exits)", pass.token_fingerprint());
        println!("claim url    {} (bearer link for its owner: whoever completes it owns the account)", pass.expose_claim_url());
    }
    Ok(ExitCode::SUCCESS)
}

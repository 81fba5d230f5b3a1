use std::process::ExitCode;

use boardingpass::{Error, ProvisionOptions};
use chrono::SecondsFormat;
use serde_json::json;

use super::target::TargetArgs;
use crate::output::print_json;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    target: TargetArgs,
    /// The person who will receive the claim link (required by the default policy).
    #[arg(long, env = "BOARDINGPASS_OWNER")]
    owner: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

pub async fn run(args: Args) -> Result<ExitCode, Error> {
    let target = args.target.connect(|b| b).await?;
    let pass = target.client.provision(ProvisionOptions { owner: args.owner, ..Default::default() }).await?;
    let expires = pass.expires_at().to_rfc3339_opts(SecondsFormat::Secs, true);
    if args.json {
        print_json(&json!({
            "account_id": pass.account_id(),
            "account_name": pass.account_name(),
            "expires_at": expires,
            "claim_expires_at": pass.claim_expires_at().to_rfc3339_opts(SecondsFormat::Secs, true),
            "token_fingerprint": pass.token_fingerprint(),
            "claim_url_fingerprint": pass.claim_fingerprint(),
            "api_base": target.client.api_base(),
        }));
    } else {
        println!("account      {} ({})", pass.account_name(), pass.account_id());
        println!("expires      {expires} ({} min left)", pass.time_left().as_secs() / 60);
        println!("api token    {} (in memory only; never printed)", pass.token_fingerprint());
        println!("claim url    {} (bearer link; shown by `deploy` to its owner)", pass.claim_fingerprint());
    }
    Ok(ExitCode::SUCCESS)
}

//! `boardingpass deploy`: provision, deploy, verify, hand off (and optionally
//! wait for the claim). The claim URL goes to stdout for its owner and
//! nowhere else: `--ticket FILE` writes the record rendering without it.
//! Everything checkable locally (the project, its assets, the policy, the
//! ticket path) is checked before the account is created, the hashing
//! while the proof of work runs; after that, any failure still prints the
//! claim URL.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use boardingpass::LoadOptions;
use boardingpass::{
    printable, BoardingPass, ClaimStatus, ClaimTicket, ClaimWaitOptions, DeployOptions, Deployment, Error, Evidence, PreparedDeploy,
    ProvisionOptions, VerifyOptions,
};
use chrono::SecondsFormat;
use serde_json::json;

use super::target::{governed, TargetArgs};
use crate::output::print_json;
use crate::progress::{Display, Reporter};

/// Exit statuses of `--wait-claim` (0 = claimed).
pub const EXIT_EXPIRED: u8 = 10;
pub const EXIT_REVOKED: u8 = 11;
pub const EXIT_TIMEOUT: u8 = 12;
pub const EXIT_CLAIMED_OR_REVOKED: u8 = 13;

#[derive(clap::Args)]
pub struct Args {
    /// A Worker file, a directory with wrangler.toml/wrangler.jsonc, or a directory of static files.
    path: PathBuf,
    #[command(flatten)]
    target: TargetArgs,
    /// Worker name (default: from the config or the file name).
    #[arg(long)]
    name: Option<String>,
    /// The person who will receive the claim link.
    #[arg(long, env = "BOARDINGPASS_OWNER")]
    owner: Option<String>,
    /// Caller's job id, recorded in every audit event.
    #[arg(long)]
    job_id: Option<String>,
    /// Job class checked against the policy's allowed_job_classes.
    #[arg(long)]
    job_class: Option<String>,
    /// Append audit events (JSON lines) to this file.
    #[arg(long)]
    audit_log: Option<PathBuf>,
    /// Policy file (TOML or JSON). Default: a named owner and a passing verification are required.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Write the claim ticket (JSON, without the claim URL) to this file.
    #[arg(long)]
    ticket: Option<PathBuf>,
    /// Path requested to verify the deploy (on the deployment's own URL).
    #[arg(long, default_value = "/", value_parser = verify_path)]
    verify_path: String,
    /// Expected HTTP status of the verification request (default: any 2xx/3xx).
    #[arg(long)]
    expect_status: Option<u16>,
    /// Text the verification response body must contain.
    #[arg(long)]
    expect_body: Option<String>,
    /// Seconds to wait for the live URL to answer.
    #[arg(long, default_value_t = 30)]
    verify_timeout: u64,
    /// After the handoff, wait until the account is claimed, expires or is revoked.
    #[arg(long)]
    wait_claim: bool,
    /// Seconds to wait with --wait-claim (default: until the claim window ends).
    #[arg(long, requires = "wait_claim")]
    timeout: Option<u64>,
    /// With --local: exit after the handoff instead of serving until Ctrl-C.
    #[arg(long)]
    no_serve: bool,
    /// Print JSON objects instead of Markdown.
    #[arg(long)]
    json: bool,
    /// Upload the modules as they are: no TypeScript compile, no npm bundle (like `no_bundle = true`).
    #[arg(long)]
    no_bundle: bool,
}

/// `--verify-path` is checked while parsing, before anything is provisioned.
fn verify_path(path: &str) -> Result<String, String> {
    boardingpass::check_verify_path(path).map(|()| path.to_string()).map_err(|e| e.to_string())
}

/// Refuses a `--ticket` path that could not be written, before anything is provisioned.
fn check_writable(path: &Path) -> Result<(), Error> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let bad = |why: String| Error::InvalidInput { field: "--ticket".into(), message: format!("{}: {why}", path.display()) };
    if !dir.is_dir() {
        return Err(bad(format!("{} is not an existing directory; create it first", dir.display())));
    }
    if path.is_dir() {
        return Err(bad("is a directory; name a file".into()));
    }
    let probe = dir.join(format!(".boardingpass-ticket-probe-{}", std::process::id()));
    std::fs::File::create(&probe).map_err(|e| bad(format!("{} is not writable: {e}", dir.display())))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Everything after provisioning. A failed deploy or verify is audited by
/// core itself; the ticket step records its own failures here.
async fn hand_off(args: &Args, pass: &BoardingPass, prepared: &PreparedDeploy) -> Result<(Deployment, Evidence, ClaimTicket), Error> {
    let deployment = pass.deploy_prepared(prepared).await?;
    let failed = |e: Error| pass.record_failure("ticket", Some(&deployment.worker_name), Some(&deployment.content_digest), e);
    let mut verify = VerifyOptions::default().path(args.verify_path.clone()).timeout(Duration::from_secs(args.verify_timeout));
    (verify.expect_status, verify.expect_body_contains) = (args.expect_status, args.expect_body.clone());
    let evidence = pass.verify(&deployment, verify).await?;
    let ticket = pass.ticket(ClaimStatus::Pending).map_err(failed)?;
    if let Some(path) = &args.ticket {
        let text = serde_json::to_string_pretty(&ticket.to_json()).expect("ticket serialises");
        std::fs::write(path, text).map_err(|source| failed(Error::Io { path: path.display().to_string(), source }))?;
    }
    Ok((deployment, evidence, ticket))
}

/// After provisioning, a failure still hands the claim link to its owner
/// (stdout, like a successful handoff): the account stays claimable until it
/// expires instead of becoming a silent orphan.
fn print_claim_after_failure(args: &Args, pass: &BoardingPass, e: &Error) {
    let expires = pass.expires_at().to_rfc3339_opts(SecondsFormat::Secs, true);
    if args.json {
        print_json(&json!({
            "error": {"code": e.code(), "message": e.to_string()},
            "account_id": pass.account_id(),
            "account_name": pass.account_name(),
            "expires_at": expires,
            "claim_url": pass.expose_claim_url(),
            "token_fingerprint": pass.token_fingerprint(),
            "resources": pass.resources(),
        }));
    } else {
        println!("Failed     after provisioning: {}", printable(&e.to_string()));
        for r in pass.resources() {
            println!("Resource   {} {} ({}), kept with the account", r.kind, printable(&r.name), printable(&r.id));
        }
        println!("Claim URL  {} (bearer link: the account stays claimable, with whatever was deployed, until it expires)", pass.expose_claim_url());
        println!("Expires    {expires}");
    }
}

pub async fn run(args: Args) -> Result<ExitCode, Error> {
    if let Some(path) = &args.ticket {
        check_writable(path)?;
    }
    let governance = governed(args.policy.as_deref(), args.job_id.clone(), args.audit_log.as_deref(), args.job_class.clone())?;
    let target = args.target.connect(governance).await?;
    let reporter = Reporter::new(Display::for_output(args.json));
    let progress = reporter.progress();
    let mut load = LoadOptions::default().no_bundle(args.no_bundle).progress(progress.clone());
    load.name = args.name.clone();
    let worker = boardingpass::load_project_with(&args.path, &load)?;
    let mut provision = ProvisionOptions::default().progress(progress.clone());
    provision.owner = args.owner.clone();
    let (pass, prepared) = target.client.provision_and_prepare(provision, &worker, DeployOptions::default().progress(progress)).await?;
    if !args.json {
        reporter.note(&format!("provisioned {} ({}), deploying {} ...", printable(pass.account_name()), printable(pass.account_id()), worker.name));
    }
    let (deployment, evidence, ticket) = match hand_off(&args, &pass, &prepared).await {
        Ok(done) => done,
        Err(e) => {
            print_claim_after_failure(&args, &pass, &e);
            return Err(e);
        }
    };
    if args.json {
        print_json(&json!({
            "url": deployment.url,
            "workers_dev_url": deployment.workers_dev_url,
            "version_id": deployment.version_id,
            "account_id": pass.account_id(),
            "account_name": pass.account_name(),
            "expires_at": pass.expires_at().to_rfc3339_opts(SecondsFormat::Secs, true),
            "claim_url": pass.expose_claim_url(),
            "token_fingerprint": pass.token_fingerprint(),
            "evidence": evidence,
            "resources": ticket.temporary_resource.resources,
            "ticket": ticket.to_json(),
        }));
    } else {
        println!("{}", pass.owner_ticket(ClaimStatus::Pending)?.to_markdown());
        println!("URL        {}", printable(&deployment.url));
        println!("Claim URL  {} (bearer link: whoever completes it owns the account)", printable(pass.expose_claim_url()));
        println!("Expires    {}", pass.expires_at().to_rfc3339_opts(SecondsFormat::Secs, true));
    }
    if args.wait_claim {
        let mut opts = ClaimWaitOptions::default();
        if let Some(t) = args.timeout {
            opts.timeout = Duration::from_secs(t);
        }
        let outcome = pass.wait_for_claim(opts).await?;
        let status = if outcome.timed_out { "timeout" } else { outcome.status.as_str() };
        if args.json {
            print_json(&json!({"status": status, "confirmed": outcome.confirmed, "detail": outcome.detail, "observed_at": outcome.observed_at}));
        } else {
            println!("claim status: {status} ({})", if outcome.confirmed { "confirmed" } else { "inferred" });
        }
        return Ok(ExitCode::from(match (outcome.timed_out, outcome.status) {
            (true, _) => EXIT_TIMEOUT,
            (false, ClaimStatus::Claimed) => 0,
            (false, ClaimStatus::Expired) => EXIT_EXPIRED,
            (false, ClaimStatus::Revoked) => EXIT_REVOKED,
            (false, ClaimStatus::ClaimedOrRevoked) => EXIT_CLAIMED_OR_REVOKED,
            // Still pending (the wait ended with the pass), or a status newer than this CLI.
            (false, _) => EXIT_TIMEOUT,
        }));
    }
    if target.emulator.is_some() && !args.no_serve {
        eprintln!("serving locally until Ctrl-C: open {}", deployment.url);
        // SIGTERM too: returning drops the emulator, which removes its work directory.
        boardingpass_emulator::wait_for_signal().await;
    }
    Ok(ExitCode::SUCCESS)
}

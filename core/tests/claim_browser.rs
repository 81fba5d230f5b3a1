//! A person claims in a real browser: headless Debian Chromium driven by
//! playwright-core (`tests/e2e/claim-click.mjs`) opens the claim URL and
//! clicks Claim while the SDK waits; a second click from another tab is
//! told the account is already claimed.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use boardingpass::{ClaimStatus, ClaimWaitOptions, Client, DeployOptions, ProvisionOptions, Worker};
use boardingpass_emulator::EmulatorConfig;
use tokio::io::{AsyncBufReadExt, BufReader};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_claims_in_a_browser_and_the_sdk_sees_it() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(Path::new(&chromium).exists(), "{chromium} is missing: install Debian's chromium (`make setup` does, as root)");
    let emu = boardingpass_emulator::spawn(EmulatorConfig { pow_k: 20, pow_g: 50, ..Default::default() }).await.unwrap();
    let client = Client::builder().api_base(emu.base_url()).accept_terms(true).build().unwrap();
    let pass = client.provision(ProvisionOptions::default().owner("Ada Lovelace")).await.unwrap();
    let d = pass.deploy(&Worker::from_source("browser-demo", "index.js", "export default { fetch() { return new Response('kept') } }"), DeployOptions::default()).await.unwrap();

    let waiter = {
        let pass = pass.clone();
        tokio::spawn(async move {
            let o = pass.wait_for_claim(ClaimWaitOptions::default().timeout(Duration::from_secs(60))).await;
            (o, Instant::now())
        })
    };
    let shots = repo().join("target");
    let mut child = tokio::process::Command::new("node")
        .arg(repo().join("tests/e2e/claim-click.mjs"))
        .arg(pass.expose_claim_url())
        .arg(&shots)
        .env("CHROMIUM", &chromium)
        .current_dir(repo())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut clicked_at = None;
    let mut events = Vec::new();
    while let Ok(Ok(Some(line))) = tokio::time::timeout(Duration::from_secs(60), lines.next_line()).await {
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|_| panic!("unexpected output: {line}"));
        if v["event"] == "clicking" {
            clicked_at = Some(Instant::now());
        }
        events.push(v);
    }
    let status = child.wait().await.unwrap();
    assert!(status.success(), "the browser script failed: {events:?}");
    let loaded = &events[0];
    assert_eq!(loaded["event"], "loaded");
    let text = loaded["text"].as_str().unwrap();
    assert!(text.contains(pass.account_name()) && text.contains("browser-demo") && text.contains("Time left"), "{text}");
    assert_eq!(events[2]["status"], "Account claimed");
    assert_eq!(events[3]["status"], "Already claimed");

    let (outcome, seen_at) = waiter.await.unwrap();
    let outcome = outcome.unwrap();
    assert_eq!(outcome.status, ClaimStatus::Claimed);
    assert!(outcome.confirmed);
    let latency = seen_at.saturating_duration_since(clicked_at.expect("the script clicked"));
    println!("claim seen by the SDK {latency:?} after the click started");
    // Generous bound: proves the long-poll, not the 16 s fallback poll (figures: make bench-lifecycle).
    assert!(latency < Duration::from_secs(5), "{latency:?}");

    let u = reqwest::Url::parse(&d.url).unwrap();
    let r = reqwest::Client::new().get(format!("http://127.0.0.1:{}/", u.port().unwrap())).header("host", u.host_str().unwrap()).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "kept", "the Worker still answers after the claim");
}

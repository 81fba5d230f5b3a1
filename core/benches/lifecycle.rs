//! Redeploy latency and claim-detection figures against the in-process
//! emulator (Workers in real workerd). A bench, not a test: it prints
//! figures, it asserts nothing about speed.
//!
//! `cargo bench -p boardingpass --bench lifecycle` (env: REDEPLOYS=10,
//! CLAIMS=5, PENDING_SECS=30).

use std::time::{Duration, Instant};

use boardingpass::{BoardingPass, ClaimWaitOptions, Client, DeployOptions, ProvisionOptions, Worker};
use boardingpass_emulator::{EmulatorConfig, EmulatorHandle, Fault, FaultKind};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn pass(emu: &EmulatorHandle) -> BoardingPass {
    let client = Client::builder().api_base(emu.base_url()).accept_terms(true).build().unwrap();
    client.provision(ProvisionOptions::default().owner("Bench")).await.unwrap()
}

fn version(n: u64) -> Worker {
    Worker::from_source("bench", "index.js", format!("export default {{ fetch() {{ return new Response('v{n}') }} }}"))
}

async fn body(url: &str) -> String {
    let u = reqwest::Url::parse(url).unwrap();
    let r = reqwest::Client::new().get(format!("http://127.0.0.1:{}/", u.port().unwrap())).header("host", u.host_str().unwrap()).send().await;
    match r {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

fn summary(mut v: Vec<Duration>) -> String {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!("median {:.0} ms, p90 {:.0} ms, max {:.0} ms (n={})", ms(v[v.len() / 2]), ms(v[(v.len() * 9 / 10).min(v.len() - 1)]), ms(v[v.len() - 1]), v.len())
}

async fn redeploy_latency(emu: &EmulatorHandle) {
    let pass = pass(emu).await;
    let d = pass.deploy(&version(0), DeployOptions::default()).await.unwrap();
    let mut samples = Vec::new();
    for n in 1..=env_num("REDEPLOYS", 10) {
        let t = Instant::now();
        pass.deploy(&version(n), DeployOptions::default()).await.unwrap();
        while body(&d.url).await != format!("v{n}") {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        samples.push(t.elapsed());
    }
    println!("redeploy, upload start → new version answers: {}", summary(samples));
}

async fn claim_latency(emu: &EmulatorHandle) {
    let mut samples = Vec::new();
    for _ in 0..env_num("CLAIMS", 5) {
        let pass = pass(emu).await;
        let token = pass.expose_claim_url().split("claimToken=").nth(1).unwrap().to_string();
        let waiter = {
            let pass = pass.clone();
            tokio::spawn(async move {
                pass.wait_for_claim(ClaimWaitOptions::default()).await.unwrap();
                Instant::now()
            })
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        let t = Instant::now();
        reqwest::Client::new().post(format!("{}/x-boardingpass/claim", emu.origin())).header("x-claim-token", token).send().await.unwrap();
        samples.push(waiter.await.unwrap() - t);
    }
    println!("claim detection, claim → wait_for_claim returns: {}", summary(samples));
}

/// Requests the SDK makes while nothing happens, per minute.
async fn pending_rate(emu: &EmulatorHandle, inferred: bool) {
    let secs = env_num("PENDING_SECS", 30);
    let pass = pass(emu).await;
    emu.clear_requests();
    let opts = ClaimWaitOptions::default().timeout(Duration::from_secs(secs));
    let o = pass.wait_for_claim(opts).await.unwrap();
    assert!(o.timed_out);
    let n = emu.requests().iter().filter(|r| r.path.contains("claim-status") || r.path.contains("tokens/verify")).count();
    // Start-up requests: the status probe, plus (inferred) the first token check.
    let start = if inferred { 2 } else { 1 };
    let mode = if inferred { "inferred (no status endpoint)" } else { "status endpoint, long-poll" };
    println!(
        "pending for {secs} s, {mode}: {n} request(s) = {:.1}/min; after the {start} at start, {:.2}/min",
        n as f64 * 60.0 / secs as f64,
        n.saturating_sub(start) as f64 * 60.0 / secs as f64
    );
}

#[tokio::main]
async fn main() {
    let emu = boardingpass_emulator::spawn(EmulatorConfig { pow_k: 20, pow_g: 50, rate_limit: None, ..Default::default() }).await.unwrap();
    redeploy_latency(&emu).await;
    claim_latency(&emu).await;
    pending_rate(&emu, false).await;
    emu.inject(Fault { path_contains: "claim-status".into(), kind: FaultKind::Status { status: 404, retry_after: None }, times: u32::MAX });
    pending_rate(&emu, true).await;
}

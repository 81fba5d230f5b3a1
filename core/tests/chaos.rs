//! Fault survival: full flows (provision → deploy → verify → redeploy →
//! verify) from one process against an emulator that injects faults, with
//! the emulator's own records checked afterwards: every successful deploy
//! call maps to exactly one version and one deployment, no version is left
//! uploaded but undeployed, and every failure is a typed error.
//!
//! `scripted_faults_of_issue_10_fail_no_flow` is the deterministic case;
//! `random_faults` is `make test-chaos` (`CHAOS_FLOWS`, `CHAOS_SEED`,
//! `CHAOS_RATE`, `CHAOS_CONCURRENCY`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use boardingpass::{BoardingPass, Client, DeployOptions, Error, ErrorKind, ProvisionOptions, RetryPolicy, VerifyOptions, Worker};
use boardingpass_emulator::{Chaos, ChaosFault, EmulatorConfig, EmulatorHandle, Fault, FaultKind};
use futures::StreamExt;

const WORKER: &str = "chaos";

fn worker(flow: usize, round: u32) -> Worker {
    let marker = format!("flow {flow} round {round}");
    Worker::from_source(WORKER, "index.js", format!("export default {{ fetch() {{ return new Response({marker:?}) }} }}"))
        .compatibility_date("2026-06-01")
}

fn client(emu: &EmulatorHandle, retry: RetryPolicy, timeout: Duration) -> Client {
    Client::builder().api_base(emu.base_url()).accept_terms(true).retry(retry).timeout(timeout).build().unwrap()
}

/// What one flow did: the pass it got (if any), the version of every
/// successful deploy, and the error that stopped it.
struct Flow {
    pass: Option<BoardingPass>,
    deployed: Vec<String>,
    error: Option<Error>,
    elapsed: Duration,
}

async fn flow(client: &Client, n: usize) -> Flow {
    let started = Instant::now();
    let mut out = Flow { pass: None, deployed: Vec::new(), error: None, elapsed: Duration::ZERO };
    let run = async {
        let pass = client.provision(ProvisionOptions::default().owner("Ada Lovelace")).await?;
        out.pass = Some(pass.clone());
        for round in 1..=2 {
            let d = pass.deploy(&worker(n, round), DeployOptions::default()).await?;
            out.deployed.push(d.version_id.clone());
            let expect = format!("flow {n} round {round}");
            let verify = VerifyOptions::default().expect_body_contains(expect).timeout(Duration::from_secs(20));
            pass.verify(&d, verify).await?;
        }
        Ok::<_, Error>(())
    };
    if let Err(e) = run.await {
        out.error = Some(e);
    }
    out.elapsed = started.elapsed();
    out
}

/// The emulator's versions and deployments of the flow's Worker.
fn server_side(emu: &EmulatorHandle, account: &str) -> (Vec<String>, Vec<String>) {
    let store = emu.state().store();
    let Some(script) = store.workers.get(account).and_then(|w| w.scripts.get(WORKER)) else {
        return (Vec::new(), Vec::new());
    };
    let versions = script.versions.iter().map(|v| v.id.clone()).collect();
    let deployments = script.deployments.iter().map(|d| d.version_id.clone()).collect();
    (versions, deployments)
}

/// Checks the emulator's records against what each flow was told and
/// returns the problems found (empty when all is well).
fn audit(emu: &EmulatorHandle, flows: &[Flow]) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, f) in flows.iter().enumerate() {
        let Some(pass) = &f.pass else { continue };
        let (versions, deployments) = server_side(emu, pass.account_id());
        let mut per_version: HashMap<&str, usize> = HashMap::new();
        for v in &deployments {
            *per_version.entry(v.as_str()).or_default() += 1;
        }
        // Each successful deploy call made exactly one version; the failing
        // call of a failed flow may have left one more.
        let extra = versions.iter().filter(|v| !f.deployed.contains(v)).count();
        let allowed = usize::from(f.error.is_some());
        if !f.deployed.iter().all(|d| versions.contains(d)) || extra > allowed {
            problems.push(format!("flow {i}: server holds versions {versions:?}, the client deployed {:?}", f.deployed));
        }
        for v in &versions {
            match per_version.get(v.as_str()).copied().unwrap_or(0) {
                1 => {}
                0 if f.error.is_some() && !f.deployed.contains(v) => {} // a failed call's upload, reported to the caller
                n => problems.push(format!("flow {i}: version {v} has {n} deployments")),
            }
        }
        if f.error.is_none() && deployments.last() != f.deployed.last() {
            problems.push(format!("flow {i}: live version {:?}, expected {:?}", deployments.last(), f.deployed.last()));
        }
    }
    problems
}

fn describe_failures(flows: &[Flow]) -> Vec<String> {
    flows.iter().enumerate().filter_map(|(i, f)| f.error.as_ref().map(|e| format!("flow {i}: [{}] {e}", e.code()))).collect()
}

/// The case from issue 10, in a fixed order: flows run one after another so
/// each scripted fault hits a known request. Before the fix 7 of 20 flows
/// failed (3 on the malformed subdomain answer, 4 on the 503 from
/// `POST …/deployments`); the retry budget is large enough for the burst of
/// eight 500s, which a client with retries already survived.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripted_faults_of_issue_10_fail_no_flow() {
    let emu = boardingpass_emulator::spawn(EmulatorConfig { pow_k: 20, pow_g: 50, rate_limit: None, ..Default::default() }).await.unwrap();
    let status = |status, retry_after| FaultKind::Status { status, retry_after };
    emu.inject(Fault::new("/workers/scripts/", status(500, None), 8));
    emu.inject(Fault::new("/workers/services/", status(429, Some(1)), 5));
    emu.inject(Fault::new("/workers/subdomain", FaultKind::MalformedJson, 3));
    emu.inject(Fault::new("/deployments", status(503, None), 4));
    let retry = RetryPolicy::default().max_attempts(10).base_delay(Duration::from_millis(5)).max_delay(Duration::from_millis(50));
    let client = client(&emu, retry, Duration::from_secs(30));
    let mut flows = Vec::new();
    for n in 0..20 {
        flows.push(flow(&client, n).await);
    }
    let failures = describe_failures(&flows);
    assert!(failures.is_empty(), "{} of 20 flows failed:\n{}", failures.len(), failures.join("\n"));
    let problems = audit(&emu, &flows);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    for f in &flows {
        let (versions, deployments) = server_side(&emu, f.pass.as_ref().unwrap().account_id());
        assert_eq!((versions.len(), deployments.len()), (2, 2), "one version and one deployment per deploy call");
    }
}

/// Answers lost *after* the server acted: the upload (PUT and versions POST)
/// and the deployment are each found by a lookup instead of being sent
/// again. Before, the PUT was re-sent (a second version and deployment) and a
/// lost versions or deployments answer failed the deploy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_never_creates_a_second_version_or_deployment() {
    let emu = boardingpass_emulator::spawn(EmulatorConfig { pow_k: 20, pow_g: 50, ..Default::default() }).await.unwrap();
    let retry = RetryPolicy::default().base_delay(Duration::from_millis(5));
    let client = client(&emu, retry, Duration::from_secs(4));
    let pass = client.provision(ProvisionOptions::default().owner("Ada Lovelace")).await.unwrap();
    let lost = |path: &str, fault| Fault::new(path, FaultKind::Chaos(fault, Duration::from_secs(5)), 1);
    let path = format!("/workers/scripts/{WORKER}");

    emu.inject(lost(&path, ChaosFault::Status { status: 503, after: true }));
    let first = pass.deploy(&worker(0, 1), DeployOptions::default()).await.unwrap();
    assert_eq!(server_side(&emu, pass.account_id()), (vec![first.version_id.clone()], vec![first.version_id.clone()]));

    emu.inject(lost(&format!("{path}/versions"), ChaosFault::Reset { after: true }));
    emu.inject(lost(&format!("{path}/deployments"), ChaosFault::CutJson));
    let second = pass.deploy(&worker(0, 2), DeployOptions::default()).await.unwrap();
    let ids = vec![first.version_id.clone(), second.version_id.clone()];
    assert_eq!(server_side(&emu, pass.account_id()), (ids.clone(), ids));

    // A stall past the client's timeout, after the version was stored.
    emu.inject(lost(&format!("{path}/versions"), ChaosFault::Stall { after: true }));
    let third = pass.deploy(&worker(0, 3), DeployOptions::default()).await.unwrap();
    let (versions, deployments) = server_side(&emu, pass.account_id());
    assert_eq!((versions.len(), deployments.len()), (3, 3));
    assert_eq!(versions.last(), Some(&third.version_id));
}

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// `make test-chaos`: `CHAOS_FLOWS` flows (default 20), `CHAOS_CONCURRENCY`
/// at a time (default 4), against random faults on `CHAOS_RATE` of the API
/// requests (default 0.1), seeded by `CHAOS_SEED` (default: the clock;
/// printed, so a run can be replayed — the faults follow the request order,
/// which concurrency makes only roughly reproducible). The client keeps the
/// default retry budget (3 attempts) with short delays, and a 5 s timeout
/// that the 6 s stalls exceed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "chaos run: make test-chaos"]
async fn random_faults() {
    let flows: usize = env("CHAOS_FLOWS", 20);
    let concurrency: usize = env("CHAOS_CONCURRENCY", 4);
    let rate: f64 = env("CHAOS_RATE", 0.1);
    let seed: u64 = env("CHAOS_SEED", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs());
    println!("chaos: {flows} flows, {concurrency} at a time, fault rate {rate}, CHAOS_SEED={seed}");
    let chaos = Chaos { rate, seed, stall: Duration::from_secs(6) };
    let config = EmulatorConfig { pow_k: 20, pow_g: 50, rate_limit: None, chaos: Some(chaos), ..Default::default() };
    let emu = boardingpass_emulator::spawn(config).await.unwrap();
    let retry = RetryPolicy::default().base_delay(Duration::from_millis(50)).max_delay(Duration::from_secs(1));
    let client = client(&emu, retry, Duration::from_secs(5));

    let started = Instant::now();
    let results: Vec<Flow> = futures::stream::iter(0..flows).map(|n| flow(&client, n)).buffer_unordered(concurrency.max(1)).collect().await;
    let wall = started.elapsed();
    let counts = boardingpass_emulator::faults::chaos_counts(emu.state());
    boardingpass_emulator::faults::set_chaos(emu.state(), None);

    let ok = results.iter().filter(|f| f.error.is_none()).count();
    let mut times: Vec<Duration> = results.iter().map(|f| f.elapsed).collect();
    times.sort();
    let passes: std::collections::HashSet<String> = results.iter().filter_map(|f| f.pass.as_ref().map(|p| p.account_id().to_string())).collect();
    let lost: Vec<String> = emu.state().store().accounts.keys().filter(|a| !passes.contains(*a)).cloned().collect();
    println!(
        "chaos: {ok}/{flows} flows succeeded ({:.1}%), {} faults injected {counts:?}",
        100.0 * ok as f64 / flows as f64,
        counts.values().sum::<u64>()
    );
    println!(
        "chaos: time per flow p50 {:.2}s, p99 {:.2}s, max {:.2}s; wall {:.1}s",
        percentile(&times, 0.5).as_secs_f64(),
        percentile(&times, 0.99).as_secs_f64(),
        times.last().unwrap().as_secs_f64(),
        wall.as_secs_f64()
    );
    println!("chaos: {} account(s) created whose create answer was lost (empty, expire unclaimed)", lost.len());
    for failure in describe_failures(&results) {
        println!("chaos: {failure}");
    }

    let problems = audit(&emu, &results);
    assert!(problems.is_empty(), "CHAOS_SEED={seed}:\n{}", problems.join("\n"));
    for a in &lost {
        let workers = emu.state().store().workers.get(a).map_or(0, |w| w.scripts.len());
        assert_eq!(workers, 0, "account {a} has no pass but holds Workers (an orphaned deploy)");
    }
    for f in &results {
        if let Some(e) = &f.error {
            let transient = [ErrorKind::Network, ErrorKind::Timeout, ErrorKind::Api, ErrorKind::RateLimited, ErrorKind::Protocol];
            assert!(transient.contains(&e.kind()), "CHAOS_SEED={seed}: a fault surfaced as [{}] {e}", e.code());
            assert!(f.pass.is_none() || f.pass.as_ref().unwrap().expose_claim_url().contains("claimToken="), "a failure after provisioning keeps the claim URL");
        }
    }
    // A flow fails only when faults hit every attempt of one call (3 per
    // call, 2 account creations): about 2.5 % of flows at rate 0.1, where
    // without retries most flows would fail. The bound leaves room for
    // chance (5 failures in 20 flows has odds of about 1 in 6,000).
    assert!(ok * 5 >= flows * 4, "CHAOS_SEED={seed}: only {ok} of {flows} flows succeeded");
}

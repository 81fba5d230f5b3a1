//! Load: `LOAD_FLOWS` (default 50) concurrent flows — provision → deploy →
//! verify → redeploy → verify — from this one process against the release
//! emulator binary as a separate process at production difficulty (k=1000
//! g=2000), so the two processes' memory is measured apart. Prints p50/p99
//! flow time and the peak RSS of the client, the emulator and its workerd
//! processes; exits non-zero if any flow fails. A bench: it asserts nothing
//! about speed.
//!
//! `make bench-load` (needs `BOARDINGPASS_EMULATOR`, the release binary).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use boardingpass::{Client, DeployOptions, Error, ProvisionOptions, VerifyOptions, Worker};
use futures::StreamExt;

/// A KiB field of `/proc/{pid}/{file}`: `status` `VmHWM` = peak RSS;
/// `smaps_rollup` `Pss` = memory with shared pages split among their users.
fn proc_kib(pid: u32, file: &str, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Processes whose parent is `pid` (the emulator's workerd children).
fn children(pid: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| {
            let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
            // `pid (comm) state ppid …`; comm may hold spaces, so split after the last ')'.
            stat.rsplit(')').next().and_then(|rest| rest.split_whitespace().nth(1)).and_then(|pp| pp.parse::<u32>().ok()) == Some(pid)
        })
        .collect()
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn worker(flow: usize, round: u32) -> Worker {
    let marker = format!("flow {flow} round {round}");
    Worker::from_source("load", "index.js", format!("export default {{ fetch() {{ return new Response({marker:?}) }} }}")).compatibility_date("2026-06-01")
}

/// One flow's (total, provisioning) time.
async fn flow(client: &Client, n: usize) -> Result<(Duration, Duration), Error> {
    let started = Instant::now();
    let pass = client.provision(ProvisionOptions::default().owner("Load Bench")).await?;
    let provisioned = started.elapsed();
    for round in 1..=2 {
        let d = pass.deploy(&worker(n, round), DeployOptions::default()).await?;
        let verify = VerifyOptions::default().expect_body_contains(format!("flow {n} round {round}"));
        pass.verify(&d, verify).await?;
    }
    Ok((started.elapsed(), provisioned))
}

/// p50, p99 and max of `v` in seconds.
fn spread(mut v: Vec<Duration>) -> String {
    v.sort();
    let at = |p: f64| v.get(((v.len() as f64 * p).ceil() as usize).clamp(1, v.len().max(1)) - 1).map_or(0.0, Duration::as_secs_f64);
    format!("p50 {:.2} s, p99 {:.2} s, max {:.2} s", at(0.5), at(0.99), at(1.0))
}

fn main() {
    let flows: usize = std::env::var("LOAD_FLOWS").ok().and_then(|v| v.parse().ok()).unwrap_or(50);
    let bin = std::env::var("BOARDINGPASS_EMULATOR").expect("set BOARDINGPASS_EMULATOR to the release emulator binary (make bench-load)");
    let mut emulator = Command::new(&bin)
        .args(["--pow-k", "1000", "--pow-g", "2000", "--rate-limit", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("emulator starts");
    let pid = emulator.id();
    let mut lines = BufReader::new(emulator.stdout.take().unwrap()).lines();
    let first = lines.next().expect("emulator prints its address").unwrap();
    let base = first.rsplit(' ').next().unwrap().to_string();
    std::thread::spawn(move || lines.for_each(drop));

    // workerd memory is sampled: its processes come and go with deploys.
    let stop = Arc::new(AtomicBool::new(false));
    let (peak_workerd_kib, peak_workerd_procs) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let sampler = {
        let (stop, kib, procs) = (stop.clone(), peak_workerd_kib.clone(), peak_workerd_procs.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let kids = children(pid);
                let total: u64 = kids.iter().filter_map(|k| proc_kib(*k, "smaps_rollup", "Pss:")).sum();
                kib.fetch_max(total, Ordering::Relaxed);
                procs.fetch_max(kids.len() as u64, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let started = Instant::now();
    let results: Vec<Result<(Duration, Duration), Error>> = rt.block_on(async {
        let client = Client::builder().api_base(&base).accept_terms(true).build().unwrap();
        futures::stream::iter(0..flows).map(|n| flow(&client, n)).buffer_unordered(flows.max(1)).collect().await
    });
    let wall = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    let emulator_kib = proc_kib(pid, "status", "VmHWM:").unwrap_or(0);
    let client_kib = proc_kib(std::process::id(), "status", "VmHWM:").unwrap_or(0);
    let _ = Command::new("kill").args(["-INT", &pid.to_string()]).status();
    let _ = emulator.wait();

    let errors: Vec<String> = results.iter().filter_map(|r| r.as_ref().err().map(|e| format!("[{}] {e}", e.code()))).collect();
    let done: Vec<(Duration, Duration)> = results.iter().filter_map(|r| r.as_ref().ok().copied()).collect();
    println!("load: {flows} concurrent flows (provision k=1000 g=2000 → deploy → verify → redeploy → verify), {} errors", errors.len());
    println!("load: flow time {}; wall {:.2} s", spread(done.iter().map(|d| d.0).collect()), wall.as_secs_f64());
    println!("load: of which provisioning (challenge, proof of work, create) {}", spread(done.iter().map(|d| d.1).collect()));
    println!("load: of which the rest (deploy, verify, redeploy, verify) {}", spread(done.iter().map(|d| d.0 - d.1).collect()));
    println!("load: peak RSS client {:.1} MiB, emulator {:.1} MiB", mib(client_kib), mib(emulator_kib));
    println!(
        "load: workerd (one process per live Worker, sampled every 100 ms) peak {} processes, {:.1} MiB together (PSS)",
        peak_workerd_procs.load(Ordering::Relaxed),
        mib(peak_workerd_kib.load(Ordering::Relaxed))
    );
    for e in &errors {
        println!("load: {e}");
    }
    if !errors.is_empty() {
        std::process::exit(1);
    }
}

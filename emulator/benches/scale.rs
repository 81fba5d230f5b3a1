//! `make bench-emulator`: ACCOUNTS (20) temporary accounts with WORKERS (5)
//! live Workers each, all named alike across accounts, in the emulator with
//! the shared workerd (`BENCH_PROCESSES=1`: a process per version, for
//! comparison; keep the counts small). Prints the total RSS of emulator +
//! workerd, redeploy → new version answers (p50, p90, max over REDEPLOYS
//! redeploys), and checks by content that every request was answered by its
//! own account's current code (any mismatch fails the run).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use boardingpass_emulator::{spawn, EmulatorConfig, EmulatorHandle};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A provisioned account and its workers.dev subdomain.
struct Account {
    id: String,
    token: String,
    subdomain: String,
}

async fn provision(http: &reqwest::Client, base: &str) -> Account {
    let common::Account { id, token, .. } = common::provision(base).await;
    let sub: Value = http.get(format!("{base}/accounts/{id}/workers/subdomain")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    Account { id, token, subdomain: sub["result"]["subdomain"].as_str().unwrap().to_string() }
}

/// What Worker `name` of account `a` answers in `version`: unique across accounts.
fn expected(a: &Account, name: &str, version: u32) -> String {
    format!("{} {name} v{version}", a.id)
}

async fn deploy(http: &reqwest::Client, base: &str, a: &Account, name: &str, version: u32) {
    let source = format!("export default {{ fetch() {{ return new Response({:?}) }} }}", expected(a, name, version));
    let form = Form::new()
        .part("metadata", Part::text(json!({"main_module": "index.js", "compatibility_date": "2025-06-01"}).to_string()).mime_str("application/json").unwrap())
        .part("index.js", Part::text(source).file_name("index.js").mime_str("application/javascript+module").unwrap());
    let r = http.put(format!("{base}/accounts/{}/workers/scripts/{name}", a.id)).bearer_auth(&a.token).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 200, "deploy {name}: {}", r.text().await.unwrap());
    if version == 1 {
        http.post(format!("{base}/accounts/{}/workers/scripts/{name}/subdomain", a.id)).bearer_auth(&a.token).json(&json!({"enabled": true})).send().await.unwrap();
    }
}

async fn live(http: &reqwest::Client, emu: &EmulatorHandle, a: &Account, name: &str) -> String {
    let host = format!("{name}.{}.localhost:{}", a.subdomain, emu.port());
    let r = http.get(emu.origin()).header("host", host).send().await.unwrap();
    r.text().await.unwrap()
}

/// Resident memory of `pid` in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0)
}

/// The workerd processes this process started.
fn children() -> Vec<u32> {
    let me = std::process::id();
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // pid (comm) state ppid …; comm may hold spaces, so split after the last ')'.
        let ppid = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)).and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(me) {
            out.push(pid);
        }
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let (accounts, workers, redeploys) = (env("ACCOUNTS", 20), env("WORKERS", 5), env("REDEPLOYS", 40));
    let shared = std::env::var("BENCH_PROCESSES").is_err();
    let config = EmulatorConfig { pow_k: 50, pow_g: 200, rate_limit: None, shared_workerd: shared, ..EmulatorConfig::default() };
    let emu = spawn(config).await.expect("emulator starts");
    let (base, http) = (emu.base_url(), reqwest::Client::new());
    println!("{accounts} accounts x {workers} Workers, {}", if shared { "one shared workerd" } else { "a workerd process per Worker" });

    let mut all = Vec::new();
    for _ in 0..accounts {
        all.push(provision(&http, &base).await);
    }
    let started = Instant::now();
    for a in &all {
        for w in 0..workers {
            deploy(&http, &base, a, &format!("w{w}"), 1).await;
        }
    }
    println!("deployed {} Workers in {:.1} s", accounts * workers, started.elapsed().as_secs_f64());

    let mut current = vec![vec![1u32; workers]; accounts];
    let check_all = |current: Vec<Vec<u32>>| {
        let (http, emu, all) = (&http, &emu, &all);
        async move {
            let mut wrong = 0;
            for (i, a) in all.iter().enumerate() {
                for (w, version) in current[i].iter().enumerate() {
                    let name = format!("w{w}");
                    let got = live(http, emu, a, &name).await;
                    if got != expected(a, &name, *version) {
                        eprintln!("WRONG: {name} of account {i} answered {got:?}");
                        wrong += 1;
                    }
                }
            }
            wrong
        }
    };
    let mut wrong = check_all(current.clone()).await;
    let workerd: Vec<u32> = children();
    let workerd_kib: u64 = workerd.iter().map(|p| rss_kib(*p)).sum();
    let emulator_kib = rss_kib(std::process::id());
    println!(
        "RSS with {} live Workers: emulator (with this bench client) {:.0} MiB + {} workerd process(es) {:.0} MiB = {:.0} MiB",
        accounts * workers,
        emulator_kib as f64 / 1024.0,
        workerd.len(),
        workerd_kib as f64 / 1024.0,
        (emulator_kib + workerd_kib) as f64 / 1024.0
    );

    let mut times = Vec::new();
    for n in 0..redeploys {
        let (i, w) = (n % accounts, (n / accounts) % workers);
        let (a, name) = (&all[i], format!("w{w}"));
        let version = current[i][w] + 1;
        let t = Instant::now();
        deploy(&http, &base, a, &name, version).await;
        let want = expected(a, &name, version);
        loop {
            let got = live(&http, &emu, a, &name).await;
            if got == want {
                break;
            }
            assert!(t.elapsed() < Duration::from_secs(30), "{name} never answered with v{version} (last: {got:?})");
        }
        times.push(t.elapsed());
        current[i][w] = version;
    }
    times.sort();
    println!(
        "redeploy -> new version answers, {} redeploys: p50 {:.0} ms, p90 {:.0} ms, max {:.0} ms",
        times.len(),
        percentile(&times, 0.5).as_secs_f64() * 1000.0,
        percentile(&times, 0.9).as_secs_f64() * 1000.0,
        times.last().unwrap().as_secs_f64() * 1000.0
    );
    wrong += check_all(current).await;
    let peak_kib: u64 = rss_kib(std::process::id()) + children().iter().map(|p| rss_kib(*p)).sum::<u64>();
    println!("RSS after the redeploys: {:.0} MiB; requests answered by the wrong code: {wrong}", peak_kib as f64 / 1024.0);
    assert_eq!(wrong, 0, "a request was served by another Worker's or an old version's code");
    emu.shutdown().await;
}

//! Storage, boardingpass's side of `make bench-storage`
//! (tests/bench/storage_vs_wrangler.py runs wrangler's side on the same
//! emulator): on a fresh pass and database each run, `d1_apply_migrations`
//! of `BENCH_PROJECT/migrations` (20 files) and one `d1_query` of
//! `BENCH_PROJECT/rows.sql` (1,000 INSERTs), timed from the call to its
//! answer; then a Worker's D1 round trip: `BENCH_REQUESTS` sequential GETs
//! of a Worker whose handler runs one bound `SELECT` through `env.DB`.
//! Prints one JSON line. A bench: it asserts nothing about speed.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use boardingpass::{Client, DeployOptions, ProvisionOptions, Worker};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run `make bench-storage`"))
}

const WORKER: &str = "export default { async fetch(req, env) { const k = new URL(req.url).searchParams.get('k'); return Response.json(await env.DB.prepare('SELECT v FROM rows WHERE k = ?').bind(k).first('v')) } }";

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let (base, project) = (env("BENCH_API_BASE"), PathBuf::from(env("BENCH_PROJECT")));
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    let requests: usize = std::env::var("BENCH_REQUESTS").ok().and_then(|r| r.parse().ok()).unwrap_or(500);
    let rows = std::fs::read_to_string(project.join("rows.sql")).expect("rows.sql");
    let client = Client::builder().api_base(&base).accept_terms(true).build().expect("client");
    let (mut apply, mut insert) = (Vec::new(), Vec::new());
    let mut last = None;
    for _ in 0..runs {
        let pass = client.provision(ProvisionOptions::default().owner("Storage Bench")).await.expect("provision");
        let db = pass.create_d1_database("bench").await.expect("database");
        let t = Instant::now();
        let applied = pass.d1_apply_migrations(&db.uuid, &project.join("migrations")).await.expect("migrations");
        apply.push(t.elapsed());
        assert_eq!(applied.len(), 20, "every migration applied");
        let t = Instant::now();
        pass.d1_query(&db.uuid, &rows, Vec::new()).await.expect("rows");
        insert.push(t.elapsed());
        last = Some((pass, db));
    }
    let (pass, db) = last.expect("at least one run");
    let worker = Worker::from_source("d1-rtt", "index.js", WORKER).compatibility_date("2026-06-01").d1_id("DB", &db.uuid);
    let deployed = pass.deploy(&worker, DeployOptions::default()).await.expect("deploy");
    let url = reqwest::Url::parse(&deployed.url).expect("url");
    let host = format!("{}:{}", url.host_str().unwrap_or_default(), url.port().unwrap_or(80));
    let http = reqwest::Client::builder().no_proxy().build().expect("http");
    let mut rtt = Vec::with_capacity(requests);
    for i in 0..requests {
        let t = Instant::now();
        let r = http.get(format!("http://127.0.0.1:{}/?k=k{}", url.port().unwrap_or(80), i % 1000)).header("host", &host).send().await.expect("worker answers");
        let body = r.text().await.expect("body");
        rtt.push(t.elapsed());
        assert_eq!(body, format!("\"v{}\"", i % 1000), "the Worker read the row");
    }
    rtt.sort();
    let pick = |q: f64| ms(rtt[((rtt.len() as f64 * q).ceil() as usize).saturating_sub(1).min(rtt.len() - 1)]);
    let out = serde_json::json!({
        "apply_ms": apply.iter().map(|d| ms(*d)).collect::<Vec<_>>(),
        "insert_ms": insert.iter().map(|d| ms(*d)).collect::<Vec<_>>(),
        "rtt_p50_ms": pick(0.50), "rtt_p99_ms": pick(0.99), "requests": requests,
    });
    println!("{out}");
}

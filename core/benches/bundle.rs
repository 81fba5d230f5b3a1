//! Bundling alone, side by side in one run (a bench, not a test): core's
//! `project::load_with` on tests/fixtures/projects/2-hono-tsx (find esbuild,
//! run it, read the bundle and metafile, record packages) vs the esbuild
//! binary run by hand with the same entry and flags (conditions `workerd`,
//! `worker`, `browser`, ES module output, metafile). Runs interleaved;
//! medians. `make bench-bundle` (env: BUNDLE_RUNS, default 30).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use boardingpass::{load_project_with as load_with, LoadOptions};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn esbuild(repo: &Path) -> PathBuf {
    let p = repo.join("node_modules/@esbuild/linux-x64/bin/esbuild");
    assert!(p.is_file(), "{} is missing: run `make setup`", p.display());
    p
}

fn main() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf();
    let project = repo.join("tests/fixtures/projects/2-hono-tsx");
    assert!(project.join("node_modules/hono").is_dir(), "run `make setup` (the fixture's npm install)");
    let runs: usize = std::env::var("BUNDLE_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(30);
    let bin = esbuild(&repo);
    let out = std::env::temp_dir().join(format!("bench-bundle-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let by_hand = || {
        let status = Command::new(&bin)
            .current_dir(&project)
            .args(["src/index.tsx", "--bundle", "--format=esm", "--target=es2024", "--conditions=workerd,worker,browser"])
            .args(["--loader:.js=jsx", "--loader:.mjs=jsx", "--loader:.cjs=jsx", "--external:cloudflare:*", "--keep-names"])
            .args(["--define:process.env.NODE_ENV=\"production\"", "--log-level=error"])
            .arg(format!("--outfile={}", out.join("index.js").display()))
            .arg(format!("--metafile={}", out.join("meta.json").display()))
            .status()
            .expect("esbuild runs");
        assert!(status.success());
    };
    let ours = || {
        let w = load_with(&project, &LoadOptions::default()).expect("bundles");
        assert!(w.bundle.is_some());
    };
    // Warm the page cache and the binary once each.
    by_hand();
    ours();
    let (mut core, mut raw) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        ours();
        core.push(t.elapsed());
        let t = Instant::now();
        by_hand();
        raw.push(t.elapsed());
    }
    let _ = std::fs::remove_dir_all(&out);
    let (c, r) = (median(core), median(raw));
    println!(
        "bundle 2-hono-tsx, {runs} interleaved runs, median: boardingpass (core, esbuild binary) {:.1} ms | esbuild 0.28.2 by hand {:.1} ms | ratio {:.2} (goal <= 1.5)",
        c.as_secs_f64() * 1e3,
        r.as_secs_f64() * 1e3,
        c.as_secs_f64() / r.as_secs_f64()
    );
}

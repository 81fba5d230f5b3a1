//! Issue 12, scale: with `shared_workerd`, every account's Workers run in
//! one workerd process (an isolate per version through the Worker Loader).
//! Same behaviour as a process per version: each account's Worker answers
//! with its own code, a redeploy switches atomically, bindings and
//! `env.ASSETS` work, startup errors are 10021, deletion and expiry stop it.

mod common;

use std::time::Duration;

use boardingpass_emulator::EmulatorConfig;
use common::{enable_workers_dev, provision, put_module};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

async fn get(origin: &str, host: &str) -> (u16, String) {
    let r = reqwest::Client::new().get(format!("{origin}/")).header("host", host).header("x-boardingpass-worker", "forged").send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn module(text: &str) -> String {
    format!("export default {{ fetch(req, env) {{ return new Response(`{text} ${{env.WHO}}`) }} }}")
}

fn meta(who: &str) -> Value {
    json!({"main_module": "index.js", "compatibility_date": "2025-06-01", "bindings": [{"type": "secret_text", "name": "WHO", "text": who}]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_share_one_process_without_sharing_code() {
    let emu = common::conformance::spawn_checked(EmulatorConfig { pow_k: 50, pow_g: 200, shared_workerd: true, lifetime: Duration::from_secs(8), ..EmulatorConfig::default() }).await;
    let base = emu.base_url();
    let (a, b) = (provision(&base).await, provision(&base).await);
    // The same script name in two accounts, different code.
    assert_eq!(put_module(&base, &a, "same", &module("a1"), meta("alice")).await.0, 200);
    assert_eq!(put_module(&base, &b, "same", &module("b1"), meta("bob")).await.0, 200);
    let host_a = format!("same.{}.localhost:{}", enable_workers_dev(&base, &a, "same").await, emu.port());
    let host_b = format!("same.{}.localhost:{}", enable_workers_dev(&base, &b, "same").await, emu.port());
    assert_eq!(get(&emu.origin(), &host_a).await, (200, "a1 alice".into()));
    assert_eq!(get(&emu.origin(), &host_b).await, (200, "b1 bob".into()));
    let processes = std::fs::read_dir(emu.work_dir()).unwrap().count();
    assert_eq!(processes, 1, "one shared process directory, not one per Worker");

    // A redeploy answers with the new code as soon as it returns; the other account is untouched.
    assert_eq!(put_module(&base, &a, "same", &module("a2"), meta("alice")).await.0, 200);
    assert_eq!(get(&emu.origin(), &host_a).await, (200, "a2 alice".into()));
    assert_eq!(get(&emu.origin(), &host_b).await, (200, "b1 bob".into()));

    // A startup error is Cloudflare's 10021 with what the runtime said; the deployed version stays.
    let (status, body) = put_module(&base, &a, "same", "throw new Error('boom at startup'); export default {}", meta("alice")).await;
    assert_eq!((status, body["errors"][0]["code"].clone()), (400, json!(10021)), "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("boom at startup"), "{body}");
    assert_eq!(get(&emu.origin(), &host_a).await, (200, "a2 alice".into()));

    // Deletion stops one account's Worker; expiry stops the rest.
    reqwest::Client::new().delete(format!("{base}/accounts/{}/workers/scripts/same", b.id)).bearer_auth(&b.token).send().await.unwrap();
    assert_eq!(get(&emu.origin(), &host_b).await.0, 404);
    assert_eq!(emu.live_workers(), 1);
    tokio::time::sleep(Duration::from_secs(9)).await;
    assert_eq!(get(&emu.origin(), &host_a).await.0, 404, "an expired account's Worker stops answering");
    assert_eq!(emu.live_workers(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_assets_binding_reaches_the_versions_assets() {
    let emu = common::conformance::spawn_checked(EmulatorConfig { pow_k: 50, pow_g: 200, shared_workerd: true, ..EmulatorConfig::default() }).await;
    let base = emu.base_url();
    let a = provision(&base).await;
    let http = reqwest::Client::new();
    let css = "h1{color:teal}";
    let hash = "0123456789abcdef0123456789abcdef";
    let session: Value = http.post(format!("{base}/accounts/{}/workers/scripts/site/assets-upload-session", a.id)).bearer_auth(&a.token)
        .json(&json!({"manifest": {"/style.css": {"hash": hash, "size": css.len()}}})).send().await.unwrap().json().await.unwrap();
    let form = Form::new().text(hash, base64::Engine::encode(&base64::engine::general_purpose::STANDARD, css));
    let done: Value = http.post(format!("{base}/accounts/{}/workers/assets/upload?base64=true", a.id)).bearer_auth(session["result"]["jwt"].as_str().unwrap())
        .multipart(form).send().await.unwrap().json().await.unwrap();
    let source = "export default { async fetch(req, env) { const r = await env.ASSETS.fetch('http://x/style.css'); return new Response('via binding: ' + await r.text()) } }";
    let metadata = json!({"main_module": "index.js", "compatibility_date": "2025-06-01", "assets": {"jwt": done["result"]["jwt"], "config": {"run_worker_first": true}}, "bindings": [{"type": "assets", "name": "ASSETS"}]});
    let (status, body) = put_module(&base, &a, "site", source, metadata).await;
    assert_eq!(status, 200, "{body}");
    let host = format!("site.{}.localhost:{}", enable_workers_dev(&base, &a, "site").await, emu.port());
    assert_eq!(get(&emu.origin(), &host).await, (200, format!("via binding: {css}")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modules_of_every_kind_load_in_the_shared_process() {
    let emu = common::conformance::spawn_checked(EmulatorConfig { pow_k: 50, pow_g: 200, shared_workerd: true, ..EmulatorConfig::default() }).await;
    let base = emu.base_url();
    let a = provision(&base).await;
    let main = "import text from './note.txt'; import data from './blob.bin'; import conf from './conf.json'; import mod from './empty.wasm'; import cjs from './helper.cjs';\n\
        export default { fetch(req, env) { return Response.json({ text, data: data.byteLength, n: conf.n, wasm: mod instanceof WebAssembly.Module, cjs: cjs.twice(21), json: env.CONF.k }) } }";
    let part = |name: &str, bytes: Vec<u8>, ct: &str| Part::bytes(bytes).file_name(name.to_string()).mime_str(ct).unwrap();
    let metadata = json!({"main_module": "index.js", "compatibility_date": "2025-06-01", "bindings": [{"type": "json", "name": "CONF", "json": {"k": "v"}}]});
    let form = Form::new()
        .part("metadata", Part::text(metadata.to_string()).mime_str("application/json").unwrap())
        .part("index.js", part("index.js", main.into(), "application/javascript+module"))
        .part("note.txt", part("note.txt", b"a note".to_vec(), "text/plain"))
        .part("blob.bin", part("blob.bin", vec![1, 2, 3], "application/octet-stream"))
        .part("conf.json", part("conf.json", br#"{"n": 7}"#.to_vec(), "application/json"))
        .part("empty.wasm", part("empty.wasm", b"\0asm\x01\0\0\0".to_vec(), "application/wasm"))
        .part("helper.cjs", part("helper.cjs", b"module.exports = { twice: (x) => x * 2 };".to_vec(), "application/javascript"));
    let r = reqwest::Client::new().put(format!("{base}/accounts/{}/workers/scripts/kinds", a.id)).bearer_auth(&a.token).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let host = format!("kinds.{}.localhost:{}", enable_workers_dev(&base, &a, "kinds").await, emu.port());
    let (status, body) = get(&emu.origin(), &host).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), json!({"text": "a note", "data": 3, "n": 7, "wasm": true, "cjs": 42, "json": "v"}));
}

/// The live workerd processes working in `dir` (one emulator's, while other
/// tests of this binary run their own).
fn workerd_children(dir: &std::path::Path) -> Vec<i32> {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse::<i32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let fields: Vec<&str> = stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
            let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).unwrap_or_default();
            stat.contains("(workerd)") && fields.first() != Some(&"Z") && fields.get(1) == Some(&me.as_str()) && cwd.starts_with(dir)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_shared_process_is_restarted_with_its_workers() {
    let emu = common::conformance::spawn_checked(EmulatorConfig { pow_k: 50, pow_g: 200, shared_workerd: true, ..EmulatorConfig::default() }).await;
    let base = emu.base_url();
    let a = provision(&base).await;
    assert_eq!(put_module(&base, &a, "phoenix", &module("alive"), meta("again")).await.0, 200);
    let host = format!("phoenix.{}.localhost:{}", enable_workers_dev(&base, &a, "phoenix").await, emu.port());
    assert_eq!(get(&emu.origin(), &host).await, (200, "alive again".into()));
    let before = workerd_children(emu.work_dir());
    assert_eq!(before.len(), 1, "one shared process: {before:?}");
    unsafe { libc::kill(before[0], libc::SIGKILL) };
    let mut answers = Vec::new();
    for _ in 0..20 {
        answers.push(get(&emu.origin(), &host).await);
        if answers.last().unwrap().0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(answers.last().unwrap(), &(200, "alive again".to_string()), "{answers:?}");
    assert!(answers.iter().all(|(s, body)| *s == 200 && body == "alive again" || *s == 502), "{answers:?}");
    let after = workerd_children(emu.work_dir());
    assert!(after.len() == 1 && after != before, "a new shared process: {after:?}");
}

//! The agent tools end to end against the emulator: what a model sends,
//! what it gets back (schema-shaped, no credential, no claim link) and what
//! the owner gets (the claim link, out of band).

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use boardingpass::toolbox::{tool_specs, CallContext, ClaimLink, ClaimLinkSink, Toolbox, ToolboxConfig, MAX_INLINE_FILES};
use boardingpass::Client;
use boardingpass_emulator::{EmulatorConfig, EmulatorHandle};
use serde_json::{json, Value};

/// A toolbox whose claim links land in the returned vector.
fn toolbox(emu: &EmulatorHandle, root: Option<std::path::PathBuf>) -> (Toolbox, Arc<Mutex<Vec<String>>>) {
    let links = Arc::new(Mutex::new(Vec::new()));
    let seen = links.clone();
    let sink: ClaimLinkSink = Arc::new(move |link: ClaimLink| {
        seen.lock().unwrap().push(link.url.expose_secret().to_string());
        Box::pin(async { Ok("sent to the owner by the test".to_string()) })
    });
    let client = Client::builder().api_base(emu.base_url()).accept_terms(true).build().unwrap();
    (Toolbox::new(client, ToolboxConfig::new(Some("Ada Lovelace".into()), root), sink), links)
}

async fn call(tb: &Toolbox, name: &str, args: Value) -> Result<Value, boardingpass::Error> {
    tb.call(name, args, CallContext::default()).await
}

/// Every property the tool's output schema requires is present, and no
/// other (the schemas are closed).
fn assert_shape(tool: &str, out: &Value) {
    let spec = tool_specs().into_iter().find(|s| s.name == tool).unwrap();
    let schema = &spec.output_schema;
    let Some(props) = schema["properties"].as_object() else { return };
    let obj = out.as_object().unwrap_or_else(|| panic!("{tool}: {out}"));
    for key in schema["required"].as_array().unwrap() {
        assert!(obj.contains_key(key.as_str().unwrap()), "{tool} result lacks {key}: {out}");
    }
    for key in obj.keys() {
        assert!(props.contains_key(key), "{tool} result has {key}, not in its schema");
    }
}

fn worker_files(text: &str) -> Value {
    json!({"src/index.js": format!("import {{ greeting }} from './greeting.js'\nexport default {{ fetch() {{ return new Response(greeting) }} }}"), "src/greeting.js": format!("export const greeting = {text:?}")})
}

/// The guestbook fixture sent inline (wrangler.toml, Worker, migrations):
/// the deploy creates and migrates its D1 database and KV namespace and
/// tells the model which resources the account now holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_deploys_a_project_with_d1_and_kv_and_sees_its_resources() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let (tb, _) = toolbox(&emu, None);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/projects/7-guestbook");
    let mut files = serde_json::Map::new();
    for f in ["wrangler.toml", "src/index.js", "migrations/0001_create.sql", "migrations/0002_likes.sql"] {
        files.insert(f.into(), json!(std::fs::read_to_string(dir.join(f)).unwrap()));
    }
    let out = call(&tb, "deploy", json!({"name": "guestbook", "files": files, "verify_path": "/entries", "expect_body_contains": "\"count\":0"})).await.unwrap();
    assert_shape("deploy", &out);
    assert_eq!(out["verified"], true, "{out}");
    let resources = out["resources"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = resources.iter().map(|r| (r["type"].as_str().unwrap(), r["name"].as_str().unwrap())).collect();
    assert_eq!(kinds, [("d1_database", "guestbook"), ("kv_namespace", "guestbook-counter")]);
    assert!(resources[0]["size"].as_u64() > Some(0) && resources[1]["size"].is_null(), "{out}");
}

#[tokio::test]
async fn a_model_deploys_inline_files_and_never_sees_a_credential() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let (tb, links) = toolbox(&emu, None);

    let out = call(&tb, "deploy", json!({"name": "inline", "files": worker_files("hello from a model"), "expect_body_contains": "hello from a model"})).await.unwrap();
    assert_shape("deploy", &out);
    assert_eq!(out["verified"], true, "{out}");
    assert_eq!(common::get(out["url"].as_str().unwrap(), "/").await, (200, "hello from a model".into()));
    assert_eq!(out["claim_link"], "sent to the owner by the test");
    let links = links.lock().unwrap().clone();
    assert_eq!(links.len(), 1, "the owner got the claim link once");

    let pass_id = out["pass_id"].as_str().unwrap().to_string();
    let again = call(&tb, "redeploy", json!({"pass_id": pass_id, "name": "inline", "files": worker_files("version two")})).await.unwrap();
    assert_shape("redeploy", &again);
    assert_eq!(again["redeploy"], true);
    assert_ne!(again["version_id"], out["version_id"]);
    assert!(again["claim_link"].is_null(), "no new account, no new link");
    assert_eq!(common::get(again["url"].as_str().unwrap(), "/").await.1, "version two");

    let evidence = call(&tb, "verify", json!({"pass_id": pass_id, "worker": "inline", "expect_body_contains": "nope", "verify_timeout_seconds": 1})).await.unwrap();
    assert_shape("verify", &evidence);
    assert_eq!(evidence["passed"], false, "a failed check is evidence, not an error");
    assert!(!evidence["failures"].as_array().unwrap().is_empty());

    let ticket = call(&tb, "claim_ticket", json!({"pass_id": pass_id})).await.unwrap();
    assert_eq!(ticket["temporary_resource"]["workers"][0]["name"], "inline", "{ticket}");
    let status = call(&tb, "claim_status", json!({"pass_id": pass_id})).await.unwrap();
    assert_shape("claim_status", &status);
    assert_eq!(status["status"], "pending");

    // Nothing a model saw holds the claim link, its token or the API token.
    let claim_url = &links[0];
    let claim_token = claim_url.split("claimToken=").nth(1).unwrap();
    for seen in [&out, &again, &evidence, &ticket, &status] {
        let text = seen.to_string();
        assert!(!text.contains(claim_url.as_str()) && !text.contains(claim_token), "{text}");
    }

    let report = call(&tb, "teardown", json!({"pass_id": pass_id})).await.unwrap();
    assert_shape("teardown", &report);
    assert_eq!(report["deleted_workers"], json!(["inline"]));
    let gone = call(&tb, "claim_status", json!({"pass_id": pass_id})).await.unwrap_err();
    assert!(gone.to_string().contains("not a pass held here"), "{gone}");
}

#[tokio::test]
async fn a_claimed_pass_ends_the_wait() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let (tb, links) = toolbox(&emu, None);
    let out = call(&tb, "provision", json!({})).await.unwrap();
    assert_shape("provision", &out);
    let token = links.lock().unwrap()[0].split("claimToken=").nth(1).unwrap().to_string();
    let pass_id = out["pass_id"].clone();
    let wait = tokio::spawn({
        let tb = tb.clone();
        async move { call(&tb, "wait_for_claim", json!({"pass_id": pass_id, "timeout_seconds": 30})).await }
    });
    reqwest::Client::new().post(format!("{}/x-boardingpass/claim", emu.origin())).header("x-claim-token", token).send().await.unwrap();
    let outcome = wait.await.unwrap().unwrap();
    assert_shape("wait_for_claim", &outcome);
    assert_eq!(outcome["status"], "claimed");
}

#[tokio::test]
async fn bad_arguments_are_refused_before_anything_is_provisioned() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("site")).unwrap();
    std::fs::write(root.path().join("site/index.html"), "<h1>hi</h1>").unwrap();
    let (tb, links) = toolbox(&emu, Some(root.path().to_path_buf()));
    let many: BTreeMap<String, String> = (0..=MAX_INLINE_FILES).map(|i| (format!("p{i}.html"), "x".into())).collect();
    let cases = [
        ("nope", json!({}), "not a tool"),
        ("deploy", json!({"files": worker_files("x")}), "name"),
        ("deploy", json!({"name": "x", "files": worker_files("x"), "colour": "red"}), "colour"),
        ("deploy", json!({"name": "x"}), "exactly one"),
        ("deploy", json!({"name": "x", "files": worker_files("x"), "path": "site"}), "exactly one"),
        ("deploy", json!({"name": "x", "path": "../"}), "outside"),
        ("deploy", json!({"name": "x", "path": "/etc"}), "outside"),
        ("deploy", json!({"name": "x", "files": many}), "at most 1000"),
        ("deploy", json!({"name": "x", "files": {"index.js": "x".repeat(6 << 20)}}), "per file"),
        ("deploy", json!({"name": "x", "files": {"../index.js": "x"}}), ".."),
        ("deploy", json!({"name": "x", "files": worker_files("x"), "verify_path": "https://elsewhere.example/"}), "path"),
        ("redeploy", json!({"name": "x", "files": worker_files("x")}), "pass_id"),
        ("verify", json!({"pass_id": "pass_0", "worker": "x"}), "not a pass held here"),
        ("deploy", json!({"name": "x", "files": worker_files("x"), "verify_timeout_seconds": 0}), "1 to 300"),
        ("wait_for_claim", json!({"pass_id": "pass_0", "timeout_seconds": 0}), "not a pass held here"),
    ];
    for (tool, args, says) in cases {
        let e = call(&tb, tool, args.clone()).await.unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{tool} {args}: {e}");
        assert!(e.to_string().contains(says), "{tool}: {e} should mention {says}");
    }
    assert_eq!(emu.account_count(), 0, "nothing was provisioned");
    assert!(links.lock().unwrap().is_empty());

    // Inside the root, a path deploys.
    let out = call(&tb, "deploy", json!({"name": "site", "path": "site"})).await.unwrap();
    assert_eq!(common::get(out["url"].as_str().unwrap(), "/").await, (200, "<h1>hi</h1>".into()));
}

#[tokio::test]
async fn cancelling_a_call_stops_the_proof_of_work() {
    let emu = boardingpass_emulator::spawn(EmulatorConfig { pow_k: 1000, pow_g: 8000, ..EmulatorConfig::default() }).await.unwrap();
    let (tb, links) = toolbox(&emu, None);
    let cancel = boardingpass::CancellationToken::new();
    let ctx = CallContext::new(Default::default(), Some(cancel.clone()), None);
    let call = tokio::spawn({
        let tb = tb.clone();
        async move { tb.call("deploy", json!({"name": "x", "files": worker_files("x")}), ctx).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    cancel.cancel();
    let e = call.await.unwrap().unwrap_err();
    assert_eq!(e.code(), "cancelled", "{e}");
    assert_eq!(emu.account_count(), 0);
    assert!(links.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_failing_claim_link_channel_falls_back_to_stderr_and_is_audited() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let (audit, events) = common::recorded_audit();
    let client = Client::builder().api_base(emu.base_url()).accept_terms(true).audit(audit).build().unwrap();
    let broken: ClaimLinkSink = Arc::new(|_| Box::pin(async { Err(boardingpass::Error::Cancelled) }));
    let tb = Toolbox::new(client, ToolboxConfig::new(Some("Ada Lovelace".into()), None), broken);
    let out = call(&tb, "provision", json!({})).await.unwrap();
    assert!(out["claim_link"].as_str().unwrap().contains("standard error"), "{out}");
    let events = events.lock().unwrap();
    assert!(events.iter().any(|e| e["event"] == "failed" && e["details"]["step"] == "claim_link"), "{events:?}");
}

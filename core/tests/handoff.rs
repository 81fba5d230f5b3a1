//! The handoff as a whole: the claim ticket's JSON schema and Markdown, and
//! the audit log a run leaves behind (every step present, ids and digests
//! only, no secret of any kind).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use boardingpass::AuditLog;
use boardingpass::{AuditEvent, BoardingPass, ClaimStatus, ClaimWaitOptions, Client, DeployOptions, Deployment, Error, ProvisionOptions, VerifyOptions, Worker};
use boardingpass_emulator::{EmulatorConfig, EmulatorHandle};
use serde_json::Value;

const SECRET_BINDING_VALUE: &str = "sk_live_HANDOFF_SECRET_BINDING_0123456789";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Checks `value` against the mini-schema of tests/fixtures/ticket-schema.json.
fn check_shape(spec: &Value, value: Option<&Value>, at: &str, errors: &mut Vec<String>) {
    match spec {
        Value::String(_) | Value::Array(_) if spec.as_array().is_none_or(|a| a.iter().all(Value::is_string)) => {
            let allowed: Vec<&str> = match spec {
                Value::String(s) => vec![s.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => unreachable!(),
            };
            let actual = match value {
                None => "absent",
                Some(Value::String(_)) => "string",
                Some(Value::Number(_)) => "number",
                Some(Value::Bool(_)) => "boolean",
                Some(Value::Null) => "null",
                Some(Value::Array(a)) if a.iter().all(Value::is_string) => "string[]",
                Some(Value::Array(_)) => "array",
                Some(Value::Object(_)) => "object",
            };
            if !allowed.contains(&actual) {
                errors.push(format!("{at}: {actual}, expected {allowed:?}"));
            }
        }
        Value::Array(items) => match value {
            Some(Value::Array(values)) => {
                for (i, v) in values.iter().enumerate() {
                    check_shape(&items[0], Some(v), &format!("{at}[{i}]"), errors);
                }
            }
            other => errors.push(format!("{at}: expected an array, got {other:?}")),
        },
        Value::Object(fields) => match value {
            Some(Value::Object(obj)) => {
                for (k, s) in fields {
                    check_shape(s, obj.get(k), &format!("{at}.{k}"), errors);
                }
                for k in obj.keys().filter(|k| !fields.contains_key(*k)) {
                    errors.push(format!("{at}.{k}: not in the schema"));
                }
            }
            other => errors.push(format!("{at}: expected an object, got {other:?}")),
        },
        other => panic!("bad schema node at {at}: {other}"),
    }
}

fn assert_schema(ticket: &Value) {
    let doc: Value = serde_json::from_str(&fixture("ticket-schema.json")).unwrap();
    assert_eq!(ticket["schema"], doc["schema_id"]);
    let mut errors = Vec::new();
    check_shape(&doc["spec"], Some(ticket), "ticket", &mut errors);
    assert!(errors.is_empty(), "ticket JSON does not match tests/fixtures/ticket-schema.json:\n{}", errors.join("\n"));
}

/// Replaces what differs between runs (times, ids, names, ports, digests)
/// with placeholders so the Markdown can be compared with a snapshot.
fn normalise(md: &str, pass: &BoardingPass) -> String {
    let mut out = md.replace(pass.account_name(), "<ACCOUNT NAME>").replace(&pass.derived_subdomain(), "<subdomain>");
    for (pattern, with) in [
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "<TIME>"),
        (r"run_[0-9a-f]{16}", "<RUN>"),
        (r"sha256:[0-9a-f]{64}", "<DIGEST>"),
        (r"sha256:[0-9a-f]{12}", "<FINGERPRINT>"),
        (r"\b[0-9a-f]{32}\b", "<HEX32>"),
        (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<UUID>"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:<PORT>"),
        (r"localhost:\d+", "localhost:<PORT>"),
        (r"process \d+ on \S+ only", "process <PID> on <HOST> only"),
        (r"in \d+ ms", "in <N> ms"),
        (r"\(\d+ min left\)", "(<N> min left)"),
    ] {
        out = regex::Regex::new(pattern).unwrap().replace_all(&out, with).into_owned();
    }
    out
}

fn assert_snapshot(actual: &str, name: &str) {
    let path = format!("{}/../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(actual, expected, "{name} changed; review the diff and rerun with UPDATE_SNAPSHOTS=1 to accept it");
}

async fn emulator() -> EmulatorHandle {
    boardingpass_emulator::spawn(EmulatorConfig { pow_k: 20, pow_g: 50, ..Default::default() }).await.unwrap()
}

fn worker(name: &str) -> Worker {
    Worker::from_source(name, "index.js", "export default { fetch(req, env) { return new Response(env.GREETING + ' ' + (env.API_KEY ? 'with key' : 'no key')) } }")
        .compatibility_date("2026-11-01")
        .var("GREETING", "hello from handoff")
        .secret("API_KEY", SECRET_BINDING_VALUE)
}

struct Run {
    _dir: tempfile::TempDir,
    log_path: std::path::PathBuf,
    seen: Arc<Mutex<Vec<AuditEvent>>>,
    client: Client,
}

fn client(emu: &EmulatorHandle) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("audit.jsonl");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let audit = AuditLog::new(Some("job-42".into()), Some(&log_path), Some(Arc::new(move |e: &AuditEvent| sink.lock().unwrap().push(e.clone())))).unwrap();
    let client = Client::builder().api_base(emu.base_url()).accept_terms(true).audit(audit).expiry_margin(Duration::ZERO).build().unwrap();
    Run { _dir: dir, log_path, seen, client }
}

async fn provision(run: &Run) -> BoardingPass {
    run.client.provision(ProvisionOptions::default().owner("Grace Hopper")).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_json_follows_the_schema_and_markdown_matches_the_snapshot() {
    let emu = emulator().await;
    let run = client(&emu);
    let pass = provision(&run).await;
    let d = pass.deploy(&worker("handoff"), DeployOptions::default()).await.unwrap();
    pass.verify(&d, VerifyOptions::default().expect_body_contains("hello from handoff with key")).await.unwrap();

    let record = pass.ticket(ClaimStatus::Pending).unwrap();
    let json = record.to_json();
    assert_schema(&json);
    assert!(json["claim"].get("url").is_none(), "the record rendering has no claim URL");
    assert_eq!(json["claim"]["url_fingerprint"], pass.claim_fingerprint());
    assert_eq!(json["credential"]["fingerprint"], pass.token_fingerprint());
    assert_eq!(json["job_id"], "job-42");
    assert_eq!(json["temporary_resource"]["workers"][0]["version_id"], d.version_id);
    assert_eq!(json["evidence"][0]["passed"], true);

    let owner = pass.owner_ticket(ClaimStatus::Pending).unwrap();
    assert_schema(&owner.to_json());
    assert_eq!(owner.to_json()["claim"]["url"], pass.expose_claim_url());
    assert!(owner.to_markdown().contains(&format!("bearer link: whoever completes it owns the account; do not forward): {}", pass.expose_claim_url())));

    assert_snapshot(&normalise(&record.to_markdown(), &pass), "ticket.md");

    // Neither record rendering carries a credential or the secret binding.
    let token = pass.expose_api_token();
    let claim_token = pass.expose_claim_url().split("claimToken=").nth(1).unwrap();
    for text in [json.to_string(), record.to_markdown(), format!("{record:?}")] {
        for secret in [token, claim_token, SECRET_BINDING_VALUE] {
            assert!(!text.contains(secret), "a secret leaked into the ticket");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_records_every_step_with_ids_and_no_secret() {
    let emu = emulator().await;
    let run = client(&emu);

    // Run 1: deploy, verify, ticket, claimed by a person.
    let claimed = provision(&run).await;
    let d = claimed.deploy(&worker("audited"), DeployOptions::default()).await.unwrap();
    claimed.verify(&d, VerifyOptions::default()).await.unwrap();
    claimed.ticket(ClaimStatus::Pending).unwrap();
    let claim_token = claimed.expose_claim_url().split("claimToken=").nth(1).unwrap().to_string();
    let r = reqwest::Client::new().post(format!("{}/x-boardingpass/claim", emu.origin())).header("x-claim-token", &claim_token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let outcome = claimed.wait_for_claim(ClaimWaitOptions::default().timeout(Duration::from_secs(10))).await.unwrap();
    assert_eq!(outcome.status, ClaimStatus::Claimed);

    // Run 2: a deploy the server rejects, then teardown.
    let ended = provision(&run).await;
    let broken = Worker::from_source("broken", "index.js", "export default {").secret("API_KEY", SECRET_BINDING_VALUE);
    assert!(ended.deploy(&broken, DeployOptions::default()).await.is_err());
    ended.deploy(&worker("audited"), DeployOptions::default()).await.unwrap();
    ended.teardown().await.unwrap();

    // The file holds what the callback saw, line for line, already on disk.
    let text = std::fs::read_to_string(&run.log_path).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("every line is one JSON object")).collect();
    let seen = run.seen.lock().unwrap().clone();
    assert_eq!(lines.len(), seen.len());
    let kinds: Vec<&str> = lines.iter().map(|l| l["event"].as_str().unwrap()).collect();
    for kind in ["policy_checked", "provisioned", "deploy_started", "deploy_finished", "verified", "ticket_issued", "claim_status_changed", "failed", "torn_down"] {
        assert!(kinds.contains(&kind), "no {kind} event in {kinds:?}");
    }
    let run_id = run.client.audit().run_id();
    for l in &lines {
        assert_eq!(l["run_id"], run_id);
        assert_eq!(l["job_id"], "job-42");
        assert!(l["ts"].as_str().is_some_and(|t| t.ends_with('Z')));
    }
    let finished = lines.iter().find(|l| l["event"] == "deploy_finished").unwrap();
    assert_eq!(finished["account_id"], claimed.account_id());
    assert_eq!(finished["worker"], "audited");
    assert_eq!(finished["content_digest"], d.content_digest);
    let claim_change = lines.iter().find(|l| l["event"] == "claim_status_changed").unwrap();
    assert_eq!(claim_change["details"]["status"], "claimed");
    assert_eq!(claim_change["details"]["confirmed"], true);
    let failure = lines.iter().find(|l| l["event"] == "failed").unwrap();
    assert_eq!(failure["worker"], "broken");
    assert_eq!(failure["account_id"], ended.account_id());

    for secret in [claimed.expose_api_token(), ended.expose_api_token(), claimed.expose_claim_url(), &claim_token, SECRET_BINDING_VALUE] {
        assert!(!text.contains(secret), "a secret reached the audit log");
    }
    assert!(text.contains(&claimed.token_fingerprint()), "credentials appear as fingerprints");
}

/// A server on loopback that answers every request with 200 "ok" and counts
/// the connections it accepted.
async fn counting_server() -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let _ = socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok").await;
        }
    });
    (url, hits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_trusts_only_the_pass_records_never_a_caller_supplied_deployment() {
    let emu = emulator().await;
    let run = client(&emu);
    let pass = provision(&run).await;
    let d = pass.deploy(&worker("recorded"), DeployOptions::default()).await.unwrap();
    let (elsewhere, hits) = counting_server().await;

    let edited = |edit: &dyn Fn(&mut Deployment)| {
        let mut copy = d.clone();
        edit(&mut copy);
        copy
    };
    let forged = [
        edited(&|f| f.url = elsewhere.clone()),
        edited(&|f| f.workers_dev_url = elsewhere.clone()),
        edited(&|f| f.content_digest = "sha256:forged".into()),
        edited(&|f| (f.version_id, f.url) = ("forged-version".into(), elsewhere.clone())),
        edited(&|f| (f.worker_name, f.url) = ("never-deployed".into(), elsewhere.clone())),
    ];
    for f in &forged {
        let e = pass.verify(f, VerifyOptions::default().timeout(Duration::from_secs(2))).await.unwrap_err();
        assert!(matches!(&e, Error::InvalidInput { field, .. } if field == "deployment"), "{f:?}: {e:?}");
    }
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0, "a forged deployment's URL was requested");
    assert!(pass.evidence().is_empty(), "a forged deployment left evidence");
    let refused = pass.ticket(ClaimStatus::Pending).unwrap_err();
    assert_eq!(refused.code(), "policy_violation", "{refused:?}");

    // A deployment from another pass is not this pass's either.
    let other = provision(&run).await;
    let theirs = other.deploy(&worker("recorded"), DeployOptions::default()).await.unwrap();
    assert_eq!(pass.verify(&theirs, VerifyOptions::default()).await.unwrap_err().code(), "invalid_input");

    // Each refusal is in the audit log as a failed verify step.
    let text = std::fs::read_to_string(&run.log_path).unwrap();
    let failed: Vec<Value> = text.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()).filter(|l| l["event"] == "failed").collect();
    assert_eq!(failed.len(), forged.len() + 1, "{failed:?}");
    assert!(failed.iter().all(|l| l["details"]["step"] == "verify" && l["details"]["code"] == "invalid_input"), "{failed:?}");

    // The real deployment verifies at its recorded URL, and then the ticket is issued.
    let evidence = pass.verify(&d, VerifyOptions::default()).await.unwrap();
    assert_eq!((evidence.url.as_str(), evidence.version_id.as_str()), (d.url.as_str(), d.version_id.as_str()));
    pass.ticket(ClaimStatus::Pending).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_verification_is_a_failed_event_in_the_audit_log() {
    let emu = emulator().await;
    let run = client(&emu);
    let pass = provision(&run).await;
    let d = pass.deploy(&worker("unexpected"), DeployOptions::default()).await.unwrap();
    let opts = VerifyOptions::default().expect_status(418).timeout(Duration::from_millis(300));
    assert_eq!(pass.verify(&d, opts).await.unwrap_err().code(), "verification");
    let seen = run.seen.lock().unwrap().clone();
    let last = serde_json::to_value(seen.last().unwrap()).unwrap();
    assert_eq!((last["event"].as_str(), last["details"]["step"].as_str()), (Some("failed"), Some("verify")), "{last}");
    assert_eq!((last["worker"].as_str(), last["content_digest"].as_str()), (Some("unexpected"), Some(d.content_digest.as_str())), "{last}");
}

//! Everything checkable locally fails before an account exists, preparation
//! overlaps the proof of work, and a failure after provisioning is audited.
//! Against the in-process emulator (the deploys run in real workerd).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use boardingpass::AuditLog;
use boardingpass::{
    AssetsConfig, AuditEvent, AuditKind, Client, DeployOptions, ErrorKind, Policy, ProvisionOptions, RetryPolicy, VerifyOptions, Worker,
};
use boardingpass_emulator::{EmulatorConfig, EmulatorHandle};

const CREATE: &str = "/client/v4/provisioning/previews";

async fn emulator() -> EmulatorHandle {
    boardingpass_emulator::spawn(EmulatorConfig { pow_k: 20, pow_g: 50, ..EmulatorConfig::default() }).await.expect("emulator starts")
}

type Events = Arc<Mutex<Vec<AuditEvent>>>;

fn client(emu: &EmulatorHandle, policy: Policy) -> (Client, Events) {
    let events: Events = Arc::default();
    let sink = events.clone();
    let audit = AuditLog::new(None, None, Some(Arc::new(move |e: &AuditEvent| sink.lock().unwrap().push(e.clone())))).unwrap();
    let fast = RetryPolicy::default().base_delay(Duration::from_millis(10));
    let client = Client::builder().api_base(emu.base_url()).accept_terms(true).retry(fast).policy(policy).audit(audit).build().unwrap();
    (client, events)
}

fn owner() -> ProvisionOptions {
    ProvisionOptions::default().owner("Ada Lovelace")
}

fn hello() -> Worker {
    Worker::from_source("hello", "index.js", "export default { fetch() { return new Response('prepared') } }")
}

fn site(dir: &Path, files: usize) -> Worker {
    for i in 0..files {
        std::fs::write(dir.join(format!("f{i}.txt")), format!("file {i}")).unwrap();
    }
    hello().assets(AssetsConfig::new(dir))
}

/// `(what, worker, policy, deploy options, field or rule named in the error)`
fn bad_projects(dir: &Path) -> Vec<(&'static str, Worker, Policy, DeployOptions, &'static str)> {
    let d = |name: &str| {
        let p = dir.join(name);
        std::fs::create_dir_all(&p).unwrap();
        p
    };
    let big = d("big");
    std::fs::write(big.join("video.bin"), vec![0u8; 6 * 1024 * 1024]).unwrap();
    let many = d("many");
    let worker_js = d("worker-js");
    std::fs::write(worker_js.join("index.html"), "<h1>x</h1>").unwrap();
    std::fs::write(worker_js.join("_worker.js"), "export default {}").unwrap();
    let name_rule = Policy::default().worker_name_pattern("^agent-");
    let tiny = DeployOptions::default().max_script_size(10);
    vec![
        ("bad name", Worker::from_source("Bad_Name", "index.js", "export default {}"), Policy::default(), DeployOptions::default(), "worker name"),
        ("bad date", hello().compatibility_date("2026-13-45"), Policy::default(), DeployOptions::default(), "compatibility_date"),
        ("6 MiB asset", hello().assets(AssetsConfig::new(&big)), Policy::default(), DeployOptions::default(), "asset size"),
        ("1,001 files", site(&many, 1_001), Policy::default(), DeployOptions::default(), "asset count"),
        ("_worker.js", hello().assets(AssetsConfig::new(&worker_js)), Policy::default(), DeployOptions::default(), "_worker.js"),
        ("policy", hello(), name_rule, DeployOptions::default(), "worker_name_pattern"),
        ("module size", hello(), Policy::default(), tiny, "worker size"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_project_fails_before_any_account_is_created() {
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    for (what, worker, policy, options, named) in bad_projects(dir.path()) {
        let (client, events) = client(&emu, policy);
        let e = client.provision_and_prepare(owner(), &worker, options).await.unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::InvalidInput | ErrorKind::PolicyViolation), "{what}: {e}");
        assert!(e.to_string().contains(named), "{what}: {e}");
        let creates = emu.requests().into_iter().filter(|r| r.method == "POST" && r.path == CREATE).count();
        assert_eq!((creates, emu.account_count()), (0, 0), "{what}: an account was created");
        let last = events.lock().unwrap().last().cloned().unwrap();
        assert_eq!((last.event, last.details["step"].as_str()), (AuditKind::Failed, Some("prepare")), "{what}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prepared_deploy_goes_live_on_the_pass_provisioned_alongside() {
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let (client, events) = client(&emu, Policy::default());
    let worker = site(dir.path(), 3);
    let (pass, prepared) = client.provision_and_prepare(owner(), &worker, DeployOptions::default()).await.unwrap();
    assert_eq!(prepared.manifest().map(|m| m.len()), Some(3), "hashed before the account existed");
    let d = pass.deploy_prepared(&prepared).await.unwrap();
    let evidence = pass.verify(&d, VerifyOptions::default().expect_body_contains("prepared")).await.unwrap();
    assert!(evidence.passed);
    assert_eq!((d.assets_total, emu.account_count()), (3, 1));
    let kinds: Vec<AuditKind> = events.lock().unwrap().iter().map(|e| e.event).collect();
    assert_eq!(
        kinds,
        [AuditKind::PolicyChecked, AuditKind::Provisioned, AuditKind::PolicyChecked, AuditKind::DeployStarted, AuditKind::DeployFinished, AuditKind::Verified]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_check_failing_after_provisioning_is_audited_as_failed() {
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let (client, events) = client(&emu, Policy::default());
    let pass = client.provision(owner()).await.unwrap();
    for (what, worker, _, options, _) in bad_projects(dir.path()).into_iter().filter(|b| b.0 != "policy") {
        let e = pass.deploy(&worker, options).await.unwrap_err();
        let last = events.lock().unwrap().last().cloned().unwrap();
        assert_eq!(last.event, AuditKind::Failed, "{what}: the log stopped at {:?}", last.event);
        assert_eq!((last.details["step"].as_str(), last.details["code"].as_str()), (Some("deploy"), Some(e.code())), "{what}");
    }
}

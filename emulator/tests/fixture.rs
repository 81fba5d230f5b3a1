//! Core's `testing::EmulatorProcess`, the fixture behind the pytest plugin
//! and Node's `startEmulator()`, driving this crate's binary: it listens on a
//! free port, a pass provisioned against it deploys, `claim` is the owner's
//! click (a waiting client sees `claimed`), options reach the emulator, and
//! after `stop` nothing answers. Missing programs fail before anything starts.

use std::time::Duration;

use boardingpass::testing::{EmulatorOptions, EmulatorProcess};
use boardingpass::{ClaimStatus, ClaimWaitOptions, Client, ErrorKind, ProvisionOptions, Worker};

const EMULATOR: &str = env!("CARGO_BIN_EXE_boardingpass-emulator");

fn options() -> EmulatorOptions {
    EmulatorOptions::default().emulator(EMULATOR)
}

async fn client(emu: &EmulatorProcess) -> Client {
    Client::builder().api_base(emu.api_base()).accept_terms(true).build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pass_deploys_and_is_claimed_then_the_emulator_stops() {
    let emu = EmulatorProcess::start(options()).await.unwrap();
    assert!(emu.api_base().starts_with("http://127.0.0.1:") && emu.api_base().ends_with("/client/v4"), "{}", emu.api_base());
    let client = client(&emu).await;
    let pass = client.provision(ProvisionOptions::default().owner("Ada Lovelace")).await.unwrap();
    let worker = Worker::from_source("hello", "index.js", "export default { fetch() { return new Response('hi') } }");
    let deployment = pass.deploy(&worker, Default::default()).await.unwrap();
    pass.verify(&deployment, Default::default()).await.unwrap();

    emu.claim(&pass).await.unwrap();
    let outcome = pass.wait_for_claim(ClaimWaitOptions::default().timeout(Duration::from_secs(20))).await.unwrap();
    assert_eq!(outcome.status, ClaimStatus::Claimed);
    let again = emu.claim(&pass).await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::Protocol, "a second click is refused: {again}");
    assert!(!again.to_string().contains(pass.expose_claim_url()), "no claim URL in the error");

    let addr = emu.api_base().trim_start_matches("http://").split('/').next().unwrap().to_string();
    emu.stop().await;
    emu.stop().await; // twice is harmless
    assert!(tokio::net::TcpStream::connect(&addr).await.is_err(), "nothing listens after stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifetime_and_difficulty_reach_the_emulator() {
    let emu = EmulatorProcess::start(options().lifetime(Duration::from_secs(2)).pow_k(7).pow_g(9)).await.unwrap();
    let http = reqwest::Client::new();
    let challenge: serde_json::Value = http.post(format!("{}/provisioning/previews/challenge", emu.api_base())).send().await.unwrap().json().await.unwrap();
    assert_eq!((&challenge["result"]["k"], &challenge["result"]["g"]), (&serde_json::json!(7), &serde_json::json!(9)), "{challenge}");
    let pass = client(&emu).await.provision(ProvisionOptions::default().owner("Ada")).await.unwrap();
    let window = pass.expires_at() - chrono::Utc::now();
    assert!(window <= chrono::Duration::seconds(3), "a 2 s lifetime: {window}");
    emu.stop().await;
}

#[tokio::test]
async fn missing_programs_and_bad_options_fail_before_starting() {
    let dir = tempfile::tempdir().unwrap();
    let e = EmulatorProcess::start(options().workerd(dir.path().join("no-workerd"))).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert!(e.to_string().contains("npm install --save-dev workerd"), "{e}");
    let e = EmulatorProcess::start(EmulatorOptions::default().emulator(dir.path().join("no-emulator"))).await.unwrap_err();
    assert!(e.to_string().contains("BOARDINGPASS_EMULATOR"), "{e}");
    for bad in [options().pow_k(0), options().lifetime(Duration::from_millis(1500))] {
        assert_eq!(EmulatorProcess::start(bad).await.unwrap_err().kind(), ErrorKind::InvalidInput);
    }
}

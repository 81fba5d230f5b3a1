//! Issue 10, finding 6: caps per account (Workers) and per Worker
//! (versions), refused in the envelope with the emulator's codes, and
//! configured host names on top of the emulator's own.

mod common;

use boardingpass_emulator::EmulatorConfig;
use common::{envelope_error, provision, put_worker};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_per_account_and_versions_per_worker_are_capped() {
    let emu = common::conformance::spawn_checked(EmulatorConfig { pow_k: 50, pow_g: 200, max_workers: 2, max_versions: 3, ..EmulatorConfig::default() }).await;
    let base = emu.base_url();
    let a = provision(&base).await;
    for name in ["one", "two"] {
        let (status, body) = put_worker(&base, &a, name).await;
        assert_eq!(status, 200, "{name}: {body}");
    }
    let (status, body) = put_worker(&base, &a, "three").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(envelope_error(&body.to_string()).0, 1501);

    // Existing Workers take new versions up to their cap.
    for _ in 0..2 {
        let (status, body) = put_worker(&base, &a, "one").await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = put_worker(&base, &a, "one").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(envelope_error(&body.to_string()).0, 1502);

    // Another account has its own room.
    let b = provision(&base).await;
    let (status, body) = put_worker(&base, &b, "three").await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn configured_host_names_reach_the_api_too() {
    let emu = common::conformance::spawn_checked(EmulatorConfig { pow_k: 50, pow_g: 200, allowed_hosts: vec!["emulator.test".into()], ..EmulatorConfig::default() }).await;
    let a = provision(&emu.base_url()).await;
    let http = reqwest::Client::new();
    let get = |host: String| http.get(format!("{}/client/v4/user", emu.origin())).header("host", host).bearer_auth(&a.token).send();
    assert_eq!(get("emulator.test".into()).await.unwrap().status(), 200);
    assert_eq!(get(format!("emulator.test:{}", emu.port())).await.unwrap().status(), 200);
    assert_eq!(get("other.test".into()).await.unwrap().status(), 421);
}

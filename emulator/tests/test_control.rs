//! Scripted faults over HTTP, the way the Python and Node suites inject them.

use boardingpass_emulator::EmulatorConfig;

async fn post(origin: &str, body: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{origin}/x-boardingpass/test/faults"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

async fn challenge(base: &str) -> reqwest::Response {
    reqwest::Client::new().post(format!("{base}/provisioning/previews/challenge")).json(&serde_json::json!({})).send().await.unwrap()
}

#[tokio::test]
async fn faults_are_refused_unless_test_control_is_on() {
    let emu = boardingpass_emulator::spawn(EmulatorConfig::default()).await.unwrap();
    let r = post(&emu.origin(), r#"{"path_contains":"challenge","kind":"status","status":500}"#).await;
    assert_eq!(r.status(), 404);
    assert_eq!(challenge(&emu.base_url()).await.status(), 200, "no fault was installed");
}

#[tokio::test]
async fn scripted_status_and_malformed_answers_apply_the_given_number_of_times() {
    let emu = boardingpass_emulator::spawn(EmulatorConfig { test_control: true, ..Default::default() }).await.unwrap();
    let r = post(&emu.origin(), r#"{"path_contains":"challenge","kind":"status","status":429,"retry_after":7,"times":2}"#).await;
    assert_eq!(r.status(), 204);
    for _ in 0..2 {
        let r = challenge(&emu.base_url()).await;
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()["retry-after"], "7");
    }
    assert_eq!(challenge(&emu.base_url()).await.status(), 200, "the fault is used up");

    assert_eq!(post(&emu.origin(), r#"{"path_contains":"challenge","kind":"malformed_json"}"#).await.status(), 204);
    let body = challenge(&emu.base_url()).await.text().await.unwrap();
    assert!(serde_json::from_str::<serde_json::Value>(&body).is_err(), "{body}");
}

#[tokio::test]
async fn bad_fault_requests_say_what_is_wrong() {
    let emu = boardingpass_emulator::spawn(EmulatorConfig { test_control: true, ..Default::default() }).await.unwrap();
    for (body, expect) in [
        (r#"{"path_contains":"x","kind":"status"}"#, "needs a status"),
        (r#"{"path_contains":"x","kind":"delay"}"#, "needs delay_ms"),
        (r#"{"path_contains":"x","kind":"explode"}"#, "unknown kind"),
        (r#"{"path_contains":"x","kind":"status","status":500,"extra":1}"#, "unknown field"),
    ] {
        let r = post(&emu.origin(), body).await;
        assert_eq!(r.status(), 400, "{body}");
        let text = r.text().await.unwrap();
        assert!(text.contains(expect), "{body}: {text}");
    }
}

//! Scripted faults over HTTP, the way the Python and Node suites inject them.

mod common;

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
    let emu = common::conformance::spawn_checked(EmulatorConfig::default()).await;
    let r = post(&emu.origin(), r#"{"path_contains":"challenge","kind":"status","status":500}"#).await;
    assert_eq!(r.status(), 404);
    assert_eq!(challenge(&emu.base_url()).await.status(), 200, "no fault was installed");
}

#[tokio::test]
async fn scripted_status_and_malformed_answers_apply_the_given_number_of_times() {
    let emu = common::conformance::spawn_checked(EmulatorConfig { test_control: true, ..Default::default() }).await;
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
    let emu = common::conformance::spawn_checked(EmulatorConfig { test_control: true, ..Default::default() }).await;
    for (body, expect) in [
        (r#"{"path_contains":"x","kind":"status"}"#, "needs a status"),
        (r#"{"path_contains":"x","kind":"delay"}"#, "needs delay_ms"),
        (r#"{"path_contains":"x","kind":"explode"}"#, "unknown kind"),
        (r#"{"path_contains":"x","kind":"chaos","fault":"after/404"}"#, "use one of before/429"),
        (r#"{"path_contains":"x","kind":"status","status":500,"extra":1}"#, "unknown field"),
    ] {
        let r = post(&emu.origin(), body).await;
        assert_eq!(r.status(), 400, "{body}");
        let text = r.text().await.unwrap();
        assert!(text.contains(expect), "{body}: {text}");
    }
}

/// What a raw client saw of one answer.
#[derive(Debug, PartialEq, Eq, Hash, Clone, Copy)]
enum Seen {
    Status(u16),
    /// A 2xx whose body is not JSON.
    Cut,
    /// A 2xx whose JSON body is whole.
    Whole,
    /// No answer, or one that broke off mid-body.
    Broken,
}

async fn see(base: &str) -> Seen {
    let Ok(r) = reqwest::Client::new().post(format!("{base}/provisioning/previews/challenge")).json(&serde_json::json!({})).send().await else {
        return Seen::Broken;
    };
    let status = r.status().as_u16();
    if status == 429 {
        assert_eq!(r.headers()["retry-after"], "1");
    }
    match r.bytes().await {
        Err(_) => Seen::Broken,
        Ok(_) if status != 200 => Seen::Status(status),
        Ok(b) if serde_json::from_slice::<serde_json::Value>(&b).is_ok() => Seen::Whole,
        Ok(_) => Seen::Cut,
    }
}

#[tokio::test]
async fn random_faults_strike_before_or_after_processing_and_are_counted() {
    let emu = common::conformance::spawn_checked(EmulatorConfig { test_control: true, rate_limit: None, ..Default::default() }).await;
    let http = reqwest::Client::new();
    let chaos = format!("{}/x-boardingpass/test/chaos", emu.origin());
    let set = |body: &'static str| http.post(&chaos).header("content-type", "application/json").body(body).send();
    assert_eq!(set(r#"{"rate": 1.5}"#).await.unwrap().status(), 400);
    assert_eq!(set(r#"{"rate": 1, "seed": 7, "stall_ms": 50}"#).await.unwrap().status(), 204);
    let mut seen: std::collections::HashMap<Seen, u64> = Default::default();
    for _ in 0..80 {
        *seen.entry(see(&emu.base_url()).await).or_default() += 1;
    }
    let counts: std::collections::HashMap<String, u64> = http.get(&chaos).send().await.unwrap().json().await.unwrap();
    let n = |names: &[&str]| names.iter().map(|k| counts.get(*k).copied().unwrap_or(0)).sum::<u64>();
    assert_eq!(counts.len(), 13, "every kind was drawn with this seed: {counts:?}");
    assert_eq!(counts.values().sum::<u64>(), 80, "rate 1: every request got a fault");
    let got = |s: Seen| seen.get(&s).copied().unwrap_or(0);
    assert_eq!(got(Seen::Status(429)), n(&["before/429"]));
    assert_eq!(got(Seen::Status(500)), n(&["before/500", "after/500"]));
    assert_eq!(got(Seen::Status(502)), n(&["before/502", "after/502"]));
    assert_eq!(got(Seen::Status(503)), n(&["before/503", "after/503", "before/stall"]), "a stall before processing ends in a 503");
    assert_eq!(got(Seen::Whole), n(&["after/stall"]), "a stall after processing delivers the real answer late");
    assert_eq!(got(Seen::Cut), n(&["after/cut_json"]));
    assert_eq!(got(Seen::Broken), n(&["before/reset", "after/reset", "after/short_body"]));
    // Only requests processed before their fault reach the API's request log.
    let after: u64 = counts.iter().filter(|(k, _)| k.starts_with("after/")).map(|(_, v)| v).sum();
    assert_eq!(emu.requests().len() as u64, after);

    assert_eq!(set(r#"{"rate": 0}"#).await.unwrap().status(), 204);
    assert_eq!(see(&emu.base_url()).await, Seen::Whole, "rate 0 turns random faults off");
}

#[tokio::test]
async fn random_faults_need_test_control() {
    let emu = common::conformance::spawn_checked(EmulatorConfig::default()).await;
    let r = reqwest::Client::new().post(format!("{}/x-boardingpass/test/chaos", emu.origin())).body(r#"{"rate": 1}"#).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

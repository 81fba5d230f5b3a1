//! Core provisioning against the in-process emulator: the happy path and
//! every failure a caller must be able to tell apart.

use std::time::Duration;

use boardingpass::{Client, ErrorKind, ProvisionOptions, RetryPolicy};
use boardingpass_emulator::{EmulatorConfig, EmulatorHandle, Fault, FaultKind, RateLimit};

async fn emulator(config: EmulatorConfig) -> EmulatorHandle {
    boardingpass_emulator::spawn(EmulatorConfig { pow_k: 20, pow_g: 50, ..config }).await.expect("emulator starts")
}

fn owned() -> ProvisionOptions {
    ProvisionOptions::default().owner("Ada Lovelace")
}

fn client(emu: &EmulatorHandle) -> Client {
    let fast = RetryPolicy::default().base_delay(Duration::from_millis(10));
    Client::builder().api_base(emu.base_url()).accept_terms(true).retry(fast).build().unwrap()
}

#[tokio::test]
async fn provisions_a_pass_with_secrets_held_in_memory() {
    let emu = emulator(EmulatorConfig::default()).await;
    let pass = client(&emu).provision(owned()).await.unwrap();
    assert_eq!(pass.account_id().len(), 32);
    assert!(pass.account_id().chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_eq!(pass.account_name().split(' ').count(), 2);
    let left = pass.time_left().as_secs();
    assert!((3590..=3600).contains(&left), "{left}");
    assert!(pass.expose_api_token().starts_with("cfat_"));
    assert!(pass.expose_claim_url().starts_with(&format!("{}/claim-preview?claimToken=", emu.origin())));
    let dbg = format!("{pass:?}");
    assert!(!dbg.contains(pass.expose_api_token()) && !dbg.contains(pass.expose_claim_url()), "{dbg}");
    assert_eq!(emu.account_count(), 1);

    // The token works against the account API, and only for its own account.
    let http = reqwest::Client::new();
    let verify = http
        .get(format!("{}/user/tokens/verify", emu.base_url()))
        .bearer_auth(pass.expose_api_token())
        .send()
        .await
        .unwrap();
    assert_eq!(verify.status(), 200);
    let other = http
        .get(format!("{}/accounts/{}", emu.base_url(), "0".repeat(32)))
        .bearer_auth(pass.expose_api_token())
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 403);
}

#[tokio::test]
async fn terms_must_be_accepted_before_anything_is_sent() {
    let emu = emulator(EmulatorConfig::default()).await;
    let client = Client::builder().api_base(emu.base_url()).build().unwrap();
    let e = client.provision(owned()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TermsNotAccepted);
    assert_eq!(emu.account_count(), 0);
}

#[tokio::test]
async fn hostile_challenge_is_refused_without_solving() {
    // k·g = 64,000,001 is over the default cap.
    let emu = boardingpass_emulator::spawn(EmulatorConfig { pow_k: 8001, pow_g: 7999 + 1, ..Default::default() }).await.unwrap();
    let started = std::time::Instant::now();
    let e = client(&emu).provision(owned()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PowRefused, "{e}");
    assert!(e.to_string().contains("work cap"));
    assert!(started.elapsed() < Duration::from_secs(2), "refused before hashing");
}

#[tokio::test]
async fn rate_limit_surfaces_retry_after() {
    let emu = emulator(EmulatorConfig { rate_limit: Some(RateLimit { max: 2, per: Duration::from_secs(30) }), ..Default::default() }).await;
    // The server's wait (up to 30 s) exceeds what this client sleeps through, so it surfaces.
    let impatient = RetryPolicy::default().max_retry_after(Duration::from_secs(1));
    let c = Client::builder().api_base(emu.base_url()).accept_terms(true).retry(impatient).build().unwrap();
    c.provision(owned()).await.unwrap(); // challenge + create = 2 requests
    let e = c.provision(owned()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited, "{e}");
    assert_eq!(e.status(), Some(429));
    let wait = e.retry_after().expect("Retry-After").as_secs();
    assert!((1..=30).contains(&wait), "{wait}");
}

#[tokio::test]
async fn transient_challenge_failures_are_retried() {
    let emu = emulator(EmulatorConfig::default()).await;
    emu.inject(Fault::new("/challenge", FaultKind::Status { status: 503, retry_after: None }, 2));
    let pass = client(&emu).provision(owned()).await;
    assert!(pass.is_ok(), "two 503s then success: {pass:?}");
}

/// The create call is sent once per challenge; after a transient failure the
/// whole sequence runs once more with a fresh challenge, never a third time,
/// and a definitive answer (4xx) ends it at once.
#[tokio::test]
async fn a_failed_create_provisions_once_more_with_a_fresh_challenge() {
    let status = |s| FaultKind::Status { status: s, retry_after: None };
    // Faults match the challenge path too; a zero delay lets a challenge through.
    let let_through = || Fault::new("/provisioning/previews", FaultKind::Delay(Duration::ZERO), 1);
    // Answers the faults replace are not recorded: count the challenges fetched.
    let challenges = |emu: &EmulatorHandle| emu.requests().iter().filter(|r| r.path.ends_with("/challenge")).count();

    let emu = emulator(EmulatorConfig::default()).await;
    emu.inject(let_through());
    emu.inject(Fault::new("/provisioning/previews", status(500), 1));
    client(&emu).provision(owned()).await.expect("a fresh challenge after one 500");
    assert_eq!(challenges(&emu), 2);
    assert_eq!(emu.account_count(), 1);

    let emu = emulator(EmulatorConfig::default()).await;
    for _ in 0..2 {
        emu.inject(let_through());
        emu.inject(Fault::new("/provisioning/previews", status(502), 1));
    }
    let e = client(&emu).provision(owned()).await.unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::Api, Some(502)));
    assert_eq!(challenges(&emu), 2, "provisioned again once, not more");
    assert_eq!(emu.account_count(), 0);

    let emu = emulator(EmulatorConfig::default()).await;
    emu.inject(let_through());
    emu.inject(Fault::new("/provisioning/previews", status(400), 1));
    let e = client(&emu).provision(owned()).await.unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::Api, Some(400)));
    assert_eq!(challenges(&emu), 1, "a definitive answer is not retried");
}

#[tokio::test]
async fn malformed_json_is_retried_then_a_protocol_error() {
    let emu = emulator(EmulatorConfig::default()).await;
    emu.inject(Fault::new("/challenge", FaultKind::MalformedJson, 2));
    client(&emu).provision(owned()).await.expect("an unreadable answer to an idempotent call is retried");
    emu.inject(Fault::new("/challenge", FaultKind::MalformedJson, 3));
    let e = client(&emu).provision(owned()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    assert!(e.to_string().contains("/provisioning/previews/challenge"));
}

/// Drives the raw protocol to check the emulator's own verdicts.
mod raw {
    use super::*;
    use boardingpass::pow::{self, CancelFlag, Challenge};
    use serde_json::{json, Value};

    async fn challenge(base: &str) -> Value {
        let r: Value = reqwest::Client::new().post(format!("{base}/provisioning/previews/challenge")).json(&json!({})).send().await.unwrap().json().await.unwrap();
        r["result"].clone()
    }

    fn solve(ch: &Value) -> String {
        let c = Challenge::new(ch["seed"].as_str().unwrap(), ch["k"].as_i64().unwrap(), ch["g"].as_i64().unwrap(), u64::MAX).unwrap();
        pow::encode_checkpoints(&pow::solve_blocking(&c, &CancelFlag::new(), |_| {}).unwrap())
    }

    async fn create(base: &str, token: &str, checkpoints: &str, accept: &str) -> (u16, Value) {
        let body = json!({
            "termsOfService": "https://www.cloudflare.com/terms/",
            "privacyPolicy": "https://www.cloudflare.com/privacypolicy/",
            "acceptTermsOfService": accept,
            "challengeToken": token,
            "solution": {"checkpoints": checkpoints},
        });
        let r = reqwest::Client::new().post(format!("{base}/provisioning/previews")).json(&body).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    #[tokio::test]
    async fn wrong_solution_replay_expiry_and_terms_are_rejected() {
        let emu = emulator(EmulatorConfig { challenge_ttl: Duration::from_secs(1), ..Default::default() }).await;
        let base = emu.base_url();
        let ch = challenge(&base).await;
        let token = ch["challengeToken"].as_str().unwrap();
        let good = solve(&ch);

        let (status, body) = create(&base, token, &good, "true").await;
        assert_eq!((status, body["errors"][0]["code"].as_i64()), (400, Some(1101)), "terms must be the string yes");

        let mut bad = pow::encode_checkpoints(&vec![0u8; 21 * 32]);
        bad.replace_range(0..4, "AAAA");
        let (status, body) = create(&base, token, &bad, "yes").await;
        assert_eq!((status, body["errors"][0]["code"].as_i64()), (400, Some(1105)), "{body}");

        let ch2 = challenge(&base).await;
        let t2 = ch2["challengeToken"].as_str().unwrap();
        let (status, body) = create(&base, t2, &solve(&ch2), "yes").await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = create(&base, t2, &solve(&ch2), "yes").await;
        assert_eq!((status, body["errors"][0]["code"].as_i64()), (400, Some(1104)), "replay");

        let ch3 = challenge(&base).await;
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let (status, body) = create(&base, ch3["challengeToken"].as_str().unwrap(), &solve(&ch3), "yes").await;
        assert_eq!((status, body["errors"][0]["code"].as_i64()), (400, Some(1103)), "expired challenge");

        let forged = format!("{}x", ch3["challengeToken"].as_str().unwrap());
        let (status, body) = create(&base, &forged, &solve(&ch3), "yes").await;
        assert_eq!((status, body["errors"][0]["code"].as_i64()), (400, Some(1102)));
        assert_eq!(emu.account_count(), 1);
    }

    #[tokio::test]
    async fn expired_accounts_tokens_get_the_authentication_error() {
        let emu = emulator(EmulatorConfig { lifetime: Duration::from_secs(1), ..Default::default() }).await;
        let c = Client::builder().api_base(emu.base_url()).accept_terms(true).expiry_margin(Duration::ZERO).build().unwrap();
        let pass = c.provision(owned()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert!(pass.ensure_valid().is_err(), "expired locally too");
        let r: Value = reqwest::Client::new()
            .get(format!("{}/user/tokens/verify", emu.base_url()))
            .bearer_auth(pass.expose_api_token())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(r["errors"][0]["code"], 10000);
    }

    #[tokio::test]
    async fn unknown_routes_answer_7003_with_a_ray_id() {
        let emu = emulator(EmulatorConfig::default()).await;
        let r = reqwest::Client::new().get(format!("{}/nope", emu.base_url())).send().await.unwrap();
        assert_eq!(r.status(), 404);
        assert!(r.headers().get("cf-ray").is_some());
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["errors"][0]["code"], 7003);
    }
}

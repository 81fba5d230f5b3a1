//! The end of a pass: claimed through the emulator's claim page or API,
//! expired, or revoked; confirmed by the status endpoint or inferred where
//! a server has none.

use std::time::{Duration, Instant};

use boardingpass::{BoardingPass, ClaimStatus, ClaimWaitOptions, Client, DeployOptions, ProvisionOptions, RetryPolicy, Worker};
use boardingpass_emulator::{EmulatorConfig, EmulatorHandle, Fault, FaultKind};

async fn emulator(config: EmulatorConfig) -> EmulatorHandle {
    boardingpass_emulator::spawn(EmulatorConfig { pow_k: 20, pow_g: 50, ..config }).await.expect("emulator starts")
}

async fn pass(emu: &EmulatorHandle) -> BoardingPass {
    let fast = RetryPolicy::default().base_delay(Duration::from_millis(10));
    let client = Client::builder().api_base(emu.base_url()).accept_terms(true).retry(fast).expiry_margin(Duration::ZERO).build().unwrap();
    client.provision(ProvisionOptions::default().owner("Ada Lovelace")).await.unwrap()
}

fn claim_token(pass: &BoardingPass) -> String {
    pass.expose_claim_url().split("claimToken=").nth(1).unwrap().to_string()
}

async fn claim_via_api(emu: &EmulatorHandle, token: &str) -> reqwest::Response {
    reqwest::Client::new().post(format!("{}/x-boardingpass/claim", emu.origin())).header("x-claim-token", token).send().await.unwrap()
}

fn hello() -> Worker {
    Worker::from_source("hello", "index.js", "export default { fetch() { return new Response('still here') } }")
}

async fn get(url: &str) -> u16 {
    let u = reqwest::Url::parse(url).unwrap();
    let host = format!("{}:{}", u.host_str().unwrap(), u.port().unwrap());
    match reqwest::Client::new().get(format!("http://127.0.0.1:{}/", u.port().unwrap())).header("host", host).send().await {
        Ok(r) => r.status().as_u16(),
        Err(_) => 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_is_seen_at_once_through_the_long_poll() {
    let emu = emulator(EmulatorConfig::default()).await;
    let pass = pass(&emu).await;
    let d = pass.deploy(&hello(), DeployOptions::default()).await.unwrap();
    let waiter = {
        let pass = pass.clone();
        tokio::spawn(async move { pass.wait_for_claim(ClaimWaitOptions::default().timeout(Duration::from_secs(30))).await })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    emu.clear_requests();
    let clicked = Instant::now();
    assert_eq!(claim_via_api(&emu, &claim_token(&pass)).await.status(), 200);
    let outcome = waiter.await.unwrap().unwrap();
    let latency = clicked.elapsed();
    assert_eq!(outcome.status, ClaimStatus::Claimed);
    assert!(outcome.confirmed && !outcome.timed_out);
    assert!(latency < Duration::from_secs(5), "the long-poll returns on the change, not on its timeout ({latency:?})");
    let polls = emu.requests().iter().filter(|r| r.path.contains("claim-status")).count();
    assert!(polls <= 1, "one held request, not polling: {polls}");
    assert_eq!(get(&d.url).await, 200, "the Worker keeps serving after the claim");
    // The temporary token is revoked by the claim (emulator default).
    let r = reqwest::Client::new().get(format!("{}/user/tokens/verify", emu.base_url())).bearer_auth(pass.expose_api_token()).send().await.unwrap();
    assert_eq!(r.status(), 403);
    // Claiming twice is refused with a clear answer.
    let again = claim_via_api(&emu, &claim_token(&pass)).await;
    assert_eq!(again.status(), 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unclaimed_pass_expires_and_everything_goes() {
    let emu = emulator(EmulatorConfig { lifetime: Duration::from_secs(3), ..Default::default() }).await;
    let pass = pass(&emu).await;
    let d = pass.deploy(&hello(), DeployOptions::default()).await.unwrap();
    let outcome = pass.wait_for_claim(ClaimWaitOptions::default().timeout(Duration::from_secs(20))).await.unwrap();
    assert_eq!(outcome.status, ClaimStatus::Expired);
    assert!(outcome.confirmed);
    assert_eq!(get(&d.url).await, 404, "the URL stops answering");
    let r = reqwest::Client::new().get(format!("{}/user/tokens/verify", emu.base_url())).bearer_auth(pass.expose_api_token()).send().await.unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], 10000, "the token is refused with Cloudflare's authentication error");
    assert_eq!(emu.live_workers(), 0);
    assert_eq!(claim_via_api(&emu, &claim_token(&pass)).await.status(), 410, "an expired pass cannot be claimed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teardown_revokes_and_the_status_says_so() {
    let emu = emulator(EmulatorConfig::default()).await;
    let pass = pass(&emu).await;
    let d = pass.deploy(&hello(), DeployOptions::default()).await.unwrap();
    let report = pass.teardown().await.unwrap();
    assert!(report.token_revoked);
    let outcome = pass.wait_for_claim(ClaimWaitOptions::default().timeout(Duration::from_secs(5))).await.unwrap();
    assert_eq!(outcome.status, ClaimStatus::Revoked);
    assert!(outcome.confirmed);
    assert_eq!(get(&d.url).await, 404);
    assert_eq!(claim_via_api(&emu, &claim_token(&pass)).await.status(), 410, "a revoked pass cannot be claimed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_status_endpoint_the_outcome_is_inferred() {
    // A server like Cloudflare's: the extension answers 404.
    let emu = emulator(EmulatorConfig::default()).await;
    emu.inject(Fault { path_contains: "claim-status".into(), kind: FaultKind::Status { status: 404, retry_after: None }, times: u32::MAX });
    let pass = pass(&emu).await;
    let fast = ClaimWaitOptions::default().timeout(Duration::from_secs(1)).poll_interval(Duration::from_millis(100));
    let pending = pass.wait_for_claim(fast.clone()).await.unwrap();
    assert_eq!(pending.status, ClaimStatus::Pending);
    assert!(pending.timed_out && !pending.confirmed);
    claim_via_api(&emu, &claim_token(&pass)).await;
    let outcome = pass.wait_for_claim(fast.timeout(Duration::from_secs(5))).await.unwrap();
    assert_eq!(outcome.status, ClaimStatus::ClaimedOrRevoked, "Cloudflare cannot tell a claim from a revocation");
    assert!(!outcome.confirmed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_can_be_cancelled() {
    let emu = emulator(EmulatorConfig::default()).await;
    let pass = pass(&emu).await;
    let cancel = boardingpass::CancellationToken::new();
    let waiter = {
        let (pass, cancel) = (pass.clone(), cancel.clone());
        tokio::spawn(async move { pass.wait_for_claim(ClaimWaitOptions::default().cancel(cancel)).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    cancel.cancel();
    let e = tokio::time::timeout(Duration::from_secs(2), waiter).await.expect("returns promptly").unwrap().unwrap_err();
    assert_eq!(e.kind(), boardingpass::ErrorKind::Cancelled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_claim_page_protects_its_form_and_explains_every_state() {
    let emu = emulator(EmulatorConfig::default()).await;
    let pass = pass(&emu).await;
    pass.deploy(&hello(), DeployOptions::default()).await.unwrap();
    let http = reqwest::Client::new();
    let url = pass.expose_claim_url().to_string();
    let page = http.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let cookie = page.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let html = page.text().await.unwrap();
    assert!(html.contains(pass.account_name()) && html.contains("hello.") && html.contains("id=\"claim\""), "{html}");
    let csrf = regex::Regex::new(r#"name="csrf" value="([0-9a-f]+)""#).unwrap().captures(&html).unwrap()[1].to_string();
    let token = claim_token(&pass);
    let post = |cookie: Option<String>, csrf: String| {
        let mut r = http.post(format!("{}/claim-preview", emu.origin())).form(&[("claimToken", token.clone()), ("csrf", csrf)]);
        if let Some(c) = cookie {
            r = r.header("cookie", c);
        }
        r.send()
    };
    assert_eq!(post(None, csrf.clone()).await.unwrap().status(), 403, "no cookie: refused");
    assert_eq!(post(Some(cookie.clone()), "0".repeat(64)).await.unwrap().status(), 403, "forged field: refused");
    let ok = post(Some(cookie.clone()), csrf.clone()).await.unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.text().await.unwrap().contains("Account claimed"));
    let again = post(Some(cookie), csrf).await.unwrap();
    assert_eq!(again.status(), 409);
    assert!(again.text().await.unwrap().contains("Already claimed"));
    assert!(http.get(&url).send().await.unwrap().text().await.unwrap().contains("Already claimed"));
    let wrong = http.get(format!("{}/claim-preview?claimToken=nope", emu.origin())).send().await.unwrap();
    assert_eq!(wrong.status(), 404);
    assert!(wrong.text().await.unwrap().contains("not valid"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_between_the_probe_and_the_long_poll_is_not_missed() {
    let emu = emulator(EmulatorConfig::default()).await;
    let pass = pass(&emu).await;
    let mut watch = pass.watch_claim(ClaimWaitOptions::default().timeout(Duration::from_secs(40)).long_poll(Duration::from_secs(30)));
    assert_eq!(watch.next().await.unwrap().unwrap().status, ClaimStatus::Pending, "the probe sees a pending pass");
    assert_eq!(claim_via_api(&emu, &claim_token(&pass)).await.status(), 200);
    let started = Instant::now();
    let next = watch.next().await.unwrap().unwrap();
    assert_eq!(next.status, ClaimStatus::Claimed);
    assert!(started.elapsed() < Duration::from_secs(10), "answered at once, not after the 30 s hold ({:?})", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_wait_costs_a_probe_and_one_held_request_per_long_poll() {
    let emu = emulator(EmulatorConfig::default()).await;
    let pass = pass(&emu).await;
    emu.clear_requests();
    let o = pass.wait_for_claim(ClaimWaitOptions::default().timeout(Duration::from_millis(2500)).long_poll(Duration::from_secs(1))).await.unwrap();
    assert!(o.timed_out && o.status == ClaimStatus::Pending);
    let polls = emu.requests().iter().filter(|r| r.path.contains("claim-status")).count();
    // Probe + three held requests (1 s, 1 s, the last 0.5 s); never a spin near the deadline.
    assert!((2..=5).contains(&polls), "{polls} requests");
}

//! Issue 10, finding 6, over raw HTTP: the emulator authenticates before it
//! reads a body, takes only small bodies where nobody is authenticated,
//! never quotes a body back, and answers only to its own host names.

mod common;

use boardingpass_emulator::{EmulatorConfig, EmulatorHandle};
use common::{envelope_error, provision, raw_exchange};

fn addr(emu: &EmulatorHandle) -> String {
    format!("127.0.0.1:{}", emu.port())
}

const MIB: u64 = 1024 * 1024;

/// A client streaming 100 MiB with a wrong token gets the authentication
/// error while it has handed over only what the socket buffers and the
/// bounded drain take: the emulator never reads the upload.
#[tokio::test]
async fn a_wrong_token_is_refused_before_a_large_body_is_read() {
    let emu = common::conformance::spawn_fast().await;
    let owner = provision(&emu.base_url()).await;
    // Asset uploads are gated by the session's upload JWT (401/1203 when wrong).
    for (path, status, code) in [
        (format!("/client/v4/accounts/{}/workers/scripts/big/deployments", owner.id), 403, 10000),
        (format!("/client/v4/accounts/{}/workers/scripts/big/assets-upload-session", owner.id), 403, 10000),
        (format!("/client/v4/accounts/{}/workers/scripts/big/versions", owner.id), 403, 10000),
        (format!("/client/v4/accounts/{}/workers/assets/upload?base64=true", owner.id), 401, 1203),
    ] {
        let head = format!("POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer wrong\r\nContent-Type: application/json", addr(&emu));
        let answer = raw_exchange(&addr(&emu), &head, 100 * MIB).await;
        assert_eq!(answer.status, status, "{path}: {}", answer.body);
        assert_eq!(envelope_error(&answer.body).0, code, "{path}");
        assert!(answer.body_bytes_written < 32 * MIB, "{path}: the client could push {} MiB before the refusal", answer.body_bytes_written / MIB);
        eprintln!("{path}: {} KiB of 100 MiB handed to the socket when the refusal arrived", answer.body_bytes_written / 1024);
    }
}

/// Routes nobody is authenticated on (provisioning, claiming, test control)
/// take small bodies only, refused in the envelope.
#[tokio::test]
async fn unauthenticated_routes_take_only_small_bodies() {
    let emu = common::conformance::spawn_fast().await;
    for path in ["/client/v4/provisioning/previews", "/client/v4/provisioning/previews/challenge", "/x-boardingpass/claim", "/claim-preview"] {
        let head = format!("POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json", addr(&emu));
        let answer = raw_exchange(&addr(&emu), &head, 64 * MIB).await;
        assert_eq!(answer.status, 413, "{path}: {}", answer.body);
        assert_eq!(envelope_error(&answer.body).0, 1402, "{path}");
        assert!(answer.body_bytes_written < 32 * MIB, "{path}: the client could push {} MiB before the refusal", answer.body_bytes_written / MIB);
    }
    // Just under the cap is still read and answered by the route itself.
    let head = format!("POST /client/v4/provisioning/previews HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json", addr(&emu));
    let answer = raw_exchange(&addr(&emu), &head, 64 * 1024).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
}

/// The cap of the account-creation route grows with the proof of work: a
/// solution at Cloudflare's documented k=8000 is 333 KiB of base64.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_solution_at_production_size_fits_the_provisioning_cap() {
    let emu = common::conformance::spawn_checked(EmulatorConfig { pow_k: 8000, pow_g: 20, ..EmulatorConfig::default() }).await;
    provision(&emu.base_url()).await;
}

/// Every account route checks the token, and that it belongs to the
/// account in the path, before anything else (no body sent at all).
#[tokio::test]
async fn every_account_route_checks_the_token_and_the_owner_first() {
    let emu = common::conformance::spawn_fast().await;
    let a = provision(&emu.base_url()).await;
    let b = provision(&emu.base_url()).await;
    let acc = &a.id;
    let routes = [
        ("GET", format!("/accounts/{acc}")),
        ("DELETE", format!("/accounts/{acc}/tokens/x")),
        ("GET", format!("/accounts/{acc}/workers/subdomain")),
        ("PUT", format!("/accounts/{acc}/workers/subdomain")),
        ("GET", format!("/accounts/{acc}/workers/services/w")),
        ("DELETE", format!("/accounts/{acc}/workers/services/w")),
        ("GET", format!("/accounts/{acc}/workers/workers/w")),
        ("PUT", format!("/accounts/{acc}/workers/scripts/w")),
        ("DELETE", format!("/accounts/{acc}/workers/scripts/w")),
        ("POST", format!("/accounts/{acc}/workers/scripts/w/versions")),
        ("GET", format!("/accounts/{acc}/workers/scripts/w/deployments")),
        ("POST", format!("/accounts/{acc}/workers/scripts/w/deployments")),
        ("GET", format!("/accounts/{acc}/workers/scripts/w/settings")),
        ("PATCH", format!("/accounts/{acc}/workers/scripts/w/script-settings")),
        ("GET", format!("/accounts/{acc}/workers/scripts/w/secrets")),
        ("GET", format!("/accounts/{acc}/workers/scripts/w/subdomain")),
        ("POST", format!("/accounts/{acc}/workers/scripts/w/subdomain")),
        ("PUT", format!("/accounts/{acc}/workers/scripts/w/schedules")),
        ("GET", format!("/accounts/{acc}/workers/scripts/w/references")),
        ("POST", format!("/accounts/{acc}/workers/scripts/w/assets-upload-session")),
        ("POST", format!("/accounts/{acc}/workers/assets/upload")),
        ("POST", format!("/accounts/{acc}/workers/assets/upload/0123456789abcdef0123456789abcdef")),
        ("GET", format!("/accounts/{acc}/workers/tails/by-consumer/w")),
        ("GET", format!("/accounts/{acc}/workers/durable_objects/namespaces")),
        ("GET", format!("/accounts/{acc}/storage/kv/namespaces")),
        ("POST", format!("/accounts/{acc}/storage/kv/namespaces")),
        ("DELETE", format!("/accounts/{acc}/storage/kv/namespaces/0f2ac74b498b48028cb68387c421e279")),
        ("PUT", format!("/accounts/{acc}/storage/kv/namespaces/0f2ac74b498b48028cb68387c421e279/values/k")),
        ("GET", format!("/accounts/{acc}/storage/kv/namespaces/0f2ac74b498b48028cb68387c421e279/values/k")),
        ("DELETE", format!("/accounts/{acc}/storage/kv/namespaces/0f2ac74b498b48028cb68387c421e279/values/k")),
        ("GET", format!("/accounts/{acc}/storage/kv/namespaces/0f2ac74b498b48028cb68387c421e279/keys")),
        ("PUT", format!("/accounts/{acc}/storage/kv/namespaces/0f2ac74b498b48028cb68387c421e279/bulk")),
    ];
    let http = reqwest::Client::new();
    for (method, path) in &routes {
        let url = format!("{}{path}", emu.base_url());
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let wrong = http.request(method.clone(), &url).bearer_auth("cfat_wrong").send().await.unwrap();
        let status = wrong.status().as_u16();
        let (code, _) = envelope_error(&wrong.text().await.unwrap());
        // Asset uploads take the upload JWT, refused as such (401/1203).
        let expected = if path.contains("/assets/upload") { (401, 1203) } else { (403, 10000) };
        assert_eq!((status, code), expected, "{method} {path} with a wrong token");
        if !path.contains("/assets/upload") {
            let other = http.request(method.clone(), &url).bearer_auth(&b.token).send().await.unwrap();
            let status = other.status().as_u16();
            let (code, _) = envelope_error(&other.text().await.unwrap());
            assert_eq!((status, code), (403, 9109), "{method} {path} with another account's token");
        }
    }
}

/// A body the emulator cannot use is refused in the envelope without
/// quoting it (axum's default 422 quoted serde's message, value included).
#[tokio::test]
async fn refusals_do_not_quote_the_body() {
    let emu = common::conformance::spawn_fast().await;
    let a = provision(&emu.base_url()).await;
    let marker = "SECRET-BODY-MARKER-".repeat(50);
    let http = reqwest::Client::new();
    for (path, body) in [
        (format!("/accounts/{}/workers/scripts/w/assets-upload-session", a.id), format!(r#"{{"manifest": "{marker}"}}"#)),
        (format!("/accounts/{}/workers/scripts/w/assets-upload-session", a.id), format!(r#"{{"manifest": {{"/a": {{"hash": 7, "size": "{marker}"}}}}}}"#)),
        (format!("/accounts/{}/workers/scripts/w/deployments", a.id), format!(r#"{{"versions": [{marker}]}}"#)),
        ("/provisioning/previews".to_string(), format!(r#"{{"acceptTermsOfService": {marker}}}"#)),
    ] {
        let r = http.post(format!("{}{path}", emu.base_url())).bearer_auth(&a.token).header("content-type", "application/json").body(body).send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        assert_eq!(status, 400, "{path}: {text}");
        envelope_error(&text);
        assert!(!text.contains("SECRET-BODY-MARKER"), "{path} quoted the body: {text}");
    }
    // Entries the emulator names to say which one is wrong are cut short.
    for (path, body) in [
        (format!("/accounts/{}/workers/scripts/w/assets-upload-session", a.id), format!(r#"{{"manifest": {{"{marker}": {{"hash": "00", "size": 1}}}}}}"#)),
        (format!("/accounts/{}/workers/scripts/w/deployments", a.id), format!(r#"{{"versions": [{{"version_id": "{marker}", "percentage": 100}}]}}"#)),
    ] {
        let r = http.post(format!("{}{path}", emu.base_url())).bearer_auth(&a.token).header("content-type", "application/json").body(body).send().await.unwrap();
        let text = r.text().await.unwrap();
        let (_, message) = envelope_error(&text);
        assert!(!text.contains(&marker) && message.len() < 200, "{path} quoted the body: {text}");
    }
}

/// DNS rebinding: a page on evil.example whose name resolves to 127.0.0.1
/// sends `Host: evil.example…`; the API and the claim page refuse it, the
/// emulator's own names and Worker hosts keep working.
#[tokio::test]
async fn only_the_emulators_own_host_names_reach_the_api() {
    let emu = common::conformance::spawn_fast().await;
    let a = provision(&emu.base_url()).await;
    let http = reqwest::Client::new();
    let port = emu.port();
    for host in ["evil.example.com".to_string(), format!("evil.example.com:{port}"), format!("127.0.0.1.evil.example:{port}"), format!("localhost:{}", port + 1)] {
        for path in ["/client/v4/user", "/claim-preview?claimToken=x", "/client/v4/provisioning/previews/challenge"] {
            let r = http.get(format!("{}{path}", emu.origin())).header("host", &host).bearer_auth(&a.token).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 421, "Host: {host} {path}");
            assert_eq!(envelope_error(&r.text().await.unwrap()).0, 1401, "Host: {host} {path}");
        }
    }
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("LocalHost:{port}")] {
        let r = http.get(format!("{}/client/v4/user", emu.origin())).header("host", &host).bearer_auth(&a.token).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "Host: {host}");
    }
    // Worker hosts go to the gateway, not to the API.
    let r = http.get(format!("{}/client/v4/user", emu.origin())).header("host", format!("w.sub.localhost:{port}")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert!(r.text().await.unwrap().contains("no Worker w"));
}

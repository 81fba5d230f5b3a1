//! The client against a hostile server: credentials never leave their
//! origin, server-supplied strings are validated before use, every body read
//! is capped, and absurd proof-of-work challenges are refused before solving.

#[path = "../../tests/support/mock_cloudflare.rs"]
mod mock_cloudflare;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use boardingpass::{AuditEvent, AuditLog, BoardingPass, ClaimStatus, ClaimWaitOptions, Client, DeployOptions, ErrorKind, ProvisionOptions, RetryPolicy, VerifyOptions, Worker};
use mock_cloudflare::{cloudflare, created, MockServer, Reply, Request, CLAIM_TOKEN, LIVE_BODY, SUBDOMAIN};
use serde_json::{json, Value};

/// A mock whose routes fall back to the happy path.
fn mock(overrides: impl Fn(&Request, &str) -> Option<Reply> + Send + Sync + 'static) -> MockServer {
    let origin = Arc::new(Mutex::new(String::new()));
    let o = Arc::clone(&origin);
    let server = MockServer::start(move |req| {
        let origin = o.lock().unwrap().clone();
        overrides(req, &origin).unwrap_or_else(|| cloudflare(req, &origin))
    });
    *origin.lock().unwrap() = server.origin();
    server
}

/// Answers everything with `reply`, counting requests (the "other origin").
fn elsewhere(reply: fn() -> Reply) -> MockServer {
    MockServer::start(move |_| reply())
}

fn client(server: &MockServer) -> Client {
    client_with_audit(server, AuditLog::disabled(None))
}

fn client_with_audit(server: &MockServer, audit: AuditLog) -> Client {
    let fast = RetryPolicy::default().base_delay(Duration::from_millis(10));
    Client::builder().api_base(server.base()).accept_terms(true).retry(fast).expiry_margin(Duration::ZERO).audit(audit).build().unwrap()
}

async fn provision(client: &Client) -> boardingpass::Result<BoardingPass> {
    client.provision(ProvisionOptions::default().owner("Ada Lovelace")).await
}

fn hello() -> Worker {
    Worker::from_source("hello", "index.js", "export default { fetch() { return new Response('hi') } }")
}

fn is_claim_status(req: &Request) -> bool {
    req.path() == "/client/v4/x-boardingpass/claim-status"
}

#[tokio::test]
async fn a_claim_status_redirect_to_another_origin_gets_no_token_and_is_not_trusted() {
    let other = elsewhere(|| Reply::ok(json!({"status": "claimed", "changed_at": null})));
    let to = format!("{}/client/v4/x-boardingpass/claim-status?wait=0", other.origin());
    let server = mock(move |req, _| is_claim_status(req).then(|| Reply::redirect(307, &to)));
    let pass = provision(&client(&server)).await.unwrap();
    let opts = ClaimWaitOptions::default().timeout(Duration::from_secs(5));
    let e = pass.wait_for_claim(opts).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    assert!(e.to_string().contains(&other.origin()), "the error names where it was sent: {e}");
    assert!(other.requests().is_empty(), "the other origin was contacted: {:?}", other.requests());
    assert!(!e.to_string().contains(CLAIM_TOKEN));
}

#[tokio::test]
async fn a_same_origin_redirect_is_followed_with_the_claim_token() {
    let server = mock(move |req, _| match req.path() {
        "/client/v4/x-boardingpass/claim-status" => Some(Reply::redirect(307, "/client/v4/moved/claim-status")),
        "/client/v4/moved/claim-status" if req.header("x-claim-token") == Some(CLAIM_TOKEN) => {
            Some(Reply::ok(json!({"status": "claimed", "changed_at": "2026-01-01T00:00:00Z"})))
        }
        _ => None,
    });
    let pass = provision(&client(&server)).await.unwrap();
    let o = pass.wait_for_claim(ClaimWaitOptions::default().timeout(Duration::from_secs(5))).await.unwrap();
    assert_eq!((o.status, o.confirmed), (ClaimStatus::Claimed, true));
}

#[tokio::test]
async fn an_api_redirect_to_another_origin_is_a_protocol_error_and_nothing_is_sent_there() {
    let other = elsewhere(|| Reply::ok(json!({"id": "hello"})));
    let to = format!("{}/steal", other.origin());
    let server = mock(move |req, _| req.path().contains("/workers/services/").then(|| Reply::redirect(302, &to)));
    let pass = provision(&client(&server)).await.unwrap();
    let e = pass.deploy(&hello(), DeployOptions::default()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    assert!(other.requests().is_empty(), "{:?}", other.requests());
    assert!(pass.expose_claim_url().contains(CLAIM_TOKEN), "the pass and its claim link survive");
}

#[tokio::test]
async fn verification_does_not_follow_a_redirect_to_another_origin() {
    let other = elsewhere(|| Reply::text(200, LIVE_BODY));
    let to = format!("{}/", other.origin());
    let server = mock(move |req, _| req.is_live().then(|| Reply::redirect(307, &to)));
    let pass = provision(&client(&server)).await.unwrap();
    let d = pass.deploy(&hello(), DeployOptions::default()).await.unwrap();
    for expect_body in [Some(LIVE_BODY.to_string()), None] {
        let mut opts = VerifyOptions::default().timeout(Duration::from_millis(300));
        opts.expect_body_contains = expect_body.clone();
        let e = pass.verify(&d, opts).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Verification, "{expect_body:?}: {e}");
    }
    assert!(other.requests().is_empty(), "{:?}", other.requests());
    assert!(pass.evidence().iter().all(|e| !e.passed && e.status == Some(307)));
}

#[tokio::test]
async fn the_verify_path_cannot_leave_the_deployment_origin() {
    let other = elsewhere(|| Reply::text(200, LIVE_BODY));
    let server = mock(|_, _| None);
    let pass = provision(&client(&server)).await.unwrap();
    let d = pass.deploy(&hello(), DeployOptions::default()).await.unwrap();
    let before = server.requests().len();
    let host = format!("127.0.0.1:{}", other.port);
    for path in [format!("http://{host}/"), format!("//{host}/"), format!("/\\{host}/"), "relative".into(), "/a b".into()] {
        let opts = VerifyOptions::default().path(path.clone()).timeout(Duration::from_millis(300));
        let e = pass.verify(&d, opts).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{path}: {e}");
    }
    assert!(other.requests().is_empty(), "{:?}", other.requests());
    assert_eq!(server.requests().len(), before, "refused before any request");
    let ok = VerifyOptions::default().path("/a/b?x=1").expect_body_contains(LIVE_BODY);
    let evidence = pass.verify(&d, ok).await.unwrap();
    assert_eq!(evidence.url, format!("http://hello.{SUBDOMAIN}.localhost:{}/a/b?x=1", server.port));
}

/// `created` with one field replaced (pointer into the result, JSON value).
fn created_with(origin: &str, pointer: &str, value: Value) -> Value {
    let mut c = created(origin);
    *c.pointer_mut(pointer).unwrap() = value;
    c
}

#[tokio::test]
async fn hostile_values_in_the_create_answer_are_refused_before_use() {
    let cases: Vec<(&str, Value)> = vec![
        ("/claim/url", json!("javascript:alert(document.cookie)")),
        ("/claim/url", json!("data:text/html,<script>1</script>")),
        ("/claim/url", json!("https://user:pw@dash.example/claim?claimToken=x")),
        ("/claim/url", json!("http://dash.example/claim?claimToken=x")),
        ("/claim/url", json!("https://")),
        ("/claim/url", json!("mailto:owner@example.com")),
        ("/account/name", json!("Quiet\u{1b}[2J\u{1b}[HClaim URL: https://evil.example")),
        ("/account/name", json!("Quiet\nHeron")),
        ("/account/id", json!("../../other-account")),
        ("/account/id", json!("abc?x=1")),
        ("/account/apiToken", json!("cfat_x\r\nX-Injected: 1")),
        ("/account/tokenId", json!("a/../../b")),
        ("/account/type", json!("temp\u{1b}]0;title\u{7}")),
        ("/claim/token", json!("has space")),
        ("/account/expiresAt", json!("9999-01-01T00:00:00Z")),
        ("/claim/expiresAt", json!("1970-01-01T00:00:00Z")),
        ("/account/expiresAt", json!("tomorrow")),
    ];
    for (pointer, value) in cases {
        let (p, v) = (pointer.to_string(), value.clone());
        let server = mock(move |req, origin| (req.path() == "/client/v4/provisioning/previews").then(|| Reply::ok(created_with(origin, &p, v.clone()))));
        let e = provision(&client(&server)).await.err().unwrap_or_else(|| panic!("{pointer} = {value} was accepted"));
        assert_eq!(e.kind(), ErrorKind::Protocol, "{pointer} = {value}: {e}");
        let field = pointer.trim_start_matches('/').replace('/', ".");
        assert!(e.to_string().contains(&field), "the error names {field}: {e}");
        assert!(!e.to_string().chars().any(|c| c.is_control()), "no control character in the message: {e:?}");
        if pointer.contains("apiToken") || pointer.starts_with("/claim/url") || pointer == "/claim/token" {
            assert!(!e.to_string().contains(value.as_str().unwrap()), "a credential is not echoed: {e}");
        }
    }
}

#[tokio::test]
async fn hostile_values_after_provisioning_fail_the_step_keep_the_claim_link_and_are_audited() {
    let cases: Vec<(&str, Value)> = vec![
        ("subdomain", json!({"subdomain": "x@evil.example:8443/p?"})),
        ("subdomain", json!({"subdomain": "a.b"})),
        ("subdomain", json!({"subdomain": "-bad"})),
        ("version", json!({"id": "hello", "deployment_id": "v1\u{1b}[2J"})),
        ("version", json!({"id": "hello", "deployment_id": "../../x"})),
    ];
    for (what, result) in cases {
        let r = result.clone();
        let server = mock(move |req, _| {
            let hit = match what {
                "subdomain" => req.method == "GET" && req.path().ends_with("/workers/subdomain"),
                _ => req.method == "PUT" && req.path().contains("/workers/scripts/"),
            };
            hit.then(|| Reply::ok(r.clone()))
        });
        let events = Arc::new(Mutex::new(Vec::<AuditEvent>::new()));
        let sink = Arc::clone(&events);
        let audit = AuditLog::new(None, None, Some(Arc::new(move |e: &AuditEvent| sink.lock().unwrap().push(e.clone())))).unwrap();
        let pass = provision(&client_with_audit(&server, audit)).await.unwrap();
        let e = pass.deploy(&hello(), DeployOptions::default()).await.err().unwrap_or_else(|| panic!("{result} was accepted"));
        assert_eq!(e.kind(), ErrorKind::Protocol, "{result}: {e}");
        assert!(!e.to_string().chars().any(|c| c.is_control()), "{e:?}");
        assert!(pass.expose_claim_url().contains(CLAIM_TOKEN), "the claim link is still there");
        let last = events.lock().unwrap().last().cloned().unwrap();
        assert_eq!(serde_json::to_value(last.event).unwrap(), "failed", "{result}");
        assert!(server.requests().iter().all(|r| !r.header("host").unwrap_or_default().contains("evil")), "never used as a host");
    }
}

#[tokio::test]
async fn an_oversized_challenge_body_is_refused_without_buffering_it() {
    for chunked in [false, true] {
        let server = mock(move |req, _| req.path().ends_with("/challenge").then(|| Reply::zeros(64 << 20, chunked)));
        let e = provision(&client(&server)).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol, "chunked={chunked}: {e}");
        assert!(e.to_string().contains("cap"), "{e}");
        // Loopback socket buffers hold a few MiB at most; a client that read it all would let all 64 MiB through.
        let sent = server.body_bytes_written();
        assert!(sent < 16 << 20, "chunked={chunked}: {sent} bytes were read");
    }
}

#[tokio::test]
async fn api_and_verification_bodies_are_capped() {
    let server = mock(|req, _| (req.method == "GET" && req.path().ends_with("/workers/subdomain")).then(|| Reply::zeros(64 << 20, true)));
    let pass = provision(&client(&server)).await.unwrap();
    let e = pass.deploy(&hello(), DeployOptions::default()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    assert!(server.body_bytes_written() < 24 << 20, "{}", server.body_bytes_written());

    let server = mock(|req, _| req.is_live().then(|| Reply { status: 200, headers: vec![], ..Reply::zeros(512 << 20, true) }));
    let pass = provision(&client(&server)).await.unwrap();
    let d = pass.deploy(&hello(), DeployOptions::default()).await.unwrap();
    let started = Instant::now();
    let e = pass.verify(&d, VerifyOptions::default().timeout(Duration::from_millis(500))).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Verification, "{e}");
    assert!(e.to_string().contains("cap"), "{e}");
    assert!(server.body_bytes_written() < 128 << 20, "{} bytes were read", server.body_bytes_written());
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[tokio::test]
async fn an_absurd_challenge_shape_is_refused_before_solving() {
    // Within the k·g work cap, but k alone would make the client allocate (k+1)·32 bytes = 512 MiB.
    let server = mock(|req, _| {
        req.path().ends_with("/challenge").then(|| Reply::ok(json!({"challengeToken": "t", "seed": mock_cloudflare::ZERO_SEED, "k": 16_000_000, "g": 4})))
    });
    let started = Instant::now();
    let e = provision(&client(&server)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PowRefused, "{e}");
    assert!(e.to_string().contains("k=16000000"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(2), "refused before hashing");
    assert!(!server.requests().iter().any(|r| r.path() == "/client/v4/provisioning/previews"), "nothing was submitted");
}

#[tokio::test]
async fn the_markdown_ticket_shows_no_terminal_escapes() {
    let server = mock(|_, _| None);
    let pass = provision(&client(&server)).await.unwrap();
    let d = pass.deploy(&hello(), DeployOptions::default()).await.unwrap();
    pass.verify(&d, VerifyOptions::default()).await.unwrap();
    // Values are validated on receipt; the rendering must hold even for a ticket built by other means.
    let mut ticket = pass.owner_ticket(ClaimStatus::Pending).unwrap();
    ticket.temporary_resource.account_name = "Quiet\u{1b}[2J\u{1b}[1;1HHeron".into();
    ticket.credential.token_id = Some("id\u{1b}]0;owned\u{7}".into());
    ticket.temporary_resource.workers[0].version_id = "v\u{202e}1".into();
    let md = ticket.to_markdown();
    assert!(!md.chars().any(|c| c == '\u{1b}' || c == '\u{7}' || c == '\u{202e}'), "{md:?}");
    assert!(md.starts_with("# Claim ticket: QuietHeron (pending)"), "{md}");
    assert!(md.contains(CLAIM_TOKEN), "the owner's rendering keeps the claim link");
}

#[tokio::test]
async fn a_hostile_assets_session_token_is_refused_before_use() {
    let server = mock(|req, _| {
        req.path().ends_with("/assets-upload-session").then(|| Reply::ok(json!({"jwt": "eyJ\r\nX-Injected: 1", "buckets": []})))
    });
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("index.html"), "<h1>hi</h1>").unwrap();
    let worker = hello().assets(boardingpass::AssetsConfig {
        directory: site.path().to_path_buf(),
        binding: None,
        html_handling: None,
        not_found_handling: None,
        run_worker_first: None,
    });
    let pass = provision(&client(&server)).await.unwrap();
    let e = pass.deploy(&worker, DeployOptions::default()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    assert!(e.to_string().contains("jwt") && !e.to_string().contains("X-Injected"), "{e}");
    assert!(!server.requests().iter().any(|r| r.method == "PUT"), "no script was uploaded with it");
}

/// Workers KV answers: ids, titles, key names and cursors are checked before
/// use, a value is read only up to 25 MiB, and an endless namespace listing
/// stops.
#[tokio::test]
async fn hostile_kv_answers_are_refused_before_use() {
    let ns = "0f2ac74b498b48028cb68387c421e279";
    let cases: Vec<(&str, Value)> = vec![
        ("bad id", json!([{"id": "../../tokens", "title": "t"}])),
        ("escape in title", json!([{"id": ns, "title": "\u{1b}[2Jowned"}])),
    ];
    for (what, listing) in cases {
        let server = mock(move |req, _| (req.method == "GET" && req.path().ends_with("/storage/kv/namespaces")).then(|| Reply::ok(listing.clone())));
        let pass = provision(&client(&server)).await.unwrap();
        let e = pass.kv_namespaces().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol, "{what}: {e}");
    }

    let long = "k".repeat(513);
    let server = mock(move |req, _| {
        if req.path().ends_with("/keys") {
            let cursor = if req.target.contains("cursor=") { "bad cursor\n" } else { "next" };
            let keys = if req.target.contains("prefix=long") { json!([{"name": long}]) } else { json!([{"name": "ok"}]) };
            return Some(Reply::json(200, &json!({"success": true, "errors": [], "result": keys, "result_info": {"cursor": cursor}})));
        }
        if req.path().ends_with("/storage/kv/namespaces") {
            // Always a full page: the listing never ends by itself.
            let page: Vec<Value> = (0..100).map(|i| json!({"id": format!("{i:032x}"), "title": format!("t{i}")})).collect();
            return Some(Reply::ok(Value::Array(page)));
        }
        req.path().contains("/values/").then(|| Reply { status: 200, headers: vec![], ..Reply::zeros(64 << 20, true) })
    });
    let pass = provision(&client(&server)).await.unwrap();
    use boardingpass::KvListOptions;
    assert_eq!(pass.kv_list(ns, KvListOptions::default()).await.unwrap().cursor.as_deref(), Some("next"));
    for options in [KvListOptions::default().prefix("long"), KvListOptions::default().cursor("next")] {
        let e = pass.kv_list(ns, options).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    }
    let e = pass.kv_namespaces().await.unwrap_err();
    assert!(e.kind() == ErrorKind::Protocol && e.to_string().contains("100 pages"), "{e}");
    let e = pass.kv_get(ns, "big").await.unwrap_err();
    assert!(e.kind() == ErrorKind::Protocol && e.to_string().contains("cap"), "{e}");
    assert!(server.body_bytes_written() < 200 << 20, "{} bytes were read", server.body_bytes_written());
}

/// D1 answers: database ids and names, result rows and cells are checked
/// before use, a query answer is read only up to 64 MiB, an endless
/// database listing stops, and a created database with a bad id never
/// reaches the ticket.
#[tokio::test]
async fn hostile_d1_answers_are_refused_before_use() {
    let db = "0f2d7a9c-3b1e-4c5d-8e6f-7a8b9c0d1e2f";
    for (what, listing) in [
        ("bad uuid", json!([{"uuid": "../../tokens", "name": "n", "file_size": 1}])),
        ("escape in name", json!([{"uuid": db, "name": "\u{1b}]0;owned\u{7}"}])),
    ] {
        let server = mock(move |req, _| (req.method == "GET" && req.path().ends_with("/d1/database")).then(|| Reply::ok(listing.clone())));
        let pass = provision(&client(&server)).await.unwrap();
        let e = pass.d1_databases().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol, "{what}: {e}");
    }

    let server = mock(move |req, _| {
        if req.method == "POST" && req.path().ends_with("/d1/database") {
            return Some(Reply::ok(json!({"uuid": "db/../../x", "name": "guestbook"})));
        }
        if req.path().ends_with("/d1/database") {
            // Always a full page: the listing never ends by itself.
            let page: Vec<Value> = (0..100).map(|i| json!({"uuid": format!("{i:032x}"), "name": format!("d{i}")})).collect();
            return Some(Reply::ok(Value::Array(page)));
        }
        if req.path().ends_with("/raw") {
            let sql = String::from_utf8_lossy(&req.body).to_string();
            let rows = if sql.contains("short") {
                json!({"columns": ["a", "b"], "rows": [[1]]})
            } else if sql.contains("bool") {
                json!({"columns": ["a"], "rows": [[true]]})
            } else if sql.contains("object") {
                json!({"columns": ["a"], "rows": [[{"x": 1}]]})
            } else if sql.contains("byte") {
                json!({"columns": ["a"], "rows": [[[1, 256]]]})
            } else {
                return Some(Reply { status: 200, headers: vec![], ..Reply::zeros(80 << 20, true) });
            };
            return Some(Reply::ok(json!([{"results": rows, "success": true, "meta": {}}])));
        }
        None
    });
    let pass = provision(&client(&server)).await.unwrap();
    let e = pass.create_d1_database("guestbook").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    assert!(pass.resources().is_empty(), "the refused database is not a resource of the pass");
    let e = pass.d1_databases().await.unwrap_err();
    assert!(e.kind() == ErrorKind::Protocol && e.to_string().contains("100 pages"), "{e}");
    for sql in ["SELECT 'short'", "SELECT 'bool'", "SELECT 'object'", "SELECT 'byte'"] {
        let e = pass.d1_query(db, sql, vec![]).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol, "{sql}: {e}");
    }
    let e = pass.d1_query(db, "SELECT 'huge'", vec![]).await.unwrap_err();
    assert!(e.kind() == ErrorKind::Protocol && e.to_string().contains("cap"), "{e}");
    assert!(server.body_bytes_written() < 200 << 20, "{} bytes were read", server.body_bytes_written());
}

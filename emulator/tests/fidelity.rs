//! Issue 12: the request forms of clients other than wrangler (the official
//! SDKs, the API as specified) over plain HTTP, each a regression test of
//! one refusal the emulator used to give.

mod common;

use boardingpass_emulator::EmulatorHandle;
use common::{envelope_error, provision, raw_exchange, Account};
use reqwest::multipart::{Form, Part};
use serde_json::json;
use sha2::{Digest, Sha256};

fn url(emu: &EmulatorHandle, a: &Account, rest: &str) -> String {
    format!("{}/accounts/{}{rest}", emu.base_url(), a.id)
}

const MODULE: &str = "export default { fetch() { return new Response('by file name') } }";

/// The Python SDK names every module part `files` and gives its name as the
/// part's file name; metadata refers to that file name.
#[tokio::test]
async fn modules_are_found_by_file_name() {
    let emu = common::conformance::spawn_fast().await;
    let a = provision(&emu.base_url()).await;
    let form = Form::new()
        .part("metadata", Part::text(json!({"main_module": "index.js", "compatibility_date": "2025-01-01"}).to_string()).mime_str("application/json").unwrap())
        .part("files", Part::text(MODULE).file_name("index.js").mime_str("application/javascript+module").unwrap());
    let (status, body) = common::send_json(reqwest::Client::new().put(url(&emu, &a, "/workers/scripts/by-file")).bearer_auth(&a.token).multipart(form)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["entry_point"], "index.js");
}

/// The TypeScript SDK sends metadata as `metadata[…]` fields, and labels the
/// whole form `application/javascript`.
#[tokio::test]
async fn metadata_in_separate_fields_under_any_label() {
    let emu = common::conformance::spawn_fast().await;
    let a = provision(&emu.base_url()).await;
    let form = Form::new()
        .text("metadata[main_module]", "index.js")
        .text("metadata[compatibility_date]", "2025-01-01")
        .text("metadata[bindings][][type]", "plain_text")
        .text("metadata[bindings][][name]", "GREETING")
        .text("metadata[bindings][][text]", "hi")
        .part("files[]", Part::text(MODULE).file_name("index.js").mime_str("application/javascript+module").unwrap());
    let boundary = form.boundary().to_string();
    let body = reqwest::Body::wrap_stream(form.into_stream());
    let req = reqwest::Client::new().put(url(&emu, &a, "/workers/scripts/fields")).bearer_auth(&a.token).header("content-type", "application/javascript").body(body);
    let (status, body) = common::send_json(req).await;
    assert_eq!(status, 200, "{body} (boundary {boundary})");
    let (_, settings) = common::send_json(reqwest::Client::new().get(url(&emu, &a, "/workers/scripts/fields/settings")).bearer_auth(&a.token)).await;
    assert_eq!(settings["result"]["bindings"], json!([{"type": "plain_text", "name": "GREETING", "text": "hi"}]));
}

/// A refusal that comes before the body is read still reads (drains) a
/// body of moderate size, so a client that writes its whole upload before
/// reading gets the answer instead of a broken pipe.
#[tokio::test]
async fn an_early_refusal_lets_the_client_send_its_body() {
    let emu = common::conformance::spawn_fast().await;
    let a = provision(&emu.base_url()).await;
    let addr = format!("127.0.0.1:{}", emu.port());
    let len = 900 * 1024;
    let head = format!("PUT /client/v4/accounts/{}/workers/scripts/Not_A_Valid_Name HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Type: multipart/form-data; boundary=x", a.id, a.token);
    let answer = raw_exchange(&addr, &head, len).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(envelope_error(&answer.body).0, 1100);
    assert_eq!(answer.body_bytes_written, len, "the emulator stopped reading the body");
}

/// Every answer is a v4 envelope: unknown methods, unreadable queries, and
/// the routes the SDKs call (list, download).
#[tokio::test]
async fn every_answer_is_an_envelope_and_the_sdk_routes_exist() {
    let emu = common::conformance::spawn_fast().await;
    let a = provision(&emu.base_url()).await;
    let http = reqwest::Client::new();
    let (status, body) = common::send_json(http.get(url(&emu, &a, "/workers/scripts")).bearer_auth(&a.token)).await;
    assert_eq!((status, body["result"].clone()), (200, json!([])), "{body}");
    common::put_worker(&emu.base_url(), &a, "listed").await;
    let (_, body) = common::send_json(http.get(url(&emu, &a, "/workers/scripts")).bearer_auth(&a.token)).await;
    assert_eq!(body["result"][0]["id"], "listed", "{body}");
    let download = http.get(url(&emu, &a, "/workers/scripts/listed")).bearer_auth(&a.token).send().await.unwrap();
    assert_eq!(download.status(), 200);
    assert!(download.headers()["content-type"].to_str().unwrap().starts_with("multipart/form-data; boundary="));
    assert!(download.text().await.unwrap().contains("new Response('hi')"));
    let content = http.get(url(&emu, &a, "/workers/scripts/listed/content/v2")).bearer_auth(&a.token).send().await.unwrap();
    assert_eq!(content.headers()["content-type"], "application/javascript+module");
    assert_eq!(content.text().await.unwrap(), "export default { fetch() { return new Response('hi') } }");
    let (_, body) = common::send_json(http.get(url(&emu, &a, "/workers/scripts/listed/script-settings")).bearer_auth(&a.token)).await;
    assert_eq!(body["result"]["logpush"], false, "{body}");
    common::send_json(http.post(url(&emu, &a, "/workers/scripts/listed/subdomain")).bearer_auth(&a.token).json(&json!({"enabled": true}))).await;
    let (_, body) = common::send_json(http.delete(url(&emu, &a, "/workers/scripts/listed/subdomain")).bearer_auth(&a.token)).await;
    assert_eq!(body["result"], json!({"enabled": false, "previews_enabled": false}));
    let (status, body) = common::send_json(http.patch(url(&emu, &a, "/workers/scripts/listed")).bearer_auth(&a.token)).await;
    assert_eq!((status, body["errors"][0]["code"].clone()), (405, json!(10405)), "{body}");
    let (status, body) = common::send_json(http.get(url(&emu, &a, "/workers/scripts/listed/versions?page=x")).bearer_auth(&a.token)).await;
    assert_eq!((status, body["success"].clone()), (400, json!(false)), "{body}");
    let (_, body) = common::send_json(http.get(url(&emu, &a, "")).bearer_auth(&a.token)).await;
    assert_eq!(body["result"]["type"], "standard", "one of the spec's account types");
}

/// Asset hashes are the client's keys (here SHA-256, as Cloudflare's docs
/// compute them); only sizes are checked. Parts without a content type are
/// served with the type of their extension.
#[tokio::test]
async fn asset_hashes_are_opaque_and_types_come_from_extensions() {
    let emu = common::conformance::spawn_fast().await;
    let a = provision(&emu.base_url()).await;
    let http = reqwest::Client::new();
    let css = b"h1{color:teal}";
    let hash = hex::encode(&Sha256::digest(css)[..16]);
    let session = |size: usize| json!({"manifest": {"/style.css": {"hash": hash, "size": size}, "/copy.css": {"hash": hash, "size": size}}});
    let uneven = json!({"manifest": {"/style.css": {"hash": hash, "size": css.len()}, "/copy.css": {"hash": hash, "size": 1}}});
    let (status, body) = common::send_json(http.post(url(&emu, &a, "/workers/scripts/site/assets-upload-session")).bearer_auth(&a.token).json(&uneven)).await;
    assert_eq!((status, body["errors"][0]["code"].clone()), (400, json!(1202)), "one hash, two sizes: {body}");
    common::conformance::assert_request_conforms("POST", &format!("/accounts/{}/workers/scripts/site/assets-upload-session", a.id), &session(css.len()));
    let (_, s) = common::send_json(http.post(url(&emu, &a, "/workers/scripts/site/assets-upload-session")).bearer_auth(&a.token).json(&session(css.len()))).await;
    let jwt = s["result"]["jwt"].as_str().unwrap().to_string();
    use base64::Engine as _;
    let form = Form::new().text(hash.clone(), base64::engine::general_purpose::STANDARD.encode(css));
    let (status, done) = common::send_json(http.post(url(&emu, &a, "/workers/assets/upload?base64=true")).bearer_auth(&jwt).multipart(form)).await;
    assert_eq!(status, 201, "{done}");
    let metadata = json!({"metadata": {"assets": {"jwt": done["result"]["jwt"]}, "compatibility_date": "2025-01-01"}});
    let (status, body) = common::send_json(http.put(url(&emu, &a, "/workers/scripts/site")).bearer_auth(&a.token).json(&metadata)).await;
    assert_eq!(status, 200, "an assets-only upload as JSON: {body}");
    let enable = json!({"enabled": true});
    common::conformance::assert_request_conforms("POST", &format!("/accounts/{}/workers/scripts/site/subdomain", a.id), &enable);
    common::send_json(http.post(url(&emu, &a, "/workers/scripts/site/subdomain")).bearer_auth(&a.token).json(&enable)).await;
    let (_, sub) = common::send_json(http.get(url(&emu, &a, "/workers/subdomain")).bearer_auth(&a.token)).await;
    let host = format!("site.{}.localhost:{}", sub["result"]["subdomain"].as_str().unwrap(), emu.port());
    let served = http.get(format!("{}/style.css", emu.origin())).header("host", host).send().await.unwrap();
    assert_eq!(served.headers()["content-type"], "text/css; charset=utf-8");
    assert_eq!(served.bytes().await.unwrap().as_ref(), css);
}

/// The conformance check (common/conformance.rs) is not vacuous: real
/// answers pass it, and each kind of drift from the spec fails it.
#[tokio::test]
async fn the_conformance_check_catches_drift() {
    let emu = common::conformance::spawn_fast().await;
    let a = provision(&emu.base_url()).await;
    common::put_worker(&emu.base_url(), &a, "checked").await;
    let http = reqwest::Client::new();
    common::send_json(http.get(url(&emu, &a, "")).bearer_auth(&a.token)).await;
    common::send_json(http.get(url(&emu, &a, "/workers/scripts/missing/settings")).bearer_auth(&a.token)).await;
    let recorded = emu.requests();
    assert!(recorded.len() >= 5 && recorded.iter().all(|r| r.response.is_some()), "{recorded:?}");
    for r in &recorded {
        assert_eq!(common::conformance::check_answer(r), None, "a real answer conforms");
    }
    let find = |suffix: &str| recorded.iter().find(|r| r.path.ends_with(suffix)).unwrap().clone();
    let mut drifted = Vec::new();
    let mut account = find(&a.id);
    account.response.as_mut().unwrap()["result"]["type"] = json!("temporary");
    drifted.push(account);
    let mut script = find("/scripts/checked");
    script.response.as_mut().unwrap()["result"]["usage_model"] = json!("metered");
    drifted.push(script.clone());
    script.response.as_mut().unwrap()["result"]["created_on"] = json!("yesterday");
    drifted.push(script.clone());
    script.path = format!("{}/no/such/route", script.path);
    drifted.push(script);
    let mut error = find("/missing/settings");
    error.response.as_mut().unwrap()["errors"] = json!([]);
    drifted.push(error.clone());
    error.response = None;
    error.content_type = Some("text/plain".into());
    drifted.push(error);
    for r in &drifted {
        assert!(common::conformance::check_answer(r).is_some(), "drift not caught: {r:?}");
    }
    emu.clear_requests();
}

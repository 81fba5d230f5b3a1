//! Issue 14: the Workers KV endpoints over plain HTTP, every answer checked
//! against tests/fixtures/api-schemas, and every refusal a v4 error that
//! changes nothing.

mod common;

use boardingpass_emulator::EmulatorHandle;
use common::{provision, Account};
use serde_json::json;

fn url(emu: &EmulatorHandle, a: &Account, rest: &str) -> String {
    format!("{}/accounts/{}/storage/kv/namespaces{rest}", emu.base_url(), a.id)
}

async fn create(emu: &EmulatorHandle, a: &Account, title: &str) -> String {
    let body = json!({"title": title});
    common::conformance::assert_request_conforms("POST", &format!("/accounts/{}/storage/kv/namespaces", a.id), &body);
    let (status, answer) = common::send_json(reqwest::Client::new().post(url(emu, a, "")).bearer_auth(&a.token).json(&body)).await;
    assert_eq!(status, 200, "{answer}");
    answer["result"]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn namespaces_values_listing_and_bulk_writes() {
    let emu = common::conformance::spawn_fast().await;
    let a = provision(&emu.base_url()).await;
    let http = reqwest::Client::new();
    let ns = create(&emu, &a, "guestbook").await;
    assert_eq!(ns.len(), 32);

    let (status, listed) = common::send_json(http.get(url(&emu, &a, "?per_page=5")).bearer_auth(&a.token)).await;
    assert_eq!(status, 200);
    assert_eq!(listed["result"], json!([{"id": ns, "title": "guestbook", "supports_url_encoding": true}]));
    assert_eq!(listed["result_info"]["total_count"], 1);

    // An encoded slash stays part of the key; the value comes back raw.
    let r = http.put(url(&emu, &a, &format!("/{ns}/values/a%2Fb"))).bearer_auth(&a.token).body(vec![0u8, 255]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = http.get(url(&emu, &a, &format!("/{ns}/values/a%2Fb"))).bearer_auth(&a.token).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/octet-stream");
    assert_eq!(r.bytes().await.unwrap().as_ref(), [0u8, 255]);

    // A form with metadata (what clients send with it): the value field is the value.
    let form = reqwest::multipart::Form::new().text("value", "from a form").text("metadata", "{\"a\":1}");
    let r = http.put(url(&emu, &a, &format!("/{ns}/values/form"))).bearer_auth(&a.token).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let got = http.get(url(&emu, &a, &format!("/{ns}/values/form"))).bearer_auth(&a.token).send().await.unwrap().text().await.unwrap();
    assert_eq!(got, "from a form");

    let pairs = json!([{"key": "k1", "value": "one"}, {"key": "k2", "value": "dHdv", "base64": true}]);
    common::conformance::assert_request_conforms("PUT", &format!("/accounts/{}/storage/kv/namespaces/{ns}/bulk", a.id), &pairs);
    let (status, body) = common::send_json(http.put(url(&emu, &a, &format!("/{ns}/bulk"))).bearer_auth(&a.token).json(&pairs)).await;
    assert_eq!((status, &body["result"]["successful_key_count"]), (200, &json!(2)), "{body}");
    let two = http.get(url(&emu, &a, &format!("/{ns}/values/k2"))).bearer_auth(&a.token).send().await.unwrap().text().await.unwrap();
    assert_eq!(two, "two");

    let (_, page) = common::send_json(http.get(url(&emu, &a, &format!("/{ns}/keys?prefix=k&limit=10"))).bearer_auth(&a.token)).await;
    assert_eq!(page["result"], json!([{"name": "k1"}, {"name": "k2"}]));
    let (_, all) = common::send_json(http.get(url(&emu, &a, &format!("/{ns}/keys"))).bearer_auth(&a.token)).await;
    assert_eq!(all["result"].as_array().unwrap().len(), 4, "a/b, form, k1, k2");
    assert_eq!(page["result_info"]["cursor"], "");

    let (status, _) = common::send_json(http.delete(url(&emu, &a, &format!("/{ns}/values/k1"))).bearer_auth(&a.token)).await;
    assert_eq!(status, 200);
    let (status, missing) = common::send_json(http.get(url(&emu, &a, &format!("/{ns}/values/k1"))).bearer_auth(&a.token)).await;
    assert_eq!((status, &missing["errors"][0]["code"]), (404, &json!(10009)));

    let (status, _) = common::send_json(http.delete(url(&emu, &a, &format!("/{ns}"))).bearer_auth(&a.token)).await;
    assert_eq!(status, 200);
    let (status, gone) = common::send_json(http.get(url(&emu, &a, &format!("/{ns}/keys"))).bearer_auth(&a.token)).await;
    assert_eq!((status, &gone["errors"][0]["code"]), (404, &json!(10013)));
}

#[tokio::test]
async fn refusals_are_cloudflare_style_and_change_nothing() {
    let emu = common::conformance::spawn_fast().await;
    let (a, b) = (provision(&emu.base_url()).await, provision(&emu.base_url()).await);
    let http = reqwest::Client::new();
    let ns = create(&emu, &a, "mine").await;

    let (status, dup) = common::send_json(http.post(url(&emu, &a, "")).bearer_auth(&a.token).json(&json!({"title": "mine"}))).await;
    assert_eq!((status, &dup["errors"][0]["code"]), (400, &json!(10014)));

    // Another account's token cannot reach the namespace, even on its own account path.
    let (status, other) = common::send_json(http.get(format!("{}/accounts/{}/storage/kv/namespaces/{ns}/keys", emu.base_url(), b.id)).bearer_auth(&b.token)).await;
    assert_eq!((status, &other["errors"][0]["code"]), (404, &json!(10013)));
    let (status, _) = common::send_json(http.get(url(&emu, &a, &format!("/{ns}/keys"))).bearer_auth(&b.token)).await;
    assert!(status == 403 || status == 401, "{status}");

    let long = "k".repeat(513);
    let (status, e) = common::send_json(http.put(url(&emu, &a, &format!("/{ns}/values/{long}"))).bearer_auth(&a.token).body("v")).await;
    assert_eq!((status, &e["errors"][0]["code"]), (400, &json!(1601)));
    let bad_bulk = json!([{"key": "fine", "value": "v"}, {"key": long, "value": "v"}]);
    let (status, _) = common::send_json(http.put(url(&emu, &a, &format!("/{ns}/bulk"))).bearer_auth(&a.token).json(&bad_bulk)).await;
    assert_eq!(status, 400);
    let (status, e) = common::send_json(http.get(url(&emu, &a, &format!("/{ns}/keys?limit=5"))).bearer_auth(&a.token)).await;
    assert_eq!((status, &e["errors"][0]["code"]), (400, &json!(1607)));
    let (_, page) = common::send_json(http.get(url(&emu, &a, &format!("/{ns}/keys"))).bearer_auth(&a.token)).await;
    assert_eq!(page["result"], json!([]), "nothing was written by a refused request");
}

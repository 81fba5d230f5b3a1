//! Helpers shared by the emulator's HTTP-level tests: a temporary account
//! obtained the way a client gets one, and raw HTTP/1.1 exchanges whose
//! bytes the test counts itself.

#![allow(dead_code)] // each test file uses its own subset

pub mod conformance;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use boardingpass::pow::{self, CancelFlag, Challenge};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub struct Account {
    pub id: String,
    pub token: String,
    /// What the claim page's link carries (`POST /x-boardingpass/claim`).
    pub claim_token: String,
}

/// Sends `req` and reads the answer as JSON (a test failure if it is not).
pub async fn send_json(req: reqwest::RequestBuilder) -> (u16, Value) {
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text:?}")))
}

/// Provisions an account over HTTP (challenge, proof of work, create).
pub async fn provision(base_url: &str) -> Account {
    let http = reqwest::Client::new();
    let ch: Value = http.post(format!("{base_url}/provisioning/previews/challenge")).json(&json!({})).send().await.unwrap().json().await.unwrap();
    let r = &ch["result"];
    let challenge = Challenge::new(r["seed"].as_str().unwrap(), r["k"].as_i64().unwrap(), r["g"].as_i64().unwrap(), u64::MAX).unwrap();
    let raw = tokio::task::spawn_blocking(move || pow::solve_blocking(&challenge, &CancelFlag::new(), |_| {})).await.unwrap().unwrap();
    let body = json!({
        "challengeToken": r["challengeToken"], "solution": {"checkpoints": pow::encode_checkpoints(&raw)},
        "acceptTermsOfService": "yes", "termsOfService": "https://www.cloudflare.com/terms/", "privacyPolicy": "https://www.cloudflare.com/privacypolicy/",
    });
    let created: Value = http.post(format!("{base_url}/provisioning/previews")).json(&body).send().await.unwrap().json().await.unwrap();
    assert_eq!(created["success"], true, "{created}");
    let a = &created["result"]["account"];
    let claim_token = created["result"]["claim"]["token"].as_str().unwrap().to_string();
    Account { id: a["id"].as_str().unwrap().to_string(), token: a["apiToken"].as_str().unwrap().to_string(), claim_token }
}

/// Uploads and deploys a one-module Worker; returns the envelope.
pub async fn put_worker(base_url: &str, account: &Account, name: &str) -> (u16, Value) {
    let metadata = json!({"main_module": "index.js", "compatibility_date": "2024-09-01"});
    let form = reqwest::multipart::Form::new()
        .part("metadata", reqwest::multipart::Part::text(metadata.to_string()).mime_str("application/json").unwrap())
        .part(
            "index.js",
            reqwest::multipart::Part::text("export default { fetch() { return new Response('hi') } }").file_name("index.js").mime_str("application/javascript+module").unwrap(),
        );
    let r = reqwest::Client::new()
        .put(format!("{base_url}/accounts/{}/workers/scripts/{name}", account.id))
        .bearer_auth(&account.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// Uploads `source` as the ES module `index.js` with `metadata`; returns
/// the status and envelope.
pub async fn put_module(base: &str, a: &Account, name: &str, source: &str, metadata: Value) -> (u16, Value) {
    use reqwest::multipart::{Form, Part};
    let form = Form::new()
        .part("metadata", Part::text(metadata.to_string()).mime_str("application/json").unwrap())
        .part("index.js", Part::text(source.to_string()).file_name("index.js").mime_str("application/javascript+module").unwrap());
    let r = reqwest::Client::new().put(format!("{base}/accounts/{}/workers/scripts/{name}", a.id)).bearer_auth(&a.token).multipart(form).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// Turns on `name`'s workers.dev route; returns the account's subdomain.
pub async fn enable_workers_dev(base: &str, a: &Account, name: &str) -> String {
    let http = reqwest::Client::new();
    http.post(format!("{base}/accounts/{}/workers/scripts/{name}/subdomain", a.id)).bearer_auth(&a.token).json(&json!({"enabled": true})).send().await.unwrap();
    let sub: Value = http.get(format!("{base}/accounts/{}/workers/subdomain", a.id)).bearer_auth(&a.token).send().await.unwrap().json().await.unwrap();
    sub["result"]["subdomain"].as_str().unwrap().to_string()
}

/// An answer read off a raw connection, and how many body bytes the client
/// had managed to hand to the connection when the answer was complete.
pub struct RawAnswer {
    pub status: u16,
    pub body: String,
    pub body_bytes_written: u64,
}

/// Sends `head` (request line and headers, without the final blank line,
/// with a `Content-Length: body_len`) and then up to `body_len` zero bytes
/// while reading the answer concurrently, as a client streaming an upload
/// does. The writer stops at the first write error (the server may close).
pub async fn raw_exchange(addr: &str, head: &str, body_len: u64) -> RawAnswer {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let written = Arc::new(AtomicU64::new(0));
    let counter = written.clone();
    let head = format!("{head}\r\nContent-Length: {body_len}\r\n\r\n");
    let writer = tokio::spawn(async move {
        if wr.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = vec![0u8; 64 * 1024];
        let mut left = body_len;
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            if wr.write_all(&chunk[..n]).await.is_err() {
                return;
            }
            counter.fetch_add(n as u64, Ordering::SeqCst);
            left -= n as u64;
        }
        // Keep the connection open for writing, as HTTP clients do: a
        // half-closed connection is one the server may drop unanswered.
        std::future::pending::<()>().await;
    });
    let mut buf = Vec::new();
    let mut tmp = vec![0u8; 16 * 1024];
    let (status, body) = loop {
        if let Some(parsed) = parse_response(&buf) {
            break parsed;
        }
        match rd.read(&mut tmp).await {
            Ok(0) | Err(_) => panic!("connection ended before a complete answer: {:?}", String::from_utf8_lossy(&buf)),
            Ok(n) => buf.extend_from_slice(&tmp[..n]),
        }
    };
    let body_bytes_written = written.load(Ordering::SeqCst);
    writer.abort();
    RawAnswer { status, body, body_bytes_written }
}

/// `(status, body)` once `buf` holds a whole response with a Content-Length.
fn parse_response(buf: &[u8]) -> Option<(u16, String)> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..end]).to_string();
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let len: usize = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-length")).map(|(_, v)| v.trim().parse().unwrap()))
        .unwrap_or(0);
    let body = buf.get(end + 4..end + 4 + len)?;
    Some((status, String::from_utf8_lossy(body).into_owned()))
}

/// The first error of a v4 envelope, checking the envelope's shape.
pub fn envelope_error(body: &str) -> (i64, String) {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("not a JSON envelope ({e}): {body:?}"));
    assert_eq!(v["success"], false, "{v}");
    assert!(v["result"].is_null() && v["messages"].is_array(), "{v}");
    let e = &v["errors"][0];
    (e["code"].as_i64().unwrap_or_else(|| panic!("no error code: {v}")), e["message"].as_str().unwrap().to_string())
}

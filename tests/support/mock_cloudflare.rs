//! A scriptable stand-in for Cloudflare's API on 127.0.0.1, for tests that
//! need a server to misbehave in ways the emulator never would (redirect to
//! another origin, hostile strings, endless bodies). std only, one thread per
//! connection, `Connection: close`, so both async and blocking tests use it.
//! Shared by `core/tests/hostile_server.rs` and `cli/tests/cli.rs`.

#![allow(dead_code)] // each including test crate uses a different subset

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

/// Seed of 32 zero bytes (PROTOCOL §3 test vector); with k = g = 1 the proof of work is instant.
pub const ZERO_SEED: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
pub const ACCOUNT_ID: &str = "0123456789abcdef0123456789abcdef";
pub const API_TOKEN: &str = "cfat_mockTokenValue0123456789";
pub const CLAIM_TOKEN: &str = "mockClaimToken0123456789";
pub const SUBDOMAIN: &str = "quiet-heron";
pub const VERSION_ID: &str = "5f0c2a1e-0000-4000-8000-000000000001";
pub const LIVE_BODY: &str = "hello from the mock";

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// Is this a request for a deployed Worker (`Host: *.localhost:port`) rather than the API?
    pub fn is_live(&self) -> bool {
        self.header("host").is_some_and(|h| h.split(':').next().unwrap_or_default().ends_with(".localhost"))
    }
}

pub enum Body {
    Bytes(Vec<u8>),
    /// `len` zero bytes, announced by Content-Length or sent chunked.
    Zeros { len: u64, chunked: bool },
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

impl Reply {
    pub fn json(status: u16, value: &Value) -> Self {
        Self { status, headers: vec![("content-type".into(), "application/json".into())], body: Body::Bytes(value.to_string().into_bytes()) }
    }
    /// A successful v4 envelope around `result`.
    pub fn ok(result: Value) -> Self {
        Self::json(200, &json!({"success": true, "errors": [], "messages": [], "result": result}))
    }
    /// A failed v4 envelope.
    pub fn err(status: u16, code: i64, message: &str) -> Self {
        Self::json(status, &json!({"success": false, "errors": [{"code": code, "message": message}], "messages": [], "result": null}))
    }
    pub fn text(status: u16, text: &str) -> Self {
        Self { status, headers: vec![("content-type".into(), "text/plain".into())], body: Body::Bytes(text.as_bytes().to_vec()) }
    }
    pub fn redirect(status: u16, location: &str) -> Self {
        Self { status, headers: vec![("location".into(), location.into())], body: Body::Bytes(Vec::new()) }
    }
    pub fn zeros(len: u64, chunked: bool) -> Self {
        Self { status: 200, headers: vec![("content-type".into(), "application/json".into())], body: Body::Zeros { len, chunked } }
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// The server; stops accepting when dropped.
pub struct MockServer {
    pub port: u16,
    seen: Arc<Mutex<Vec<Request>>>,
    written: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl MockServer {
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (seen, written, stop) = (Arc::default(), Arc::new(AtomicU64::new(0)), Arc::new(AtomicBool::new(false)));
        let handler: Arc<Handler> = Arc::new(handler);
        let (s, w, st) = (Arc::clone(&seen), Arc::clone(&written), Arc::clone(&stop));
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (h, s, w) = (Arc::clone(&handler), Arc::clone(&s), Arc::clone(&w));
                std::thread::spawn(move || serve(conn, &*h, &s, &w));
            }
        });
        Self { port, seen, written, stop }
    }
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
    pub fn base(&self) -> String {
        format!("{}/client/v4", self.origin())
    }
    pub fn requests(&self) -> Vec<Request> {
        self.seen.lock().unwrap().clone()
    }
    /// Body bytes the server managed to hand to the kernel (a client that stops reading stops this).
    pub fn body_bytes_written(&self) -> u64 {
        self.written.load(Ordering::SeqCst)
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(conn: TcpStream, handler: &Handler, seen: &Mutex<Vec<Request>>, written: &AtomicU64) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or_default().to_string(), parts.next().unwrap_or_default().to_string());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.trim_end().split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let mut req = Request { method, target, headers, body: Vec::new() };
    if let Some(len) = req.header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        req.body.resize(len, 0);
        let _ = reader.read_exact(&mut req.body);
    } else if req.header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).unwrap_or(0);
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            if reader.read_exact(&mut chunk).is_err() || n == 0 {
                break;
            }
            req.body.extend_from_slice(&chunk[..n]);
        }
    }
    seen.lock().unwrap().push(req.clone());
    let reply = handler(&req);
    let mut out = conn;
    let mut head = format!("HTTP/1.1 {} Mock\r\nconnection: close\r\n", reply.status);
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    match &reply.body {
        Body::Bytes(b) => head.push_str(&format!("content-length: {}\r\n\r\n", b.len())),
        Body::Zeros { len, chunked: false } => head.push_str(&format!("content-length: {len}\r\n\r\n")),
        Body::Zeros { chunked: true, .. } => head.push_str("transfer-encoding: chunked\r\n\r\n"),
    }
    if out.write_all(head.as_bytes()).is_err() {
        return;
    }
    match reply.body {
        Body::Bytes(b) => {
            if out.write_all(&b).is_ok() {
                written.fetch_add(b.len() as u64, Ordering::SeqCst);
            }
        }
        Body::Zeros { len, chunked } => {
            let block = vec![b'0'; 64 * 1024];
            let mut left = len;
            while left > 0 {
                let n = left.min(block.len() as u64) as usize;
                let ok = if chunked {
                    out.write_all(format!("{n:x}\r\n").as_bytes()).and_then(|_| out.write_all(&block[..n])).and_then(|_| out.write_all(b"\r\n"))
                } else {
                    out.write_all(&block[..n])
                };
                if ok.is_err() {
                    return;
                }
                written.fetch_add(n as u64, Ordering::SeqCst);
                left -= n as u64;
            }
            if chunked {
                let _ = out.write_all(b"0\r\n\r\n");
            }
        }
    }
}

/// The `result` of a well-formed `POST /provisioning/previews`.
pub fn created(origin: &str) -> Value {
    let in_an_hour = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    json!({
        "account": {"id": ACCOUNT_ID, "name": "Quiet Heron", "type": "temporary", "apiToken": API_TOKEN,
                    "tokenId": "fedcba9876543210fedcba9876543210", "expiresAt": in_an_hour},
        "claim": {"token": CLAIM_TOKEN, "url": format!("{origin}/claim-preview?claimToken={CLAIM_TOKEN}"), "expiresAt": in_an_hour},
    })
}

/// Answers like Cloudflare on the happy path of one provision + first
/// deploy + verification: tests override the routes they want to break and
/// fall back to this.
pub fn cloudflare(req: &Request, origin: &str) -> Reply {
    if req.is_live() {
        return Reply::text(200, LIVE_BODY);
    }
    let account = format!("/client/v4/accounts/{ACCOUNT_ID}");
    let path = req.path();
    match (req.method.as_str(), path) {
        ("POST", "/client/v4/provisioning/previews/challenge") => Reply::ok(json!({"challengeToken": "mock-challenge", "seed": ZERO_SEED, "k": 1, "g": 1})),
        ("POST", "/client/v4/provisioning/previews") => Reply::ok(created(origin)),
        ("GET", p) if p.starts_with(&format!("{account}/workers/services/")) => Reply::err(404, 10090, "This Worker does not exist on your account."),
        ("PUT", p) if p.starts_with(&format!("{account}/workers/scripts/")) => Reply::ok(json!({"id": "hello", "deployment_id": VERSION_ID, "startup_time_ms": 1})),
        ("POST", p) if p.starts_with(&format!("{account}/workers/scripts/")) && p.ends_with("/subdomain") => Reply::ok(json!({"enabled": true})),
        ("GET", p) if p == format!("{account}/workers/subdomain") => Reply::ok(json!({"subdomain": SUBDOMAIN})),
        ("GET", "/client/v4/x-boardingpass/claim-status") => Reply::ok(json!({"status": "pending", "changed_at": null})),
        _ => Reply::err(404, 7003, "No route for that URI"),
    }
}

//! Helpers shared by the integration tests that deploy to the in-process
//! emulator (each test file includes this module with `mod common;`).
#![allow(dead_code)] // each test crate uses a different subset

use std::sync::{Arc, Mutex};
use std::time::Duration;

use boardingpass::{AuditEvent, AuditLog, BoardingPass, Client, Policy, ProvisionOptions, RetryPolicy};
use boardingpass_emulator::{EmulatorConfig, EmulatorHandle};

/// An emulator with an easy proof of work, otherwise configured by `config`.
pub async fn emulator(config: EmulatorConfig) -> EmulatorHandle {
    boardingpass_emulator::spawn(EmulatorConfig { pow_k: 20, pow_g: 50, ..config }).await.expect("emulator starts")
}

/// A pass for a named owner, with retries that wait milliseconds, not seconds.
pub async fn pass(emu: &EmulatorHandle) -> BoardingPass {
    let fast = RetryPolicy::default().base_delay(Duration::from_millis(10));
    let client = Client::builder().api_base(emu.base_url()).accept_terms(true).retry(fast).build().unwrap();
    client.provision(ProvisionOptions::default().owner("Ada Lovelace")).await.unwrap()
}

/// Audit events as JSON, in the order the log emitted them.
pub type Events = Arc<Mutex<Vec<serde_json::Value>>>;

/// An audit log whose events land in the returned list.
pub fn recorded_audit() -> (AuditLog, Events) {
    let events = Events::default();
    let seen = events.clone();
    let audit = AuditLog::new(None, None, Some(Arc::new(move |e: &AuditEvent| seen.lock().unwrap().push(serde_json::to_value(e).unwrap())))).unwrap();
    (audit, events)
}

/// A pass for a named owner under the permissive policy, its audit events recorded.
pub async fn audited_pass(emu: &EmulatorHandle) -> (BoardingPass, Events) {
    let (audit, events) = recorded_audit();
    let client = Client::builder().api_base(emu.base_url()).accept_terms(true).audit(audit).policy(Policy::permissive()).build().unwrap();
    (client.provision(ProvisionOptions::default().owner("Ada Lovelace")).await.unwrap(), events)
}

/// GET through the emulator with the Worker's host name, redirects not followed.
pub async fn get(url: &str, path: &str) -> (u16, String) {
    let u = reqwest::Url::parse(url).unwrap();
    let host = format!("{}:{}", u.host_str().unwrap(), u.port().unwrap());
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = client.get(format!("http://127.0.0.1:{}{path}", u.port().unwrap())).header("host", host).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// POSTs `json` through the emulator with the Worker's host name.
pub async fn post(url: &str, path: &str, json: &serde_json::Value) -> (u16, String) {
    let u = reqwest::Url::parse(url).unwrap();
    let host = format!("{}:{}", u.host_str().unwrap(), u.port().unwrap());
    let r = reqwest::Client::new().post(format!("http://127.0.0.1:{}{path}", u.port().unwrap())).header("host", host).json(json).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

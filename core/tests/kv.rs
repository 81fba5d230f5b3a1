//! Workers KV through the pass against the in-process emulator: namespaces,
//! keys, listing with prefix/cursor/limit, bulk writes, the ticket and the
//! audit log, and bad input refused before anything is sent.

mod common;


use boardingpass::{CancellationToken, ClaimStatus, Client, KvListOptions, KvPair, Policy, ProvisionOptions};
use boardingpass_emulator::EmulatorConfig;

#[tokio::test]
async fn namespaces_and_keys_round_trip_and_show_on_the_ticket() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let (pass, events) = common::audited_pass(&emu).await;

    let ns = pass.create_kv_namespace("guestbook").await.unwrap();
    assert_eq!(ns.title, "guestbook");
    assert_eq!(pass.kv_namespaces().await.unwrap(), vec![ns.clone()]);
    let dup = pass.create_kv_namespace("guestbook").await.unwrap_err();
    assert_eq!((dup.code(), dup.api_code()), ("api", Some(10014)), "{dup}");

    // Keys with path characters, and binary values, survive the trip.
    for key in ["plain", "a/b?c#d%e f", "é"] {
        pass.kv_put(&ns.id, key, format!("value of {key}")).await.unwrap();
        assert_eq!(pass.kv_get(&ns.id, key).await.unwrap().unwrap(), format!("value of {key}").as_bytes());
    }
    pass.kv_put(&ns.id, "bin", vec![0u8, 159, 146, 150]).await.unwrap();
    assert_eq!(pass.kv_get(&ns.id, "bin").await.unwrap().unwrap().as_ref(), [0u8, 159, 146, 150]);
    assert_eq!(pass.kv_get(&ns.id, "missing").await.unwrap(), None);
    pass.kv_delete(&ns.id, "plain").await.unwrap();
    assert_eq!(pass.kv_get(&ns.id, "plain").await.unwrap(), None);

    let pairs: Vec<KvPair> = (0..25).map(|i| KvPair::new(format!("entry/{i:02}"), format!("{i}"))).chain([KvPair::new("entry/raw", vec![255u8, 0])]).collect();
    pass.kv_put_bulk(&ns.id, &pairs).await.unwrap();
    assert_eq!(pass.kv_get(&ns.id, "entry/raw").await.unwrap().unwrap().as_ref(), [255u8, 0]);
    let mut names = Vec::new();
    let mut cursor = None;
    loop {
        let mut options = KvListOptions::default().prefix("entry/").limit(10);
        if let Some(c) = cursor.take() {
            options = options.cursor(c);
        }
        let page = pass.kv_list(&ns.id, options).await.unwrap();
        names.extend(page.keys.into_iter().map(|k| k.name));
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let expected: Vec<String> = (0..25).map(|i| format!("entry/{i:02}")).chain(["entry/raw".to_string()]).collect();
    assert_eq!(names, expected);

    let ticket = pass.ticket(ClaimStatus::Pending).unwrap().to_json();
    assert_eq!(ticket["temporary_resource"]["resources"], serde_json::json!([{"type": "kv_namespace", "name": "guestbook", "id": ns.id, "size": null}]));
    assert!(pass.ticket(ClaimStatus::Pending).unwrap().to_markdown().contains(&format!("kv_namespace **guestbook** (`{}`)", ns.id)));
    let created: Vec<_> = events.lock().unwrap().iter().filter(|e| e["event"] == "resource_created").cloned().collect();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["details"], serde_json::json!({"type": "kv_namespace", "name": "guestbook", "id": ns.id}));

    // The new output paths (ticket resources, resource events, KV results, errors) carry no credential.
    let ticket = pass.ticket(ClaimStatus::Pending).unwrap();
    let outputs = format!(
        "{}{}{:?}{:?}{dup}{}",
        ticket.to_json(),
        ticket.to_markdown(),
        pass.kv_namespaces().await.unwrap(),
        pass.kv_list(&ns.id, KvListOptions::default()).await.unwrap(),
        serde_json::Value::Array(events.lock().unwrap().clone())
    );
    for secret in [pass.expose_api_token(), pass.expose_claim_url()] {
        assert!(!outputs.contains(secret), "a credential reached a KV output");
    }

    pass.delete_kv_namespace(&ns.id).await.unwrap();
    assert!(pass.kv_namespaces().await.unwrap().is_empty());
    assert_eq!(pass.ticket(ClaimStatus::Pending).unwrap().to_json()["temporary_resource"]["resources"], serde_json::json!([]));
    let gone = pass.kv_get(&ns.id, "bin").await.unwrap_err();
    assert_eq!(gone.api_code(), Some(10013), "{gone}");
}

#[tokio::test]
async fn bad_input_is_refused_before_any_request() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let pass = common::pass(&emu).await;
    let ns = pass.create_kv_namespace("limits").await.unwrap();
    emu.clear_requests();
    let long_key = "k".repeat(513);
    let big = vec![0u8; (25 << 20) + 1];
    let errors = [
        pass.kv_put(&ns.id, &long_key, "v").await.unwrap_err(),
        pass.kv_put(&ns.id, "big", big.clone()).await.unwrap_err(),
        pass.kv_put_bulk(&ns.id, &[KvPair::new("ok", "v"), KvPair::new("big", big)]).await.unwrap_err(),
        pass.kv_get(&ns.id, "..").await.unwrap_err(),
        pass.kv_get("../../workers/scripts", "k").await.unwrap_err(),
        pass.kv_list(&ns.id, KvListOptions::default().limit(5)).await.unwrap_err(),
        pass.create_kv_namespace("").await.unwrap_err(),
    ];
    for e in &errors {
        assert_eq!(e.code(), "invalid_input", "{e}");
    }
    assert!(emu.requests().is_empty(), "nothing was sent: {:?}", emu.requests());
    // Nothing changed: the namespace is still empty.
    assert!(pass.kv_list(&ns.id, KvListOptions::default()).await.unwrap().keys.is_empty());
}

#[tokio::test]
async fn another_accounts_namespace_is_not_found() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let (a, b) = (common::pass(&emu).await, common::pass(&emu).await);
    let ns = a.create_kv_namespace("mine").await.unwrap();
    a.kv_put(&ns.id, "k", "secret-ish").await.unwrap();
    let e = b.kv_get(&ns.id, "k").await.unwrap_err();
    assert_eq!((e.code(), e.status(), e.api_code()), ("api", Some(404), Some(10013)), "{e}");
    assert!(b.kv_put(&ns.id, "k", "overwrite").await.is_err());
    assert_eq!(a.kv_get(&ns.id, "k").await.unwrap().unwrap(), "secret-ish".as_bytes());
}

#[tokio::test]
async fn policy_limits_resources_and_calls_can_be_cancelled() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let policy = Policy::permissive().allowed_resource_types(vec!["kv_namespace".into()]).max_resources_per_pass(1);
    let client = Client::builder().api_base(emu.base_url()).accept_terms(true).policy(policy).build().unwrap();
    let pass = client.provision(ProvisionOptions::default()).await.unwrap();
    pass.create_kv_namespace("one").await.unwrap();
    emu.clear_requests();
    let e = pass.create_kv_namespace("two").await.unwrap_err();
    assert_eq!(e.code(), "policy_violation", "{e}");
    assert!(e.to_string().contains("max_resources_per_pass"), "{e}");
    assert!(emu.requests().is_empty());

    let token = CancellationToken::new();
    token.cancel();
    let e = boardingpass::cancellable(Some(&token), pass.kv_get("abc", "k")).await.unwrap_err();
    assert_eq!(e.code(), "cancelled");
}

#[tokio::test]
async fn expiry_deletes_the_data_and_a_claim_keeps_it() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let (doomed, kept) = (common::pass(&emu).await, common::pass(&emu).await);
    let ns_doomed = doomed.create_kv_namespace("doomed").await.unwrap();
    doomed.kv_put(&ns_doomed.id, "k", "v").await.unwrap();
    let ns_kept = kept.create_kv_namespace("kept").await.unwrap();
    kept.kv_put(&ns_kept.id, "k", "v").await.unwrap();
    let claim_token = kept.expose_claim_url().split("claimToken=").nth(1).unwrap().to_string();
    let claimed = reqwest::Client::new().post(format!("{}/x-boardingpass/claim", emu.origin())).header("x-claim-token", claim_token).send().await.unwrap();
    assert_eq!(claimed.status(), 200);
    // The emulator's clock jumps past both windows: the pending account expires, the claimed one stays.
    let mut store = emu.state().store();
    let expired = store.expire(chrono::Utc::now() + chrono::Duration::hours(2));
    assert_eq!(expired, vec![doomed.account_id().to_string()]);
    assert!(!store.kv.contains_key(doomed.account_id()), "expired account's KV data is deleted");
    assert_eq!(store.kv[kept.account_id()].namespaces[&ns_kept.id].values["k"].as_ref(), b"v");
}

//! OTLP export (feature `otlp`): a collector on loopback receives the span
//! tree of a whole flow, with run/job/account/worker attributes and no
//! credential anywhere in what it received.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use boardingpass::telemetry;
use boardingpass::toolbox::{CallContext, ClaimLink, ClaimLinkSink, Toolbox, ToolboxConfig};
use boardingpass::{AssetsConfig, AuditLog, ClaimWaitOptions, Client, ProvisionOptions, Worker};
use boardingpass_emulator::EmulatorConfig;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use prost::Message;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// A minimal OTLP/HTTP collector: keeps every request body, answers 200.
async fn collector() -> (String, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let kept = bodies.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let kept = kept.clone();
            tokio::spawn(async move {
                let mut conn = BufReader::new(stream);
                loop {
                    let (mut line, mut length) = (String::new(), 0usize);
                    loop {
                        line.clear();
                        if conn.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap();
                        }
                    }
                    let mut body = vec![0; length];
                    conn.read_exact(&mut body).await.unwrap();
                    kept.lock().unwrap().push(body);
                    conn.get_mut().write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await.unwrap();
                }
            });
        }
    });
    (url, bodies)
}

struct Span {
    name: String,
    id: Vec<u8>,
    parent: Vec<u8>,
    attributes: HashMap<String, String>,
    /// Names of the span's events (audit events are named by their kind).
    events: Vec<String>,
}

fn spans(bodies: &[Vec<u8>]) -> Vec<Span> {
    let mut out = Vec::new();
    for body in bodies {
        let request = ExportTraceServiceRequest::decode(body.as_slice()).expect("an OTLP protobuf body");
        for span in request.resource_spans.iter().flat_map(|r| &r.scope_spans).flat_map(|s| &s.spans) {
            let attributes = span
                .attributes
                .iter()
                .map(|kv| {
                    let v = match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
                        Some(Any::StringValue(s)) => s.clone(),
                        Some(Any::IntValue(i)) => i.to_string(),
                        other => format!("{other:?}"),
                    };
                    (kv.key.clone(), v)
                })
                .collect();
            let events = span.events.iter().map(|e| e.name.clone()).collect();
            out.push(Span { name: span.name.clone(), id: span.span_id.clone(), parent: span.parent_span_id.clone(), attributes, events });
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flow_reaches_the_collector_as_one_span_tree_without_secrets() {
    let (endpoint, bodies) = collector().await;
    let emu = common::emulator(EmulatorConfig::default()).await;
    let audit = AuditLog::new(Some("job-7".into()), None, None).unwrap();
    // The client option installs the exporter for the process ...
    let client = Client::builder().api_base(emu.base_url()).accept_terms(true).audit(audit).otlp_endpoint(&endpoint).build().unwrap();
    // ... which another client shares, and a second collector is refused.
    assert!(Client::builder().api_base(emu.base_url()).otlp_endpoint(&endpoint).build().is_ok());
    match Client::builder().api_base(emu.base_url()).otlp_endpoint("http://127.0.0.1:9").build() {
        Err(boardingpass::Error::InvalidInput { field, message }) => assert!(field == "otlp_endpoint" && message.contains(&endpoint), "{message}"),
        other => panic!("a second collector: {:?}", other.map(drop)),
    }

    // Directly through the core API ...
    let pass = client.provision(ProvisionOptions::default().owner("Ada Lovelace")).await.unwrap();
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("index.html"), "<h1>hi</h1>").unwrap();
    let worker = Worker::from_source("traced", "index.js", "export default { fetch(r, env) { return env.ASSETS.fetch(r) } }").assets(AssetsConfig::new(site.path()));
    let deployment = pass.deploy(&worker, Default::default()).await.unwrap();
    pass.verify(&deployment, Default::default()).await.unwrap();
    // TypeScript is bundled (type-stripped) as part of the deploy call.
    let typed = Worker::from_source("typed", "index.ts", "export default { fetch(): Response { return new Response('typed') } }");
    pass.deploy(&typed, Default::default()).await.unwrap();
    pass.wait_for_claim(ClaimWaitOptions::default().timeout(Duration::from_millis(300))).await.unwrap();
    pass.teardown().await.unwrap();
    // ... and through an agent tool.
    let links = Arc::new(Mutex::new(Vec::new()));
    let seen = links.clone();
    let sink: ClaimLinkSink = Arc::new(move |l: ClaimLink| {
        seen.lock().unwrap().push(l.url.expose_secret().to_string());
        Box::pin(async { Ok("test".to_string()) })
    });
    let tools = Toolbox::new(client.clone(), ToolboxConfig::new(Some("Ada Lovelace".into()), None), sink);
    let files = json!({"index.js": "export default { fetch() { return new Response('tool') } }"});
    tools.call("deploy", json!({"name": "tooled", "files": files}), CallContext::default()).await.unwrap();
    telemetry::shutdown_installed(); // flushes

    let bodies = bodies.lock().unwrap().clone();
    let spans = spans(&bodies);
    let named = |n: &str| spans.iter().filter(|s| s.name == n).collect::<Vec<_>>();
    let parent_of = |s: &Span| spans.iter().find(|p| p.id == s.parent).map(|p| p.name.as_str());
    for name in ["provision", "proof_of_work", "bundle", "deploy", "upload_assets", "verify", "wait_for_claim", "teardown", "tool"] {
        assert!(!named(name).is_empty(), "no {name} span among {:?}", spans.iter().map(|s| &s.name).collect::<Vec<_>>());
    }
    assert!(named("proof_of_work").iter().all(|s| parent_of(s) == Some("provision")));
    assert_eq!(parent_of(named("upload_assets")[0]), Some("deploy"));
    // Bundling runs before the deploy span opens (it is a local check: nothing is sent yet).
    assert_eq!(named("bundle")[0].attributes["worker"], "typed");
    let tool = named("tool")[0];
    assert_eq!(tool.attributes["tool"], "deploy");
    let under_tool: Vec<_> = spans.iter().filter(|s| s.parent == tool.id).map(|s| s.name.as_str()).collect();
    assert_eq!(under_tool, ["provision", "deploy", "verify"], "the tool's steps are its children");
    let run_id = client.audit().run_id();
    for s in named("deploy").into_iter().chain(named("verify")).chain(named("teardown")) {
        assert_eq!(s.attributes["run_id"], run_id, "{}", s.name);
        assert_eq!(s.attributes["job_id"], "job-7", "{}", s.name);
        assert!(s.attributes["account_id"].len() == 32, "{}", s.name);
    }
    assert_eq!(named("deploy")[0].attributes["worker"], "traced");
    // The audit events (no file or callback configured) travel inside the span of their step.
    for (span, event) in [("provision", "provisioned"), ("deploy", "deploy_finished"), ("verify", "verified"), ("teardown", "torn_down")] {
        assert!(named(span)[0].events.iter().any(|e| e == event), "{span} span lacks the {event} audit event: {:?}", named(span)[0].events);
    }

    let raw: Vec<u8> = bodies.concat();
    let mut secrets = vec![pass.expose_api_token().to_string(), pass.expose_claim_url().to_string()];
    secrets.extend(links.lock().unwrap().iter().cloned());
    secrets.push(pass.expose_claim_url().split("claimToken=").nth(1).unwrap().to_string());
    for secret in secrets {
        assert!(!raw.windows(secret.len()).any(|w| w == secret.as_bytes()), "a secret reached the collector");
    }
}

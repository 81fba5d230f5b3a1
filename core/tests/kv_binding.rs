//! A deployed Worker's `env.KV` against the in-process emulator running it
//! in real workerd (`make setup`): the namespace is created on the first
//! deploy and reused on the redeploy, the Worker and the API see the same
//! data, and it survives the redeploy.

mod common;

use boardingpass::{ClaimStatus, DeployOptions, KvListOptions, Worker};
use boardingpass_emulator::EmulatorConfig;
use common::{emulator, get, pass};

/// A counter and a guestbook in KV: `/hit` increments, `/sign?name=` adds an
/// entry, `/` answers the count and the entries (by listing a prefix).
const COUNTER: &str = r#"
export default { async fetch(req, env) {
  const url = new URL(req.url);
  if (url.pathname === "/hit") {
    const n = Number(await env.KV.get("count") ?? "0") + 1;
    await env.KV.put("count", String(n));
    return new Response(String(n));
  }
  if (url.pathname === "/sign") {
    await env.KV.put("entry/" + url.searchParams.get("name"), JSON.stringify({ at: 1 }));
    return new Response("signed");
  }
  if (url.pathname === "/forget") {
    await env.KV.delete("count");
    return new Response(String(await env.KV.get("count")));
  }
  const listed = await env.KV.list({ prefix: "entry/" });
  const first = await env.KV.get(listed.keys[0]?.name ?? "none", { type: "json" });
  return Response.json({ version: env.VERSION, count: await env.KV.get("count"), entries: listed.keys.map((k) => k.name), complete: listed.list_complete, first });
} }"#;

fn worker(version: &str) -> Worker {
    Worker::from_source("counter", "index.js", COUNTER).kv("KV", "counter-data").var("VERSION", version)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_reads_and_writes_kv_and_the_data_survives_a_redeploy() {
    let emu = emulator(EmulatorConfig::default()).await;
    let pass = pass(&emu).await;
    let d = pass.deploy(&worker("1"), DeployOptions::default()).await.unwrap();
    let namespaces = pass.kv_namespaces().await.unwrap();
    assert_eq!(namespaces.iter().map(|n| n.title.as_str()).collect::<Vec<_>>(), ["counter-data"], "created on the first deploy");
    let ns = namespaces[0].id.clone();

    assert_eq!(get(&d.url, "/hit").await, (200, "1".to_string()));
    assert_eq!(get(&d.url, "/hit").await, (200, "2".to_string()));
    assert_eq!(get(&d.url, "/sign?name=ada").await.0, 200);
    // What the Worker wrote, the API reads; what the API writes, the Worker reads.
    assert_eq!(pass.kv_get(&ns, "count").await.unwrap().unwrap(), "2".as_bytes());
    pass.kv_put(&ns, "entry/grace", r#"{"at":2}"#).await.unwrap();

    let d2 = pass.deploy(&worker("2"), DeployOptions::default()).await.unwrap();
    assert!(d2.redeploy);
    assert_eq!(pass.kv_namespaces().await.unwrap().len(), 1, "the redeploy reuses the namespace");
    let (status, body) = get(&d2.url, "/").await;
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v, serde_json::json!({"version": "2", "count": "2", "entries": ["entry/ada", "entry/grace"], "complete": true, "first": {"at": 1}}));
    assert_eq!(get(&d2.url, "/hit").await, (200, "3".to_string()));
    assert_eq!(get(&d2.url, "/forget").await, (200, "null".to_string()));
    assert_eq!(pass.kv_list(&ns, KvListOptions::default()).await.unwrap().keys.len(), 2);

    // The ticket lists the namespace the deploy created.
    pass.verify(&d2, Default::default()).await.unwrap();
    let ticket = pass.ticket(ClaimStatus::Pending).unwrap().to_json();
    assert_eq!(ticket["temporary_resource"]["resources"][0]["name"], "counter-data");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_binding_to_a_namespace_of_another_account_is_refused() {
    let emu = emulator(EmulatorConfig::default()).await;
    let (mine, other) = (pass(&emu).await, pass(&emu).await);
    let foreign = other.create_kv_namespace("theirs").await.unwrap();
    other.kv_put(&foreign.id, "k", "theirs").await.unwrap();
    let w = Worker::from_source("thief", "index.js", "export default { async fetch(r, env) { return new Response(await env.KV.get('k')) } }").kv_id("KV", &foreign.id);
    let e = mine.deploy(&w, DeployOptions::default()).await.unwrap_err();
    assert_eq!((e.code(), e.api_code()), ("api", Some(10013)), "{e}");
    assert!(mine.live_workers().is_empty(), "nothing deployed");
    let e = mine.deploy(&w.clone().kv_id("KV", "not an id"), DeployOptions::default()).await.unwrap_err();
    assert_eq!(e.code(), "invalid_input", "{e}");
}

#[test]
fn wrangler_kv_namespaces_become_bindings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.js"), "export default { fetch() { return new Response('x') } }").unwrap();
    let config = "name = \"links\"\nmain = \"index.js\"\n[[kv_namespaces]]\nbinding = \"LINK_STORE\"\n[[kv_namespaces]]\nbinding = \"CACHE\"\nid = \"0f2ac74b498b48028cb68387c421e279\"\n";
    std::fs::write(dir.path().join("wrangler.toml"), config).unwrap();
    let w = boardingpass::load_project(dir.path(), None).unwrap();
    use boardingpass::{Binding, KvNamespaceRef};
    let kv: Vec<_> = w.bindings.iter().filter_map(|b| if let Binding::Kv { name, namespace } = b { Some((name.clone(), namespace.clone())) } else { None }).collect();
    assert_eq!(
        kv,
        vec![
            ("LINK_STORE".to_string(), KvNamespaceRef::Title("links-link-store".into())),
            ("CACHE".to_string(), KvNamespaceRef::Id("0f2ac74b498b48028cb68387c421e279".into())),
        ]
    );
}

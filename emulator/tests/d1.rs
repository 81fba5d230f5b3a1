//! Issue 14: the D1 endpoints over plain HTTP (every answer checked against
//! tests/fixtures/api-schemas), the temporary account's limits, and a
//! Worker's `env.DB` in the shared workerd, backed by the same database.

mod common;

use boardingpass_emulator::EmulatorHandle;
use common::{enable_workers_dev, provision, put_module, Account};
use serde_json::{json, Value};

fn url(emu: &EmulatorHandle, a: &Account, rest: &str) -> String {
    format!("{}/accounts/{}/d1/database{rest}", emu.base_url(), a.id)
}

async fn create(emu: &EmulatorHandle, a: &Account, name: &str) -> String {
    let body = json!({"name": name});
    common::conformance::assert_request_conforms("POST", &format!("/accounts/{}/d1/database", a.id), &body);
    let (status, answer) = common::send_json(reqwest::Client::new().post(url(emu, a, "")).bearer_auth(&a.token).json(&body)).await;
    assert_eq!(status, 200, "{answer}");
    answer["result"]["uuid"].as_str().unwrap().to_string()
}

/// `POST …/{db}/{kind}` (query or raw) with `sql` and `params`.
async fn sql(emu: &EmulatorHandle, a: &Account, db: &str, kind: &str, sql: &str, params: Value) -> (u16, Value) {
    let body = json!({"sql": sql, "params": params});
    common::conformance::assert_request_conforms("POST", &format!("/accounts/{}/d1/database/{db}/{kind}", a.id), &body);
    common::send_json(reqwest::Client::new().post(url(emu, a, &format!("/{db}/{kind}"))).bearer_auth(&a.token).json(&body)).await
}

async fn rows(emu: &EmulatorHandle, a: &Account, db: &str, query: &str) -> Value {
    let (status, answer) = sql(emu, a, db, "raw", query, json!([])).await;
    assert_eq!(status, 200, "{answer}");
    answer["result"][0]["results"]["rows"].clone()
}

#[tokio::test]
async fn databases_queries_and_raw_results() {
    let emu = common::conformance::spawn_fast().await;
    let a = provision(&emu.base_url()).await;
    let http = reqwest::Client::new();
    let db = create(&emu, &a, "guestbook").await;

    let (_, listed) = common::send_json(http.get(url(&emu, &a, "?name=guest&per_page=10")).bearer_auth(&a.token)).await;
    assert_eq!(listed["result"][0]["uuid"], db.as_str());
    assert_eq!(listed["result_info"]["total_count"], 1);
    // Looked up by uuid or by name (wrangler does both).
    for id in [db.as_str(), "guestbook"] {
        let (status, one) = common::send_json(http.get(url(&emu, &a, &format!("/{id}"))).bearer_auth(&a.token)).await;
        assert_eq!((status, &one["result"]["uuid"]), (200, &json!(db)));
    }

    let (status, made) = sql(&emu, &a, &db, "query", "CREATE TABLE entries (id INTEGER PRIMARY KEY, who TEXT, score REAL, pic BLOB); INSERT INTO entries (who, score, pic) VALUES (?, ?, ?)", json!(["ada", 1.5, [0, 255]])).await;
    assert_eq!(status, 200, "{made}");
    assert_eq!(made["result"].as_array().unwrap().len(), 2, "one entry per statement");
    assert_eq!(made["result"][1]["meta"]["changes"], 1);
    assert_eq!(made["result"][1]["meta"]["last_row_id"], 1);
    assert_eq!(made["result"][1]["meta"]["changed_db"], true);

    let (_, q) = sql(&emu, &a, &db, "query", "SELECT who, score, pic, NULL AS none FROM entries WHERE id = ?", json!([1])).await;
    assert_eq!(q["result"][0]["results"], json!([{"who": "ada", "score": 1.5, "pic": [0, 255], "none": null}]));
    let (_, raw) = sql(&emu, &a, &db, "raw", "SELECT score, who FROM entries", json!([])).await;
    assert_eq!(raw["result"][0]["results"], json!({"columns": ["score", "who"], "rows": [[1.5, "ada"]]}));
    assert_eq!(raw["result"][0]["meta"]["rows_read"], 1);

    let (_, info) = common::send_json(http.get(url(&emu, &a, &format!("/{db}"))).bearer_auth(&a.token)).await;
    assert_eq!(info["result"]["num_tables"], 1);
    assert!(info["result"]["file_size"].as_u64().unwrap() > 0);

    let (status, gone) = common::send_json(http.delete(url(&emu, &a, &format!("/{db}"))).bearer_auth(&a.token)).await;
    assert_eq!((status, &gone["result"]), (200, &Value::Null));
    let (status, missing) = sql(&emu, &a, &db, "query", "SELECT 1", json!([])).await;
    assert_eq!((status, &missing["errors"][0]["code"]), (404, &json!(7404)));
}

#[tokio::test]
async fn refusals_are_cloudflare_style_and_change_nothing() {
    let emu = common::conformance::spawn_fast().await;
    let (a, b) = (provision(&emu.base_url()).await, provision(&emu.base_url()).await);
    let http = reqwest::Client::new();
    let db = create(&emu, &a, "main").await;
    sql(&emu, &a, &db, "query", "CREATE TABLE t (x)", json!([])).await;

    // A syntax error after a valid statement: SQLite's message, the insert undone.
    let (status, e) = sql(&emu, &a, &db, "query", "INSERT INTO t VALUES (1); SELEC x FROM t", json!([])).await;
    assert_eq!((status, &e["errors"][0]["code"]), (400, &json!(7500)), "{e}");
    assert!(e["errors"][0]["message"].as_str().unwrap().starts_with("near \"SELEC\": syntax error"), "{e}");
    assert_eq!(rows(&emu, &a, &db, "SELECT count(*) FROM t").await, json!([[0]]));

    // A second database on the account: 7406, which wrangler explains.
    let (status, e) = common::send_json(http.post(url(&emu, &a, "")).bearer_auth(&a.token).json(&json!({"name": "second"}))).await;
    assert_eq!((status, &e["errors"][0]["code"]), (400, &json!(7406)), "{e}");
    let (_, listed) = common::send_json(http.get(url(&emu, &a, "")).bearer_auth(&a.token)).await;
    assert_eq!(listed["result"].as_array().unwrap().len(), 1);

    // Past 100 MB (zeroblob fills pages without sending them): refused, nothing kept.
    // D1 caps a value at 2 MB, so the database is filled with 1 MB rows.
    let fill = |mb: u32| format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {mb}) INSERT INTO t SELECT zeroblob(1000000) FROM n");
    let (status, e) = sql(&emu, &a, &db, "query", &fill(60), json!([])).await;
    assert_eq!(status, 200, "{e}");
    let size = |v: &Value| v["result"]["file_size"].as_u64().unwrap();
    let (_, before) = common::send_json(http.get(url(&emu, &a, &format!("/{db}"))).bearer_auth(&a.token)).await;
    let (status, e) = sql(&emu, &a, &db, "query", &format!("INSERT INTO t VALUES (3); {}", fill(50)), json!([])).await;
    assert_eq!((status, &e["errors"][0]["code"]), (400, &json!(7500)), "{e}");
    assert!(e["errors"][0]["message"].as_str().unwrap().contains("100 MB"), "{e}");
    let (_, after) = common::send_json(http.get(url(&emu, &a, &format!("/{db}"))).bearer_auth(&a.token)).await;
    assert_eq!(size(&after), size(&before));
    assert_eq!(rows(&emu, &a, &db, "SELECT count(*) FROM t").await, json!([[60]]));

    // Another account reaches neither the database nor a binding to it.
    let (status, e) = common::send_json(http.post(format!("{}/accounts/{}/d1/database/{db}/query", emu.base_url(), b.id)).bearer_auth(&b.token).json(&json!({"sql": "SELECT 1"}))).await;
    assert_eq!((status, &e["errors"][0]["code"]), (404, &json!(7404)));
    let meta = json!({"main_module": "index.js", "compatibility_date": "2025-06-01", "bindings": [{"type": "d1", "name": "DB", "id": db}]});
    let (status, e) = put_module(&emu.base_url(), &b, "thief", "export default { fetch() { return new Response('x') } }", meta).await;
    assert_eq!((status, &e["errors"][0]["code"]), (400, &json!(7404)), "{e}");
}

#[tokio::test]
async fn wranglers_import_flow_runs_a_file_as_one_call() {
    use md5::{Digest, Md5};
    let emu = common::conformance::spawn_fast().await;
    let a = provision(&emu.base_url()).await;
    let http = reqwest::Client::new();
    let db = create(&emu, &a, "imported").await;
    let file = "CREATE TABLE t (x);\nINSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2);\n";
    let etag = hex::encode(Md5::digest(file));
    let import = |body: Value| http.post(url(&emu, &a, &format!("/{db}/import"))).bearer_auth(&a.token).json(&body);
    let (_, init) = common::send_json(import(json!({"action": "init", "etag": etag}))).await;
    let upload_url = init["result"]["upload_url"].as_str().unwrap().to_string();
    assert!(upload_url.starts_with(&emu.origin()), "served by the emulator, on loopback: {upload_url}");
    let put = http.put(&upload_url).body(file).send().await.unwrap();
    assert_eq!(put.status(), 200);
    assert_eq!(put.headers()["etag"], format!("\"{etag}\"").as_str());
    let filename = init["result"]["filename"].clone();
    let (status, done) = common::send_json(import(json!({"action": "ingest", "filename": filename, "etag": etag}))).await;
    assert_eq!((status, &done["result"]["status"]), (200, &json!("complete")), "{done}");
    assert_eq!(done["result"]["result"]["num_queries"], 3);
    let (_, polled) = common::send_json(import(json!({"action": "poll", "current_bookmark": done["result"]["at_bookmark"]}))).await;
    assert_eq!(polled["result"]["status"], "complete");
    assert_eq!(rows(&emu, &a, &db, "SELECT x FROM t").await, json!([[1], [2]]));
    // The upload URL was good for one file.
    assert_eq!(http.put(&upload_url).body(file).send().await.unwrap().status(), 404);

    // A file larger than a database can be is refused before it is read.
    let (_, init) = common::send_json(import(json!({"action": "init", "etag": etag}))).await;
    let path = init["result"]["upload_url"].as_str().unwrap().trim_start_matches(&emu.origin()).to_string();
    let addr = format!("127.0.0.1:{}", emu.port());
    let answer = common::raw_exchange(&addr, &format!("PUT {path} HTTP/1.1\r\nHost: {addr}"), 100_000_001).await;
    assert_eq!(answer.status, 413, "{}", answer.body);
    assert!(answer.body_bytes_written < 50_000_000, "the body was not read: {} bytes sent", answer.body_bytes_written);
}

/// Every D1 call a Worker makes: prepare/bind/all/run/first/raw, batch
/// (one transaction) and exec.
const WORKER: &str = r#"
export default { async fetch(req, env) {
  const url = new URL(req.url);
  if (url.pathname === "/setup") {
    const done = await env.DB.exec("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT, data BLOB)");
    return Response.json(done.count);
  }
  if (url.pathname === "/add") {
    const r = await env.DB.prepare("INSERT INTO notes (body, data) VALUES (?1, ?2)").bind(url.searchParams.get("body"), new Uint8Array([1, 2])).run();
    return Response.json({ success: r.success, changes: r.meta.changes, id: r.meta.last_row_id });
  }
  if (url.pathname === "/batch") {
    const ins = env.DB.prepare("INSERT INTO notes (body) VALUES (?)");
    try {
      await env.DB.batch([ins.bind("kept?"), env.DB.prepare("INSERT INTO nowhere VALUES (1)")]);
    } catch (e) {
      const n = await env.DB.prepare("SELECT count(*) AS n FROM notes WHERE body = 'kept?'").first("n");
      return Response.json({ error: e.message, kept: n });
    }
    return new Response("the batch should have failed", { status: 500 });
  }
  const all = await env.DB.prepare("SELECT id, body, data FROM notes ORDER BY id").all();
  const first = await env.DB.prepare("SELECT body FROM notes WHERE id = ?").bind(1).first();
  const none = await env.DB.prepare("SELECT body FROM notes WHERE id = ?").bind(999).first("body");
  const raw = await env.DB.prepare("SELECT id, body FROM notes ORDER BY id").raw({ columnNames: true });
  const both = await env.DB.batch([env.DB.prepare("SELECT 1 AS one"), env.DB.prepare("SELECT 2 AS two")]);
  return Response.json({ version: env.VERSION, rows: all.results, success: all.success, first, none, raw, both: both.map((r) => r.results[0]) });
} }"#;

fn meta(db: &str, version: &str) -> Value {
    json!({"main_module": "index.js", "compatibility_date": "2025-06-01", "bindings": [{"type": "d1", "name": "DB", "id": db}, {"type": "plain_text", "name": "VERSION", "text": version}]})
}

async fn get(emu: &EmulatorHandle, host: &str, path: &str) -> (u16, Value) {
    let r = reqwest::Client::new().get(format!("{}{path}", emu.origin())).header("host", host).send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_uses_env_db_and_the_data_outlives_redeploys_and_claim() {
    let emu = common::conformance::spawn_fast().await;
    let (a, doomed) = (provision(&emu.base_url()).await, provision(&emu.base_url()).await);
    let db = create(&emu, &a, "notes").await;
    let doomed_db = create(&emu, &doomed, "doomed").await;
    let (status, body) = put_module(&emu.base_url(), &a, "notes", WORKER, meta(&db, "1")).await;
    assert_eq!(status, 200, "{body}");
    let host = format!("notes.{}.localhost:{}", enable_workers_dev(&emu.base_url(), &a, "notes").await, emu.port());

    assert_eq!(get(&emu, &host, "/setup").await, (200, json!(1)));
    assert_eq!(get(&emu, &host, "/add?body=hello").await, (200, json!({"success": true, "changes": 1, "id": 1})));
    let (status, failed) = get(&emu, &host, "/batch").await;
    assert_eq!(status, 200, "{failed}");
    assert!(failed["error"].as_str().unwrap().starts_with("D1_ERROR: no such table: nowhere"), "{failed}");
    assert_eq!(failed["kept"], 0, "a failing batch leaves nothing behind");

    // What the Worker wrote, the API reads; what the API writes, the Worker reads.
    assert_eq!(rows(&emu, &a, &db, "SELECT body FROM notes").await, json!([["hello"]]));
    sql(&emu, &a, &db, "query", "INSERT INTO notes (body) VALUES (?)", json!(["from the API"])).await;

    let (status, body) = put_module(&emu.base_url(), &a, "notes", WORKER, meta(&db, "2")).await;
    assert_eq!(status, 200, "{body}");
    let (status, seen) = get(&emu, &host, "/").await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(seen, json!({
        "version": "2", "success": true,
        "rows": [{"id": 1, "body": "hello", "data": [1, 2]}, {"id": 2, "body": "from the API", "data": null}],
        "first": {"body": "hello"}, "none": null,
        "raw": [["id", "body"], [1, "hello"], [2, "from the API"]],
        "both": [{"one": 1}, {"two": 2}],
    }), "the redeployed Worker sees the data");

    // A WorkerEntrypoint class as the default export gets the same env.DB.
    let entry = "import { WorkerEntrypoint } from 'cloudflare:workers';\nexport default class extends WorkerEntrypoint { async fetch() { return Response.json(await this.env.DB.prepare('SELECT count(*) AS n FROM notes').first('n')) } }";
    let (status, body) = put_module(&emu.base_url(), &a, "entry", entry, meta(&db, "1")).await;
    assert_eq!(status, 200, "{body}");
    let entry_host = format!("entry.{}.localhost:{}", enable_workers_dev(&emu.base_url(), &a, "entry").await, emu.port());
    assert_eq!(get(&emu, &entry_host, "/").await, (200, json!(2)));
    // So does an instance of a class, whose handlers are inherited.
    let instance = "class Notes { async fetch(req, env) { return Response.json(await env.DB.prepare('SELECT body FROM notes WHERE id = 1').first('body')) } }\nexport default new Notes();";
    let (status, body) = put_module(&emu.base_url(), &a, "entry", instance, meta(&db, "1")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(get(&emu, &entry_host, "/").await, (200, json!("hello")));

    // A claim keeps the database; expiry deletes the other account's.
    let claimed = reqwest::Client::new().post(format!("{}/x-boardingpass/claim", emu.origin())).header("x-claim-token", &a.claim_token).send().await.unwrap();
    assert_eq!(claimed.status(), 200);
    let expired = emu.state().store().expire(chrono::Utc::now() + chrono::Duration::hours(2));
    assert_eq!(expired, vec![doomed.id.clone()]);
    let kept = {
        let store = emu.state().store();
        assert!(!store.d1.contains_key(&doomed.id), "the expired account's database {doomed_db} is gone");
        store.d1[&a.id].databases[&db].clone()
    };
    // The temporary token went with the claim: the new owner's database still holds the rows.
    let counted = tokio::task::spawn_blocking(move || kept.run(&[("SELECT count(*) FROM notes".into(), vec![])])).await.unwrap().unwrap();
    assert_eq!(counted[0][0].rows, vec![vec![json!(2)]]);
}

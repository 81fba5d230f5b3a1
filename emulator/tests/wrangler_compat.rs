//! Real wrangler 4.164 on Node 22 (both from the repository's npm test
//! tools, `make setup`) deploys, redeploys and deletes against the emulator,
//! takes the same request path as in the recorded traces
//! (`tests/fixtures/wrangler-sequences.json`), and the Workers answer.

mod common;
#[allow(dead_code)] // copy_dir is for core's bundle tests
#[path = "../../tests/support/wrangler.rs"]
mod wrangler;

use std::path::Path;

use boardingpass_emulator::{EmulatorConfig, EmulatorHandle};
use serde_json::Value;
use wrangler::{printed_host, repo, Wrangler};

fn expected(name: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo().join("tests/fixtures/wrangler-sequences.json")).expect("fixture");
    let v: Value = serde_json::from_str(&text).expect("fixture is JSON");
    v["sequences"][name]["requests"]
        .as_array()
        .expect("sequence")
        .iter()
        .map(|r| (r[0].as_str().unwrap().to_string(), r[1].as_str().unwrap().to_string()))
        .collect()
}

/// The emulator's recorded requests as (method, path template).
fn seen(emu: &EmulatorHandle) -> Vec<(String, String)> {
    let account = regex::Regex::new(r"/accounts/[0-9a-f]{32}").unwrap();
    let hash = regex::Regex::new(r"/upload/[0-9a-f]{32}").unwrap();
    emu.requests()
        .into_iter()
        .map(|r| {
            let p = account.replace(&r.path, "/accounts/{a}");
            (r.method, hash.replace(&p, "/upload/{hash}").into_owned())
        })
        .collect()
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

async fn get(emu: &EmulatorHandle, host: &str, path: &str) -> (u16, String) {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = client.get(format!("{}{path}", emu.origin())).header("host", host).send().await.expect("emulator answers");
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn emulator() -> common::conformance::Checked {
    // Same difficulty and bucket size as the recorded traces.
    common::conformance::spawn_checked(EmulatorConfig { pow_k: 50, pow_g: 200, asset_bucket_size: 2, ..EmulatorConfig::default() }).await
}

const ESM_TOML: &str = "name = \"probe-esm\"\nmain = \"index.js\"\ncompatibility_date = \"2026-06-01\"\n\n[vars]\nGREETING = \"hi\"\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrangler_deploys_redeploys_and_deletes_an_es_module_worker() {
    let emu = emulator().await;
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("esm");
    write(&project, &[("wrangler.toml", ESM_TOML), ("index.js", "export default { fetch(req, env) { return new Response(`v1 ${env.GREETING}`) } }\n")]);
    let w = Wrangler { home: tmp.path().join("home"), base: emu.base_url() };

    let out = w.run(&project, &["deploy", "--temporary"]).await;
    let host = printed_host(&out);
    assert_eq!(get(&emu, &host, "/").await, (200, "v1 hi".to_string()));
    assert_eq!(seen(&emu), expected("esm-fresh"), "fresh deploy took another path than trace 01");

    emu.clear_requests();
    write(&project, &[("index.js", "export default { fetch(req, env) { return new Response(`v2 ${env.GREETING}`) } }\n")]);
    let out = w.run(&project, &["deploy", "--temporary"]).await;
    assert_eq!(printed_host(&out), host, "the cached account is reused");
    assert_eq!(get(&emu, &host, "/").await, (200, "v2 hi".to_string()));
    assert_eq!(seen(&emu), expected("esm-redeploy"), "redeploy took another path than trace 02");
    assert_eq!(emu.account_count(), 1);

    emu.clear_requests();
    w.run(&project, &["delete", "--temporary"]).await;
    assert_eq!(seen(&emu), expected("delete"), "delete took another path than trace 07");
    assert_eq!(get(&emu, &host, "/").await.0, 404, "a deleted Worker stops answering");
    assert_eq!(emu.live_workers(), 0, "its workerd process is gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrangler_deploys_a_worker_with_nested_static_assets() {
    let emu = emulator().await;
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("assets");
    write(&project, &[
        ("wrangler.toml", "name = \"probe-assets\"\nmain = \"index.js\"\ncompatibility_date = \"2026-06-01\"\n\n[assets]\ndirectory = \"./public\"\nbinding = \"ASSETS\"\nnot_found_handling = \"404-page\"\n"),
        ("index.js", "export default { fetch(req, env) { const u = new URL(req.url); return u.pathname === '/api' ? new Response('from code') : env.ASSETS.fetch(req) } }\n"),
        ("public/index.html", "<!doctype html><h1>Home</h1>\n"),
        ("public/style.css", "body{font-family:serif}\n"),
        ("public/img/logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\"/>\n"),
        ("public/docs/guide/index.html", "<!doctype html><h1>Guide</h1>\n"),
        ("public/LICENSE", "plain text no extension\n"),
        ("public/404.html", "<!doctype html><h1>404</h1>\n"),
    ]);
    let w = Wrangler { home: tmp.path().join("home"), base: emu.base_url() };
    let out = w.run(&project, &["deploy", "--temporary"]).await;
    let host = printed_host(&out);
    assert_eq!(seen(&emu), expected("assets-fresh"), "assets deploy took another path than trace 03");
    assert_eq!(get(&emu, &host, "/").await, (200, "<!doctype html><h1>Home</h1>\n".to_string()));
    assert_eq!(get(&emu, &host, "/docs/guide/").await, (200, "<!doctype html><h1>Guide</h1>\n".to_string()));
    assert_eq!(get(&emu, &host, "/LICENSE").await, (200, "plain text no extension\n".to_string()));
    assert_eq!(get(&emu, &host, "/api").await, (200, "from code".to_string()));
    assert_eq!(get(&emu, &host, "/missing").await, (404, "<!doctype html><h1>404</h1>\n".to_string()));
    // Also reachable under the emulator's own *.localhost name.
    let local = host.replace(".workers.dev", &format!(".localhost:{}", emu.port()));
    assert_eq!(get(&emu, &local, "/img/logo.svg").await.0, 200);
}

/// Issue 14: real wrangler's KV commands on a temporary account, against
/// the emulator's KV endpoints (every answer schema-checked).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrangler_kv_commands_create_write_and_read() {
    let emu = emulator().await;
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("kv");
    write(&project, &[("wrangler.toml", "name = \"kv-probe\"\nmain = \"index.js\"\ncompatibility_date = \"2026-06-01\"\n"), ("index.js", "export default { fetch() { return new Response('x') } }\n")]);
    let w = Wrangler { home: tmp.path().join("home"), base: emu.base_url() };
    w.run(&project, &["kv", "namespace", "create", "links", "--temporary"]).await;
    let listed = w.run(&project, &["kv", "namespace", "list", "--temporary"]).await;
    let ids = regex::Regex::new(r#""id":\s*"([0-9a-f]{32})""#).unwrap();
    let id = ids.captures(&listed).unwrap_or_else(|| panic!("no namespace in:\n{listed}"))[1].to_string();
    w.run(&project, &["kv", "key", "put", "home", "https://example.com", "--namespace-id", &id, "--remote", "--temporary"]).await;
    let got = w.run(&project, &["kv", "key", "get", "home", "--namespace-id", &id, "--remote", "--temporary"]).await;
    assert!(got.contains("https://example.com"), "{got}");
    let account = emu.state().store().kv.keys().next().cloned().unwrap();
    assert_eq!(emu.state().store().kv[&account].namespaces[&id].values["home"].as_ref(), b"https://example.com");

    // A deploy binding that namespace: the Worker reads what wrangler wrote.
    let toml = format!("name = \"kv-probe\"\nmain = \"index.js\"\ncompatibility_date = \"2026-06-01\"\n\n[[kv_namespaces]]\nbinding = \"LINKS\"\nid = \"{id}\"\n");
    write(&project, &[("wrangler.toml", &toml), ("index.js", "export default { async fetch(req, env) { return new Response(await env.LINKS.get('home')) } }\n")]);
    let out = w.run(&project, &["deploy", "--temporary"]).await;
    assert_eq!(get(&emu, &printed_host(&out), "/").await, (200, "https://example.com".to_string()));
}

/// Issue 14: real wrangler's D1 commands on a temporary account (create,
/// list, info, execute --command and --file, migrations apply), then a
/// deploy with D1 and KV bindings whose Worker reads what wrangler and
/// the REST API wrote; a redeploy without ids inherits both bindings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrangler_d1_commands_and_a_deploy_with_d1_and_kv_bindings() {
    let emu = emulator().await;
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("d1");
    write(&project, &[
        ("wrangler.toml", "name = \"d1-probe\"\nmain = \"index.js\"\ncompatibility_date = \"2026-06-01\"\n"),
        ("index.js", "export default { async fetch(req, env) { const notes = await env.DB.prepare('SELECT group_concat(body) AS b FROM (SELECT body FROM notes ORDER BY id)').first('b'); const n = await env.DB.prepare('SELECT n FROM visits').first('n'); return new Response(`${notes} ${n} ${await env.LINKS.get('home')}`) } }\n"),
        ("data.sql", "INSERT INTO notes (body) VALUES ('b');\nINSERT INTO notes (body) VALUES ('c');\n"),
        ("migrations/0001_visits.sql", "CREATE TABLE visits (n INTEGER);\n"),
        ("migrations/0002_seed.sql", "INSERT INTO visits VALUES (7);\n"),
    ]);
    let w = Wrangler { home: tmp.path().join("home"), base: emu.base_url() };

    let created = w.run(&project, &["d1", "create", "guestbook", "--temporary"]).await;
    let uuid = regex::Regex::new(r#"database_id = "([0-9a-f-]{36})""#).unwrap().captures(&created).unwrap_or_else(|| panic!("no database_id in:\n{created}"))[1].to_string();
    let listed = w.run(&project, &["d1", "list", "--json", "--temporary"]).await;
    assert!(listed.contains(&uuid), "{listed}");
    let info = w.run(&project, &["d1", "info", "guestbook", "--json", "--temporary"]).await;
    assert!(info.contains("\"num_tables\": 0"), "{info}");

    let create_table = "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('a')";
    w.run(&project, &["d1", "execute", "guestbook", "--remote", "--temporary", "--command", create_table]).await;
    let imported = w.run(&project, &["d1", "execute", "guestbook", "--remote", "--temporary", "--file", "data.sql"]).await;
    assert!(imported.contains("\"rows_written\": 2"), "{imported}");

    let toml = format!("name = \"d1-probe\"\nmain = \"index.js\"\ncompatibility_date = \"2026-06-01\"\n\n[[d1_databases]]\nbinding = \"DB\"\ndatabase_name = \"guestbook\"\ndatabase_id = \"{uuid}\"\n");
    write(&project, &[("wrangler.toml", &toml)]);
    let applied = w.run(&project, &["d1", "migrations", "apply", "DB", "--remote", "--temporary"]).await;
    assert!(applied.contains("0001_visits.sql") && applied.contains("0002_seed.sql"), "{applied}");
    let again = w.run(&project, &["d1", "migrations", "apply", "DB", "--remote", "--temporary"]).await;
    assert!(again.contains("No migrations to apply"), "{again}");

    // The REST API (raw HTTP, wrangler's cached token) writes to the same database.
    let (account, token) = w.temporary_account();
    let http = reqwest::Client::new();
    let api = |rest: &str| format!("{}/accounts/{account}/d1/database/{uuid}/{rest}", emu.base_url());
    let r = http.post(api("query")).bearer_auth(&token).json(&serde_json::json!({"sql": "INSERT INTO notes (body) VALUES (?)", "params": ["rest"]})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let recorded: Value = http.post(api("raw")).bearer_auth(&token).json(&serde_json::json!({"sql": "SELECT name FROM d1_migrations ORDER BY id"})).send().await.unwrap().json().await.unwrap();
    assert_eq!(recorded["result"][0]["results"]["rows"], serde_json::json!([["0001_visits.sql"], ["0002_seed.sql"]]), "recorded as wrangler records them");

    w.run(&project, &["kv", "namespace", "create", "links", "--temporary"]).await;
    let ns = emu.state().store().kv[&account].namespaces.keys().next().cloned().unwrap();
    w.run(&project, &["kv", "key", "put", "home", "hello", "--namespace-id", &ns, "--remote", "--temporary"]).await;
    let got = w.run(&project, &["kv", "key", "get", "home", "--namespace-id", &ns, "--remote", "--temporary"]).await;
    assert!(got.contains("hello"), "{got}");

    let with_ids = format!("{toml}\n[[kv_namespaces]]\nbinding = \"LINKS\"\nid = \"{ns}\"\n");
    write(&project, &[("wrangler.toml", &with_ids)]);
    let host = printed_host(&w.run(&project, &["deploy", "--temporary"]).await);
    assert_eq!(get(&emu, &host, "/").await, (200, "a,b,c,rest 7 hello".to_string()));

    // Without ids, the redeploy inherits the deployed version's bindings.
    let without_ids = "name = \"d1-probe\"\nmain = \"index.js\"\ncompatibility_date = \"2026-06-01\"\n\n[[d1_databases]]\nbinding = \"DB\"\ndatabase_name = \"guestbook\"\n\n[[kv_namespaces]]\nbinding = \"LINKS\"\n";
    write(&project, &[("wrangler.toml", without_ids)]);
    let out = w.run(&project, &["deploy", "--temporary"]).await;
    assert!(out.contains("env.DB (inherited)"), "{out}");
    assert_eq!(get(&emu, &host, "/").await, (200, "a,b,c,rest 7 hello".to_string()));
}

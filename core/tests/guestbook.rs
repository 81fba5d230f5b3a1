//! The guestbook fixture (tests/fixtures/projects/7-guestbook: a D1 table
//! from migrations and a KV counter) deployed from its wrangler.toml to the
//! in-process emulator running it in real workerd (`make setup`): entries
//! posted and listed, the counter incremented, a redeploy keeping the data
//! and applying only the new migration, the ticket and audit log carrying
//! the resources and no secret; bad deploys refused with nothing changed;
//! expiry deleting the data and a claim keeping it.

mod common;
#[path = "../../tests/support/wrangler.rs"]
#[allow(dead_code)] // this file uses part of the shared wrangler helpers
mod wrangler;

use std::path::{Path, PathBuf};

use boardingpass::{BoardingPass, ClaimStatus, D1Value, DeployOptions, Worker};
use boardingpass_emulator::EmulatorConfig;
use common::{audited_pass, emulator, get, pass, post};
use serde_json::{json, Value};

/// A copy of the fixture project, so a test can add migrations to it.
fn guestbook_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    wrangler::copy_dir(&wrangler::repo().join("tests/fixtures/projects/7-guestbook"), dir.path());
    dir
}

fn load(dir: &Path) -> Worker {
    boardingpass::load_project(dir, None).unwrap()
}

async fn entries(url: &str) -> Value {
    let (status, body) = get(url, "/entries").await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn migrations_dir(dir: &Path) -> PathBuf {
    dir.join("migrations")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guestbook_stores_entries_counts_them_and_keeps_them_across_a_redeploy() {
    let emu = emulator(EmulatorConfig::default()).await;
    let (pass, events) = audited_pass(&emu).await;
    let project = guestbook_copy();

    let d = pass.deploy(&load(project.path()), DeployOptions::default()).await.unwrap();
    let dbs = pass.d1_databases().await.unwrap();
    assert_eq!(dbs.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["guestbook"], "created on the first deploy");
    let db = dbs[0].uuid.clone();
    assert_eq!(pass.kv_namespaces().await.unwrap().iter().map(|n| n.title.as_str()).collect::<Vec<_>>(), ["guestbook-counter"]);

    assert_eq!(post(&d.url, "/entries", &json!({"name": "Ada", "message": "first!"})).await, (201, r#"{"count":1}"#.to_string()));
    assert_eq!(post(&d.url, "/entries", &json!({"name": "Grace", "message": "hello"})).await, (201, r#"{"count":2}"#.to_string()));
    assert_eq!(post(&d.url, "/entries", &json!({"name": 7})).await.0, 400);
    assert_eq!(
        entries(&d.url).await,
        json!({"count": 2, "entries": [
            {"id": 1, "name": "Ada", "message": "first!", "likes": 0},
            {"id": 2, "name": "Grace", "message": "hello", "likes": 0},
        ]}),
        "both migrations ran before the Worker went live"
    );
    // What the Worker wrote, the API reads.
    let rows = pass.d1_query(&db, "SELECT name FROM entries WHERE likes = ? ORDER BY id", vec![D1Value::Integer(0)]).await.unwrap();
    assert_eq!(rows[0].rows, [vec![D1Value::from("Ada")], vec![D1Value::from("Grace")]]);

    // A redeploy with one more migration: the same database and namespace, only the new file applied, the data kept.
    std::fs::write(migrations_dir(project.path()).join("0003_pinned.sql"), "ALTER TABLE entries ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;\nUPDATE entries SET pinned = 1 WHERE id = 1;").unwrap();
    let d2 = pass.deploy(&load(project.path()), DeployOptions::default()).await.unwrap();
    assert!(d2.redeploy);
    assert_eq!(pass.d1_databases().await.unwrap().len(), 1, "the redeploy reuses the database");
    assert_eq!(pass.kv_namespaces().await.unwrap().len(), 1, "and the namespace");
    assert_eq!(post(&d2.url, "/entries", &json!({"name": "Edsger", "message": "goto"})).await, (201, r#"{"count":3}"#.to_string()));
    let listed = entries(&d2.url).await;
    assert_eq!(listed["count"], 3);
    assert_eq!(listed["entries"].as_array().unwrap().iter().map(|e| e["name"].clone()).collect::<Vec<_>>(), ["Ada", "Grace", "Edsger"]);
    let pinned = pass.d1_query(&db, "SELECT pinned FROM entries ORDER BY id", vec![]).await.unwrap();
    assert_eq!(pinned[0].rows, [vec![D1Value::Integer(1)], vec![D1Value::Integer(0)], vec![D1Value::Integer(0)]]);

    let log: Vec<Value> = events.lock().unwrap().clone();
    let of = |kind: &str| log.iter().filter(|e| e["event"] == kind).map(|e| e["details"].clone()).collect::<Vec<_>>();
    let applied: Vec<Value> = ["0001_create.sql", "0002_likes.sql", "0003_pinned.sql"].iter().map(|n| json!({"database": db, "name": n})).collect();
    assert_eq!(of("migration_applied"), applied, "each file once, the redeploy only the new one");
    let created: Vec<Value> = of("resource_created").iter().map(|d| d["type"].clone()).collect();
    assert_eq!(created, ["d1_database", "kv_namespace"]);

    // The ticket lists both resources (the database with its size); no output holds a credential.
    pass.verify(&d2, boardingpass::VerifyOptions::default().path("/entries").expect_body_contains("Edsger")).await.unwrap();
    let ticket = pass.ticket(ClaimStatus::Pending).unwrap();
    let resources = ticket.to_json()["temporary_resource"]["resources"].clone();
    let size = pass.d1_database(&db).await.unwrap().file_size;
    assert!(size > 0);
    assert_eq!(resources[0], json!({"type": "d1_database", "name": "guestbook", "id": db, "size": size}));
    assert_eq!((resources[1]["type"].clone(), resources[1]["name"].clone(), resources[1]["size"].clone()), (json!("kv_namespace"), json!("guestbook-counter"), Value::Null));
    let outputs = format!("{}{}{:?}{:?}{}", ticket.to_json(), ticket.to_markdown(), d2, pinned, Value::Array(events.lock().unwrap().clone()));
    for secret in [pass.expose_api_token(), pass.expose_claim_url()] {
        assert!(!outputs.contains(secret), "a credential reached a guestbook output");
    }
}

/// The guestbook's schema given to a Worker built in code: a Worker that
/// reads the table on its first request, so the migrations ran before it
/// went live; a redeploy applies nothing new.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_built_in_code_gets_its_migrations_before_it_is_live() {
    let emu = emulator(EmulatorConfig::default()).await;
    let (pass, events) = audited_pass(&emu).await;
    let project = guestbook_copy();
    let source = "export default { async fetch(r, env) { return Response.json(await env.DB.prepare('SELECT count(*) AS n, sum(likes) AS likes FROM entries').first()) } }";
    let worker = Worker::from_source("code-guestbook", "index.js", source).d1("DB", "code-guestbook").d1_migrations("DB", migrations_dir(project.path()));

    let d = pass.deploy(&worker, DeployOptions::default()).await.unwrap();
    assert_eq!(get(&d.url, "/").await, (200, r#"{"n":0,"likes":null}"#.to_string()), "both migrations ran before the first request");
    let d2 = pass.deploy(&worker, DeployOptions::default()).await.unwrap();
    assert!(d2.redeploy);
    let db = pass.d1_databases().await.unwrap().remove(0).uuid;
    let names = pass.d1_query(&db, "SELECT name FROM d1_migrations ORDER BY id", vec![]).await.unwrap();
    assert_eq!(names[0].rows, [vec![D1Value::from("0001_create.sql")], vec![D1Value::from("0002_likes.sql")]]);
    let applied = events.lock().unwrap().iter().filter(|e| e["event"] == "migration_applied").count();
    assert_eq!(applied, 2, "the redeploy applied nothing new");
}

/// Deploys that must fail, and what must be true after each.
async fn refused(pass: &BoardingPass, worker: &Worker, kind: &str, says: &str) {
    let e = pass.deploy(worker, DeployOptions::default()).await.unwrap_err();
    assert_eq!(e.code(), kind, "{e}");
    assert!(e.to_string().contains(says), "{e}");
    assert!(pass.live_workers().is_empty(), "nothing went live: {e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_deploys_are_typed_errors_and_change_nothing() {
    let emu = emulator(EmulatorConfig::default()).await;
    let (mine, other) = (pass(&emu).await, pass(&emu).await);
    let project = guestbook_copy();

    // A second database on the account: refused before a namespace or the Worker exists.
    let existing = mine.create_d1_database("notes").await.unwrap();
    refused(&mine, &load(project.path()), "api", "7406").await;
    assert!(mine.kv_namespaces().await.unwrap().is_empty(), "no namespace was created");
    mine.delete_d1_database(&existing.uuid).await.unwrap();

    // A failing migration: the sql kind naming the file, the Worker not live, the file not recorded, no namespace made.
    std::fs::write(migrations_dir(project.path()).join("0003_broken.sql"), "ALTER TABLE nowhere ADD COLUMN x;").unwrap();
    refused(&mine, &load(project.path()), "sql", "0003_broken.sql").await;
    let db = mine.d1_databases().await.unwrap().remove(0).uuid;
    let names = mine.d1_query(&db, "SELECT name FROM d1_migrations ORDER BY id", vec![]).await.unwrap();
    assert_eq!(names[0].rows, [vec![D1Value::from("0001_create.sql")], vec![D1Value::from("0002_likes.sql")]]);
    assert!(mine.kv_namespaces().await.unwrap().is_empty());
    std::fs::remove_file(migrations_dir(project.path()).join("0003_broken.sql")).unwrap();

    // Another account's database by id: not found, and its data untouched.
    let theirs = other.create_d1_database("theirs").await.unwrap();
    other.d1_query(&theirs.uuid, "CREATE TABLE t (x); INSERT INTO t VALUES (1)", vec![]).await.unwrap();
    let thief = Worker::from_source("thief", "index.js", "export default { async fetch(r, env) { return Response.json(await env.DB.prepare('SELECT x FROM t').all()) } }").d1_id("DB", &theirs.uuid);
    refused(&mine, &thief, "api", "7404").await;
    assert_eq!(other.d1_query(&theirs.uuid, "SELECT x FROM t", vec![]).await.unwrap()[0].rows, [vec![D1Value::Integer(1)]]);

    // Malformed references fail before any request.
    emu.clear_requests();
    refused(&mine, &thief.clone().d1_id("DB", "../../workers/scripts/x"), "invalid_input", "database_id").await;
    refused(&mine, &thief.clone().d1("DB", "has spaces"), "invalid_input", "database_name").await;
    // Migrations for a binding the Worker lacks (or added before it), or from no directory.
    refused(&mine, &thief.clone().d1_migrations("LOGS", migrations_dir(project.path())), "invalid_input", "\"LOGS\" is not a D1 binding").await;
    let early = Worker::from_source("early", "index.js", "export default {}").d1_migrations("DB", migrations_dir(project.path())).d1("DB", "late");
    refused(&mine, &early, "invalid_input", "\"DB\" is not a D1 binding").await;
    refused(&mine, &thief.d1_migrations("DB", project.path().join("none")), "invalid_input", "migrations_dir").await;
    assert!(emu.requests().is_empty(), "nothing was sent: {:?}", emu.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_deletes_the_guestbook_data_and_a_claim_keeps_it() {
    let emu = emulator(EmulatorConfig::default()).await;
    let (doomed, kept) = (pass(&emu).await, pass(&emu).await);
    for p in [&doomed, &kept] {
        let d = p.deploy(&load(guestbook_copy().path()), DeployOptions::default()).await.unwrap();
        assert_eq!(post(&d.url, "/entries", &json!({"name": "Ada", "message": "kept?"})).await.0, 201);
    }
    let claim_token = kept.expose_claim_url().split("claimToken=").nth(1).unwrap().to_string();
    let claimed = reqwest::Client::new().post(format!("{}/x-boardingpass/claim", emu.origin())).header("x-claim-token", claim_token).send().await.unwrap();
    assert_eq!(claimed.status(), 200);
    let expired = emu.state().store().expire(chrono::Utc::now() + chrono::Duration::hours(2));
    assert_eq!(expired, vec![doomed.account_id().to_string()]);
    let store = emu.state().store();
    assert!(!store.d1.contains_key(doomed.account_id()) && !store.kv.contains_key(doomed.account_id()), "the expired account's data is deleted");
    assert_eq!(store.d1[kept.account_id()].databases.len(), 1, "the claimed account keeps its database");
    assert_eq!(store.kv[kept.account_id()].namespaces.len(), 1, "and its namespace");
}

/// Real wrangler 4.164 run in `dir` on the pass's account (its token and
/// account id, as a CI job would pass them); its stdout, a failure panics.
async fn wrangler_on(pass: &BoardingPass, dir: &Path, emu: &boardingpass_emulator::EmulatorHandle, args: &[&str]) -> String {
    let w = wrangler::Wrangler { home: dir.join(".home"), base: emu.base_url() };
    let mut cmd = w.command(dir, args);
    cmd.env("CLOUDFLARE_API_TOKEN", pass.expose_api_token()).env("CLOUDFLARE_ACCOUNT_ID", pass.account_id());
    let out = cmd.output().await.expect("wrangler starts");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "wrangler {args:?} failed\nstdout:\n{stdout}\nstderr:\n{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// The same data from both sides: wrangler reads the KV value boardingpass
/// put and the entry the deployed Worker stored in D1; boardingpass and the
/// Worker read what wrangler writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrangler_and_boardingpass_see_the_same_kv_and_d1_data() {
    let emu = emulator(EmulatorConfig::default()).await;
    let pass = pass(&emu).await;
    let project = guestbook_copy();
    let dir = project.path();
    let d = pass.deploy(&load(dir), DeployOptions::default()).await.unwrap();
    assert_eq!(post(&d.url, "/entries", &json!({"name": "Ada", "message": "from the Worker"})).await.0, 201);
    let ns = pass.kv_namespaces().await.unwrap().remove(0).id;
    pass.kv_put(&ns, "greeting", "from boardingpass").await.unwrap();

    let value = wrangler_on(&pass, dir, &emu, &["kv", "key", "get", "greeting", "--namespace-id", &ns, "--remote"]).await;
    assert!(value.contains("from boardingpass"), "{value}");
    let rows = wrangler_on(&pass, dir, &emu, &["d1", "execute", "guestbook", "--remote", "--json", "--command", "SELECT name, message FROM entries"]).await;
    let rows: Value = serde_json::from_str(&rows).unwrap_or_else(|e| panic!("wrangler's --json ({e}): {rows}"));
    assert_eq!(rows[0]["results"], json!([{"name": "Ada", "message": "from the Worker"}]));

    wrangler_on(&pass, dir, &emu, &["kv", "key", "put", "answer", "42", "--namespace-id", &ns, "--remote"]).await;
    assert_eq!(pass.kv_get(&ns, "answer").await.unwrap().as_deref(), Some(&b"42"[..]));
    wrangler_on(&pass, dir, &emu, &["d1", "execute", "guestbook", "--remote", "--command", "INSERT INTO entries (name, message) VALUES ('Grace', 'from wrangler')"]).await;
    let listed = entries(&d.url).await;
    let messages: Vec<&str> = listed["entries"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert_eq!(messages, ["from the Worker", "from wrangler"]);
}

/// Real wrangler 4.164 on the pass's account: after a boardingpass deploy,
/// `wrangler d1 migrations apply --remote` finds nothing to apply; a
/// migration wrangler applies is one boardingpass then skips, and the
/// Worker sees its change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrangler_and_boardingpass_agree_on_applied_migrations() {
    let emu = emulator(EmulatorConfig::default()).await;
    let pass = pass(&emu).await;
    let project = guestbook_copy();
    let d = pass.deploy(&load(project.path()), DeployOptions::default()).await.unwrap();
    let db = pass.d1_databases().await.unwrap().remove(0).uuid;
    let apply = ["d1", "migrations", "apply", "guestbook", "--remote"];
    let stdout = wrangler_on(&pass, project.path(), &emu, &apply).await;
    assert!(stdout.contains("No migrations to apply"), "{stdout}");

    std::fs::write(migrations_dir(project.path()).join("0003_featured.sql"), "ALTER TABLE entries ADD COLUMN featured INTEGER NOT NULL DEFAULT 1;").unwrap();
    let stdout = wrangler_on(&pass, project.path(), &emu, &apply).await;
    assert!(stdout.contains("0003_featured.sql"), "{stdout}");
    assert!(pass.d1_apply_migrations(&db, &migrations_dir(project.path())).await.unwrap().is_empty(), "wrangler's record is boardingpass's");
    let d2 = pass.deploy(&load(project.path()), DeployOptions::default()).await.unwrap();
    assert_eq!(post(&d2.url, "/entries", &json!({"name": "Ada", "message": "after wrangler"})).await.0, 201);
    let featured = pass.d1_query(&db, "SELECT featured FROM entries", vec![]).await.unwrap();
    assert_eq!(featured[0].rows, [vec![D1Value::Integer(1)]]);
    let names = pass.d1_query(&db, "SELECT name FROM d1_migrations ORDER BY id", vec![]).await.unwrap();
    assert_eq!(names[0].rows.len(), 3);
    assert_eq!(d.worker_name, d2.worker_name);
}

#[test]
fn wrangler_d1_databases_become_bindings() {
    use boardingpass::{Binding, D1DatabaseRef};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("index.js"), "export default { fetch() { return new Response('x') } }").unwrap();
    std::fs::create_dir(root.join("migrations")).unwrap();
    std::fs::create_dir(root.join("schema")).unwrap();
    let write = |config: &str| std::fs::write(root.join("wrangler.toml"), format!("name = \"notes\"\nmain = \"index.js\"\n{config}")).unwrap();
    let d1 = |w: Worker| w.bindings.into_iter().filter_map(|b| if let Binding::D1 { name, database, migrations_dir } = b { Some((name, database, migrations_dir)) } else { None }).collect::<Vec<_>>();

    write("[[d1_databases]]\nbinding = \"DB\"\ndatabase_name = \"notes-db\"\n[[d1_databases]]\nbinding = \"OLD_DB\"\ndatabase_id = \"0f2d7a9c-3b1e-4c5d-8e6f-7a8b9c0d1e2f\"\nmigrations_dir = \"schema\"\n[[d1_databases]]\nbinding = \"NAMELESS\"\n");
    assert_eq!(
        d1(boardingpass::load_project(&root, None).unwrap()),
        [
            ("DB".to_string(), D1DatabaseRef::Name("notes-db".into()), Some(root.join("migrations"))),
            ("OLD_DB".to_string(), D1DatabaseRef::Id("0f2d7a9c-3b1e-4c5d-8e6f-7a8b9c0d1e2f".into()), Some(root.join("schema"))),
            ("NAMELESS".to_string(), D1DatabaseRef::Name("notes-nameless".into()), Some(root.join("migrations"))),
        ]
    );
    std::fs::remove_dir(root.join("migrations")).unwrap();
    write("[[d1_databases]]\nbinding = \"DB\"\ndatabase_name = \"notes-db\"\n");
    assert_eq!(d1(boardingpass::load_project(&root, None).unwrap())[0].2, None, "no default directory, no migrations");
    for (config, field) in [
        ("[[d1_databases]]\nbinding = \"DB\"\nmigrations_dir = \"missing\"\n", "migrations_dir"),
        ("[[d1_databases]]\nbinding = \"DB\"\nmigrations_dir = \"../../\"\n", "migrations_dir"),
        ("[[d1_databases]]\nbinding = \"DB\"\nmigrations_dir = \"index.js\"\n", "migrations_dir"),
        ("[[d1_databases]]\nbinding = \"DB\"\nmigrations_table = \"schema_history\"\n", "migrations_table"),
        ("[[d1_databases]]\nbinding = \"DB\"\nmigrations_pattern = \"schema/*/up.sql\"\n", "migrations_pattern"),
    ] {
        write(config);
        match boardingpass::load_project(&root, None) {
            Err(boardingpass::Error::InvalidInput { field: f, .. }) => assert_eq!(f, field, "{config}"),
            other => panic!("{config}: {other:?}"),
        }
    }
}

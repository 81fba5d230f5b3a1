//! D1 through the pass against the in-process emulator: a database
//! created, queried with bound parameters (typed cells, one result per
//! statement), migrated the way wrangler records it, shown on the ticket
//! and in the audit log; refused SQL as the `sql` kind with SQLite's
//! message and nothing changed; the account's limits; bad input refused
//! before any request; expiry and claim.

mod common;

use std::path::{Path, PathBuf};

use boardingpass::{BoardingPass, CancellationToken, ClaimStatus, Client, D1Value, Policy, ProvisionOptions};
use boardingpass_emulator::EmulatorConfig;
use serde_json::{json, Value};

fn guestbook_migrations() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/projects/7-guestbook/migrations")
}

async fn count(pass: &BoardingPass, db: &str) -> i64 {
    match pass.d1_query(db, "SELECT count(*) AS n FROM entries", vec![]).await.unwrap()[0].rows[0][0] {
        D1Value::Integer(n) => n,
        ref other => panic!("count is {other:?}"),
    }
}

#[tokio::test]
async fn a_database_is_queried_migrated_and_handed_off() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let (pass, events) = common::audited_pass(&emu).await;

    let db = pass.create_d1_database("guestbook").await.unwrap();
    assert_eq!(db.name, "guestbook");
    assert_eq!(pass.d1_databases().await.unwrap().iter().map(|d| &d.uuid).collect::<Vec<_>>(), [&db.uuid]);

    // Migrations: both files, in order, then none; recorded as wrangler records them.
    let applied = pass.d1_apply_migrations(&db.uuid, &guestbook_migrations()).await.unwrap();
    assert_eq!(applied, ["0001_create.sql", "0002_likes.sql"]);
    assert!(pass.d1_apply_migrations(&db.uuid, &guestbook_migrations()).await.unwrap().is_empty());
    let record = pass.d1_query(&db.uuid, "SELECT * FROM d1_migrations ORDER BY id", vec![]).await.unwrap();
    assert_eq!(record[0].columns, ["id", "name", "applied_at"]);
    assert_eq!(record[0].rows.iter().map(|r| r[1].clone()).collect::<Vec<_>>(), [D1Value::from("0001_create.sql"), D1Value::from("0002_likes.sql")]);

    // Bound parameters, one result per statement, typed cells in column order.
    let out = pass
        .d1_query(&db.uuid, "INSERT INTO entries (name, message) VALUES (?1, ?2); SELECT id, name, message, likes FROM entries WHERE name = ?1", vec!["Ada".into(), "hello, world".into()])
        .await
        .unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!((out[0].meta.changes, out[0].meta.last_row_id, out[0].meta.changed_db), (1, 1, true));
    assert_eq!(out[1].columns, ["id", "name", "message", "likes"]);
    assert_eq!(out[1].rows, [vec![D1Value::Integer(1), D1Value::from("Ada"), D1Value::from("hello, world"), D1Value::Integer(0)]]);
    let cells = pass.d1_query(&db.uuid, "SELECT ? AS b, ? AS r, ? AS n, ? AS big", vec![vec![0u8, 255].into(), 2.5.into(), D1Value::Null, i64::MAX.into()]).await.unwrap();
    assert_eq!(cells[0].rows[0], [D1Value::Blob(vec![0, 255]), D1Value::Real(2.5), D1Value::Null, D1Value::Integer(i64::MAX)]);

    // A refused statement: the sql kind with SQLite's message, and nothing of its call kept.
    let bad = pass.d1_query(&db.uuid, "INSERT INTO entries (name, message) VALUES ('x', 'y'); SELEC 1", vec![]).await.unwrap_err();
    assert_eq!(bad.code(), "sql", "{bad}");
    assert!(bad.to_string().contains("syntax error"), "SQLite's message: {bad}");
    assert_eq!(count(&pass, &db.uuid).await, 1);

    // A failing migration stops there, names its file, and is not recorded.
    let dir = tempfile::tempdir().unwrap();
    for f in ["0001_create.sql", "0002_likes.sql"] {
        std::fs::copy(guestbook_migrations().join(f), dir.path().join(f)).unwrap();
    }
    std::fs::write(dir.path().join("0003_seed.sql"), "INSERT INTO entries (name, message) VALUES ('seed', 'first');").unwrap();
    std::fs::write(dir.path().join("0004_broken.sql"), "INSERT INTO entries (name, message) VALUES ('lost', 'row');\nALTER TABLE nowhere ADD COLUMN x;").unwrap();
    std::fs::write(dir.path().join("0005_never.sql"), "DROP TABLE entries;").unwrap();
    let e = pass.d1_apply_migrations(&db.uuid, dir.path()).await.unwrap_err();
    assert_eq!(e.code(), "sql", "{e}");
    assert!(e.to_string().contains("0004_broken.sql") && e.to_string().contains("no such table: nowhere"), "{e}");
    assert!(matches!(&e, boardingpass::Error::Sql { migration: Some(m), .. } if m == "0004_broken.sql"));
    assert_eq!(count(&pass, &db.uuid).await, 2, "0003 applied, 0004 rolled back whole, 0005 never run");
    let names = pass.d1_query(&db.uuid, "SELECT name FROM d1_migrations ORDER BY id", vec![]).await.unwrap();
    assert_eq!(names[0].rows.len(), 3);

    // The ticket lists the database with its latest size; the audit log has the resource and each migration.
    let size = pass.d1_database(&db.uuid).await.unwrap().file_size;
    assert!(size > 0 && out[1].meta.size_after > 0, "{size}, {:?}", out[1].meta);
    let ticket = pass.ticket(ClaimStatus::Pending).unwrap();
    assert_eq!(ticket.to_json()["temporary_resource"]["resources"], json!([{"type": "d1_database", "name": "guestbook", "id": db.uuid, "size": size}]));
    assert!(ticket.to_markdown().contains(&format!("d1_database **guestbook** (`{}`, {size} bytes)", db.uuid)));
    let log: Vec<Value> = events.lock().unwrap().clone();
    let of = |kind: &str| log.iter().filter(|e| e["event"] == kind).map(|e| e["details"].clone()).collect::<Vec<_>>();
    assert_eq!(of("resource_created"), [json!({"type": "d1_database", "name": "guestbook", "id": db.uuid})]);
    let migrated: Vec<Value> = ["0001_create.sql", "0002_likes.sql", "0003_seed.sql"].iter().map(|n| json!({"database": db.uuid, "name": n})).collect();
    assert_eq!(of("migration_applied"), migrated);

    // The new output paths (ticket resources, events, results, errors) carry no credential.
    let outputs = format!("{}{}{:?}{:?}{bad}{e}{}", ticket.to_json(), ticket.to_markdown(), pass.d1_databases().await.unwrap(), out, Value::Array(log));
    for secret in [pass.expose_api_token(), pass.expose_claim_url()] {
        assert!(!outputs.contains(secret), "a credential reached a D1 output");
    }

    pass.delete_d1_database(&db.uuid).await.unwrap();
    assert!(pass.d1_databases().await.unwrap().is_empty());
    assert_eq!(pass.ticket(ClaimStatus::Pending).unwrap().to_json()["temporary_resource"]["resources"], json!([]));
    let deleted: Vec<Value> = events.lock().unwrap().iter().filter(|e| e["event"] == "resource_deleted").map(|e| e["details"].clone()).collect();
    assert_eq!(deleted, [json!({"type": "d1_database", "name": "guestbook", "id": db.uuid})]);
    let gone = pass.d1_query(&db.uuid, "SELECT 1", vec![]).await.unwrap_err();
    assert_eq!((gone.code(), gone.status()), ("api", Some(404)), "{gone}");
}

#[tokio::test]
async fn the_accounts_limits_are_typed_errors_that_change_nothing() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let pass = common::pass(&emu).await;
    let db = pass.create_d1_database("only").await.unwrap();
    pass.d1_query(&db.uuid, "CREATE TABLE big (b BLOB)", vec![]).await.unwrap();

    // One database per temporary account.
    let second = pass.create_d1_database("second").await.unwrap_err();
    assert_eq!((second.code(), second.api_code()), ("api", Some(7406)), "{second}");
    assert_eq!(pass.d1_databases().await.unwrap().len(), 1);

    // 100 MB per database: a 101 MB insert is refused whole.
    let before = pass.d1_database(&db.uuid).await.unwrap().file_size;
    let fill = "INSERT INTO big SELECT randomblob(1000000) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 101) SELECT x FROM c)";
    let full = pass.d1_query(&db.uuid, fill, vec![]).await.unwrap_err();
    assert_eq!(full.code(), "sql", "{full}");
    assert!(full.to_string().contains("Exceeded maximum DB size"), "{full}");
    let rows = pass.d1_query(&db.uuid, "SELECT count(*) FROM big", vec![]).await.unwrap();
    assert_eq!(rows[0].rows[0][0], D1Value::Integer(0));
    assert!(pass.d1_database(&db.uuid).await.unwrap().file_size <= before + 4096 * 4, "the database did not grow");

    // Another account's database is not found from this pass, and stays as it was.
    let other = common::pass(&emu).await;
    let theirs = other.create_d1_database("theirs").await.unwrap();
    other.d1_query(&theirs.uuid, "CREATE TABLE t (x); INSERT INTO t VALUES (1)", vec![]).await.unwrap();
    for e in [
        pass.d1_query(&theirs.uuid, "DELETE FROM t", vec![]).await.unwrap_err(),
        pass.delete_d1_database(&theirs.uuid).await.unwrap_err(),
        pass.d1_apply_migrations(&theirs.uuid, &guestbook_migrations()).await.unwrap_err(),
    ] {
        assert_eq!((e.code(), e.status(), e.api_code()), ("api", Some(404), Some(7404)), "{e}");
    }
    assert_eq!(other.d1_query(&theirs.uuid, "SELECT x FROM t", vec![]).await.unwrap()[0].rows, [vec![D1Value::Integer(1)]]);
}

#[tokio::test]
async fn bad_input_is_refused_before_any_request() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let pass = common::pass(&emu).await;
    let db = pass.create_d1_database("checked").await.unwrap();
    emu.clear_requests();
    let missing = tempfile::tempdir().unwrap().path().join("none");
    let unreadable = tempfile::tempdir().unwrap();
    std::fs::write(unreadable.path().join("0001_bin.sql"), [0xff, 0xfe, 0x00]).unwrap();
    let errors = [
        ("invalid_input", pass.create_d1_database("no spaces").await.unwrap_err()),
        ("invalid_input", pass.create_d1_database(&"n".repeat(65)).await.unwrap_err()),
        ("invalid_input", pass.d1_query("../../workers/scripts/x", "SELECT 1", vec![]).await.unwrap_err()),
        ("invalid_input", pass.d1_query(&db.uuid, "   ", vec![]).await.unwrap_err()),
        ("invalid_input", pass.d1_query(&db.uuid, "SELECT 1", vec![D1Value::Null; 101]).await.unwrap_err()),
        ("invalid_input", pass.d1_query(&db.uuid, "SELECT ?", vec![D1Value::Real(f64::INFINITY)]).await.unwrap_err()),
        ("invalid_input", pass.delete_d1_database("not-a-uuid").await.unwrap_err()),
        ("io", pass.d1_apply_migrations(&db.uuid, &missing).await.unwrap_err()),
        ("invalid_input", pass.d1_apply_migrations(&db.uuid, unreadable.path()).await.unwrap_err()),
    ];
    for (kind, e) in &errors {
        assert_eq!(e.code(), *kind, "{e}");
    }
    assert!(emu.requests().is_empty(), "nothing was sent: {:?}", emu.requests());
    assert!(pass.d1_query(&db.uuid, "SELECT name FROM sqlite_master WHERE type = 'table'", vec![]).await.unwrap()[0].rows.is_empty(), "nothing changed");
}

#[tokio::test]
async fn policy_limits_databases_and_calls_can_be_cancelled() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let policy = Policy::permissive().allowed_resource_types(vec!["kv_namespace".into()]);
    let client = Client::builder().api_base(emu.base_url()).accept_terms(true).policy(policy).build().unwrap();
    let pass = client.provision(ProvisionOptions::default()).await.unwrap();
    emu.clear_requests();
    let e = pass.create_d1_database("refused").await.unwrap_err();
    assert_eq!(e.code(), "policy_violation", "{e}");
    assert!(e.to_string().contains("allowed_resource_types"), "{e}");
    assert!(emu.requests().is_empty());

    let token = CancellationToken::new();
    token.cancel();
    let e = boardingpass::cancellable(Some(&token), pass.d1_query("0f2d7a9c-3b1e-4c5d-8e6f-7a8b9c0d1e2f", "SELECT 1", vec![])).await.unwrap_err();
    assert_eq!(e.code(), "cancelled");
}

#[tokio::test]
async fn expiry_deletes_the_database_and_a_claim_keeps_it() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let (doomed, kept) = (common::pass(&emu).await, common::pass(&emu).await);
    for pass in [&doomed, &kept] {
        let db = pass.create_d1_database("data").await.unwrap();
        pass.d1_query(&db.uuid, "CREATE TABLE t (x); INSERT INTO t VALUES ('kept?')", vec![]).await.unwrap();
    }
    let claim_token = kept.expose_claim_url().split("claimToken=").nth(1).unwrap().to_string();
    let claimed = reqwest::Client::new().post(format!("{}/x-boardingpass/claim", emu.origin())).header("x-claim-token", claim_token).send().await.unwrap();
    assert_eq!(claimed.status(), 200);
    let expired = emu.state().store().expire(chrono::Utc::now() + chrono::Duration::hours(2));
    assert_eq!(expired, vec![doomed.account_id().to_string()]);
    assert!(!emu.state().store().d1.contains_key(doomed.account_id()), "the expired account's database is deleted");
    // The claimed account is the human's now (the pass's token no longer works there); its database stays.
    assert_eq!(emu.state().store().d1[kept.account_id()].databases.len(), 1);
}

/// A create whose answer is lost after the database was made is found by
/// name instead of sent again (which would hit the one-database limit), and
/// the pass records it once.
#[tokio::test]
async fn a_lost_create_answer_is_looked_up_not_repeated() {
    use boardingpass_emulator::{ChaosFault, Fault, FaultKind};
    let emu = common::emulator(EmulatorConfig::default()).await;
    let pass = common::pass(&emu).await;
    emu.inject(Fault::new("/d1/database", FaultKind::Chaos(ChaosFault::Status { status: 503, after: true }, std::time::Duration::from_secs(5)), 1));
    emu.clear_requests();
    let db = pass.create_d1_database("guestbook").await.unwrap();
    let creates: Vec<u16> = emu.requests().iter().filter(|r| r.method == "POST" && r.path.ends_with("/d1/database")).map(|r| r.status).collect();
    assert_eq!(creates, [200], "the create was sent once (and took effect)");
    assert!(emu.state().faults.lock().unwrap().iter().all(|f| f.times == 0), "its answer was lost");
    assert_eq!(pass.d1_databases().await.unwrap().iter().map(|d| &d.uuid).collect::<Vec<_>>(), [&db.uuid]);
    assert_eq!(pass.resources().len(), 1);
}

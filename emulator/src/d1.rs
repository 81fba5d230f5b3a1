//! D1 databases kept by the emulator: one in-memory SQLite connection per
//! database (the bundled SQLite of `rusqlite`), owned by its account and
//! gone with it at expiry or revocation; a claim keeps it. Each call (a
//! REST `/query`, a Worker's `batch`) runs in one savepoint: a failing
//! statement, or a database grown past the temporary account's 100 MB,
//! rolls the whole call back. SQL that could reach outside the database
//! (ATTACH, VACUUM INTO, size pragmas) or end the call's transaction
//! early (BEGIN/COMMIT) is refused by an authorizer.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use rusqlite::fallible_iterator::FallibleIterator;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::types::{Value as Sql, ValueRef};
use rusqlite::limits::Limit;
use rusqlite::{Batch, Connection, StatementStatus};
use serde_json::{json, Value};

use crate::envelope::ApiError;

/// Cloudflare's codes: a bad request, the database limit (wrangler
/// recognises 7406), a name already used, an unknown database, and a
/// failing statement (SQLite's message).
pub const BAD_REQUEST: i64 = 7400;
pub const NOT_FOUND: i64 = 7404;
pub const TOO_MANY_DATABASES: i64 = 7406;
pub const NAME_TAKEN: i64 = 7502;
pub const SQL_ERROR: i64 = 7500;

/// A temporary account has one database of at most 100 MB.
pub const MAX_DATABASES: usize = 1;
pub const MAX_DATABASE_BYTES: u64 = 100_000_000;
const PAGE_SIZE: u64 = 4096;
/// Longest a call may run (D1's own limit per query is 30 s).
const MAX_CALL: Duration = Duration::from_secs(30);
/// Bytes of cells one call may answer with (the emulator's cap: a cross
/// join can produce far more than the database holds).
const MAX_ANSWER_BYTES: usize = 64 << 20;
const MAX_NAME_CHARS: usize = 64;
/// D1's own limit: a string, BLOB or row of at most 2,000,000 bytes. (Its
/// 100,000-byte statement limit is not applied: SQLite's limit counts the
/// whole text of a call, and an import file is one call.)
const MAX_VALUE_BYTES: i32 = 2_000_000;
/// Pragmas a call may use (reads of the schema and size, foreign-key switches).
const PRAGMAS: &[&str] = &["table_list", "table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list", "foreign_key_check", "foreign_keys", "defer_foreign_keys", "quick_check", "integrity_check", "optimize", "page_count"];

#[derive(Default)]
pub struct AccountD1 {
    pub databases: BTreeMap<String, Arc<Database>>,
}

pub struct Database {
    pub uuid: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    conn: Mutex<Guarded>,
    /// Size and table count after the last call, so listing never waits
    /// for a running query.
    size: AtomicU64,
    tables: AtomicU64,
    /// The import flow (`…/import`): its file, then its answer.
    pub import: Mutex<Import>,
}

/// The latest import: the file name handed out by `init` (the upload URL
/// names it), the SQL once uploaded, and the answer of its ingestion.
#[derive(Default)]
pub struct Import {
    pub filename: Option<String>,
    pub sql: Option<bytes::Bytes>,
    pub answer: Option<Value>,
}

/// The connection and the switch that lets the emulator's own savepoint
/// statements past the authorizer.
struct Guarded {
    conn: Connection,
    trusted: Arc<AtomicBool>,
    deadline: Arc<Mutex<Instant>>,
}

/// One statement's outcome, in D1's terms.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    pub meta: Value,
}

fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, NOT_FOUND, "The database could not be found")
}

pub fn sql_error(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, SQL_ERROR, message)
}

fn refused(ctx: &AuthContext<'_>) -> bool {
    match ctx.action {
        AuthAction::Attach { .. } | AuthAction::Detach { .. } | AuthAction::Transaction { .. } => true,
        // Temporary objects live outside the database and its size cap.
        AuthAction::CreateTempTable { .. } | AuthAction::CreateTempIndex { .. } | AuthAction::CreateTempView { .. } | AuthAction::CreateTempTrigger { .. } => true,
        AuthAction::Pragma { pragma_name, .. } => !PRAGMAS.contains(&pragma_name.to_ascii_lowercase().as_str()),
        AuthAction::Savepoint { savepoint_name, .. } => savepoint_name.eq_ignore_ascii_case(SAVEPOINT),
        _ => false,
    }
}

const SAVEPOINT: &str = "boardingpass_d1_call";

impl Database {
    fn new(name: &str) -> Result<Self, ApiError> {
        let internal = |e: rusqlite::Error| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, SQL_ERROR, format!("the emulator could not open a database: {e}"));
        let conn = Connection::open_in_memory().map_err(internal)?;
        conn.pragma_update(None, "page_size", PAGE_SIZE).map_err(internal)?;
        conn.pragma_update(None, "max_page_count", MAX_DATABASE_BYTES / PAGE_SIZE).map_err(internal)?;
        // No second database: ATTACH and VACUUM (which attaches) fail.
        conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0).map_err(internal)?;
        conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES).map_err(internal)?;
        // Sorts and the like stay in memory: no temporary files on the host.
        conn.pragma_update(None, "temp_store", "MEMORY").map_err(internal)?;
        let trusted = Arc::new(AtomicBool::new(false));
        let gate = trusted.clone();
        conn.authorizer(Some(move |ctx: AuthContext<'_>| {
            if !gate.load(Ordering::Relaxed) && refused(&ctx) { Authorization::Deny } else { Authorization::Allow }
        }));
        let deadline = Arc::new(Mutex::new(Instant::now() + MAX_CALL));
        let until = deadline.clone();
        conn.progress_handler(10_000, Some(move || Instant::now() > *until.lock().unwrap_or_else(|p| p.into_inner())));
        Ok(Self {
            uuid: crate::routes::script_upload::uuid(),
            name: name.to_string(),
            created_at: Utc::now(),
            conn: Mutex::new(Guarded { conn, trusted, deadline }),
            size: AtomicU64::new(0),
            tables: AtomicU64::new(0),
            import: Mutex::default(),
        })
    }

    /// Bytes the database takes (pages in use times page size).
    pub fn file_size(&self) -> u64 {
        self.size.load(Ordering::Relaxed)
    }

    pub fn num_tables(&self) -> u64 {
        self.tables.load(Ordering::Relaxed)
    }

    /// The REST shape of the database.
    pub fn json(&self) -> Value {
        json!({
            "uuid": self.uuid, "name": self.name, "created_at": self.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "version": "production", "num_tables": self.num_tables(), "file_size": self.file_size(),
        })
    }

    /// Runs `calls` (each SQL text with its parameters, one or more
    /// statements) as one unit: every statement's outcome, or the first
    /// error with nothing changed. Blocking: callers use `spawn_blocking`.
    pub fn run(&self, calls: &[(String, Vec<Value>)]) -> Result<Vec<Vec<Outcome>>, ApiError> {
        let g = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        *g.deadline.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now() + MAX_CALL;
        let control = |sql: &str| {
            g.trusted.store(true, Ordering::Relaxed);
            let r = g.conn.execute_batch(sql);
            g.trusted.store(false, Ordering::Relaxed);
            r.map_err(|e| sql_error(format!("{e}")))
        };
        control(&format!("SAVEPOINT {SAVEPOINT}"))?;
        let outcome = run_all(&g.conn, calls).and_then(|done| {
            // A pragma may not raise the cap, but check the size itself too.
            if page_bytes(&g.conn) > MAX_DATABASE_BYTES { Err(full()) } else { Ok(done) }
        });
        // Keep the call's changes, or undo them all.
        let ended = match outcome {
            Ok(done) => control(&format!("RELEASE {SAVEPOINT}")).map(|_| done),
            Err(e) => {
                // Some errors (SQLITE_FULL) already rolled everything back.
                if !g.conn.is_autocommit() {
                    control(&format!("ROLLBACK TO {SAVEPOINT}; RELEASE {SAVEPOINT}"))?;
                }
                Err(e)
            }
        };
        self.size.store(page_bytes(&g.conn), Ordering::Relaxed);
        let tables = g.conn.query_row("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'", [], |r| r.get::<_, i64>(0));
        self.tables.store(tables.unwrap_or(0) as u64, Ordering::Relaxed);
        ended
    }
}

fn page_bytes(conn: &Connection) -> u64 {
    let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap_or(0);
    pages as u64 * PAGE_SIZE
}

fn full() -> ApiError {
    sql_error(format!("Exceeded maximum DB size: a temporary account's database holds at most {MAX_DATABASE_BYTES} bytes (100 MB); nothing was changed: SQLITE_FULL"))
}

/// SQLite's message, in D1's form; a full database says which limit.
fn failed(e: rusqlite::Error) -> ApiError {
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        match f.code {
            rusqlite::ErrorCode::DiskFull => return full(),
            rusqlite::ErrorCode::OperationInterrupted => return sql_error(format!("the query ran longer than {} s and was stopped; nothing was changed", MAX_CALL.as_secs())),
            rusqlite::ErrorCode::AuthorizationForStatementDenied => {
                return sql_error(format!("{e}: D1 refuses ATTACH, VACUUM, BEGIN/COMMIT/ROLLBACK and pragmas other than {}", PRAGMAS.join(", ")))
            }
            _ => {}
        }
    }
    let message = e.to_string();
    let message = if message.contains("too many attached databases") { "ATTACH and VACUUM are not allowed: SQLITE_ERROR".to_string() } else { format!("{message}: SQLITE_ERROR") };
    sql_error(message)
}

fn param(v: &Value) -> Result<Sql, ApiError> {
    Ok(match v {
        Value::Null => Sql::Null,
        Value::Bool(b) => Sql::Integer(*b as i64),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Sql::Integer(i),
            None => Sql::Real(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Sql::Text(s.clone()),
        Value::Array(bytes) => Sql::Blob(
            bytes.iter().map(|b| b.as_u64().filter(|b| *b <= 255).map(|b| b as u8)).collect::<Option<Vec<u8>>>().ok_or_else(|| sql_error("D1_TYPE_ERROR: a BLOB parameter is an array of byte values 0-255"))?,
        ),
        Value::Object(_) => return Err(sql_error("D1_TYPE_ERROR: an object is not a supported parameter type (null, number, string, or an array of bytes)")),
    })
}

/// What a cell counts against the answer cap (a BLOB byte takes up to 4 in JSON).
fn cost(v: ValueRef<'_>) -> usize {
    match v {
        ValueRef::Null => 4,
        ValueRef::Integer(_) | ValueRef::Real(_) => 8,
        ValueRef::Text(t) => t.len(),
        ValueRef::Blob(b) => b.len() * 4,
    }
}

/// A cell on the wire: BLOBs as arrays of bytes; an infinite REAL as null
/// (JSON has no infinity).
fn cell(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => json!(i),
        ValueRef::Real(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Array(b.iter().map(|x| json!(x)).collect()),
    }
}

fn run_all(conn: &Connection, calls: &[(String, Vec<Value>)]) -> Result<Vec<Vec<Outcome>>, ApiError> {
    let mut answer_bytes = 0usize;
    let mut out = Vec::with_capacity(calls.len());
    for (sql, params) in calls {
        let params = params.iter().map(param).collect::<Result<Vec<_>, _>>()?;
        let mut outcomes = Vec::new();
        let mut batch = Batch::new(conn, sql);
        while let Some(mut stmt) = batch.next().map_err(failed)? {
            let started = Instant::now();
            let wanted = stmt.parameter_count();
            if wanted > params.len() {
                return Err(sql_error(format!("Wrong number of parameter bindings for SQL query: it has {wanted}, {} given", params.len())));
            }
            for (i, p) in params.iter().take(wanted).enumerate() {
                stmt.raw_bind_parameter(i + 1, p).map_err(failed)?;
            }
            let columns: Vec<String> = stmt.column_names().into_iter().map(str::to_string).collect();
            let before = conn.total_changes();
            let mut rows = Vec::new();
            {
                let mut it = stmt.raw_query();
                while let Some(row) = it.next().map_err(failed)? {
                    let mut cells = Vec::with_capacity(columns.len());
                    for i in 0..columns.len() {
                        let v = row.get_ref(i).map_err(failed)?;
                        // Counted before it is copied, so a huge answer is never built.
                        answer_bytes += cost(v);
                        if answer_bytes > MAX_ANSWER_BYTES {
                            return Err(sql_error(format!("the result is larger than the emulator's {MAX_ANSWER_BYTES} bytes per call; select fewer rows")));
                        }
                        cells.push(cell(v));
                    }
                    rows.push(cells);
                }
            }
            let changes = if stmt.readonly() { 0 } else { conn.total_changes() - before };
            let scanned = stmt.get_status(StatementStatus::FullscanStep).max(0) as u64;
            let meta = json!({
                "changed_db": changes > 0, "changes": changes, "duration": started.elapsed().as_secs_f64() * 1000.0,
                "last_row_id": conn.last_insert_rowid(), "rows_read": scanned.max(rows.len() as u64), "rows_written": changes,
                "size_after": page_bytes(conn),
            });
            outcomes.push(Outcome { columns, rows, meta });
        }
        out.push(outcomes);
    }
    Ok(out)
}

fn check_name(name: &str) -> Result<(), ApiError> {
    let ok = (1..=MAX_NAME_CHARS).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::BAD_REQUEST, BAD_REQUEST, format!("a database name has 1-{MAX_NAME_CHARS} characters: letters, digits, '-' and '_'")))
    }
}

impl AccountD1 {
    pub fn create(&mut self, name: &str) -> Result<Arc<Database>, ApiError> {
        check_name(name)?;
        if self.databases.values().any(|d| d.name == name) {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, NAME_TAKEN, "A database with that name already exists"));
        }
        if self.databases.len() >= MAX_DATABASES {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                TOO_MANY_DATABASES,
                format!("You have reached the maximum number of D1 databases for this account: a temporary account has {MAX_DATABASES}"),
            ));
        }
        let db = Arc::new(Database::new(name)?);
        self.databases.insert(db.uuid.clone(), db.clone());
        Ok(db)
    }

    /// By uuid, or by name (wrangler looks databases up by either).
    pub fn get(&self, id_or_name: &str) -> Result<Arc<Database>, ApiError> {
        self.databases.get(id_or_name).or_else(|| self.databases.values().find(|d| d.name == id_or_name)).cloned().ok_or_else(not_found)
    }

    pub fn delete(&mut self, uuid: &str) -> Result<(), ApiError> {
        self.databases.remove(uuid).map(drop).ok_or_else(not_found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SQL inserting `mb` rows of a 1 MB zeroblob (D1 caps a value at 2 MB).
    fn fill(mb: u32) -> String {
        format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {mb}) INSERT INTO b SELECT zeroblob(1000000) FROM n")
    }

    fn one(db: &Database, sql: &str, params: Vec<Value>) -> Result<Vec<Outcome>, ApiError> {
        db.run(&[(sql.to_string(), params)]).map(|mut v| v.remove(0))
    }

    #[test]
    fn statements_run_together_and_a_failure_changes_nothing() {
        let db = Database::new("t").unwrap();
        let made = one(&db, "CREATE TABLE t (a, b); INSERT INTO t VALUES (?, ?)", vec![json!(1), json!([0, 255])]).unwrap();
        assert_eq!(made.len(), 2);
        assert_eq!(made[1].meta["changes"], 1);
        let e = one(&db, "INSERT INTO t VALUES (2, 'x'); SELEC oops", vec![]).unwrap_err();
        assert_eq!(e.code, SQL_ERROR);
        assert!(e.message.contains("syntax error"), "{}", e.message);
        // A long text of many statements (an import file) is one call.
        let many: String = (0..5000).map(|i| format!("INSERT INTO t VALUES ({i}, 'a row of some length to pass 100 kB');\n")).collect();
        assert!(many.len() > 200_000);
        assert_eq!(one(&db, &many, vec![]).unwrap().len(), 5000);
        one(&db, "DELETE FROM t WHERE typeof(b) = 'text'", vec![]).unwrap();
        let rows = one(&db, "SELECT a, b FROM t", vec![]).unwrap().remove(0);
        assert_eq!(rows.columns, ["a", "b"]);
        assert_eq!(rows.rows, vec![vec![json!(1), json!([0, 255])]]);
    }

    #[test]
    fn sql_reaching_outside_the_call_is_refused() {
        let db = Database::new("t").unwrap();
        for sql in ["ATTACH ':memory:' AS other", "VACUUM INTO '/tmp/x.db'", "BEGIN", "PRAGMA max_page_count = 99999999", "COMMIT", "RELEASE boardingpass_d1_call", "CREATE TEMP TABLE t (x)", "SELECT zeroblob(2000001)"] {
            let e = one(&db, sql, vec![]).unwrap_err();
            assert_eq!(e.code, SQL_ERROR, "{sql}: {}", e.message);
        }
        assert!(!std::path::Path::new("/tmp/x.db").exists());
        one(&db, "PRAGMA table_list", vec![]).unwrap();
    }

    #[test]
    fn a_database_past_100_mb_is_refused_and_unchanged() {
        let db = Database::new("t").unwrap();
        one(&db, "CREATE TABLE b (x BLOB)", vec![]).unwrap();
        one(&db, &fill(60), vec![]).unwrap();
        let before = db.file_size();
        assert!(before > 60_000_000);
        let e = one(&db, &fill(50), vec![]).unwrap_err();
        assert!(e.message.contains("Exceeded maximum DB size"), "{}", e.message);
        assert_eq!(one(&db, "SELECT count(*) AS n FROM b", vec![]).unwrap()[0].rows, vec![vec![json!(60)]]);
        assert_eq!(db.file_size(), before);
    }
}

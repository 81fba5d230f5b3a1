//! D1 databases on the pass's account (docs/PROTOCOL.md §11, docs/STORAGE.md): create, list
//! and delete a database, run SQL with bound parameters (`/raw`, so column
//! order is kept) and apply a migrations directory the way wrangler does.
//!
//! Input is checked before anything is sent (name, uuid before it enters a
//! path, SQL, parameters); every answer is read with a size cap and every
//! string in it is checked before it is used or recorded. Each call is a
//! future: dropping it, or running it under
//! [`cancellable`](crate::cancellable), cancels it.

use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::audit::AuditKind;
use crate::error::{ApiFailure, Error};
use crate::pass::BoardingPass;
use crate::record::PassResource;
use crate::resource::ResourceType;
use crate::untrusted;

pub use crate::migrations::{read_migrations, Migration, MIGRATIONS_TABLE};

/// Resource type name of a D1 database (ticket, audit, policy).
pub const D1_DATABASE: &str = "d1_database";
/// Binding type name of a D1 database in a Worker's metadata.
pub const D1_BINDING_TYPE: &str = "d1";
/// Longest database name accepted.
pub const MAX_D1_NAME_LEN: usize = 64;
/// Most bound parameters in one query (Cloudflare's limit).
pub const MAX_D1_PARAMS: usize = 100;
/// Largest SQL text sent in one call: 100 MB, the size of a whole temporary-account database.
pub const MAX_D1_SQL_BYTES: usize = 100_000_000;
/// Largest TEXT or BLOB value D1 stores, in bytes (a bound parameter included).
pub const MAX_D1_VALUE_BYTES: usize = 2_000_000;
/// Cloudflare's error code for a statement the database refused.
pub const D1_SQL_ERROR_CODE: i64 = 7500;

/// Largest query answer read: rows come back as JSON (a BLOB byte as up to
/// four characters), so this is well above D1's 2 MB row limit.
const MAX_D1_ANSWER: usize = 64 << 20;
/// Most columns of one result (SQLite's default SQLITE_MAX_COLUMN).
const MAX_COLUMNS: usize = 2000;

// Counts here and in D1Meta are `i64` so that Node gets plain numbers and
// Kotlin `Long`s (a `u64` would be a BigInt and a `ULong`).
/// A D1 database of the account.
#[cfg_attr(feature = "napi", napi_derive::napi(object, object_from_js = false))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, get_all, module = "boardingpass", name = "D1Database"))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct D1Database {
    /// Cloudflare's id (a UUID), used in every query and binding.
    pub uuid: String,
    pub name: String,
    /// Bytes the database takes now.
    pub file_size: i64,
    pub num_tables: i64,
}

/// A bound parameter or a result cell: SQLite's five storage classes.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum D1Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<i64> for D1Value {
    fn from(v: i64) -> Self {
        Self::Integer(v)
    }
}
impl From<f64> for D1Value {
    fn from(v: f64) -> Self {
        Self::Real(v)
    }
}
impl From<&str> for D1Value {
    fn from(v: &str) -> Self {
        Self::Text(v.to_string())
    }
}
impl From<String> for D1Value {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}
impl From<Vec<u8>> for D1Value {
    fn from(v: Vec<u8>) -> Self {
        Self::Blob(v)
    }
}
impl<T: Into<D1Value>> From<Option<T>> for D1Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Self::Null, Into::into)
    }
}

impl D1Value {
    /// The wire form: a BLOB is an array of byte numbers.
    fn to_json(&self) -> Value {
        match self {
            Self::Null => Value::Null,
            Self::Integer(i) => json!(i),
            Self::Real(f) => json!(f),
            Self::Text(s) => json!(s),
            Self::Blob(b) => json!(b),
        }
    }

    /// A cell from an answer: JSON integers are INTEGER, other numbers
    /// REAL, arrays of bytes BLOB; anything else is not a SQLite value.
    fn from_json(v: Value) -> Option<Self> {
        Some(match v {
            Value::Null => Self::Null,
            Value::Number(n) => match n.as_i64() {
                Some(i) => Self::Integer(i),
                None => Self::Real(n.as_f64()?),
            },
            Value::String(s) => Self::Text(s),
            Value::Array(items) => Self::Blob(items.iter().map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok())).collect::<Option<_>>()?),
            Value::Bool(_) | Value::Object(_) => return None,
        })
    }
}

/// What running one statement did.
#[cfg_attr(feature = "napi", napi_derive::napi(object, object_from_js = false))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, get_all, module = "boardingpass", name = "D1Meta"))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct D1Meta {
    /// Rows changed by an INSERT, UPDATE or DELETE.
    pub changes: i64,
    /// Rowid of the last row inserted.
    pub last_row_id: i64,
    pub rows_read: i64,
    pub rows_written: i64,
    /// How long the database took, in milliseconds.
    pub duration_ms: f64,
    /// Bytes the database takes after the statement.
    pub size_after: i64,
    pub changed_db: bool,
}

/// The rows one statement returned, in column order, and its meta.
#[cfg_attr(feature = "napi", napi_derive::napi(object, object_from_js = false))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, get_all, module = "boardingpass", name = "D1Result"))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct D1Result {
    pub columns: Vec<String>,
    #[cfg_attr(feature = "napi", napi(ts_type = "Array<Array<null | number | string | Buffer>>"))]
    pub rows: Vec<Vec<D1Value>>,
    pub meta: D1Meta,
}

impl D1Result {
    /// Each row as `(column, value)` pairs in column order: the rows as
    /// D1's Worker API `all()` gives them, keyed by column, for the bindings'
    /// dicts and objects (a repeated column name keeps its last value there,
    /// as in `all()`).
    pub fn records(&self) -> Vec<Vec<(&str, &D1Value)>> {
        self.rows.iter().map(|row| self.columns.iter().map(String::as_str).zip(row).collect()).collect()
    }
}

/// Checks a database name: 1–64 ASCII letters, digits, `-` or `_`.
pub fn validate_d1_name(name: &str) -> Result<(), Error> {
    let ok = (1..=MAX_D1_NAME_LEN).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        return Ok(());
    }
    Err(Error::invalid("database_name", format!("{} is not 1-{MAX_D1_NAME_LEN} letters, digits, '-' or '_'", untrusted::quote(name))))
}

/// Checks a database id before it goes into a request path: a UUID
/// (hex digits and dashes, 32 digits).
pub fn validate_d1_database_id(id: &str) -> Result<(), Error> {
    let digits = id.bytes().filter(u8::is_ascii_hexdigit).count();
    if digits == 32 && id.len() <= 36 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
        return Ok(());
    }
    Err(Error::invalid("database_id", format!("{} is not a D1 database UUID (32 hex digits, with or without dashes)", untrusted::quote(id))))
}

/// Checks SQL text and its parameters before they are sent.
pub fn validate_d1_query(sql: &str, params: &[D1Value]) -> Result<(), Error> {
    if sql.trim().is_empty() {
        return Err(Error::invalid("sql", "the SQL text is empty"));
    }
    if sql.len() > MAX_D1_SQL_BYTES {
        return Err(Error::invalid("sql", format!("the SQL text has {} bytes, the limit is {MAX_D1_SQL_BYTES}", sql.len())));
    }
    if params.len() > MAX_D1_PARAMS {
        return Err(Error::invalid("params", format!("{} parameters, a D1 query binds at most {MAX_D1_PARAMS}", params.len())));
    }
    for (i, p) in params.iter().enumerate() {
        let size = match p {
            D1Value::Real(f) if !f.is_finite() => {
                return Err(Error::invalid("params", format!("parameter {} is not a finite number; SQLite stores no NaN or infinity", i + 1)))
            }
            D1Value::Text(t) => t.len(),
            D1Value::Blob(b) => b.len(),
            _ => 0,
        };
        if size > MAX_D1_VALUE_BYTES {
            return Err(Error::invalid("params", format!("parameter {} has {size} bytes, D1 stores at most {MAX_D1_VALUE_BYTES} in one value", i + 1)));
        }
    }
    Ok(())
}

#[derive(Deserialize)]
pub(crate) struct RawDatabase {
    uuid: String,
    name: String,
    #[serde(default)]
    file_size: Option<u64>,
    #[serde(default)]
    num_tables: Option<u64>,
}

/// A count from an answer (absent: 0); past `i64::MAX` it stays there.
fn count(n: Option<u64>) -> i64 {
    n.map_or(0, |n| i64::try_from(n).unwrap_or(i64::MAX))
}

/// Databases as resources of the account.
pub(crate) const DATABASES: ResourceType<RawDatabase, D1Database> = ResourceType {
    name: D1_DATABASE,
    path: "/d1/database",
    check: checked_database,
    record: |db| PassResource { kind: D1_DATABASE.into(), name: db.name.clone(), id: db.uuid.clone(), size: u64::try_from(db.file_size).ok() },
};

/// A database from an answer, its uuid and name checked.
fn checked_database(endpoint: &str, raw: RawDatabase) -> Result<D1Database, Error> {
    untrusted::identifier(endpoint, "uuid", &raw.uuid)?;
    if validate_d1_name(&raw.name).is_err() {
        return Err(Error::protocol(endpoint, format!("name {} is not 1-{MAX_D1_NAME_LEN} letters, digits, '-' or '_'; the server's answer was not used", untrusted::quote(&raw.name))));
    }
    Ok(D1Database { uuid: raw.uuid, name: raw.name, file_size: count(raw.file_size), num_tables: count(raw.num_tables) })
}

#[derive(Deserialize)]
struct RawStatement {
    results: RawRows,
    #[serde(default)]
    meta: RawMeta,
}

#[derive(Deserialize, Default)]
struct RawRows {
    #[serde(default)]
    columns: Vec<String>,
    #[serde(default)]
    rows: Vec<Vec<Value>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawMeta {
    changes: Option<u64>,
    last_row_id: Option<i64>,
    rows_read: Option<u64>,
    rows_written: Option<u64>,
    duration: Option<f64>,
    size_after: Option<u64>,
    changed_db: Option<bool>,
}

/// One statement's answer, every row as wide as its columns and every cell a SQLite value.
fn checked_result(endpoint: &str, raw: RawStatement) -> Result<D1Result, Error> {
    let refuse = |why: String| Error::protocol(endpoint, format!("{why}; the server's answer was not used"));
    let RawRows { columns, rows } = raw.results;
    if columns.len() > MAX_COLUMNS {
        return Err(refuse(format!("a result has {} columns, SQLite allows {MAX_COLUMNS}", columns.len())));
    }
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.into_iter().enumerate() {
        if row.len() != columns.len() {
            return Err(refuse(format!("row {} has {} values for {} columns", i + 1, row.len(), columns.len())));
        }
        let cells: Option<Vec<D1Value>> = row.into_iter().map(D1Value::from_json).collect();
        out.push(cells.ok_or_else(|| refuse(format!("row {} holds a value that is not null, a number, a string or an array of bytes", i + 1)))?);
    }
    let m = raw.meta;
    let meta = D1Meta {
        changes: count(m.changes),
        last_row_id: m.last_row_id.unwrap_or(0),
        rows_read: count(m.rows_read),
        rows_written: count(m.rows_written),
        duration_ms: m.duration.filter(|d| d.is_finite()).unwrap_or(0.0),
        size_after: count(m.size_after),
        changed_db: m.changed_db.unwrap_or(false),
    };
    Ok(D1Result { columns, rows: out, meta })
}

/// The `result` of a `/raw` answer: one checked [`D1Result`] per statement.
pub(crate) fn decode_raw_answer(endpoint: &str, result: Vec<Value>) -> Result<Vec<D1Result>, Error> {
    result
        .into_iter()
        .map(|entry| {
            let raw: RawStatement = serde_json::from_value(entry).map_err(|e| Error::protocol(endpoint, format!("a statement's result has an unexpected shape: {e}")))?;
            checked_result(endpoint, raw)
        })
        .collect()
}

/// A refused statement (code 7500) as the `sql` error with SQLite's message.
fn sql_error(e: Error) -> Error {
    match e {
        Error::Api(ApiFailure { endpoint, code: Some(D1_SQL_ERROR_CODE), message, .. }) => Error::Sql { endpoint, migration: None, message },
        other => other,
    }
}

impl BoardingPass {
    fn d1_path(&self, database_id: &str, rest: &str) -> Result<String, Error> {
        validate_d1_database_id(database_id)?;
        Ok(self.account_path(&format!("/d1/database/{database_id}{rest}")))
    }

    /// Creates a database (`POST d1/database`), once the client's policy
    /// allows one more resource of this type. The ticket lists it and the
    /// audit log gets a `resource_created` event. A temporary account holds
    /// one database.
    pub async fn create_d1_database(&self, name: &str) -> Result<D1Database, Error> {
        // A lost answer is looked up by name (names are unique per account) instead of created twice.
        let lookup = || async { Ok(self.d1_databases().await?.into_iter().find(|d| d.name == name)) };
        self.create_resource(&DATABASES, "create_d1_database", validate_d1_name(name), json!({"name": name}), lookup).await
    }

    /// Every database of the account (`GET d1/database`, page by page).
    pub async fn d1_databases(&self) -> Result<Vec<D1Database>, Error> {
        self.list_resources(&DATABASES).await
    }

    /// One database (`GET d1/database/{uuid}`), with its size now.
    pub async fn d1_database(&self, database_id: &str) -> Result<D1Database, Error> {
        let call = self.call(Method::GET, self.d1_path(database_id, "")?)?;
        let endpoint = call.endpoint();
        let db = checked_database(&endpoint, self.client().http().call(call).await?.result_as(&endpoint)?)?;
        self.note_d1_size(&db.uuid, db.file_size);
        Ok(db)
    }

    /// Deletes a database and its data; it leaves the ticket and the audit
    /// log gets a `resource_deleted` event.
    pub async fn delete_d1_database(&self, database_id: &str) -> Result<(), Error> {
        self.delete_resource(D1_DATABASE, database_id, self.d1_path(database_id, "")?).await
    }

    /// Runs `sql` (one or more statements) with `params` bound to its `?`
    /// placeholders (`POST …/raw`) and returns one [`D1Result`] per
    /// statement. A statement the database refuses is an
    /// [`Error::Sql`] carrying SQLite's message, and nothing of the call
    /// is kept (D1 rolls the whole call back).
    pub async fn d1_query(&self, database_id: &str, sql: &str, params: Vec<D1Value>) -> Result<Vec<D1Result>, Error> {
        validate_d1_query(sql, &params)?;
        let params: Vec<Value> = params.iter().map(D1Value::to_json).collect();
        let call = self.call(Method::POST, self.d1_path(database_id, "/raw")?)?.json(json!({"sql": sql, "params": params})).max_body(MAX_D1_ANSWER);
        let endpoint = call.endpoint();
        let env = self.client().http().call(call).await.map_err(sql_error)?;
        let results = decode_raw_answer(&endpoint, env.result_as(&endpoint)?)?;
        if let Some(last) = results.last().filter(|r| r.meta.size_after > 0) {
            self.note_d1_size(database_id, last.meta.size_after);
        }
        Ok(results)
    }

    /// Applies the migrations in `dir` that the database has not recorded
    /// yet, in wrangler's order and the way wrangler records them (table
    /// `d1_migrations`), so `wrangler d1 migrations apply --remote` sees
    /// them as applied and the other way round. Each file runs with its
    /// record in one call (all or nothing); the first that fails stops the
    /// run with an [`Error::Sql`] naming it. Returns the names applied now,
    /// each also a `migration_applied` audit event.
    pub async fn d1_apply_migrations(&self, database_id: &str, dir: &std::path::Path) -> Result<Vec<String>, Error> {
        validate_d1_database_id(database_id)?;
        let migrations = read_migrations(dir)?;
        self.apply_read_migrations(database_id, &migrations).await
    }

    /// [`Self::d1_apply_migrations`] with the files already read (a deploy reads them before it starts).
    pub(crate) async fn apply_read_migrations(&self, database_id: &str, migrations: &[Migration]) -> Result<Vec<String>, Error> {
        self.d1_query(database_id, &crate::migrations::create_table_sql(), Vec::new()).await?;
        let listed = self.d1_query(database_id, &crate::migrations::list_applied_sql(), Vec::new()).await?;
        let applied = crate::migrations::applied_names(listed.first());
        let mut now = Vec::new();
        for m in migrations.iter().filter(|m| !applied.contains(&m.name)) {
            match self.d1_query(database_id, &m.recorded_sql(), Vec::new()).await {
                Ok(_) => {}
                Err(Error::Sql { endpoint, message, .. }) => return Err(Error::Sql { endpoint, migration: Some(m.name.clone()), message }),
                Err(e) => return Err(e),
            }
            self.audit(AuditKind::MigrationApplied, None, None, json!({"database": database_id, "name": m.name}))?;
            now.push(m.name.clone());
        }
        Ok(now)
    }

    /// Keeps the latest known size of a database this pass created, for the ticket.
    fn note_d1_size(&self, database_id: &str, size: i64) {
        if let Some(r) = self.state().resources.iter_mut().find(|r| r.kind == D1_DATABASE && r.id == database_id) {
            r.size = u64::try_from(size).ok();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_checks_are_typed_errors() {
        assert!(validate_d1_name("guestbook_db-1").is_ok());
        for bad in ["", "a b", "x/y", &"n".repeat(65), "é"] {
            assert_eq!(validate_d1_name(bad).unwrap_err().code(), "invalid_input", "{bad}");
        }
        assert!(validate_d1_database_id("0f2d7a9c-3b1e-4c5d-8e6f-7a8b9c0d1e2f").is_ok());
        assert!(validate_d1_database_id("0f2d7a9c3b1e4c5d8e6f7a8b9c0d1e2f").is_ok());
        for bad in ["", "../x", "0f2d7a9c-3b1e-4c5d-8e6f-7a8b9c0d1e2", "0f2d7a9c-3b1e-4c5d-8e6f-7a8b9c0d1e2f/raw", "g".repeat(32).as_str()] {
            assert_eq!(validate_d1_database_id(bad).unwrap_err().code(), "invalid_input", "{bad}");
        }
        assert!(validate_d1_query("SELECT ?", &[D1Value::Integer(1)]).is_ok());
        assert_eq!(validate_d1_query("  \n", &[]).unwrap_err().code(), "invalid_input");
        assert_eq!(validate_d1_query("SELECT 1", &vec![D1Value::Null; 101]).unwrap_err().code(), "invalid_input");
        assert_eq!(validate_d1_query("SELECT ?", &[D1Value::Real(f64::NAN)]).unwrap_err().code(), "invalid_input");
        assert!(validate_d1_query("SELECT ?, ?", &[D1Value::Blob(vec![0; MAX_D1_VALUE_BYTES]), D1Value::Text("t".repeat(MAX_D1_VALUE_BYTES))]).is_ok());
        assert_eq!(validate_d1_query("SELECT ?", &[D1Value::Blob(vec![0; MAX_D1_VALUE_BYTES + 1])]).unwrap_err().code(), "invalid_input");
        assert_eq!(validate_d1_query("SELECT ?", &[D1Value::Text("t".repeat(MAX_D1_VALUE_BYTES + 1))]).unwrap_err().code(), "invalid_input");
    }

    #[test]
    fn wire_values_map_to_storage_classes() {
        let cells = [json!(null), json!(7), json!(-9_007_199_254_740_993_i64), json!(1.5), json!(2.0), json!("t"), json!([0, 255])];
        let got: Vec<D1Value> = cells.into_iter().map(|v| D1Value::from_json(v).unwrap()).collect();
        assert_eq!(
            got,
            [
                D1Value::Null,
                D1Value::Integer(7),
                D1Value::Integer(-9_007_199_254_740_993),
                D1Value::Real(1.5),
                D1Value::Real(2.0),
                D1Value::Text("t".into()),
                D1Value::Blob(vec![0, 255])
            ]
        );
        for bad in [json!(true), json!({"a": 1}), json!([256]), json!(["x"])] {
            assert_eq!(D1Value::from_json(bad.clone()), None, "{bad}");
        }
        assert_eq!(D1Value::Blob(vec![1, 2]).to_json(), json!([1, 2]));
        assert_eq!(D1Value::from(None::<i64>), D1Value::Null);
    }

    #[test]
    fn answers_are_checked_row_by_row() {
        let raw = |v: Value| serde_json::from_value::<RawStatement>(v).unwrap();
        let ok = checked_result("e", raw(json!({"results": {"columns": ["id", "b"], "rows": [[1, [7]]]}, "meta": {"changes": 1, "duration": 0.5, "size_after": 8192}}))).unwrap();
        assert_eq!(ok.rows, [vec![D1Value::Integer(1), D1Value::Blob(vec![7])]]);
        assert_eq!((ok.meta.changes, ok.meta.size_after, ok.meta.duration_ms), (1, 8192, 0.5));
        let short = checked_result("e", raw(json!({"results": {"columns": ["a", "b"], "rows": [[1]]}})));
        assert_eq!(short.unwrap_err().code(), "protocol");
        let odd = checked_result("e", raw(json!({"results": {"columns": ["a"], "rows": [[true]]}})));
        assert_eq!(odd.unwrap_err().code(), "protocol");
        let db = checked_database("e", serde_json::from_value(json!({"uuid": "../../x", "name": "n"})).unwrap());
        assert_eq!(db.unwrap_err().code(), "protocol");
        let db = checked_database("e", serde_json::from_value(json!({"uuid": "abc", "name": "a\u{1b}[2J"})).unwrap());
        assert_eq!(db.unwrap_err().code(), "protocol");
    }

    #[test]
    fn code_7500_is_the_sql_kind_with_sqlites_message() {
        let failure = ApiFailure { endpoint: "POST /raw".into(), status: 400, code: Some(7500), message: "near \"SELEC\": syntax error".into(), request_id: None };
        let e = sql_error(Error::Api(failure.clone()));
        assert_eq!(e.code(), "sql");
        assert!(e.to_string().contains("near \"SELEC\": syntax error"), "{e}");
        let other = sql_error(Error::Api(ApiFailure { code: Some(7404), ..failure }));
        assert_eq!(other.code(), "api");
    }

    #[test]
    fn records_pair_each_cell_with_its_column() {
        let result = D1Result {
            columns: vec!["id".into(), "name".into(), "id".into()],
            rows: vec![vec![D1Value::Integer(1), D1Value::Text("Ada".into()), D1Value::Null], vec![D1Value::Integer(2), D1Value::Blob(vec![0]), D1Value::Real(0.5)]],
            meta: D1Meta::default(),
        };
        let records = result.records();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0], [("id", &D1Value::Integer(1)), ("name", &D1Value::Text("Ada".into())), ("id", &D1Value::Null)]);
        assert_eq!(records[1][1], ("name", &D1Value::Blob(vec![0])));
        assert!(D1Result::default().records().is_empty());
    }
}

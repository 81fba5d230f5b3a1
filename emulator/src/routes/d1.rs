//! `d1/database…`: the token's account's D1 databases (the store is
//! [`crate::d1`]), their `/query` and `/raw`, and wrangler's import flow
//! for `d1 execute --file` (`init` → PUT to the upload URL → `ingest` →
//! `poll`), whose upload URL the emulator serves itself.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use md5::{Digest, Md5};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::body::{JsonBody, RawBody};
use crate::d1::{self, Database, Outcome, BAD_REQUEST};
use crate::envelope::{self, ApiError};
use crate::state::AppState;

type Shared = State<Arc<AppState>>;

/// Path of the upload URL `init` hands out; the file name in it is random
/// and good for that one database (a presigned URL's stand-in).
pub const IMPORT_PATH: &str = "/x-boardingpass/d1-import";

fn database(state: &AppState, acc: &str, id: &str) -> Result<Arc<Database>, ApiError> {
    state.store().d1.get(acc).ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, d1::NOT_FOUND, "The database could not be found"))?.get(id)
}

/// Runs `calls` on `db` off the async workers.
pub async fn run(db: Arc<Database>, calls: Vec<(String, Vec<Value>)>) -> Result<Vec<Vec<Outcome>>, ApiError> {
    tokio::task::spawn_blocking(move || db.run(&calls))
        .await
        .unwrap_or_else(|_| Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, d1::SQL_ERROR, "the query stopped unexpectedly")))
}

#[derive(Deserialize)]
pub struct CreateBody {
    name: String,
}

/// `POST d1/database` `{"name"}` (a location hint or jurisdiction is accepted and ignored).
pub async fn create(State(state): Shared, Path(acc): Path<String>, JsonBody(body): JsonBody<CreateBody>) -> Result<Response, ApiError> {
    let db = state.store().d1.entry(acc).or_default().create(&body.name)?;
    Ok(envelope::ok(db.json()))
}

/// `GET d1/database?name&page&per_page`: by name, 1000 a page at most.
pub async fn list(State(state): Shared, Path(acc): Path<String>, Query(q): Query<HashMap<String, String>>) -> Result<Response, ApiError> {
    let number = |name: &str, default: usize| match q.get(name) {
        None => Ok(default),
        Some(v) => v.parse::<usize>().ok().filter(|n| *n >= 1).ok_or_else(|| envelope::bad_request(BAD_REQUEST, format!("{name} must be a whole number from 1"))),
    };
    let (page, per_page) = (number("page", 1)?, number("per_page", 100)?.clamp(1, 1000));
    let mut all: Vec<Arc<Database>> = state.store().d1.get(&acc).map(|a| a.databases.values().cloned().collect()).unwrap_or_default();
    if let Some(name) = q.get("name").filter(|n| !n.is_empty()) {
        all.retain(|d| d.name.contains(name.as_str()));
    }
    all.sort_by(|a, b| a.name.cmp(&b.name));
    let shown: Vec<Value> = all.iter().skip((page - 1).saturating_mul(per_page)).take(per_page).map(|d| d.json()).collect();
    let info = json!({"page": page, "per_page": per_page, "count": shown.len(), "total_count": all.len()});
    Ok(envelope::ok_paged(Value::Array(shown), info))
}

/// `GET d1/database/{uuid or name}`.
pub async fn get(State(state): Shared, Path((acc, id)): Path<(String, String)>) -> Result<Response, ApiError> {
    Ok(envelope::ok(database(&state, &acc, &id)?.json()))
}

pub async fn delete(State(state): Shared, Path((acc, id)): Path<(String, String)>) -> Result<Response, ApiError> {
    let uuid = database(&state, &acc, &id)?.uuid.clone();
    state.store().d1.entry(acc).or_default().delete(&uuid)?;
    Ok(envelope::ok(Value::Null))
}

#[derive(Deserialize)]
pub struct QueryBody {
    sql: String,
    #[serde(default)]
    params: Vec<Value>,
}

fn entry(results: Value, o: &Outcome) -> Value {
    json!({"results": results, "success": true, "meta": o.meta})
}

/// Rows as objects, column by column (a repeated column name: the last wins, as on D1).
pub fn objects(o: &Outcome) -> Value {
    let rows = o.rows.iter().map(|r| Value::Object(o.columns.iter().cloned().zip(r.iter().cloned()).collect::<Map<_, _>>()));
    Value::Array(rows.collect())
}

/// `POST …/query` `{"sql", "params"}`: one entry per statement, rows as objects.
pub async fn query(State(state): Shared, Path((acc, id)): Path<(String, String)>, JsonBody(body): JsonBody<QueryBody>) -> Result<Response, ApiError> {
    let db = database(&state, &acc, &id)?;
    let done = run(db, vec![(body.sql, body.params)]).await?.remove(0);
    Ok(envelope::ok(done.iter().map(|o| entry(objects(o), o)).collect()))
}

/// `POST …/raw`: the same, rows as arrays after their column names.
pub async fn raw(State(state): Shared, Path((acc, id)): Path<(String, String)>, JsonBody(body): JsonBody<QueryBody>) -> Result<Response, ApiError> {
    let db = database(&state, &acc, &id)?;
    let done = run(db, vec![(body.sql, body.params)]).await?.remove(0);
    Ok(envelope::ok(done.iter().map(|o| entry(json!({"columns": o.columns, "rows": o.rows}), o)).collect()))
}

#[derive(Deserialize)]
pub struct ImportBody {
    action: String,
    etag: Option<String>,
    filename: Option<String>,
}

fn import_error(message: &str) -> ApiError {
    envelope::bad_request(BAD_REQUEST, message)
}

/// `POST …/import` `{"action": "init"|"ingest"|"poll", …}`. `ingest` runs
/// the whole file as one call (all or nothing) and answers complete, so
/// `poll` only repeats that answer.
pub async fn import(State(state): Shared, Path((acc, id)): Path<(String, String)>, JsonBody(body): JsonBody<ImportBody>) -> Result<Response, ApiError> {
    let db = database(&state, &acc, &id)?;
    match body.action.as_str() {
        "init" => {
            body.etag.as_deref().filter(|e| e.len() == 32 && e.bytes().all(|b| b.is_ascii_hexdigit())).ok_or_else(|| import_error("init needs the file's MD5 as etag"))?;
            let filename = format!("{}.sql", hex::encode(rand::random::<[u8; 16]>()));
            let mut import = db.import.lock().unwrap_or_else(|p| p.into_inner());
            *import = d1::Import { filename: Some(filename.clone()), sql: None, answer: None };
            let upload_url = format!("{}{IMPORT_PATH}/{}/{filename}", state.origin, db.uuid);
            Ok(envelope::ok(json!({"success": true, "upload_url": upload_url, "filename": filename})))
        }
        "ingest" => {
            let sql = {
                let mut import = db.import.lock().unwrap_or_else(|p| p.into_inner());
                if import.filename.is_none() || import.filename != body.filename {
                    return Err(import_error("ingest names a file that init did not hand out"));
                }
                let sql = import.sql.take().ok_or_else(|| import_error("the file was not uploaded to the upload URL"))?;
                if body.etag.as_deref() != Some(hex::encode(Md5::digest(&sql)).as_str()) {
                    return Err(import_error("the etag is not the MD5 of the uploaded file"));
                }
                import.filename = None;
                String::from_utf8(sql.to_vec()).map_err(|_| import_error("the uploaded file is not UTF-8 SQL"))?
            };
            let done = run(db.clone(), vec![(sql, Vec::new())]).await?.remove(0);
            let sum = |key: &str| done.iter().map(|o| o.meta[key].as_f64().unwrap_or(0.0)).sum::<f64>();
            let bookmark = format!("{:08x}-{}", rand::random::<u32>(), &db.uuid[..8]);
            let meta = json!({
                "duration": sum("duration"), "rows_read": sum("rows_read") as u64, "rows_written": sum("rows_written") as u64,
                "changes": sum("changes") as u64, "changed_db": sum("changes") > 0.0, "size_after": db.file_size(),
            });
            let answer = json!({
                "success": true, "type": "import", "status": "complete", "at_bookmark": bookmark, "messages": [format!("Executed {} queries", done.len())], "errors": [],
                "result": {"success": true, "num_queries": done.len(), "final_bookmark": bookmark, "meta": meta},
            });
            db.import.lock().unwrap_or_else(|p| p.into_inner()).answer = Some(answer.clone());
            Ok(envelope::ok(answer))
        }
        "poll" => {
            let answer = db.import.lock().unwrap_or_else(|p| p.into_inner()).answer.clone();
            Ok(envelope::ok(answer.ok_or_else(|| import_error("no import has run on this database"))?))
        }
        _ => Err(import_error("action is init, ingest or poll")),
    }
}

/// Largest import file: a bigger one could not fit in the database anyway.
pub const MAX_IMPORT_BYTES: usize = d1::MAX_DATABASE_BYTES as usize;

/// `PUT /x-boardingpass/d1-import/{uuid}/{filename}`: the upload URL of
/// `init` (no token: the random name is the capability). Answers the
/// file's MD5 as ETag, which wrangler checks.
pub async fn upload(State(state): Shared, Path((uuid, filename)): Path<(String, String)>, RawBody(sql): RawBody) -> Response {
    let db = state.store().d1.values().find_map(|a| a.databases.get(&uuid).cloned());
    let Some(db) = db else { return (StatusCode::NOT_FOUND, "no such upload\n").into_response() };
    let mut import = db.import.lock().unwrap_or_else(|p| p.into_inner());
    if import.filename.as_deref() != Some(filename.as_str()) {
        return (StatusCode::NOT_FOUND, "no such upload\n").into_response();
    }
    let etag = format!("\"{}\"", hex::encode(Md5::digest(&sql)));
    import.sql = Some(sql);
    (StatusCode::OK, [(header::ETAG, etag)]).into_response()
}

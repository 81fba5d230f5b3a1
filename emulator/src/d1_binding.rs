//! What a deployed Worker's `env.DB` reaches: the `D1Database` the
//! dispatcher builds over its `D1` entrypoint (`runner/d1_database.js`)
//! sends each call here, signed for one database of one account
//! (`gateway::d1_token`), run on the same connection as the REST API's
//! (`crate::d1`).
//!
//! `POST /batch` `{"statements": [{"sql", "params"}]}` → one
//! `{"columns", "rows", "meta"}` per statement (its last, if its SQL holds
//! several), all or nothing; `POST /exec` `{"sql"}` → `{"count", "duration"}`.
//! A refusal is a 400 whose text is D1's message (the entrypoint throws it).

use std::sync::Arc;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::state::AppState;

#[derive(Deserialize)]
struct Statement {
    sql: String,
    #[serde(default)]
    params: Vec<Value>,
}

#[derive(Deserialize)]
struct Batch {
    statements: Vec<Statement>,
}

#[derive(Deserialize)]
struct Exec {
    sql: String,
}

fn text(status: StatusCode, message: &str) -> Response {
    (status, message.to_string()).into_response()
}

pub async fn serve(state: &Arc<AppState>, account: &str, database: &str, req: Request) -> Response {
    // An expired or revoked account's database is gone.
    let db = state.store().d1.get(account).and_then(|a| a.databases.get(database).cloned());
    let Some(db) = db else { return text(StatusCode::GONE, "D1_ERROR: the database no longer exists") };
    let path = req.uri().path().to_string();
    let Ok(body) = axum::body::to_bytes(req.into_body(), state.config.max_body).await else {
        return text(StatusCode::PAYLOAD_TOO_LARGE, "D1_ERROR: the statements are larger than the emulator takes in one call");
    };
    let calls = match path.as_str() {
        "/batch" => match serde_json::from_slice::<Batch>(&body) {
            // Checked before anything runs: an empty statement would have no result.
            Ok(b) if b.statements.iter().any(|s| s.sql.trim().is_empty()) => return text(StatusCode::BAD_REQUEST, "D1_ERROR: a statement has no SQL in it"),
            Ok(b) => b.statements.into_iter().map(|s| (s.sql, s.params)).collect(),
            Err(_) => return text(StatusCode::BAD_REQUEST, "D1_ERROR: the batch is not {statements: [{sql, params}]}"),
        },
        "/exec" => match serde_json::from_slice::<Exec>(&body) {
            Ok(e) => vec![(e.sql, Vec::new())],
            Err(_) => return text(StatusCode::BAD_REQUEST, "D1_ERROR: exec takes {sql}"),
        },
        _ => return text(StatusCode::NOT_FOUND, "no such D1 call"),
    };
    let started = std::time::Instant::now();
    match crate::routes::d1::run(db, calls).await {
        Err(e) if e.message.starts_with("D1_") => text(StatusCode::BAD_REQUEST, &e.message),
        Err(e) => text(StatusCode::BAD_REQUEST, &format!("D1_ERROR: {}", e.message)),
        Ok(done) if path == "/exec" => {
            let count = done.iter().map(Vec::len).sum::<usize>();
            axum::Json(json!({"count": count, "duration": started.elapsed().as_secs_f64() * 1000.0})).into_response()
        }
        Ok(done) => {
            let mut out = Vec::with_capacity(done.len());
            for outcomes in done {
                // SQL of comments only has no statement: an empty result.
                let last = outcomes.last();
                out.push(json!({"columns": last.map(|o| o.columns.clone()).unwrap_or_default(), "rows": last.map(|o| o.rows.clone()).unwrap_or_default(), "meta": last.map(|o| o.meta.clone())}));
            }
            axum::Json(Value::Array(out)).into_response()
        }
    }
}

//! Core errors as JS values. The rejection is a plain `Error` whose message
//! is the core's text and whose own properties carry the stable `code` and
//! the structured fields (`status`, `retryAfter`, `requestId`, `apiCode`,
//! `field`, `violations`); `lib/errors.js` re-types it into the
//! `BoardingpassError` subclass for that code. Nothing is parsed from text.

use boardingpass::Error as CoreError;
use napi::bindgen_prelude::*;

/// The JS error for `e`, ready to be thrown or used as a rejection.
pub(crate) fn to_js(env: &Env, e: &CoreError) -> Error {
    match build(env, e) {
        Ok(obj) => Error::from(obj.to_unknown()),
        // Creating the object failed (the env is going away): message only.
        Err(_) => Error::new(Status::GenericFailure, e.to_string()),
    }
}

/// A core `InvalidInput` error for a value the binding could not convert.
pub(crate) fn invalid(field: &str, message: impl Into<String>) -> CoreError {
    CoreError::InvalidInput { field: field.into(), message: message.into() }
}

fn build<'env>(env: &'env Env, e: &CoreError) -> Result<Object<'env>> {
    let mut obj = env.create_error(Error::new(Status::GenericFailure, e.to_string()))?;
    obj.set("code", e.code())?;
    if let Some(status) = e.status() {
        obj.set("status", status as u32)?;
    }
    if let Some(wait) = e.retry_after() {
        obj.set("retryAfter", wait.as_millis() as f64)?;
    }
    if let Some(id) = e.request_id() {
        obj.set("requestId", id)?;
    }
    if let Some(code) = e.api_code() {
        obj.set("apiCode", code as f64)?;
    }
    match e {
        CoreError::InvalidInput { field, .. } => obj.set("field", field.as_str())?,
        CoreError::Bundle { file, line, column, .. } => {
            if let Some(f) = file {
                obj.set("file", f.as_str())?;
            }
            if let Some(l) = line {
                obj.set("line", *l)?;
            }
            if let Some(c) = column {
                obj.set("column", *c)?;
            }
        }
        CoreError::Sql { migration: Some(m), .. } => obj.set("migration", m.as_str())?,
        CoreError::PolicyViolation { violations } => {
            let list: Vec<serde_json::Value> =
                violations.iter().map(|v| serde_json::json!({"rule": v.rule, "message": v.message})).collect();
            obj.set("violations", serde_json::Value::Array(list))?
        }
        _ => {}
    }
    Ok(obj)
}

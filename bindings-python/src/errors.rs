//! Core errors become the Python exceptions of `boardingpass.errors` (one
//! class per `ErrorKind` code), with the HTTP facts as attributes and the
//! Rust error and its source chain as `__cause__`.

use std::error::Error as _;

use boardingpass::Error;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

static FROM_NATIVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The Python exception for `e`. Never fails: if building it does, that
/// failure is raised instead.
pub fn to_py(py: Python<'_>, e: &Error) -> PyErr {
    build(py, e).unwrap_or_else(|failure| failure)
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let attrs = PyDict::new(py);
    attrs.set_item("status", e.status())?;
    attrs.set_item("retry_after", e.retry_after().map(|d| d.as_secs_f64()))?;
    attrs.set_item("request_id", e.request_id())?;
    attrs.set_item("api_code", e.api_code())?;
    match e {
        Error::PolicyViolation { violations } => {
            let list: Vec<(String, String)> = violations.iter().map(|v| (v.rule.clone(), v.message.clone())).collect();
            attrs.set_item("violations", list)?;
        }
        Error::InvalidInput { field, .. } => attrs.set_item("field", field)?,
        Error::Bundle { file, line, column, .. } => {
            attrs.set_item("file", file)?;
            attrs.set_item("line", line)?;
            attrs.set_item("column", column)?;
        }
        Error::Sql { migration, .. } => attrs.set_item("migration", migration)?,
        _ => {}
    }
    // The first link is the Rust value itself (variant and fields), then its sources.
    let mut causes = vec![format!("{e:?}")];
    let mut source = e.source();
    while let Some(s) = source {
        causes.push(s.to_string());
        source = s.source();
    }
    let from_native = FROM_NATIVE.import(py, "boardingpass.errors", "_from_native")?;
    let exc = from_native.call1((e.code(), e.to_string(), attrs, causes))?;
    Ok(PyErr::from_value(exc))
}

/// Converts a core failure without making a tokio worker wait for the GIL.
pub async fn to_py_async(e: Error) -> PyErr {
    match tokio::task::spawn_blocking(move || Python::attach(|py| to_py(py, &e))).await {
        Ok(err) => err,
        Err(join) => pyo3::exceptions::PyRuntimeError::new_err(format!("converting an error failed: {join}")),
    }
}

/// Runs a core future and turns its error into the Python exception.
pub async fn py_result<T>(fut: impl std::future::Future<Output = Result<T, Error>>) -> PyResult<T> {
    match fut.await {
        Ok(v) => Ok(v),
        Err(e) => Err(to_py_async(e).await),
    }
}

/// For synchronous core calls made with the GIL held.
pub trait OrRaise<T> {
    fn or_raise(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> OrRaise<T> for Result<T, Error> {
    fn or_raise(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, &e))
    }
}

/// An `InvalidInputError` raised by the binding itself (a Python value that
/// cannot become the core type).
pub fn invalid(py: Python<'_>, field: &str, message: impl Into<String>) -> PyErr {
    to_py(py, &Error::InvalidInput { field: field.into(), message: message.into() })
}

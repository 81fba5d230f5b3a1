//! `boardingpass.Policy`: core's governance rules, from TOML/JSON text, a
//! file, or keyword arguments (validated by core like a loaded file).

use std::path::PathBuf;

use boardingpass::Policy as CorePolicy;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{Map, Value};

use crate::convert::{py_to_json, repr, to_py_dict};
use crate::errors::OrRaise;

#[pyclass(frozen, eq, module = "boardingpass", name = "Policy")]
#[derive(PartialEq)]
pub struct PyPolicy {
    pub inner: CorePolicy,
}

#[pymethods]
impl PyPolicy {
    /// Keyword arguments are core's policy fields (names, defaults and
    /// checks are core's: an unknown or mistyped field is refused by it).
    #[new]
    #[pyo3(signature = (**fields))]
    fn new(py: Python<'_>, fields: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let given = match fields {
            None => Value::Object(Map::new()),
            Some(f) => py_to_json("policy", f.as_any())?,
        };
        let set: Map<String, Value> = given.as_object().into_iter().flatten().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect();
        Self::from_json(py, &Value::Object(set).to_string())
    }

    /// A policy with every field set (core's example, as in its docs).
    #[staticmethod]
    fn example() -> Self {
        Self { inner: CorePolicy::example() }
    }

    /// No rules at all, not even a named claim owner.
    #[staticmethod]
    fn permissive() -> Self {
        Self { inner: CorePolicy::permissive() }
    }

    #[staticmethod]
    fn from_toml(py: Python<'_>, text: &str) -> PyResult<Self> {
        Ok(Self { inner: CorePolicy::from_toml_str(text).or_raise(py)? })
    }

    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        Ok(Self { inner: CorePolicy::from_json_str(text).or_raise(py)? })
    }

    /// `.json` files are read as JSON, anything else as TOML.
    #[staticmethod]
    fn from_file(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        Ok(Self { inner: py.detach(|| CorePolicy::from_file(&path)).or_raise(py)? })
    }

    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py_dict(py, &self.inner)
    }

    fn __repr__(&self) -> String {
        let v = serde_json::to_value(&self.inner).unwrap_or_default();
        let set: Vec<String> = v
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| format!("{k}={}", repr::json(v)))
            .collect();
        format!("Policy({})", set.join(", "))
    }
}

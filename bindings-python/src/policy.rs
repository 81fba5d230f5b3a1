//! `boardingpass.Policy`: core's governance rules, from TOML/JSON text, a
//! file, or keyword arguments (validated by core like a loaded file).

use std::path::PathBuf;

use boardingpass::Policy as CorePolicy;
use pyo3::prelude::*;
use serde_json::{json, Value};

use crate::convert::{repr, to_py_dict};
use crate::errors::OrRaise;

#[pyclass(frozen, eq, module = "boardingpass", name = "Policy")]
#[derive(PartialEq)]
pub struct PyPolicy {
    pub inner: CorePolicy,
}

#[pymethods]
impl PyPolicy {
    #[new]
    #[pyo3(signature = (*, allowed_job_classes=None, max_deploys_per_pass=None, max_worker_size=None,
        max_asset_file_size=None, max_asset_files=None, allowed_binding_types=None,
        worker_name_pattern=None, require_claim_owner=true, require_verification=true))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        allowed_job_classes: Option<Vec<String>>,
        max_deploys_per_pass: Option<u32>,
        max_worker_size: Option<u64>,
        max_asset_file_size: Option<u64>,
        max_asset_files: Option<usize>,
        allowed_binding_types: Option<Vec<String>>,
        worker_name_pattern: Option<String>,
        require_claim_owner: bool,
        require_verification: bool,
    ) -> PyResult<Self> {
        let fields = json!({
            "allowed_job_classes": allowed_job_classes,
            "max_deploys_per_pass": max_deploys_per_pass,
            "max_worker_size": max_worker_size,
            "max_asset_file_size": max_asset_file_size,
            "max_asset_files": max_asset_files,
            "allowed_binding_types": allowed_binding_types,
            "worker_name_pattern": worker_name_pattern,
            "require_claim_owner": require_claim_owner,
            "require_verification": require_verification,
        });
        let without_nulls: serde_json::Map<String, Value> =
            fields.as_object().into_iter().flatten().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect();
        Self::from_json(py, &Value::Object(without_nulls).to_string())
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

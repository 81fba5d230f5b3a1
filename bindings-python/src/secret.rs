//! `boardingpass.Secret`: a credential (API token, claim URL) whose `repr`
//! and `str` are redacted, which refuses pickling and copying, and whose
//! value comes out only through `expose()`.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

#[pyclass(frozen, module = "boardingpass", name = "Secret")]
pub struct PySecret {
    pub inner: boardingpass::Secret,
    /// What it is, shown in `repr` ("api_token", "claim_url").
    pub label: &'static str,
}

impl PySecret {
    pub fn new(label: &'static str, value: &str) -> Self {
        Self { inner: boardingpass::Secret::new(value), label }
    }
}

fn refuse() -> PyErr {
    PyTypeError::new_err("a boardingpass Secret cannot be pickled, copied or serialised; call expose() where the value is really needed")
}

#[pymethods]
impl PySecret {
    /// The value. Hand it only to what needs it (an `Authorization` header,
    /// the named claim owner); never log or store it.
    fn expose(&self) -> &str {
        self.inner.expose_secret()
    }

    /// `sha256:` + 12 hex digits: safe to log and compare.
    #[getter]
    fn fingerprint(&self) -> String {
        self.inner.fingerprint()
    }

    fn __repr__(&self) -> String {
        format!("Secret({}, {})", self.label, self.inner)
    }

    fn __str__(&self) -> String {
        self.inner.to_string()
    }

    fn __format__(&self, _spec: &str) -> String {
        self.inner.to_string()
    }

    fn __reduce__(&self) -> PyResult<()> {
        Err(refuse())
    }

    fn __reduce_ex__(&self, _protocol: i64) -> PyResult<()> {
        Err(refuse())
    }

    fn __getstate__(&self) -> PyResult<()> {
        Err(refuse())
    }

    fn __copy__(&self) -> PyResult<()> {
        Err(refuse())
    }

    fn __deepcopy__(&self, _memo: &Bound<'_, PyAny>) -> PyResult<()> {
        Err(refuse())
    }
}

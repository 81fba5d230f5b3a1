//! With the `python` feature: core's result types are the Python binding's
//! classes (`pyclass(get_all)` on the structs), and here is what they add:
//! `to_dict()` (core's JSON form) and a `repr` of every field. Claim
//! statuses and progress phases reach Python as their names.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyString};

use crate::bundle::{BundleInfo, BundledPackage};
use crate::claim::{ClaimOutcome, ClaimStatus};
use crate::d1::{D1Database, D1Meta, D1Result, D1Value};
use crate::progress::{Phase, ProgressEvent};
use crate::record::{Deployment, Evidence};
use crate::teardown::TeardownReport;

/// Name-valued enums reach Python as their names.
macro_rules! as_name {
    ($($ty:ident),*) => {$(
        impl<'py> IntoPyObject<'py> for $ty {
            type Target = PyString;
            type Output = Bound<'py, PyString>;
            type Error = std::convert::Infallible;

            fn into_pyobject(self, py: Python<'py>) -> Result<Self::Output, Self::Error> {
                Ok(PyString::new(py, self.as_str()))
            }
        }

        impl<'py> IntoPyObject<'py> for &$ty {
            type Target = PyString;
            type Output = Bound<'py, PyString>;
            type Error = std::convert::Infallible;

            fn into_pyobject(self, py: Python<'py>) -> Result<Self::Output, Self::Error> {
                (*self).into_pyobject(py)
            }
        }
    )*};
}

as_name!(ClaimStatus, Phase);

/// Core's JSON form of `value` as Python objects (`json.loads` of it).
fn to_dict<'py>(py: Python<'py>, value: &impl serde::Serialize) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(value).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    py.import("json")?.call_method1("loads", (text,))
}

/// `Name(field=repr, ...)` over every field (these types hold no secret).
fn repr(py: Python<'_>, name: &str, value: &impl serde::Serialize) -> PyResult<String> {
    let dict = to_dict(py, value)?;
    let mut fields = Vec::new();
    for (k, v) in dict.cast::<pyo3::types::PyDict>()?.iter() {
        fields.push(format!("{k}={}", v.repr()?));
    }
    Ok(format!("{name}({})", fields.join(", ")))
}

// A type may add its own methods in braces after its name (one
// `#[pymethods]` block per class).
macro_rules! py_record {
    ($($ty:ident $({ $($extra:tt)* })?),*) => {$(
        #[pymethods]
        impl $ty {
            /// The JSON-compatible form core serialises (times as RFC 3339 text).
            // Python methods take `&self`, `Copy` types included.
            #[allow(clippy::wrong_self_convention)]
            fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                to_dict(py, self)
            }
            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                repr(py, stringify!($ty), self)
            }
            $($($extra)*)?
        }
    )*};
}

py_record!(Deployment, Evidence, ClaimOutcome, TeardownReport, ProgressEvent, BundleInfo, BundledPackage, D1Database, D1Meta, D1Result {
    /// The rows as dicts keyed by column (core's [`D1Result::records`]).
    #[getter(records)]
    fn py_records<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        self.records()
            .into_iter()
            .map(|row| {
                let dict = PyDict::new(py);
                for (column, value) in row {
                    dict.set_item(column, value)?;
                }
                Ok(dict)
            })
            .collect()
    }
});

/// A D1 cell is Python's own value: `None`, `int`, `float`, `str` or `bytes`.
impl<'py> IntoPyObject<'py> for &D1Value {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = std::convert::Infallible;

    fn into_pyobject(self, py: Python<'py>) -> Result<Self::Output, Self::Error> {
        Ok(match self {
            D1Value::Null => py.None().into_bound(py),
            D1Value::Integer(i) => i.into_pyobject(py)?.into_any(),
            D1Value::Real(f) => f.into_pyobject(py)?.into_any(),
            D1Value::Text(s) => PyString::new(py, s).into_any(),
            D1Value::Blob(b) => PyBytes::new(py, b).into_any(),
        })
    }
}

impl<'py> IntoPyObject<'py> for D1Value {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = std::convert::Infallible;

    fn into_pyobject(self, py: Python<'py>) -> Result<Self::Output, Self::Error> {
        (&self).into_pyobject(py)
    }
}

/// A D1 parameter from Python: `None`, `int` (`bool` as 1/0), `float`,
/// `str`, `bytes` or `bytearray`.
impl<'a, 'py> FromPyObject<'a, 'py> for D1Value {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_none() {
            return Ok(D1Value::Null);
        }
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(D1Value::Blob(b.as_bytes().to_vec()));
        }
        if let Ok(b) = obj.cast::<PyByteArray>() {
            return Ok(D1Value::Blob(b.to_vec()));
        }
        if obj.is_instance_of::<PyString>() {
            return Ok(D1Value::Text(obj.extract()?));
        }
        if obj.is_instance_of::<PyInt>() {
            return Ok(D1Value::Integer(obj.extract()?));
        }
        if obj.is_instance_of::<PyFloat>() {
            return Ok(D1Value::Real(obj.extract()?));
        }
        Err(PyTypeError::new_err(format!("a D1 parameter is None, int, float, str or bytes, not {}", obj.get_type().name()?)))
    }
}

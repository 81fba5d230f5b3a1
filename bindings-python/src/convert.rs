//! Plain-value conversions: JSON values both ways, seconds as durations.

use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

use crate::errors::invalid;

/// A JSON value as Python `dict`/`list`/`str`/`int`/`float`/`bool`/`None`.
pub fn json_to_py(py: Python<'_>, v: &Value) -> PyResult<Py<PyAny>> {
    Ok(match v {
        Value::Null => py.None(),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any().unbind(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any().unbind(),
            (None, Some(u)) => u.into_pyobject(py)?.into_any().unbind(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any().unbind(),
        },
        Value::String(s) => PyString::new(py, s).into_any().unbind(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any().unbind()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, item) in map {
                dict.set_item(k, json_to_py(py, item)?)?;
            }
            dict.into_any().unbind()
        }
    })
}

/// The JSON form of a serialisable core value, as a Python object.
pub fn to_py_dict(py: Python<'_>, value: &impl serde::Serialize) -> PyResult<Py<PyAny>> {
    let v = serde_json::to_value(value).map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    json_to_py(py, &v)
}

/// A JSON-compatible Python value (`field` names it in the error).
pub fn py_to_json(field: &str, obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    let py = obj.py();
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        return obj.extract::<u64>().map(Value::from).map_err(|_| invalid(py, field, "integer out of the 64-bit range"));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value()).map(Value::Number).ok_or_else(|| invalid(py, field, "NaN and infinity are not JSON"));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key = k.cast::<PyString>().map_err(|_| invalid(py, field, "object keys must be strings"))?;
            map.insert(key.to_cow()?.into_owned(), py_to_json(field, &v)?);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let items: PyResult<Vec<Value>> = obj.try_iter()?.map(|item| py_to_json(field, &item?)).collect();
        return Ok(Value::Array(items?));
    }
    let ty = obj.get_type().name()?;
    Err(invalid(py, field, format!("a {ty} is not JSON; use dict, list, str, int, float, bool or None")))
}

/// Seconds (a non-negative, finite number) as a duration.
pub fn seconds(py: Python<'_>, field: &str, secs: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(secs).map_err(|_| invalid(py, field, format!("{secs} is not a non-negative number of seconds")))
}

/// A Python int for an unsigned core field; negative or too large is refused
/// here, the field's own rule is core's (`ClientConfig::validate`).
pub fn whole<T: TryFrom<i64>>(py: Python<'_>, field: &str, n: i64) -> PyResult<T> {
    T::try_from(n).map_err(|_| invalid(py, field, format!("{n} is not a non-negative whole number in range")))
}

pub fn opt_seconds(py: Python<'_>, field: &str, secs: Option<f64>) -> PyResult<Option<Duration>> {
    secs.map(|s| seconds(py, field, s)).transpose()
}

/// Python-style `repr` pieces for `__repr__` methods.
pub mod repr {
    /// `'text'`, quoted and escaped the way Python does for plain strings.
    pub fn s(text: &str) -> String {
        let quote = if text.contains('\'') && !text.contains('"') { '"' } else { '\'' };
        let mut out = String::with_capacity(text.len() + 2);
        out.push(quote);
        for c in text.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c == quote => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
        out.push(quote);
        out
    }

    pub fn opt_s(text: Option<&str>) -> String {
        text.map_or_else(|| "None".into(), s)
    }

    pub fn b(v: bool) -> &'static str {
        if v { "True" } else { "False" }
    }

    pub fn list(items: &[String]) -> String {
        format!("[{}]", items.iter().map(|i| s(i)).collect::<Vec<_>>().join(", "))
    }

    /// A JSON value written as the Python literal it converts to.
    pub fn json(v: &serde_json::Value) -> String {
        use serde_json::Value;
        match v {
            Value::Null => "None".into(),
            Value::Bool(x) => b(*x).into(),
            Value::Number(n) => n.to_string(),
            Value::String(text) => s(text),
            Value::Array(items) => format!("[{}]", items.iter().map(json).collect::<Vec<_>>().join(", ")),
            Value::Object(map) => format!("{{{}}}", map.iter().map(|(k, v)| format!("{}: {}", s(k), json(v))).collect::<Vec<_>>().join(", ")),
        }
    }
}

/// A JSON result, converted to Python objects when the awaitable resolves.
pub struct Json(pub Value);

impl<'py> IntoPyObject<'py> for Json {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.0).map(|v| v.into_bound(py))
    }
}

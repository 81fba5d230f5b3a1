//! Workers KV calls of `BoardingPass` (core's `kv_*` methods): argument
//! conversions only; limits and checks are core's.

use std::borrow::Cow;

use boardingpass::{cancellable, KvKeyPage, KvListOptions, KvNamespace, KvPair};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyMapping, PyString};

use crate::errors::py_result;
use crate::pass::PassHandle;
use crate::runtime::Op;

/// A value: `bytes` as they are, `str` as UTF-8.
pub struct KvValue(pub Vec<u8>);

impl<'py> FromPyObject<'_, 'py> for KvValue {
    type Error = PyErr;
    fn extract(ob: pyo3::Borrowed<'_, 'py, PyAny>) -> PyResult<Self> {
        if ob.is_instance_of::<PyString>() {
            return Ok(Self(ob.extract::<String>()?.into_bytes()));
        }
        if let Ok(b) = ob.cast::<PyBytes>() {
            return Ok(Self(b.as_bytes().to_vec()));
        }
        Err(PyTypeError::new_err("a KV value is bytes or str"))
    }
}

pub fn list_options(prefix: Option<String>, cursor: Option<String>, limit: Option<u32>) -> KvListOptions {
    let mut o = KvListOptions::default();
    (o.prefix, o.cursor, o.limit) = (prefix, cursor, limit);
    o
}

/// A mapping of key to value, or an iterable of `(key, value)` pairs.
pub fn kv_pairs(pairs: &Bound<'_, PyAny>) -> PyResult<Vec<KvPair>> {
    let items = match pairs.cast::<PyMapping>() {
        Ok(m) => m.items()?.into_any(),
        Err(_) => pairs.clone(),
    };
    let mut out = Vec::new();
    for item in items.try_iter()? {
        let (key, value): (String, KvValue) = item?.extract()?;
        out.push(KvPair::new(key, value.0));
    }
    Ok(out)
}

impl PassHandle {
    pub fn create_kv_namespace(self, title: String) -> Op<KvNamespace> {
        Box::pin(async move { py_result(cancellable(Some(&self.shared.closed), self.core.create_kv_namespace(&title))).await })
    }
    pub fn kv_namespaces(self) -> Op<Vec<KvNamespace>> {
        Box::pin(async move { py_result(cancellable(Some(&self.shared.closed), self.core.kv_namespaces())).await })
    }
    pub fn delete_kv_namespace(self, id: String) -> Op<()> {
        Box::pin(async move { py_result(cancellable(Some(&self.shared.closed), self.core.delete_kv_namespace(&id))).await })
    }
    pub fn kv_put(self, id: String, key: String, value: KvValue) -> Op<()> {
        Box::pin(async move { py_result(cancellable(Some(&self.shared.closed), self.core.kv_put(&id, &key, value.0))).await })
    }
    pub fn kv_get(self, id: String, key: String) -> Op<Option<Cow<'static, [u8]>>> {
        Box::pin(async move {
            let value = py_result(cancellable(Some(&self.shared.closed), self.core.kv_get(&id, &key))).await?;
            Ok(value.map(|b| Cow::Owned(b.to_vec())))
        })
    }
    pub fn kv_delete(self, id: String, key: String) -> Op<()> {
        Box::pin(async move { py_result(cancellable(Some(&self.shared.closed), self.core.kv_delete(&id, &key))).await })
    }
    pub fn kv_list(self, id: String, options: KvListOptions) -> Op<KvKeyPage> {
        Box::pin(async move { py_result(cancellable(Some(&self.shared.closed), self.core.kv_list(&id, options))).await })
    }
    pub fn kv_put_bulk(self, id: String, pairs: Vec<KvPair>) -> Op<()> {
        Box::pin(async move { py_result(cancellable(Some(&self.shared.closed), self.core.kv_put_bulk(&id, &pairs))).await })
    }
}

//! `boardingpass.Worker`: an immutable builder over core's `Worker`; every
//! builder method returns a new Worker. Secret binding values never appear
//! in `repr`.

use std::path::PathBuf;

use boardingpass::{AssetsConfig, Binding, Module, ModuleKind, Worker as CoreWorker};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::convert::{py_to_json, repr, whole};
use crate::errors::{invalid, OrRaise};
use crate::secret::PySecret;

#[pyclass(frozen, module = "boardingpass", name = "Worker")]
#[derive(Clone)]
pub struct PyWorker {
    pub inner: CoreWorker,
}

impl PyWorker {
    fn with(&self, f: impl FnOnce(CoreWorker) -> CoreWorker) -> Self {
        Self { inner: f(self.inner.clone()) }
    }

    fn compat(mut self, date: Option<String>, flags: Option<Vec<String>>) -> Self {
        if let Some(d) = date {
            self.inner.compatibility_date = d;
        }
        if let Some(f) = flags {
            self.inner.compatibility_flags = f;
        }
        self
    }
}

#[pymethods]
impl PyWorker {
    /// An empty Worker: add modules, bindings or assets.
    #[new]
    #[pyo3(signature = (name, *, compatibility_date=None, compatibility_flags=None))]
    fn new(name: String, compatibility_date: Option<String>, compatibility_flags: Option<Vec<String>>) -> Self {
        Self { inner: CoreWorker::new(name) }.compat(compatibility_date, compatibility_flags)
    }

    /// A one-file Worker: an ES module, or a service-worker script when the
    /// source has no `import`/`export`.
    #[staticmethod]
    #[pyo3(signature = (name, source, *, file_name="index.js", compatibility_date=None, compatibility_flags=None))]
    fn from_source(
        name: String,
        source: String,
        file_name: &str,
        compatibility_date: Option<String>,
        compatibility_flags: Option<Vec<String>>,
    ) -> Self {
        Self { inner: CoreWorker::from_source(name, file_name, source) }.compat(compatibility_date, compatibility_flags)
    }

    /// A Worker read from disk: a Worker file, a directory with a wrangler
    /// config (`wrangler.toml`/`.jsonc`/`.json`), or a directory of static files.
    #[staticmethod]
    #[pyo3(signature = (path, *, name=None, compatibility_date=None, compatibility_flags=None))]
    fn from_path(
        py: Python<'_>,
        path: PathBuf,
        name: Option<String>,
        compatibility_date: Option<String>,
        compatibility_flags: Option<Vec<String>>,
    ) -> PyResult<Self> {
        let loaded = py.detach(|| boardingpass::load_project(&path, name.as_deref())).or_raise(py)?;
        Ok(Self { inner: loaded }.compat(compatibility_date, compatibility_flags))
    }

    /// Adds a module. `kind` (e.g. `"es_module"`, `"text"`, `"wasm"`) is
    /// guessed from the name when omitted; `main=True` makes it the entry point.
    #[pyo3(signature = (name, content, *, kind=None, main=false))]
    fn module(&self, py: Python<'_>, name: String, content: &Bound<'_, PyAny>, kind: Option<&str>, main: bool) -> PyResult<Self> {
        let kind = match kind {
            Some(k) => k.parse::<ModuleKind>().or_raise(py)?,
            None => ModuleKind::infer(&name).or_raise(py)?,
        };
        let bytes: Vec<u8> = if let Ok(s) = content.cast::<PyString>() {
            s.to_cow()?.as_bytes().to_vec()
        } else if let Ok(b) = content.cast::<PyBytes>() {
            b.as_bytes().to_vec()
        } else {
            return Err(invalid(py, "module content", "expected str or bytes"));
        };
        Ok(self.with(|w| {
            let w = w.module(Module::new(name.clone(), kind, bytes));
            if main { w.main_module(name) } else { w }
        }))
    }

    /// A plain-text variable on `env`.
    fn var(&self, name: String, text: String) -> Self {
        self.with(|w| w.var(name, text))
    }

    /// The Workers KV namespace titled `namespace` as `env.{binding}`:
    /// created on the first deploy, reused on redeploys.
    fn kv(&self, binding: String, namespace: String) -> Self {
        self.with(|w| w.kv(binding, namespace))
    }

    /// An existing Workers KV namespace, by id, as `env.{binding}`.
    fn kv_id(&self, binding: String, id: String) -> Self {
        self.with(|w| w.kv_id(binding, id))
    }

    /// The D1 database named `database` as `env.{binding}`: created on the
    /// first deploy, reused on redeploys.
    fn d1(&self, binding: String, database: String) -> Self {
        self.with(|w| w.d1(binding, database))
    }

    /// An existing D1 database, by UUID, as `env.{binding}`.
    fn d1_id(&self, binding: String, id: String) -> Self {
        self.with(|w| w.d1_id(binding, id))
    }

    /// Applies the `*.sql` files of `directory` to the database of the D1 binding `binding`
    /// (added earlier) before the Worker goes live.
    fn d1_migrations(&self, binding: String, directory: std::path::PathBuf) -> Self {
        self.with(|w| w.d1_migrations(binding, directory))
    }

    /// A JSON variable on `env` (any JSON-compatible Python value).
    fn json_var(&self, name: String, value: &Bound<'_, PyAny>) -> PyResult<Self> {
        let json = py_to_json("json_var", value)?;
        Ok(self.with(|w| w.json_var(name, json)))
    }

    /// A secret binding (`secret_text`); the value is never shown or logged.
    fn secret(&self, py: Python<'_>, name: String, value: &Bound<'_, PyAny>) -> PyResult<Self> {
        let value = if let Ok(s) = value.cast::<PySecret>() {
            s.get().inner.expose_secret().to_owned()
        } else if let Ok(s) = value.cast::<PyString>() {
            s.to_cow()?.into_owned()
        } else {
            return Err(invalid(py, "secret", "expected str or Secret"));
        };
        Ok(self.with(|w| w.secret(name, value)))
    }

    /// Serves the files of `directory` as static assets.
    #[pyo3(signature = (directory, *, binding=None, html_handling=None, not_found_handling=None, run_worker_first=None))]
    fn assets(
        &self,
        directory: PathBuf,
        binding: Option<String>,
        html_handling: Option<String>,
        not_found_handling: Option<String>,
        run_worker_first: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut config = AssetsConfig::new(directory);
        config.binding = binding;
        config.html_handling = html_handling;
        config.not_found_handling = not_found_handling;
        config.run_worker_first = run_worker_first.map(|v| py_to_json("run_worker_first", v)).transpose()?;
        Ok(self.with(|w| w.assets(config)))
    }

    /// Sets the compatibility date (`YYYY-MM-DD`) and/or replaces the flags.
    #[pyo3(signature = (*, date=None, flags=None))]
    fn compatibility(&self, date: Option<String>, flags: Option<Vec<String>>) -> Self {
        self.clone().compat(date, flags)
    }

    /// Runs core's local checks (name, modules, size against `max_script_size`
    /// bytes, default 3 MiB); raises `InvalidInputError`.
    #[pyo3(signature = (*, max_script_size=None))]
    fn validate(&self, py: Python<'_>, max_script_size: Option<i64>) -> PyResult<()> {
        let max = max_script_size.map_or(Ok(boardingpass::DEFAULT_MAX_SCRIPT_SIZE), |m| whole(py, "max_script_size", m))?;
        self.inner.validate(max).or_raise(py)
    }

    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }
    #[getter]
    fn main_module(&self) -> Option<&str> {
        self.inner.main_module.as_deref()
    }
    /// `(name, kind)` of every module.
    #[getter]
    fn modules(&self) -> Vec<(String, &'static str)> {
        self.inner.modules.iter().map(|m| (m.name.clone(), m.kind.as_str())).collect()
    }
    /// `(name, type)` of every binding; values are not exposed.
    #[getter]
    fn bindings(&self) -> Vec<(String, &'static str)> {
        self.inner.bindings.iter().map(|b| (b.name().to_owned(), b.type_name())).collect()
    }
    #[getter]
    fn compatibility_date(&self) -> &str {
        &self.inner.compatibility_date
    }
    #[getter]
    fn compatibility_flags(&self) -> Vec<String> {
        self.inner.compatibility_flags.clone()
    }
    #[getter]
    fn assets_directory(&self) -> Option<PathBuf> {
        self.inner.assets.as_ref().map(|a| a.directory.clone())
    }
    /// SHA-256 over the modules: identifies exactly what code is deployed.
    #[getter]
    fn content_digest(&self) -> String {
        self.inner.content_digest()
    }
    #[getter]
    fn script_size(&self) -> u64 {
        self.inner.script_size()
    }

    fn __repr__(&self) -> String {
        let w = &self.inner;
        let modules: Vec<String> = w.modules.iter().map(|m| m.name.clone()).collect();
        let bindings: Vec<String> = w
            .bindings
            .iter()
            .map(|b| match b {
                Binding::Secret { name, .. } => format!("{name}=<secret>"),
                other => format!("{}:{}", other.name(), other.type_name()),
            })
            .collect();
        format!(
            "Worker(name={}, modules={}, bindings={}, assets={}, compatibility_date={})",
            repr::s(&w.name),
            repr::list(&modules),
            repr::list(&bindings),
            repr::opt_s(w.assets.as_ref().map(|a| a.directory.display().to_string()).as_deref()),
            repr::s(&w.compatibility_date)
        )
    }
}

//! An immutable Worker handle: each `with…` returns a new Worker and leaves
//! the one it was called on unchanged. (`with` because `var` is a Kotlin
//! keyword; tests/fixtures/parity.json lists the names.)

use std::path::Path;
use std::sync::Arc;

use boardingpass::{AssetsConfig, Error, Module, ModuleKind};

#[derive(uniffi::Object)]
pub struct Worker {
    pub(crate) inner: boardingpass::Worker,
}

impl Worker {
    fn with(&self, change: impl FnOnce(boardingpass::Worker) -> boardingpass::Worker) -> Arc<Self> {
        Arc::new(Self { inner: change(self.inner.clone()) })
    }
}

/// JSON text given for `field`, parsed (a typed error when it is not JSON).
fn json(field: &str, text: &str) -> Result<serde_json::Value, Error> {
    serde_json::from_str(text).map_err(|e| Error::InvalidInput { field: field.into(), message: format!("not JSON: {e}") })
}

#[uniffi::export]
impl Worker {
    /// An empty Worker named `name`: add modules, bindings or assets.
    #[uniffi::constructor]
    pub fn new(name: String) -> Arc<Self> {
        Arc::new(Self { inner: boardingpass::Worker::new(name) })
    }

    /// A single-module Worker from source text (an ES module, or a
    /// service-worker script when it has no `export`).
    #[uniffi::constructor]
    pub fn from_source(name: String, file_name: String, source: String) -> Arc<Self> {
        Arc::new(Self { inner: boardingpass::Worker::from_source(name, &file_name, source) })
    }

    /// A Worker read from a file or project directory (wrangler config,
    /// modules, static assets), as the CLI reads it.
    #[uniffi::constructor(default(name = None))]
    pub fn from_path(path: String, name: Option<String>) -> Result<Arc<Self>, Error> {
        Ok(Arc::new(Self { inner: boardingpass::load_project(Path::new(&path), name.as_deref())? }))
    }

    /// Adds a module (replacing one of the same name). `kind` defaults to what
    /// the file extension says; `main` makes it the entry point.
    #[uniffi::method(default(kind = None, main = false))]
    pub fn with_module(&self, name: String, content: Vec<u8>, kind: Option<ModuleKind>, main: bool) -> Result<Arc<Self>, Error> {
        let kind = match kind {
            Some(k) => k,
            None => ModuleKind::infer(&name)?,
        };
        Ok(self.with(|w| {
            let w = w.module(Module::new(name.clone(), kind, content));
            if main { w.main_module(name) } else { w }
        }))
    }

    /// A plain-text variable binding.
    pub fn with_var(&self, name: String, text: String) -> Arc<Self> {
        self.with(|w| w.var(name, text))
    }

    /// A JSON variable binding, given as JSON text.
    pub fn with_json_var(&self, name: String, json_text: String) -> Result<Arc<Self>, Error> {
        let value = json("json_var", &json_text)?;
        Ok(self.with(|w| w.json_var(name, value)))
    }

    /// A secret binding: sent to the Workers API, never logged.
    pub fn with_secret(&self, name: String, value: String) -> Arc<Self> {
        self.with(|w| w.secret(name, value))
    }

    /// Serves the files of `directory` as static assets. `binding` names the
    /// binding the Worker fetches them through; `run_worker_first` is JSON
    /// text: `true`/`false` or a list of route patterns.
    #[uniffi::method(default(binding = None, html_handling = None, not_found_handling = None, run_worker_first = None))]
    pub fn with_assets(
        &self,
        directory: String,
        binding: Option<String>,
        html_handling: Option<String>,
        not_found_handling: Option<String>,
        run_worker_first: Option<String>,
    ) -> Result<Arc<Self>, Error> {
        let mut config = AssetsConfig::new(directory);
        config.binding = binding;
        config.html_handling = html_handling;
        config.not_found_handling = not_found_handling;
        config.run_worker_first = run_worker_first.map(|t| json("run_worker_first", &t)).transpose()?;
        Ok(self.with(|w| w.assets(config)))
    }

    /// A KV namespace as `env.{binding}`, by title: created on the first
    /// deploy when the account lacks it, reused on redeploy.
    pub fn with_kv(&self, binding: String, namespace: String) -> Arc<Self> {
        self.with(|w| w.kv(binding, namespace))
    }

    /// An existing KV namespace as `env.{binding}`, by its id.
    pub fn with_kv_id(&self, binding: String, id: String) -> Arc<Self> {
        self.with(|w| w.kv_id(binding, id))
    }

    /// The D1 database named `database` as `env.{binding}`: created on the
    /// first deploy, reused on redeploys.
    pub fn with_d1(&self, binding: String, database: String) -> Arc<Self> {
        self.with(|w| w.d1(binding, database))
    }

    /// An existing D1 database, by UUID, as `env.{binding}`.
    pub fn with_d1_id(&self, binding: String, id: String) -> Arc<Self> {
        self.with(|w| w.d1_id(binding, id))
    }

    /// Applies the `*.sql` files of `directory` to the database of the D1 binding `binding`
    /// (added earlier) before the Worker goes live.
    pub fn with_d1_migrations(&self, binding: String, directory: String) -> Arc<Self> {
        self.with(|w| w.d1_migrations(binding, directory))
    }

    pub fn with_compatibility_date(&self, date: String) -> Arc<Self> {
        self.with(|w| w.compatibility_date(date))
    }

    pub fn with_compatibility_flag(&self, flag: String) -> Arc<Self> {
        self.with(|w| w.compatibility_flag(flag))
    }

    pub fn name(&self) -> String {
        self.inner.name.clone()
    }

    /// Names of the modules.
    pub fn module_names(&self) -> Vec<String> {
        self.inner.modules.iter().map(|m| m.name.clone()).collect()
    }

    /// Names of the bindings (never their values).
    pub fn binding_names(&self) -> Vec<String> {
        self.inner.bindings.iter().map(|b| b.name().to_owned()).collect()
    }

    /// Digest of the modules and settings, as recorded in the ticket.
    pub fn content_digest(&self) -> String {
        self.inner.content_digest()
    }
}

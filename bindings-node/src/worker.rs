//! The Worker builder (core `Worker`): in memory or from a file/project
//! directory. Like Python's, the builder is immutable: every builder method
//! returns a new Worker and leaves this one as it was.

use std::path::PathBuf;

use boardingpass as bp;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::abort::Abort;
use crate::convert::whole;
use crate::errors;
use crate::promise::{self, blocking};
use crate::secret::Secret;

/// How a module is uploaded: core's `ModuleKind`, a string union in JS.
pub use bp::ModuleKind;

/// Static assets served with (or instead of) the Worker's code.
#[napi(object)]
pub struct AssetsOptions {
    /// Directory of files to upload.
    pub directory: String,
    /// Name of the binding the Worker fetches assets through (e.g. `ASSETS`).
    pub binding: Option<String>,
    /// `auto-trailing-slash` (default), `force-trailing-slash`, `drop-trailing-slash`, `none`.
    pub html_handling: Option<String>,
    /// `none` (default), `404-page`, `single-page-application`.
    pub not_found_handling: Option<String>,
    /// `true`/`false` or a list of route patterns.
    #[napi(ts_type = "boolean | string[]")]
    pub run_worker_first: Option<serde_json::Value>,
}

#[napi(object, object_to_js = false)]
pub struct FromPathOptions<'env> {
    /// Overrides the configured or derived Worker name.
    pub name: Option<String>,
    #[napi(ts_type = "AbortSignal")]
    pub signal: Option<Object<'env>>,
}

#[napi(object, object_from_js = false)]
pub struct ModuleInfo {
    pub name: String,
    pub kind: ModuleKind,
    pub size: u32,
}

/// A binding's name and Cloudflare type (`plain_text`, `json`, `secret_text`); never its value.
#[napi(object, object_from_js = false)]
pub struct BindingInfo {
    pub name: String,
    #[napi(js_name = "type")]
    pub kind: String,
}

/// What `toJSON`/`util.inspect` show: everything but binding values.
#[napi(object, object_from_js = false)]
pub struct WorkerSummary {
    pub name: String,
    pub main_module: Option<String>,
    pub compatibility_date: String,
    pub compatibility_flags: Vec<String>,
    pub modules: Vec<ModuleInfo>,
    pub bindings: Vec<BindingInfo>,
    pub assets_directory: Option<String>,
    pub content_digest: String,
}

/// A Worker ready to deploy.
#[napi]
pub struct Worker {
    pub(crate) inner: bp::Worker,
}

impl Worker {
    /// A new Worker: this one with `f` applied (this one is unchanged).
    fn with(&self, f: impl FnOnce(bp::Worker) -> bp::Worker) -> Worker {
        Worker { inner: f(self.inner.clone()) }
    }
}

#[napi]
impl Worker {
    /// An empty Worker named `name`; add modules, bindings or assets.
    #[napi(constructor)]
    pub fn new(name: String) -> Self {
        Self { inner: bp::Worker::new(name) }
    }

    /// A single-file Worker: `source` is an ES module, or a service-worker
    /// script when it has no `import`/`export`.
    #[napi(factory, writable = true, configurable = true)]
    pub fn from_source(name: String, file_name: String, source: String) -> Self {
        Self { inner: bp::Worker::from_source(name, &file_name, source) }
    }

    /// Reads a Worker from disk (off the JS thread): a single Worker file, a
    /// directory with a wrangler config (`wrangler.toml`/`.jsonc`/`.json`),
    /// or a plain directory of static files.
    #[napi(ts_return_type = "Promise<Worker>", writable = true, configurable = true)]
    pub fn from_path(env: &Env, path: String, options: Option<FromPathOptions>) -> Result<AsyncBlock<Worker>> {
        let (name, signal) = options.map_or((None, None), |o| (o.name, o.signal));
        let abort = Abort::link(env, signal)?;
        let cancel = abort.token.clone();
        let load = blocking(move || bp::load_project(&PathBuf::from(path), name.as_deref()));
        let fut = async move { bp::cancellable(Some(&cancel), load).await };
        promise::spawn(env, abort, fut, |_, inner| Ok(Worker { inner }))
    }

    /// Adds a module; `kind` defaults to what the file extension says.
    #[napi]
    pub fn module(&self, env: &Env, name: String, content: Either<String, Buffer>, kind: Option<ModuleKind>) -> Result<Worker> {
        let kind = match kind {
            Some(k) => k,
            None => bp::ModuleKind::infer(&name).map_err(|e| errors::to_js(env, &e))?,
        };
        let bytes: Vec<u8> = match content {
            Either::A(text) => text.into_bytes(),
            Either::B(buf) => buf.to_vec(),
        };
        Ok(self.with(|w| w.module(bp::Module::new(name, kind, bytes))))
    }

    /// Names the entry module.
    #[napi]
    pub fn main_module(&self, name: String) -> Worker {
        self.with(|w| w.main_module(name))
    }

    /// `YYYY-MM-DD`; defaults to today (UTC).
    #[napi]
    pub fn compatibility_date(&self, date: String) -> Worker {
        self.with(|w| w.compatibility_date(date))
    }

    #[napi]
    pub fn compatibility_flag(&self, flag: String) -> Worker {
        self.with(|w| w.compatibility_flag(flag))
    }

    /// A plain-text variable on `env`; replaces a binding of the same name.
    #[napi]
    pub fn var(&self, name: String, text: String) -> Worker {
        self.with(|w| w.var(name, text))
    }

    /// The Workers KV namespace titled `namespace` as `env[binding]`:
    /// created on the first deploy, reused on redeploys.
    #[napi]
    pub fn kv(&self, binding: String, namespace: String) -> Worker {
        self.with(|w| w.kv(binding, namespace))
    }

    /// An existing Workers KV namespace, by id, as `env[binding]`.
    #[napi]
    pub fn kv_id(&self, binding: String, id: String) -> Worker {
        self.with(|w| w.kv_id(binding, id))
    }

    /// The D1 database named `database` as `env[binding]`: created on the
    /// first deploy, reused on redeploys.
    #[napi]
    pub fn d1(&self, binding: String, database: String) -> Worker {
        self.with(|w| w.d1(binding, database))
    }

    /// An existing D1 database, by UUID, as `env[binding]`.
    #[napi]
    pub fn d1_id(&self, binding: String, id: String) -> Worker {
        self.with(|w| w.d1_id(binding, id))
    }

    /// Applies the `*.sql` files of `directory` to the database of the D1 binding `binding`
    /// (added earlier) before the Worker goes live.
    #[napi]
    pub fn d1_migrations(&self, binding: String, directory: String) -> Worker {
        self.with(|w| w.d1_migrations(binding, directory))
    }

    /// A JSON variable on `env`; replaces a binding of the same name.
    #[napi]
    pub fn json_var(&self, name: String, value: serde_json::Value) -> Worker {
        self.with(|w| w.json_var(name, value))
    }

    /// A secret on `env`: held in Rust memory, never shown by `toJSON`/inspect.
    /// Pass a `Secret` (e.g. `pass.apiToken`) to forward it without exposing it.
    #[napi]
    pub fn secret(&self, name: String, value: Either<String, &Secret>) -> Worker {
        let value = match value {
            Either::A(text) => bp::Secret::new(text),
            Either::B(secret) => secret.inner.clone(),
        };
        self.with(|w| w.binding(bp::Binding::Secret { name, value }))
    }

    /// Serves the files of `options.directory` as static assets.
    #[napi]
    pub fn assets(&self, options: AssetsOptions) -> Worker {
        let mut config = bp::AssetsConfig::new(&options.directory);
        config.binding = options.binding;
        config.html_handling = options.html_handling;
        config.not_found_handling = options.not_found_handling;
        config.run_worker_first = options.run_worker_first;
        self.with(|w| w.assets(config))
    }

    /// The local checks a deploy runs before sending anything.
    #[napi]
    pub fn validate(&self, env: &Env, max_script_size: Option<i64>) -> Result<()> {
        let max = max_script_size.map_or(Ok(bp::DEFAULT_MAX_SCRIPT_SIZE), |m| whole("max_script_size", m));
        max.and_then(|max| self.inner.validate(max)).map_err(|e| errors::to_js(env, &e))
    }

    #[napi(getter)]
    pub fn name(&self) -> String {
        self.inner.name.clone()
    }

    /// `sha256:` over module names, kinds and contents.
    #[napi(getter)]
    pub fn content_digest(&self) -> String {
        self.inner.content_digest()
    }

    /// Total bytes of the modules.
    #[napi(getter)]
    pub fn script_size(&self) -> f64 {
        self.inner.script_size() as f64
    }

    #[napi(js_name = "toJSON")]
    pub fn to_json(&self) -> WorkerSummary {
        let w = &self.inner;
        WorkerSummary {
            name: w.name.clone(),
            main_module: w.main_module.clone(),
            compatibility_date: w.compatibility_date.clone(),
            compatibility_flags: w.compatibility_flags.clone(),
            modules: w
                .modules
                .iter()
                .map(|m| ModuleInfo { name: m.name.clone(), kind: m.kind, size: m.content.len() as u32 })
                .collect(),
            bindings: w.bindings.iter().map(|b| BindingInfo { name: b.name().into(), kind: b.type_name().into() }).collect(),
            assets_directory: w.assets.as_ref().map(|a| a.directory.display().to_string()),
            content_digest: w.content_digest(),
        }
    }
}

//! What gets deployed: a Worker's modules, metadata and bindings, built
//! in memory or read from disk without a bundler.


use std::path::Path;

use bytes::Bytes;
use serde_json::{json, Value};

use crate::assets::AssetsConfig;
use crate::bundle::BundleInfo;
use crate::error::Error;
use crate::secret::Secret;

/// Longest Worker name Cloudflare accepts (a DNS label).
pub const MAX_NAME_LEN: usize = 63;

/// How a module is uploaded (docs/PROTOCOL.md §6 content types).
#[cfg_attr(feature = "napi", napi_derive::napi(string_enum = "snake_case"))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ModuleKind {
    EsModule,
    Commonjs,
    /// A classic service-worker script (no `export default`); must be the only script.
    ServiceWorker,
    Text,
    Data,
    Wasm,
    Json,
    SourceMap,
    Python,
    PythonRequirement,
}

impl ModuleKind {
    pub const ALL: [ModuleKind; 10] = [
        Self::EsModule,
        Self::Commonjs,
        Self::ServiceWorker,
        Self::Text,
        Self::Data,
        Self::Wasm,
        Self::Json,
        Self::SourceMap,
        Self::Python,
        Self::PythonRequirement,
    ];

    /// Stable snake_case name every binding uses for the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EsModule => "es_module",
            Self::Commonjs => "commonjs",
            Self::ServiceWorker => "service_worker",
            Self::Text => "text",
            Self::Data => "data",
            Self::Wasm => "wasm",
            Self::Json => "json",
            Self::SourceMap => "source_map",
            Self::Python => "python",
            Self::PythonRequirement => "python_requirement",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::EsModule => "application/javascript+module",
            Self::Commonjs | Self::ServiceWorker => "application/javascript",
            Self::Text => "text/plain",
            Self::Data => "application/octet-stream",
            Self::Wasm => "application/wasm",
            Self::Json => "application/json",
            Self::SourceMap => "application/source-map",
            Self::Python => "text/x-python",
            Self::PythonRequirement => "text/x-python-requirement",
        }
    }

    /// Guess from a file name, wrangler's default module rules: `.js`/`.mjs`
    /// ES modules, `.cjs` CommonJS, `.wasm`, `.txt`/`.html`/`.sql` text,
    /// `.bin` data, `.json`, `.map` source maps, `.py` Python.
    pub fn from_path(path: &str) -> Option<Self> {
        let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
        Some(match ext.as_str() {
            "js" | "mjs" => Self::EsModule,
            "cjs" => Self::Commonjs,
            "wasm" => Self::Wasm,
            "txt" | "html" | "sql" => Self::Text,
            "bin" => Self::Data,
            "json" => Self::Json,
            "map" => Self::SourceMap,
            "py" => Self::Python,
            _ => return None,
        })
    }

    /// [`ModuleKind::from_path`] for a module the caller added without a
    /// kind; one the extension does not tell is refused (typed, not guessed).
    pub fn infer(name: &str) -> Result<Self, Error> {
        Self::from_path(name).ok_or_else(|| {
            Error::invalid("module kind", format!("cannot tell the kind of {name:?} from its extension; pass a kind such as es_module or text"))
        })
    }

    pub fn is_code(self) -> bool {
        matches!(self, Self::EsModule | Self::Commonjs | Self::ServiceWorker | Self::Python)
    }
}

impl std::str::FromStr for ModuleKind {
    type Err = Error;
    /// Parses [`ModuleKind::as_str`] names.
    fn from_str(name: &str) -> Result<Self, Error> {
        crate::error::parse_name("module kind", name, &Self::ALL, Self::as_str)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// Module name as imported, e.g. `index.js` or `lib/util.js`.
    pub name: String,
    pub kind: ModuleKind,
    pub content: Bytes,
}

impl Module {
    pub fn new(name: impl Into<String>, kind: ModuleKind, content: impl Into<Bytes>) -> Self {
        Self { name: name.into(), kind, content: content.into() }
    }
}

/// A binding the Worker sees on `env`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Binding {
    PlainText { name: String, text: String },
    Json { name: String, json: Value },
    /// Held like the API token: redacted, wiped on drop.
    Secret { name: String, value: Secret },
    /// A Workers KV namespace (`env.NAME.get/put/list/delete`).
    Kv { name: String, namespace: KvNamespaceRef },
    /// A D1 database (`env.NAME.prepare(...)`); the migrations in
    /// `migrations_dir`, if any, are applied before the Worker goes live.
    D1 { name: String, database: D1DatabaseRef, migrations_dir: Option<std::path::PathBuf> },
}

/// Which D1 database a binding names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum D1DatabaseRef {
    /// An existing database of the account, by UUID.
    Id(String),
    /// The database with this name: created on the first deploy, found
    /// again and reused on later ones (wrangler's automatic provisioning).
    Name(String),
}

/// Which KV namespace a binding names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KvNamespaceRef {
    /// An existing namespace of the account, by id.
    Id(String),
    /// The namespace with this title: created on the first deploy, found
    /// again and reused on later ones (wrangler's automatic provisioning).
    Title(String),
}

impl Binding {
    pub fn name(&self) -> &str {
        match self {
            Self::PlainText { name, .. } | Self::Json { name, .. } | Self::Secret { name, .. } | Self::Kv { name, .. } | Self::D1 { name, .. } => name,
        }
    }
    /// Cloudflare's binding type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::PlainText { .. } => "plain_text",
            Self::Json { .. } => "json",
            Self::Secret { .. } => "secret_text",
            Self::Kv { .. } => crate::kv::KV_NAMESPACE,
            Self::D1 { .. } => crate::d1::D1_BINDING_TYPE,
        }
    }
    /// Metadata JSON. The only place a secret binding's value is exposed.
    /// `ids` holds the ids found or created, by binding name, for bindings
    /// that name their resource (a KV title, a D1 database name).
    pub(crate) fn metadata(&self, ids: &std::collections::HashMap<String, String>) -> Value {
        match self {
            Self::Kv { name, namespace } => {
                let id = match namespace {
                    KvNamespaceRef::Id(id) => Some(id),
                    KvNamespaceRef::Title(_) => ids.get(name),
                };
                json!({"name": name, "type": crate::kv::KV_NAMESPACE, "namespace_id": id})
            }
            Self::D1 { name, database, .. } => {
                let id = match database {
                    D1DatabaseRef::Id(id) => Some(id),
                    D1DatabaseRef::Name(_) => ids.get(name),
                };
                json!({"name": name, "type": crate::d1::D1_BINDING_TYPE, "id": id})
            }
            Self::PlainText { name, text } => json!({"name": name, "type": "plain_text", "text": text}),
            Self::Json { name, json } => json!({"name": name, "type": "json", "json": json}),
            Self::Secret { name, value } => json!({"name": name, "type": "secret_text", "text": value.expose_secret()}),
        }
    }
}

/// A Worker ready to deploy.
#[derive(Debug, Clone, PartialEq)]
pub struct Worker {
    pub name: String,
    /// Name of the entry module; `None` only for assets-only Workers.
    pub main_module: Option<String>,
    pub modules: Vec<Module>,
    pub compatibility_date: String,
    pub compatibility_flags: Vec<String>,
    pub bindings: Vec<Binding>,
    pub assets: Option<AssetsConfig>,
    /// How the modules were bundled, when they were (see `bundle`).
    pub bundle: Option<BundleInfo>,
    /// Bindings `d1_migrations` named that were not D1 bindings when it was
    /// called: the builder cannot fail, so `validate` reports them.
    unbound_migrations: Vec<String>,
}

/// Today's date (UTC), the default compatibility date.
pub fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

impl Worker {
    /// An empty Worker named `name`; add modules, bindings or assets.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            main_module: None,
            modules: Vec::new(),
            compatibility_date: today(),
            compatibility_flags: Vec::new(),
            bindings: Vec::new(),
            assets: None,
            bundle: None,
            unbound_migrations: Vec::new(),
        }
    }

    /// A single-file Worker: `source` is an ES module (or a service-worker
    /// script when it has no `export`).
    pub fn from_source(name: impl Into<String>, file_name: &str, source: impl Into<String>) -> Self {
        let source = source.into();
        let kind = if looks_like_es_module(&source) { ModuleKind::EsModule } else { ModuleKind::ServiceWorker };
        let mut w = Self::new(name);
        w.main_module = Some(file_name.to_string());
        w.modules.push(Module::new(file_name, kind, source));
        w
    }

    pub fn module(mut self, module: Module) -> Self {
        if self.main_module.is_none() && module.kind.is_code() {
            self.main_module = Some(module.name.clone());
        }
        self.modules.push(module);
        self
    }
    pub fn main_module(mut self, name: impl Into<String>) -> Self {
        self.main_module = Some(name.into());
        self
    }
    pub fn compatibility_date(mut self, date: impl Into<String>) -> Self {
        self.compatibility_date = date.into();
        self
    }
    pub fn compatibility_flag(mut self, flag: impl Into<String>) -> Self {
        self.compatibility_flags.push(flag.into());
        self
    }
    /// Sets a binding, replacing any earlier one of the same name (so a
    /// loaded project's vars can be overridden).
    pub fn binding(mut self, binding: Binding) -> Self {
        self.bindings.retain(|b| b.name() != binding.name());
        self.bindings.push(binding);
        self
    }
    pub fn var(self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.binding(Binding::PlainText { name: name.into(), text: text.into() })
    }
    pub fn json_var(self, name: impl Into<String>, json: Value) -> Self {
        self.binding(Binding::Json { name: name.into(), json })
    }
    pub fn secret(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.binding(Binding::Secret { name: name.into(), value: Secret::new(value) })
    }
    /// Binds the KV namespace titled `namespace` as `env.{binding}`: created
    /// on the first deploy, reused on redeploys.
    pub fn kv(self, binding: impl Into<String>, namespace: impl Into<String>) -> Self {
        self.binding(Binding::Kv { name: binding.into(), namespace: KvNamespaceRef::Title(namespace.into()) })
    }
    /// Binds an existing KV namespace by its id as `env.{binding}`.
    pub fn kv_id(self, binding: impl Into<String>, id: impl Into<String>) -> Self {
        self.binding(Binding::Kv { name: binding.into(), namespace: KvNamespaceRef::Id(id.into()) })
    }
    /// Binds the D1 database named `database_name` as `env.{binding}`:
    /// created on the first deploy, reused on redeploys.
    pub fn d1(self, binding: impl Into<String>, database_name: impl Into<String>) -> Self {
        self.binding(Binding::D1 { name: binding.into(), database: D1DatabaseRef::Name(database_name.into()), migrations_dir: None })
    }
    /// Binds an existing D1 database by its UUID as `env.{binding}`.
    pub fn d1_id(self, binding: impl Into<String>, uuid: impl Into<String>) -> Self {
        self.binding(Binding::D1 { name: binding.into(), database: D1DatabaseRef::Id(uuid.into()), migrations_dir: None })
    }
    /// Applies `<dir>/*.sql` to the database of the D1 binding `binding`
    /// (added earlier with `d1` or `d1_id`) before the Worker goes live, as
    /// wrangler config's `migrations_dir` does. A later `d1`/`d1_id` for the
    /// same binding replaces it, directory included.
    pub fn d1_migrations(mut self, binding: impl Into<String>, dir: impl Into<std::path::PathBuf>) -> Self {
        let binding = binding.into();
        match self.bindings.iter_mut().find(|b| b.name() == binding) {
            Some(Binding::D1 { migrations_dir, .. }) => *migrations_dir = Some(dir.into()),
            _ => self.unbound_migrations.push(binding),
        }
        self
    }
    pub fn assets(mut self, config: AssetsConfig) -> Self {
        self.assets = Some(config);
        self
    }

    /// The entry module, if any.
    pub fn main(&self) -> Option<&Module> {
        let main = self.main_module.as_deref()?;
        self.modules.iter().find(|m| m.name == main)
    }

    /// Total bytes of code and modules uploaded (what Worker size limits count).
    pub fn script_size(&self) -> u64 {
        self.modules.iter().map(|m| m.content.len() as u64).sum()
    }

    /// SHA-256 over module names, kinds and contents: identifies exactly what
    /// code was deployed (for tickets and the audit log).
    pub fn content_digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        let mut modules: Vec<_> = self.modules.iter().collect();
        modules.sort_by(|a, b| a.name.cmp(&b.name));
        for m in modules {
            h.update(m.name.as_bytes());
            h.update([0]);
            h.update(m.kind.content_type().as_bytes());
            h.update([0]);
            h.update((m.content.len() as u64).to_be_bytes());
            h.update(&m.content);
        }
        format!("sha256:{}", hex::encode(h.finalize()))
    }

    /// Local checks run before anything is sent.
    pub fn validate(&self, max_script_size: u64) -> Result<(), Error> {
        if max_script_size == 0 {
            return Err(Error::invalid("max_script_size", "must be at least 1 byte; leave it unset for the 3 MiB default"));
        }
        validate_name(&self.name)?;
        if chrono::NaiveDate::parse_from_str(&self.compatibility_date, "%Y-%m-%d").is_err() {
            return Err(Error::invalid(
                "compatibility_date",
                format!("{:?} is not a YYYY-MM-DD date", self.compatibility_date),
            ));
        }
        match (&self.main_module, self.main()) {
            (None, _) if self.assets.is_none() => {
                return Err(Error::invalid("main_module", "a Worker needs a main module or static assets (or both)"))
            }
            (Some(main), None) => {
                let names: Vec<_> = self.modules.iter().map(|m| m.name.as_str()).collect();
                return Err(Error::invalid(
                    "main_module",
                    format!("{main:?} is not among the modules ({}); add it or fix the name", names.join(", ")),
                ));
            }
            (Some(_), Some(m)) if !m.kind.is_code() => {
                return Err(Error::invalid("main_module", format!("{:?} is {:?}, not code", m.name, m.kind)))
            }
            _ => {}
        }
        if self.modules.iter().any(|m| m.kind == ModuleKind::ServiceWorker) && self.modules.iter().filter(|m| m.kind.is_code()).count() > 1 {
            return Err(Error::invalid("modules", "a service-worker script cannot be combined with other code modules"));
        }
        let mut seen = std::collections::HashSet::new();
        for m in &self.modules {
            if m.name.is_empty() || m.name.contains(['"', '\r', '\n', '\0']) {
                return Err(Error::invalid("modules", format!("module name {:?} is empty or contains a quote, CR, LF or NUL; rename the file", m.name)));
            }
            if !seen.insert(&m.name) {
                return Err(Error::invalid("modules", format!("module {:?} appears twice", m.name)));
            }
        }
        if let Some(name) = self.unbound_migrations.first() {
            return Err(Error::invalid("d1_migrations", format!("{name:?} is not a D1 binding of this Worker; add it with d1 or d1_id before d1_migrations")));
        }
        let mut names = std::collections::HashSet::new();
        for b in &self.bindings {
            if b.name().is_empty() || !names.insert(b.name()) {
                return Err(Error::invalid("bindings", format!("binding name {:?} is empty or used twice", b.name())));
            }
            match b {
                Binding::Kv { namespace: KvNamespaceRef::Id(id), .. } => crate::kv::validate_kv_namespace_id(id)?,
                Binding::Kv { namespace: KvNamespaceRef::Title(title), .. } => crate::kv::validate_kv_title(title)?,
                Binding::D1 { database: D1DatabaseRef::Id(id), .. } => crate::d1::validate_d1_database_id(id)?,
                Binding::D1 { database: D1DatabaseRef::Name(name), .. } => crate::d1::validate_d1_name(name)?,
                _ => {}
            }
            if let Binding::D1 { name, migrations_dir: Some(dir), .. } = b {
                if !dir.is_dir() {
                    return Err(Error::invalid("migrations_dir", format!("{} (binding {name:?}) is not a directory", dir.display())));
                }
            }
        }
        let size = self.script_size();
        if size > max_script_size {
            return Err(Error::invalid(
                "worker size",
                format!("modules total {size} bytes, over the {max_script_size}-byte limit; remove unused modules or split the Worker"),
            ));
        }
        Ok(())
    }
}

/// Worker names: lowercase letters, digits and dashes, 1–63 characters, not
/// starting or ending with a dash (they become a DNS label).
pub fn validate_name(name: &str) -> Result<(), Error> {
    let ok_chars = name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if name.is_empty() || name.len() > MAX_NAME_LEN || !ok_chars || name.starts_with('-') || name.ends_with('-') {
        return Err(Error::invalid(
            "worker name",
            format!("{name:?} must be 1-{MAX_NAME_LEN} lowercase letters, digits or dashes, not starting or ending with a dash"),
        ));
    }
    Ok(())
}

pub(crate) fn looks_like_es_module(source: &str) -> bool {
    source.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with("export ") || l.starts_with("export{") || l.starts_with("import ") || l.starts_with("import{")
    })
}

/// Reads `path` from disk with a typed error naming it.
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|source| Error::Io { path: path.display().to_string(), source })
}

/// Turns a file name into a Worker name: `My App.js` → `my-app`.
pub fn name_from_path(path: &Path) -> String {
    let stem = path.file_stem().or_else(|| path.file_name()).map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
    let mut out = String::new();
    for c in stem.to_lowercase().chars() {
        let c = if c.is_ascii_alphanumeric() { c } else { '-' };
        if !(c == '-' && (out.is_empty() || out.ends_with('-'))) {
            out.push(c);
        }
    }
    let out: String = out.trim_end_matches('-').chars().take(MAX_NAME_LEN).collect();
    if out.is_empty() { "worker".into() } else { out.trim_end_matches('-').to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kind_the_extension_does_not_tell_is_refused() {
        assert_eq!(ModuleKind::infer("data.TXT").unwrap(), ModuleKind::Text);
        let e = ModuleKind::infer("data.xyz").unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("\"data.xyz\""), "{e}");
    }

    #[test]
    fn names_are_validated() {
        for ok in ["a", "hello-worker", "x1", &"a".repeat(63)] {
            assert!(validate_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "Hello", "a_b", "-a", "a-", &"a".repeat(64), "a.b", "dé"] {
            let e = validate_name(bad).unwrap_err();
            assert!(e.to_string().contains("lowercase"), "{bad}: {e}");
        }
        assert_eq!(name_from_path(Path::new("/x/My App.js")), "my-app");
        assert_eq!(name_from_path(Path::new("/x/__.js")), "worker");
    }

    #[test]
    fn missing_main_module_is_a_clear_error() {
        let w = Worker::new("w").main_module("index.js").module(Module::new("other.js", ModuleKind::EsModule, "export default {}"));
        let e = w.validate(1 << 20).unwrap_err();
        assert!(e.to_string().contains("\"index.js\" is not among the modules (other.js)"), "{e}");
        let e = Worker::new("w").validate(1 << 20).unwrap_err();
        assert!(e.to_string().contains("main module or static assets"), "{e}");
    }

    #[test]
    fn size_limit_and_duplicates() {
        let w = Worker::from_source("w", "index.js", "export default {}\n".repeat(100));
        assert!(w.validate(10_000).is_ok());
        let e = w.validate(100).unwrap_err();
        assert!(e.to_string().contains("over the 100-byte limit"), "{e}");
        let replaced = w.clone().var("A", "1").var("A", "2");
        assert_eq!(replaced.bindings, vec![Binding::PlainText { name: "A".into(), text: "2".into() }], "setting a var again replaces it");
        let mut dup = replaced;
        dup.bindings.push(Binding::PlainText { name: "A".into(), text: "3".into() });
        assert!(dup.validate(1 << 20).unwrap_err().to_string().contains("used twice"));
    }

    #[test]
    fn kind_names_round_trip_and_unknown_names_are_typed_errors() {
        let names: std::collections::HashSet<_> = ModuleKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), ModuleKind::ALL.len());
        for k in ModuleKind::ALL {
            assert_eq!(k.as_str().parse::<ModuleKind>().unwrap(), k);
        }
        assert_eq!(ModuleKind::from_path("lib.cjs").map(ModuleKind::as_str), Some("commonjs"));
        let e = "common_js".parse::<ModuleKind>().unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        assert!(e.to_string().contains("module kind") && e.to_string().contains("es_module, commonjs, service_worker"), "{e}");
    }

    #[test]
    fn module_names_that_would_break_the_form_are_refused() {
        for bad in ["a\"b.js", "a\r\nContent-Type: x.js", ""] {
            let w = Worker::from_source("w", bad, "export default {}");
            let e = w.validate(1 << 20).unwrap_err();
            assert!(e.to_string().contains("rename the file"), "{bad:?}: {e}");
        }
        assert!(Worker::from_source("w", "My Worker é.js", "export default {}").validate(1 << 20).is_ok());
    }

    #[test]
    fn source_format_is_detected() {
        assert_eq!(Worker::from_source("w", "i.js", "export default { fetch() {} }").modules[0].kind, ModuleKind::EsModule);
        assert_eq!(
            Worker::from_source("w", "i.js", "addEventListener('fetch', e => e.respondWith(new Response('x')))").modules[0].kind,
            ModuleKind::ServiceWorker
        );
    }

    #[test]
    fn secrets_are_redacted_in_debug_and_digest_ignores_bindings() {
        let w = Worker::from_source("w", "i.js", "export default {}").secret("KEY", "s3cr3t-value-XYZ");
        assert!(!format!("{w:?}").contains("s3cr3t"));
        let other = Worker::from_source("w", "i.js", "export default {}");
        assert_eq!(w.content_digest(), other.content_digest());
        let changed = Worker::from_source("w", "i.js", "export default {x:1}");
        assert_ne!(w.content_digest(), changed.content_digest());
    }
}

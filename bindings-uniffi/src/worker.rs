//! An immutable Worker handle: each `with…` returns a new Worker.

use std::path::Path;
use std::sync::Arc;

use boardingpass::Error;

#[derive(uniffi::Object)]
pub struct Worker {
    pub(crate) inner: boardingpass::Worker,
}

impl Worker {
    fn with(&self, change: impl FnOnce(boardingpass::Worker) -> boardingpass::Worker) -> Arc<Self> {
        Arc::new(Self { inner: change(self.inner.clone()) })
    }
}

#[uniffi::export]
impl Worker {
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

    /// A plain-text variable binding.
    pub fn with_var(&self, name: String, text: String) -> Arc<Self> {
        self.with(|w| w.var(name, text))
    }

    /// A secret binding: sent to the Workers API, never logged.
    pub fn with_secret(&self, name: String, value: String) -> Arc<Self> {
        self.with(|w| w.secret(name, value))
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

    /// Digest of the modules and settings, as recorded in the ticket.
    pub fn content_digest(&self) -> String {
        self.inner.content_digest()
    }
}

//! A credential held in Rust memory (wiped when the object is collected).
//! `toString`, `toJSON` and `util.inspect` (set in lib/index.js) show only
//! the redaction marker and a fingerprint; `expose()` is the one way out.

use boardingpass as bp;
use napi_derive::napi;

#[napi]
pub struct Secret {
    pub(crate) inner: bp::Secret,
}

impl Secret {
    pub(crate) fn new(value: &str) -> Self {
        Self { inner: bp::Secret::new(value) }
    }
}

#[napi]
impl Secret {
    /// The value itself. It is a bearer credential: hand it only to its
    /// owner or to the tool that needs it, never log or store it.
    #[napi]
    pub fn expose(&self) -> String {
        self.inner.expose_secret().to_string()
    }

    /// `sha256:` + 12 hex digits: safe to log, enough to correlate.
    #[napi(getter)]
    pub fn fingerprint(&self) -> String {
        self.inner.fingerprint()
    }

    /// `[REDACTED] sha256:…`
    #[napi(js_name = "toString")]
    pub fn redacted(&self) -> String {
        self.inner.to_string()
    }

    /// `JSON.stringify` sees the redacted form.
    #[napi(js_name = "toJSON")]
    pub fn to_json(&self) -> String {
        self.inner.to_string()
    }
}

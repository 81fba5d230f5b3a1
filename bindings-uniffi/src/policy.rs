//! Governance rules: core's `Policy` behind a handle, made by core's loaders
//! (field names, defaults and checks are core's).

use std::path::Path;
use std::sync::Arc;

use boardingpass::Error;

#[derive(uniffi::Object)]
pub struct Policy {
    pub(crate) inner: boardingpass::Policy,
}

impl Policy {
    fn wrap(inner: boardingpass::Policy) -> Arc<Self> {
        Arc::new(Self { inner })
    }
}

#[uniffi::export]
impl Policy {
    /// The default rules: a named claim owner and a passing verification are required.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Self::wrap(boardingpass::Policy::default())
    }

    /// No rules at all, not even a named claim owner.
    #[uniffi::constructor]
    pub fn permissive() -> Arc<Self> {
        Self::wrap(boardingpass::Policy::permissive())
    }

    /// Every field set (core's example, as in its docs).
    #[uniffi::constructor]
    pub fn example() -> Arc<Self> {
        Self::wrap(boardingpass::Policy::example())
    }

    /// Rules in the CLI's policy file format.
    #[uniffi::constructor]
    pub fn from_toml(text: String) -> Result<Arc<Self>, Error> {
        boardingpass::Policy::from_toml_str(&text).map(Self::wrap)
    }

    #[uniffi::constructor]
    pub fn from_json(text: String) -> Result<Arc<Self>, Error> {
        boardingpass::Policy::from_json_str(&text).map(Self::wrap)
    }

    /// `.json` files are read as JSON, anything else as TOML.
    #[uniffi::constructor]
    pub fn from_file(path: String) -> Result<Arc<Self>, Error> {
        boardingpass::Policy::from_file(Path::new(&path)).map(Self::wrap)
    }

    /// The rules as JSON, defaults filled in.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.inner).expect("a policy serialises")
    }
}

//! Governance rules (core `Policy`): from TOML/JSON text or file, or fields.
//! Fields are handed to the core's JSON loader, so validation is the core's.

use std::path::PathBuf;

use boardingpass as bp;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::{Map, Value};

use crate::abort::Abort;
use crate::convert::snake_case;
use crate::errors;
use crate::promise::{self, blocking};

/// Policy fields given in JS (any subset, camelCase): core's JSON loader
/// reads them, so the field names, defaults and checks are core's.
pub(crate) fn from_fields(fields: Value) -> std::result::Result<bp::Policy, bp::Error> {
    let Value::Object(given) = fields else {
        return Err(errors::invalid("policy", "pass an object of policy fields"));
    };
    let snake: Map<String, Value> = given.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (snake_case(&k), v)).collect();
    bp::Policy::from_json_str(&Value::Object(snake).to_string())
}

/// Rules checked before provisioning, before each deploy and before a
/// ticket is issued; every broken rule is reported at once.
#[napi]
pub struct Policy {
    pub(crate) inner: bp::Policy,
}

#[napi]
impl Policy {
    /// Rules from fields; `new Policy()` is the default policy.
    #[napi(constructor)]
    pub fn new(env: &Env, #[napi(ts_arg_type = "Partial<PolicyFields>")] fields: Option<Value>) -> Result<Self> {
        from_fields(fields.unwrap_or_else(|| Value::Object(Map::new()))).map(|inner| Self { inner }).map_err(|e| errors::to_js(env, &e))
    }

    /// A policy with every field set (core's example, as in its docs).
    #[napi(factory, writable = true, configurable = true)]
    pub fn example() -> Self {
        Self { inner: bp::Policy::example() }
    }

    /// No rules at all (not even a named owner).
    #[napi(factory, writable = true, configurable = true)]
    pub fn permissive() -> Self {
        Self { inner: bp::Policy::permissive() }
    }

    #[napi(factory, writable = true, configurable = true)]
    pub fn from_toml(env: &Env, text: String) -> Result<Self> {
        bp::Policy::from_toml_str(&text).map(|inner| Self { inner }).map_err(|e| errors::to_js(env, &e))
    }

    #[napi(factory, writable = true, configurable = true)]
    pub fn from_json(env: &Env, text: String) -> Result<Self> {
        bp::Policy::from_json_str(&text).map(|inner| Self { inner }).map_err(|e| errors::to_js(env, &e))
    }

    /// Reads `.toml` or `.json` (by extension; anything else is tried as TOML).
    #[napi(ts_return_type = "Promise<Policy>", writable = true, configurable = true)]
    pub fn from_file(env: &Env, path: String) -> Result<AsyncBlock<Policy>> {
        let fut = blocking(move || bp::Policy::from_file(&PathBuf::from(path)));
        promise::spawn(env, Abort::none(), fut, |_, inner| Ok(Policy { inner }))
    }

    /// The rules as fields (the default values filled in).
    #[napi(ts_return_type = "PolicyFields")]
    pub fn to_dict(&self) -> bp::Policy {
        self.inner.clone()
    }

    /// `JSON.stringify` and `util.inspect` show the fields.
    #[napi(js_name = "toJSON", ts_return_type = "PolicyFields")]
    pub fn to_json(&self) -> bp::Policy {
        self.to_dict()
    }
}

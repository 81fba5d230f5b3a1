//! Governance rules (core `Policy`): from TOML/JSON text or file, or fields.
//! Fields are handed to the core's JSON loader, so validation is the core's.

use std::path::PathBuf;

use boardingpass as bp;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::{Map, Value};

use crate::abort::Abort;
use crate::errors;
use crate::promise::{self, blocking};

/// The rules, one field each; unset fields keep the core defaults (a named
/// claim owner and a passing verification are required).
#[napi(object)]
#[derive(Default)]
pub struct PolicyFields {
    /// Job classes allowed to provision; unset allows any.
    pub allowed_job_classes: Option<Vec<String>>,
    pub max_deploys_per_pass: Option<i64>,
    /// Total bytes of a Worker's modules.
    pub max_worker_size: Option<i64>,
    /// Bytes of one static asset file.
    pub max_asset_file_size: Option<i64>,
    pub max_asset_files: Option<i64>,
    /// Cloudflare binding type names (`plain_text`, `json`, `secret_text`, `assets`).
    pub allowed_binding_types: Option<Vec<String>>,
    /// Regular expression every Worker name must match.
    pub worker_name_pattern: Option<String>,
    /// A named person must own the claim link before provisioning.
    pub require_claim_owner: Option<bool>,
    /// A ticket is issued only after a passing verification.
    pub require_verification: Option<bool>,
}

impl PolicyFields {
    pub(crate) fn to_core(&self) -> std::result::Result<bp::Policy, bp::Error> {
        let mut m = Map::new();
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                m.insert(k.into(), v);
            }
        };
        put("allowed_job_classes", self.allowed_job_classes.clone().map(Value::from));
        put("max_deploys_per_pass", self.max_deploys_per_pass.map(Value::from));
        put("max_worker_size", self.max_worker_size.map(Value::from));
        put("max_asset_file_size", self.max_asset_file_size.map(Value::from));
        put("max_asset_files", self.max_asset_files.map(Value::from));
        put("allowed_binding_types", self.allowed_binding_types.clone().map(Value::from));
        put("worker_name_pattern", self.worker_name_pattern.clone().map(Value::from));
        put("require_claim_owner", self.require_claim_owner.map(Value::from));
        put("require_verification", self.require_verification.map(Value::from));
        bp::Policy::from_json_str(&Value::Object(m).to_string())
    }

    fn from_core(p: &bp::Policy) -> Self {
        Self {
            allowed_job_classes: p.allowed_job_classes.clone(),
            max_deploys_per_pass: p.max_deploys_per_pass.map(i64::from),
            max_worker_size: p.max_worker_size.map(|v| v as i64),
            max_asset_file_size: p.max_asset_file_size.map(|v| v as i64),
            max_asset_files: p.max_asset_files.map(|v| v as i64),
            allowed_binding_types: p.allowed_binding_types.clone(),
            worker_name_pattern: p.worker_name_pattern.clone(),
            require_claim_owner: Some(p.require_claim_owner),
            require_verification: Some(p.require_verification),
        }
    }
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
    pub fn new(env: &Env, fields: Option<PolicyFields>) -> Result<Self> {
        Self::from_fields(env, &fields.unwrap_or_default())
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
    #[napi]
    pub fn to_dict(&self) -> PolicyFields {
        PolicyFields::from_core(&self.inner)
    }

    /// `JSON.stringify` and `util.inspect` show the fields.
    #[napi(js_name = "toJSON")]
    pub fn to_json(&self) -> PolicyFields {
        self.to_dict()
    }
}

impl Policy {
    pub(crate) fn from_fields(env: &Env, fields: &PolicyFields) -> Result<Self> {
        fields.to_core().map(|inner| Self { inner }).map_err(|e| errors::to_js(env, &e))
    }
}

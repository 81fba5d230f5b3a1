//! Governance checked before anything is provisioned or deployed: every rule
//! is evaluated and all broken rules are reported together, and no request
//! is sent on a violation. Loaded from TOML or JSON, or built in code.
//!
//! ```toml
#![doc = include_str!("policy-example.toml")]
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Violation};
use crate::worker::{Binding, D1DatabaseRef, KvNamespaceRef, Worker};

// For Node: the fields as a plain object (`Policy.toDict()`) and their
// TypeScript interface `PolicyFields`; input goes through `from_json_str`.
#[cfg_attr(feature = "napi", napi_derive::napi(object, js_name = "PolicyFields", object_from_js = false))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Policy {
    /// Job classes allowed to provision; `None` allows any (and none).
    pub allowed_job_classes: Option<Vec<String>>,
    pub max_deploys_per_pass: Option<u32>,
    /// Total bytes of a Worker's modules.
    pub max_worker_size: Option<u32>,
    /// Bytes of one static asset file.
    pub max_asset_file_size: Option<u32>,
    pub max_asset_files: Option<u32>,
    /// Cloudflare binding type names (`plain_text`, `json`, `secret_text`, `assets`).
    pub allowed_binding_types: Option<Vec<String>>,
    /// Regular expression every Worker name must match.
    pub worker_name_pattern: Option<String>,
    /// Resource types a pass may create (`kv_namespace`); `None` allows any.
    pub allowed_resource_types: Option<Vec<String>>,
    /// Resources (KV namespaces) one pass may create.
    pub max_resources_per_pass: Option<u32>,
    /// A named person must own the claim link before provisioning.
    pub require_claim_owner: bool,
    /// A ticket is issued only after a passing verification.
    pub require_verification: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            allowed_job_classes: None,
            max_deploys_per_pass: None,
            max_worker_size: None,
            max_asset_file_size: None,
            max_asset_files: None,
            allowed_binding_types: None,
            worker_name_pattern: None,
            allowed_resource_types: None,
            max_resources_per_pass: None,
            require_claim_owner: true,
            require_verification: true,
        }
    }
}

setters!(Policy { require_claim_owner: bool, require_verification: bool } optional { allowed_job_classes: Vec<String>, max_deploys_per_pass: u32, max_worker_size: u32, max_asset_file_size: u32, max_asset_files: u32, allowed_binding_types: Vec<String>, worker_name_pattern => String, allowed_resource_types: Vec<String>, max_resources_per_pass: u32 });

/// Who is acting and why: checked against the policy.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    pub job_class: Option<&'a str>,
    pub claim_owner: Option<&'a str>,
}

fn violation(rule: &str, message: String) -> Violation {
    Violation { rule: rule.into(), message }
}

fn result(violations: Vec<Violation>) -> Result<(), Error> {
    if violations.is_empty() {
        Ok(())
    } else {
        Err(Error::PolicyViolation { violations })
    }
}

impl Policy {
    /// A policy with every field set (`policy-example.toml`, shown in the
    /// docs): bindings read field names and value types from it.
    pub fn example() -> Self {
        Self::from_toml_str(include_str!("policy-example.toml")).expect("the example policy is valid")
    }

    /// No rules at all (not even a named owner).
    pub fn permissive() -> Self {
        Self { require_claim_owner: false, require_verification: false, ..Self::default() }
    }

    pub fn from_toml_str(text: &str) -> Result<Self, Error> {
        let p: Self = toml::from_str(text).map_err(|e| Error::invalid("policy", format!("TOML: {e}")))?;
        p.validated()
    }

    pub fn from_json_str(text: &str) -> Result<Self, Error> {
        let p: Self = serde_json::from_str(text).map_err(|e| Error::invalid("policy", format!("JSON: {e}")))?;
        p.validated()
    }

    /// Reads `.toml` or `.json` (by extension; anything else is tried as TOML).
    pub fn from_file(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.display().to_string(), source })?;
        if path.extension().is_some_and(|e| e == "json") {
            Self::from_json_str(&text)
        } else {
            Self::from_toml_str(&text)
        }
    }

    fn validated(self) -> Result<Self, Error> {
        if let Some(p) = &self.worker_name_pattern {
            regex::Regex::new(p).map_err(|e| Error::invalid("policy worker_name_pattern", e.to_string()))?;
        }
        Ok(self)
    }

    /// Before provisioning: job class and claim owner.
    pub fn check_provision(&self, ctx: &Context<'_>) -> Result<(), Error> {
        let mut v = Vec::new();
        if let Some(allowed) = &self.allowed_job_classes {
            match ctx.job_class {
                Some(c) if allowed.iter().any(|a| a == c) => {}
                Some(c) => v.push(violation("allowed_job_classes", format!("job class {c:?} is not one of {allowed:?}"))),
                None => v.push(violation("allowed_job_classes", format!("a job class is required (one of {allowed:?})"))),
            }
        }
        if self.require_claim_owner && ctx.claim_owner.is_none_or(|o| o.trim().is_empty()) {
            v.push(violation("require_claim_owner", "name the person who will own the claim link (owner)".into()));
        }
        result(v)
    }

    /// Before each deploy: everything about the Worker, plus the deploy count.
    /// `deploys_so_far` counts deploys already made with this pass.
    pub fn check_deploy(
        &self,
        ctx: &Context<'_>,
        worker: &Worker,
        deploys_so_far: u32,
        asset_files: &[(String, u64)],
    ) -> Result<(), Error> {
        let mut v = match self.check_provision(ctx) {
            Err(Error::PolicyViolation { violations }) => violations,
            _ => Vec::new(),
        };
        if let Some(max) = self.max_deploys_per_pass {
            if deploys_so_far >= max {
                v.push(violation("max_deploys_per_pass", format!("this pass already made {deploys_so_far} deploy(s), the limit is {max}")));
            }
        }
        if let Some(max) = self.max_worker_size {
            let size = worker.script_size();
            if size > u64::from(max) {
                v.push(violation("max_worker_size", format!("Worker modules total {size} bytes, the limit is {max}")));
            }
        }
        if let Some(max) = self.max_asset_files {
            if asset_files.len() > max as usize {
                v.push(violation("max_asset_files", format!("{} asset files, the limit is {max}", asset_files.len())));
            }
        }
        if let Some(max) = self.max_asset_file_size {
            for (path, size) in asset_files.iter().filter(|(_, s)| *s > u64::from(max)) {
                v.push(violation("max_asset_file_size", format!("{path} is {size} bytes, the limit is {max}")));
            }
        }
        if let Some(allowed) = &self.allowed_binding_types {
            let mut types: Vec<(&str, &str)> = worker.bindings.iter().map(|b| (b.name(), b.type_name())).collect();
            if let Some(name) = worker.assets.as_ref().and_then(|a| a.binding.as_deref()) {
                types.push((name, "assets"));
            }
            for (name, ty) in types.into_iter().filter(|(_, t)| !allowed.iter().any(|a| a == t)) {
                v.push(violation("allowed_binding_types", format!("binding {name} has type {ty}, allowed: {allowed:?}")));
            }
        }
        // A binding that names its resource may create it: its type must be allowed before anything is sent.
        if let Some(allowed) = &self.allowed_resource_types {
            for b in &worker.bindings {
                let kind = match b {
                    Binding::Kv { namespace: KvNamespaceRef::Title(_), .. } => crate::kv::KV_NAMESPACE,
                    Binding::D1 { database: D1DatabaseRef::Name(_), .. } => crate::d1::D1_DATABASE,
                    _ => continue,
                };
                if !allowed.iter().any(|a| a == kind) {
                    v.push(violation("allowed_resource_types", format!("binding {} may create a {kind}, allowed: {allowed:?}", b.name())));
                }
            }
        }
        if let Some(pattern) = &self.worker_name_pattern {
            let re = regex::Regex::new(pattern).map_err(|e| Error::invalid("policy worker_name_pattern", e.to_string()))?;
            if !re.is_match(&worker.name) {
                v.push(violation("worker_name_pattern", format!("Worker name {:?} does not match {pattern:?}", worker.name)));
            }
        }
        result(v)
    }

    /// Before a resource (a KV namespace) is created: its type, and how many
    /// this pass holds already (`existing`).
    pub fn check_resource(&self, ctx: &Context<'_>, kind: &str, existing: u32) -> Result<(), Error> {
        let mut v = match self.check_provision(ctx) {
            Err(Error::PolicyViolation { violations }) => violations,
            _ => Vec::new(),
        };
        if let Some(allowed) = &self.allowed_resource_types {
            if !allowed.iter().any(|a| a == kind) {
                v.push(violation("allowed_resource_types", format!("resource type {kind} is not one of {allowed:?}")));
            }
        }
        if let Some(max) = self.max_resources_per_pass {
            if existing >= max {
                v.push(violation("max_resources_per_pass", format!("this pass already holds {existing} resource(s), the limit is {max}")));
            }
        }
        result(v)
    }

    /// Before a ticket is issued.
    pub fn check_ticket(&self, verified: bool) -> Result<(), Error> {
        if self.require_verification && !verified {
            return result(vec![violation(
                "require_verification",
                "no passing verification of the latest deploy; verify before issuing a ticket".into(),
            )]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_sets_every_field() {
        let example = serde_json::to_value(Policy::example()).unwrap();
        let defaults = serde_json::to_value(Policy::default()).unwrap();
        let names = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(names(&example), names(&defaults));
        let unset: Vec<_> = example.as_object().unwrap().iter().filter(|(_, v)| v.is_null()).map(|(k, _)| k.clone()).collect();
        assert!(unset.is_empty(), "policy-example.toml must set every field (bindings read types from it): {unset:?}");
    }

    fn rules(e: Error) -> Vec<String> {
        match e {
            Error::PolicyViolation { violations } => violations.into_iter().map(|v| v.rule).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_broken_rule_is_reported_at_once() {
        let p = Policy::from_toml_str(
            r#"
            allowed_job_classes = ["preview"]
            max_deploys_per_pass = 1
            max_worker_size = 10
            max_asset_file_size = 5
            max_asset_files = 1
            allowed_binding_types = ["plain_text"]
            worker_name_pattern = "^agent-"
            "#,
        )
        .unwrap();
        let w = Worker::from_source("demo", "i.js", "export default {}").secret("K", "v");
        let ctx = Context { job_class: Some("prod"), claim_owner: None };
        let e = p.check_deploy(&ctx, &w, 1, &[("/a".into(), 9), ("/b".into(), 1)]).unwrap_err();
        let text = e.to_string();
        assert_eq!(
            rules(e),
            [
                "allowed_job_classes",
                "require_claim_owner",
                "max_deploys_per_pass",
                "max_worker_size",
                "max_asset_files",
                "max_asset_file_size",
                "allowed_binding_types",
                "worker_name_pattern"
            ]
        );
        assert!(text.contains("/a is 9 bytes") && text.contains("binding K has type secret_text"), "{text}");
    }

    #[test]
    fn a_compliant_deploy_passes_and_json_loads_the_same() {
        let json = r#"{"allowed_job_classes":["preview"],"worker_name_pattern":"^agent-","max_deploys_per_pass":2}"#;
        let p = Policy::from_json_str(json).unwrap();
        let w = Worker::from_source("agent-x", "i.js", "export default {}").var("A", "1");
        let ctx = Context { job_class: Some("preview"), claim_owner: Some("Ada Lovelace") };
        assert!(p.check_provision(&ctx).is_ok());
        assert!(p.check_deploy(&ctx, &w, 1, &[]).is_ok());
        assert_eq!(rules(p.check_deploy(&ctx, &w, 2, &[]).unwrap_err()), ["max_deploys_per_pass"]);
        assert_eq!(rules(p.check_ticket(false).unwrap_err()), ["require_verification"]);
        assert!(p.check_ticket(true).is_ok());
    }

    #[test]
    fn resources_are_limited_by_type_and_count() {
        let p = Policy::permissive().allowed_resource_types(vec!["kv_namespace".into()]).max_resources_per_pass(2);
        let ctx = Context::default();
        assert!(p.check_resource(&ctx, "kv_namespace", 1).is_ok());
        assert_eq!(rules(p.check_resource(&ctx, "kv_namespace", 2).unwrap_err()), ["max_resources_per_pass"]);
        assert_eq!(rules(p.check_resource(&ctx, "d1", 0).unwrap_err()), ["allowed_resource_types"]);
        assert!(Policy::permissive().check_resource(&ctx, "d1", 99).is_ok());
    }

    #[test]
    fn a_binding_that_would_create_a_refused_resource_type_fails_before_anything_is_sent() {
        let p = Policy::permissive().allowed_resource_types(vec!["kv_namespace".into()]);
        let ctx = Context::default();
        let by_name = Worker::from_source("w", "i.js", "export default {}").kv("KV", "w-kv").d1("DB", "guestbook");
        let text = p.check_deploy(&ctx, &by_name, 0, &[]).unwrap_err().to_string();
        assert!(text.contains("[allowed_resource_types] binding DB may create a d1_database"), "{text}");
        // A binding to an existing database by id creates nothing.
        let by_id = Worker::from_source("w", "i.js", "export default {}").d1_id("DB", "0f2d7a9c-3b1e-4c5d-8e6f-7a8b9c0d1e2f");
        assert!(p.check_deploy(&ctx, &by_id, 0, &[]).is_ok());
        let d1_allowed = Policy::permissive().allowed_resource_types(vec!["d1_database".into(), "kv_namespace".into()]);
        assert!(d1_allowed.check_deploy(&ctx, &by_name, 0, &[]).is_ok());
    }

    #[test]
    fn bad_policy_files_are_typed_errors() {
        assert_eq!(Policy::from_toml_str("max_deploys = 3").unwrap_err().code(), "invalid_input");
        assert_eq!(Policy::from_toml_str("worker_name_pattern = \"(\"").unwrap_err().code(), "invalid_input");
        assert!(Policy::permissive().check_provision(&Context::default()).is_ok());
        assert_eq!(rules(Policy::default().check_provision(&Context::default()).unwrap_err()), ["require_claim_owner"]);
    }
}

//! wrangler config keys that declare something boardingpass does not
//! deploy: a binding, a resource or a route. Ignoring one would deploy a
//! Worker that fails when it uses it, so loading refuses the project, naming
//! the key, before anything is provisioned.

use serde_json::Value;

use crate::error::Error;

/// Key, and what it declares.
const UNSUPPORTED: [(&str, &str); 26] = [
    ("r2_buckets", "R2 bucket bindings"),
    ("durable_objects", "Durable Object bindings"),
    ("migrations", "Durable Object migrations"),
    ("queues", "Queue producers and consumers"),
    ("services", "service bindings to other Workers"),
    ("hyperdrive", "Hyperdrive bindings"),
    ("vectorize", "Vectorize index bindings"),
    ("ai", "a Workers AI binding"),
    ("analytics_engine_datasets", "Analytics Engine bindings"),
    ("browser", "a Browser Rendering binding"),
    ("dispatch_namespaces", "dispatch namespace bindings"),
    ("mtls_certificates", "mTLS certificate bindings"),
    ("send_email", "email sending bindings"),
    ("workflows", "Workflow bindings"),
    ("tail_consumers", "tail Workers"),
    ("secrets_store_secrets", "Secrets Store bindings"),
    ("pipelines", "Pipeline bindings"),
    ("images", "an Images binding"),
    ("containers", "Containers"),
    ("version_metadata", "a version metadata binding"),
    ("wasm_modules", "service-worker Wasm module bindings"),
    ("text_blobs", "service-worker text blob bindings"),
    ("data_blobs", "service-worker data blob bindings"),
    ("routes", "routes on a zone (a temporary account serves only workers.dev)"),
    ("route", "a route on a zone (a temporary account serves only workers.dev)"),
    ("triggers", "Cron Triggers"),
];

/// The first key of `config` (a parsed wrangler config) that boardingpass
/// cannot deploy, as an `invalid_input` error naming it.
pub(crate) fn check(config: &Value) -> Result<(), Error> {
    for (key, what) in UNSUPPORTED {
        if config.get(key).is_some_and(|v| !is_empty(v)) {
            return Err(Error::invalid(
                key,
                format!("the wrangler config declares {what} (`{key}`), which boardingpass does not deploy; the Worker would fail where it uses them. Remove `{key}`, or deploy this project with wrangler"),
            ));
        }
    }
    Ok(())
}

/// `[]`, `{}` and `null` declare nothing.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_listed_key_is_refused_by_name_and_empty_ones_pass() {
        for (key, _) in UNSUPPORTED {
            match check(&json!({ "name": "w", key: [{ "binding": "X" }] })) {
                Err(Error::InvalidInput { field, message }) => assert!(field == key && message.contains("Remove"), "{key}: {message}"),
                other => panic!("{key}: {other:?}"),
            }
            assert!(check(&json!({ key: [] })).is_ok(), "{key} = [] declares nothing");
        }
        assert!(check(&json!({ "name": "w", "vars": { "A": "b" }, "assets": { "directory": "public" } })).is_ok());
    }
}

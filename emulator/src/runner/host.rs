//! The shared workerd process: one for all accounts' Workers, started with
//! the first deployment. Its one Worker (`dispatcher.js`) loads each
//! deployed version through workerd's Worker Loader into an isolate of its
//! own, named by a signed token the gateway sends with every request; the
//! code comes from the emulator (`code`), over loopback, never from disk.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::capnp::{module_kind, module_name, quote, Rendered, Unsupported};
use crate::workers::Version;

/// Header naming the version a request is for (see `dispatcher.js`).
pub const WORKER_HEADER: &str = "x-boardingpass-worker";
/// Header of the dispatcher's request for a version's code.
pub const CODE_HEADER: &str = "x-boardingpass-code";
/// Path on which the dispatcher starts a version without running it.
pub const PROBE_PATH: &str = "/__boardingpass/probe";
/// workerd needs this for the Worker Loader.
pub const ARGS: &[&str] = &["--experimental"];

const DISPATCHER: &str = include_str!("dispatcher.js");
/// D1's Worker API, added to Workers with a D1 binding (see the file).
const D1_DATABASE: &str = include_str!("d1_database.js");
/// Module names of that API and of the main module wrapping the Worker's.
const D1_MODULE: &str = "__boardingpass_d1_database.js";
const D1_MAIN: &str = "__boardingpass_d1_main.js";

/// The generated main module: the Worker's own exports, its default one
/// wrapped so that the D1 bindings `names` are D1Database objects.
fn d1_main(main: &str, names: &[String]) -> String {
    let user = Value::String(format!("./{main}"));
    let names = serde_json::to_string(names).expect("strings serialise");
    format!("import * as user from {user};\nimport {{ wrapWorker }} from \"./{D1_MODULE}\";\nexport * from {user};\nexport default wrapWorker(user.default, {names});\n")
}

/// The shared process's config; `emulator` is the emulator's `host:port`.
pub fn render(emulator: &str) -> Rendered {
    let config = format!(
        r#"using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .dispatcher),
    (name = "emulator", external = (address = {emulator}, http = ()))
  ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);

const dispatcher :Workerd.Worker = (
  modules = [ (name = "dispatcher.js", esModule = embed "dispatcher.js") ],
  compatibilityDate = "2025-06-01",
  compatibilityFlags = ["enable_ctx_exports"],
  bindings = [
    (name = "LOADER", workerLoader = ()),
    (name = "EMULATOR", service = "emulator")
  ],
);
"#,
        emulator = quote(emulator)
    );
    Rendered { config, files: vec![("dispatcher.js".into(), DISPATCHER.into())], env: Vec::new() }
}

/// Whether the shared process can run `version` (the Worker Loader takes
/// ES-module Workers; service-worker scripts get a process of their own).
pub fn can_run(version: &Version) -> bool {
    !version.service_worker
}

/// A version's code as the dispatcher loads it: modules by kind (binary ones
/// in base64), bindings as values, the assets binding as its token.
/// `tokens` holds each KV and D1 binding's token (by binding name), which
/// the dispatcher's `Kv` and `D1` entrypoints present to the emulator.
pub fn code(version: &Version, compatibility_date: &str, assets_token: Option<&str>, tokens: &std::collections::HashMap<String, String>) -> Result<Value, Unsupported> {
    let main = version.main_module.as_deref().unwrap_or_default();
    let mut modules = Map::new();
    for m in &version.modules {
        let Some(kind) = module_kind(&m.content_type, m.name == main, false) else { continue };
        let text = || String::from_utf8_lossy(&m.bytes).into_owned();
        let module = match kind {
            "esModule" => json!({"js": text()}),
            "commonJsModule" => json!({"cjs": text()}),
            "text" => json!({"text": text()}),
            "json" => json!({"json": serde_json::from_slice::<Value>(&m.bytes).map_err(|e| Unsupported(format!("module {:?} is not JSON: {e}", m.name)))?}),
            "data" => json!({"data": STANDARD.encode(&m.bytes)}),
            "wasm" => json!({"wasm": STANDARD.encode(&m.bytes)}),
            _ => return Err(Unsupported(format!("module {:?} has content type {:?}, which the emulator does not run", m.name, m.content_type))),
        };
        modules.insert(module_name(&m.name).to_string(), module);
    }
    let mut env = Map::new();
    let mut d1 = Vec::new();
    for b in &version.bindings {
        let name = b["name"].as_str().unwrap_or_default().to_string();
        let value = match b["type"].as_str().unwrap_or_default() {
            "plain_text" | "secret_text" => json!({"text": b["text"].as_str().unwrap_or_default()}),
            "json" => json!({"json": b["json"]}),
            "assets" => match assets_token {
                Some(t) => json!({"assets": t}),
                None => continue,
            },
            "kv_namespace" => match tokens.get(&name) {
                Some(t) => json!({"kv": t}),
                None => return Err(Unsupported(format!("KV binding {name:?} names no namespace of this account"))),
            },
            "d1" => match tokens.get(&name) {
                Some(t) => {
                    d1.push(name.clone());
                    json!({"d1": t})
                }
                None => return Err(Unsupported(format!("D1 binding {name:?} names no database of this account"))),
            },
            other => return Err(Unsupported(format!("binding {name:?} has type {other:?}, which the emulator does not run (supported: plain_text, json, secret_text, assets, kv_namespace, d1)"))),
        };
        env.insert(name, value);
    }
    let mut main = module_name(main).to_string();
    if !d1.is_empty() {
        modules.insert(D1_MODULE.into(), json!({"js": D1_DATABASE}));
        modules.insert(D1_MAIN.into(), json!({"js": d1_main(&main, &d1)}));
        main = D1_MAIN.into();
    }
    Ok(json!({
        "compatibilityDate": compatibility_date, "compatibilityFlags": version.compatibility_flags,
        "mainModule": main, "modules": modules, "env": env,
    }))
}

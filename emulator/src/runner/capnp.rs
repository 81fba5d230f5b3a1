//! workerd configuration (Cap'n Proto text) for one deployed version.
//! Module contents are written as files next to the config and embedded by
//! name; secret bindings are read from the environment so their values never
//! touch the disk.

use serde_json::Value;

use crate::workers::Version;

/// A config plus what must accompany it.
pub struct Rendered {
    pub config: String,
    /// (file name in the deployment directory, contents)
    pub files: Vec<(String, bytes::Bytes)>,
    /// Environment variables carrying secret bindings.
    pub env: Vec<(String, String)>,
}

/// Where `env.ASSETS.fetch()` goes, and the header proving which version asks.
pub struct AssetsLink<'a> {
    pub address: &'a str,
    pub header: &'a str,
    pub token: &'a str,
}

#[derive(Debug, PartialEq)]
pub struct Unsupported(pub String);

/// A Cap'n Proto text literal.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Module names as the runtime resolves imports: wrangler uploads imported
/// non-JS modules as `./<sha1>-<name>`.
pub(super) fn module_name(name: &str) -> &str {
    name.strip_prefix("./").unwrap_or(name)
}

pub(super) fn module_kind(content_type: &str, is_main: bool, service_worker: bool) -> Option<&'static str> {
    let base = content_type.split(';').next().unwrap_or("").trim();
    Some(match base {
        "application/javascript+module" | "text/javascript+module" => "esModule",
        "application/javascript" | "text/javascript" if service_worker && is_main => "serviceWorkerScript",
        "application/javascript" | "text/javascript" => "commonJsModule",
        "text/plain" => "text",
        "application/octet-stream" => "data",
        "application/wasm" => "wasm",
        "application/json" => "json",
        "application/source-map" => return None,
        _ => return Some("unsupported"),
    })
}

fn binding(b: &Value, env: &mut Vec<(String, String)>, assets: Option<&AssetsLink>) -> Result<Option<String>, Unsupported> {
    let name = b["name"].as_str().unwrap_or_default();
    let kind = b["type"].as_str().unwrap_or_default();
    let value = match kind {
        "plain_text" => format!("text = {}", quote(b["text"].as_str().unwrap_or_default())),
        "json" => format!("json = {}", quote(&b["json"].to_string())),
        "secret_text" => {
            let var = format!("BOARDINGPASS_SECRET_{}", env.len());
            env.push((var.clone(), b["text"].as_str().unwrap_or_default().to_string()));
            format!("fromEnvironment = {}", quote(&var))
        }
        "assets" if assets.is_some() => "service = \"assets\"".to_string(),
        "assets" => return Ok(None),
        "kv_namespace" | "d1" => return Err(Unsupported(format!("binding {name:?} has type {kind:?}, which runs only in the shared workerd (the emulator's default mode, not --workerd-per-worker)"))),
        other => return Err(Unsupported(format!("binding {name:?} has type {other:?}, which the emulator does not run (supported: plain_text, json, secret_text, assets)"))),
    };
    Ok(Some(format!("(name = {}, {value})", quote(name))))
}

/// Renders the config for `version`, listening on an ephemeral loopback port.
pub fn render(version: &Version, compatibility_date: &str, assets: Option<&AssetsLink>) -> Result<Rendered, Unsupported> {
    let main = version.main_module.as_deref().unwrap_or_default();
    let mut files = Vec::new();
    let mut modules = Vec::new();
    let mut sw_script = None;
    for (i, m) in version.modules.iter().enumerate() {
        let is_main = m.name == main;
        let Some(kind) = module_kind(&m.content_type, is_main, version.service_worker) else { continue };
        if kind == "unsupported" {
            return Err(Unsupported(format!("module {:?} has content type {:?}, which the emulator does not run", m.name, m.content_type)));
        }
        let file = format!("module-{i}");
        files.push((file.clone(), m.bytes.clone()));
        if kind == "serviceWorkerScript" {
            sw_script = Some(file);
        } else {
            modules.push(format!("(name = {}, {kind} = embed {})", quote(module_name(&m.name)), quote(&file)));
        }
    }
    // The main module first: workerd treats the first module as the entry point.
    if let Some(pos) = modules.iter().position(|m| m.starts_with(&format!("(name = {},", quote(module_name(main))))) {
        let m = modules.remove(pos);
        modules.insert(0, m);
    }
    let mut env = Vec::new();
    let mut bindings = Vec::new();
    for b in &version.bindings {
        bindings.extend(binding(b, &mut env, assets)?);
    }
    let code = match sw_script {
        Some(file) if modules.is_empty() => format!("serviceWorkerScript = embed {}", quote(&file)),
        Some(_) => return Err(Unsupported("a service-worker script cannot have other modules".into())),
        None => format!("modules = [\n    {}\n  ]", modules.join(",\n    ")),
    };
    let flags: Vec<String> = version.compatibility_flags.iter().map(|f| quote(f)).collect();
    let assets_service = assets
        .map(|a| {
            format!(
                ",\n    (name = \"assets\", external = (address = {}, http = (injectRequestHeaders = [(name = {}, value = {})])))",
                quote(a.address),
                quote(a.header),
                quote(a.token)
            )
        })
        .unwrap_or_default();
    let config = format!(
        r#"using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker){assets_service}
  ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);

const worker :Workerd.Worker = (
  {code},
  compatibilityDate = {date},
  compatibilityFlags = [{flags}],
  bindings = [
    {bindings}
  ],
);
"#,
        date = quote(compatibility_date),
        flags = flags.join(", "),
        bindings = bindings.join(",\n    "),
    );
    Ok(Rendered { config, files, env })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workers::ModuleFile;
    use serde_json::json;

    fn version(bindings: Vec<Value>) -> Version {
        Version {
            id: "v".into(),
            number: 1,
            created_on: chrono::Utc::now(),
            main_module: Some("index.js".into()),
            service_worker: false,
            modules: vec![
                ModuleFile { name: "./abc-data.txt".into(), part: "./abc-data.txt".into(), content_type: "text/plain".into(), bytes: "t".into() },
                ModuleFile { name: "index.js".into(), part: "index.js".into(), content_type: "application/javascript+module".into(), bytes: "x".into() },
                ModuleFile { name: "index.js.map".into(), part: "index.js.map".into(), content_type: "application/source-map".into(), bytes: "{}".into() },
            ],
            bindings,
            compatibility_date: "2026-01-01".into(),
            compatibility_flags: vec!["nodejs_compat".into()],
            assets: None,
            etag: String::new(),
            startup_time_ms: 0,
            annotations: Default::default(),
        }
    }

    #[test]
    fn quoting_escapes_everything_capnp_would_misread() {
        assert_eq!(quote("a\"b\\c\nd\u{1}"), r#""a\"b\\c\nd\x01""#);
    }

    #[test]
    fn secrets_go_to_the_environment_not_the_config() {
        let v = version(vec![
            json!({"name": "GREETING", "type": "plain_text", "text": "hi \"there\""}),
            json!({"name": "CONF", "type": "json", "json": {"a": 1}}),
            json!({"name": "KEY", "type": "secret_text", "text": "s3cr3t-value"}),
        ]);
        let r = render(&v, "2026-01-01", None).unwrap();
        assert!(!r.config.contains("s3cr3t-value"));
        assert_eq!(r.env, vec![("BOARDINGPASS_SECRET_0".to_string(), "s3cr3t-value".to_string())]);
        assert!(r.config.contains(r#"(name = "KEY", fromEnvironment = "BOARDINGPASS_SECRET_0")"#));
        assert!(r.config.contains(r#"(name = "GREETING", text = "hi \"there\"")"#));
        assert!(r.config.contains(r#"(name = "CONF", json = "{\"a\":1}")"#));
        // main module first, "./" stripped, source map not a module
        let first = r.config.find("index.js").unwrap();
        assert!(first < r.config.find("abc-data.txt").unwrap());
        assert!(!r.config.contains("index.js.map"));
        assert_eq!(r.files.len(), 2);
    }

    #[test]
    fn unsupported_bindings_are_named() {
        let v = version(vec![json!({"name": "KV", "type": "kv_namespace", "namespace_id": "x"})]);
        let e = render(&v, "2026-01-01", None).err().unwrap();
        assert!(e.0.contains("\"KV\"") && e.0.contains("kv_namespace"));
        let v = version(vec![json!({"name": "DB", "type": "d1", "id": "x"})]);
        let e = render(&v, "2026-01-01", None).err().unwrap();
        assert!(e.0.contains("\"DB\"") && e.0.contains("shared workerd"), "{}", e.0);
    }
}

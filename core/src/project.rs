//! Loading a Worker from disk the way an agent lays it out: a single Worker
//! file, a directory with a wrangler config (`wrangler.toml`,
//! `wrangler.jsonc` or `wrangler.json`: `name`, `main`,
//! `compatibility_date`, `compatibility_flags`, `vars`, `[assets]`), or a
//! plain directory of static files (an assets-only Worker).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::assets::AssetsConfig;
use crate::error::Error;
use crate::worker::{modules_from_dir, name_from_path, read_file, Binding, Worker};

const CONFIG_FILES: [&str; 3] = ["wrangler.toml", "wrangler.jsonc", "wrangler.json"];

#[derive(Debug, Default, Deserialize)]
pub(crate) struct WranglerConfig {
    name: Option<String>,
    main: Option<String>,
    compatibility_date: Option<String>,
    #[serde(default)]
    compatibility_flags: Vec<String>,
    #[serde(default)]
    vars: serde_json::Map<String, Value>,
    assets: Option<WranglerAssets>,
}

#[derive(Debug, Default, Deserialize)]
struct WranglerAssets {
    directory: Option<String>,
    binding: Option<String>,
    html_handling: Option<String>,
    not_found_handling: Option<String>,
    run_worker_first: Option<Value>,
}

/// Reads a Worker from `path` (see module docs). `name` overrides the
/// configured or derived name.
pub fn load(path: &Path, name: Option<&str>) -> Result<Worker, Error> {
    let meta = std::fs::metadata(path).map_err(|source| Error::Io { path: path.display().to_string(), source })?;
    let mut worker = if meta.is_file() {
        from_file(path)?
    } else if let Some(config) = CONFIG_FILES.iter().map(|f| path.join(f)).find(|p| p.is_file()) {
        from_config(path, &config)?
    } else {
        Worker::new(name_from_path(path)).assets(AssetsConfig::new(path))
    };
    if let Some(n) = name {
        worker.name = n.to_string();
    }
    Ok(worker)
}

fn from_file(path: &Path) -> Result<Worker, Error> {
    let source = String::from_utf8(read_file(path)?)
        .map_err(|_| Error::invalid("worker file", format!("{} is not UTF-8 text", path.display())))?;
    let file_name = path.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_else(|| "index.js".into());
    Ok(Worker::from_source(name_from_path(path), &file_name, source))
}

/// Strips `//` and `/* */` comments and trailing commas from JSONC, leaving
/// strings untouched.
pub(crate) fn jsonc_to_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                '\\' => out.extend(chars.next()),
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut prev = ' ';
                for n in chars.by_ref() {
                    if prev == '*' && n == '/' {
                        break;
                    }
                    prev = n;
                }
            }
            (',', _) => {
                let rest: String = chars.clone().take_while(|c| c.is_whitespace()).collect();
                let next = chars.clone().nth(rest.chars().count());
                if !matches!(next, Some('}') | Some(']')) {
                    out.push(',');
                }
            }
            _ => out.push(c),
        }
    }
    out
}

fn parse_config(config: &Path) -> Result<WranglerConfig, Error> {
    let text = String::from_utf8(read_file(config)?)
        .map_err(|_| Error::invalid("wrangler config", format!("{} is not UTF-8", config.display())))?;
    parse_config_text(&text, config.extension().is_some_and(|e| e == "toml"), config)
}

/// `path` only names the file in errors.
pub(crate) fn parse_config_text(text: &str, toml: bool, path: &Path) -> Result<WranglerConfig, Error> {
    let bad = |e: String| Error::invalid("wrangler config", format!("{}: {e}", path.display()));
    if toml {
        toml::from_str(text).map_err(|e| bad(e.to_string()))
    } else {
        serde_json::from_str(&jsonc_to_json(text)).map_err(|e| bad(e.to_string()))
    }
}

fn from_config(root: &Path, config_path: &Path) -> Result<Worker, Error> {
    let config = parse_config(config_path)?;
    let mut worker = Worker::new(config.name.clone().unwrap_or_else(|| name_from_path(root)));
    if let Some(date) = config.compatibility_date {
        worker.compatibility_date = date;
    }
    worker.compatibility_flags = config.compatibility_flags;
    for (name, value) in config.vars {
        worker.bindings.push(match value {
            Value::String(text) => Binding::PlainText { name, text },
            json => Binding::Json { name, json },
        });
    }
    let assets_dir: Option<PathBuf> = config.assets.as_ref().and_then(|a| a.directory.as_ref()).map(|d| root.join(d));
    if let Some(a) = config.assets {
        let dir = assets_dir.clone().ok_or_else(|| Error::invalid("wrangler config", "[assets] needs a `directory`"))?;
        let mut assets = AssetsConfig::new(&dir);
        assets.binding = a.binding;
        assets.html_handling = a.html_handling;
        assets.not_found_handling = a.not_found_handling;
        assets.run_worker_first = a.run_worker_first;
        worker.assets = Some(assets);
    }
    if let Some(main) = config.main {
        let main_path = root.join(&main);
        if !main_path.is_file() {
            return Err(Error::invalid("main", format!("{} names {main:?}, which does not exist", config_path.display())));
        }
        let base = main_path.parent().unwrap_or(root).to_path_buf();
        let skip: Vec<PathBuf> = assets_dir.into_iter().collect();
        worker.modules = modules_from_dir(&base, &main_path, &skip)?;
        let main_name = main_path.strip_prefix(&base).unwrap_or(&main_path).to_string_lossy().replace('\\', "/");
        worker.main_module = Some(main_name);
    }
    Ok(worker)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonc_comments_and_trailing_commas() {
        let src = r#"{
          // name
          "name": "a//b", /* block */
          "vars": {"X": "1", "Y": {"z": [1,2,],},},
        }"#;
        let v: Value = serde_json::from_str(&jsonc_to_json(src)).unwrap();
        assert_eq!(v["name"], "a//b");
        assert_eq!(v["vars"]["Y"]["z"][1], 2);
    }
}

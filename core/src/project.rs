//! Loading a Worker from disk the way an agent lays it out: a single Worker
//! file, a directory with a wrangler config (`wrangler.toml`,
//! `wrangler.jsonc` or `wrangler.json`: `name`, `main`,
//! `compatibility_date`, `compatibility_flags`, `vars`, `[assets]`), or a
//! plain directory of static files (an assets-only Worker). A config that
//! declares a binding or route boardingpass does not deploy is refused
//! (see `unsupported`).
//!
//! TypeScript, JSX and npm packages are bundled first (see `bundle`) unless
//! [`LoadOptions::no_bundle`] or the config's `no_bundle = true` says not to.
//!
//! The project is contained: its root is canonicalised (symlinks resolved)
//! and `main` and `[assets] directory` must resolve inside it; modules are
//! only the files `main` references (see `imports`), and the assets walk
//! skips symlinks and dotfiles (see `assets`).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::assets::AssetsConfig;
use crate::bundle::{self, BuildConfig};
use crate::error::Error;
use crate::imports::modules_from_entry;
use crate::progress::Progress;
use crate::worker::{name_from_path, read_file, Binding, D1DatabaseRef, KvNamespaceRef, Worker};

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
    #[serde(default)]
    kv_namespaces: Vec<WranglerKv>,
    #[serde(default)]
    d1_databases: Vec<WranglerD1>,
    #[serde(flatten)]
    build: BuildConfig,
}

/// `[[kv_namespaces]]`: `binding`, and `id` unless the namespace is to be
/// created on the first deploy (wrangler's automatic provisioning).
#[derive(Debug, Deserialize)]
struct WranglerKv {
    binding: String,
    id: Option<String>,
}

/// `[[d1_databases]]`: `binding`, the database by `database_id` or (to be
/// created on the first deploy) `database_name`, and `migrations_dir`
/// (default `migrations`, applied on deploy when it exists).
#[derive(Debug, Deserialize)]
struct WranglerD1 {
    binding: String,
    database_name: Option<String>,
    database_id: Option<String>,
    migrations_dir: Option<String>,
    migrations_table: Option<String>,
    migrations_pattern: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct WranglerAssets {
    directory: Option<String>,
    binding: Option<String>,
    html_handling: Option<String>,
    not_found_handling: Option<String>,
    run_worker_first: Option<Value>,
}

/// How [`load_with`] reads a project.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct LoadOptions {
    /// Overrides the configured or derived Worker name.
    pub name: Option<String>,
    /// Upload the modules as they are, never bundled (wrangler's `--no-bundle`).
    pub no_bundle: bool,
    /// Receives the `bundle` phase.
    pub progress: Progress,
}

setters!(LoadOptions { no_bundle: bool, progress: Progress } optional { name => String });

/// Reads a Worker from `path` (see module docs). `name` overrides the
/// configured or derived name.
pub fn load(path: &Path, name: Option<&str>) -> Result<Worker, Error> {
    load_with(path, &LoadOptions { name: name.map(str::to_string), ..Default::default() })
}

/// [`load`] with options.
pub fn load_with(path: &Path, options: &LoadOptions) -> Result<Worker, Error> {
    let root = path.canonicalize().map_err(|source| Error::Io { path: path.display().to_string(), source })?;
    let mut worker = if root.is_file() {
        from_file(path, &root, options)?
    } else if let Some(config) = CONFIG_FILES.iter().map(|f| root.join(f)).find(|p| p.is_file()) {
        from_config(path, &root, &config, options)?
    } else {
        Worker::new(name_from_path(path)).assets(AssetsConfig::new(&root))
    };
    if let Some(n) = &options.name {
        worker.name = n.clone();
    }
    Ok(worker)
}

/// The modules of the entry `file` (canonical, inside the canonical
/// `root`): bundled when [`bundle::wanted`], else the files it references.
fn entry_modules(worker: &mut Worker, root: &Path, file: &Path, build: &BuildConfig, options: &LoadOptions) -> Result<(), Error> {
    let mut build = build.clone();
    build.no_bundle |= options.no_bundle;
    if bundle::wanted(root, file, &build) {
        return bundle::bundle_into(worker, root, file, &build, &options.progress);
    }
    let dir = file.parent().expect("a canonical file path has a parent");
    worker.modules = modules_from_entry(dir, file)?;
    worker.main_module = Some(file.file_name().expect("a canonical file path has a name").to_string_lossy().into_owned());
    Ok(())
}

/// A single Worker file (canonical `file`) plus the modules it references.
fn from_file(path: &Path, file: &Path, options: &LoadOptions) -> Result<Worker, Error> {
    let dir = file.parent().expect("a canonical file path has a parent");
    let mut worker = Worker::new(name_from_path(path));
    entry_modules(&mut worker, dir, file, &BuildConfig::default(), options)?;
    Ok(worker)
}

/// `root.join(value)` canonicalised, refused unless it exists inside `root`;
/// `key` names the config key in the error.
fn inside(root: &Path, key: &str, value: &str) -> Result<PathBuf, Error> {
    let joined = root.join(value);
    let resolved = joined
        .canonicalize()
        .map_err(|e| Error::invalid(key, format!("{value:?} ({}) cannot be read: {e}", joined.display())))?;
    if !resolved.starts_with(root) {
        return Err(Error::invalid(
            key,
            format!("{value:?} resolves to {}, outside the project {}; only files inside the project are deployed", resolved.display(), root.display()),
        ));
    }
    Ok(resolved)
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
    let value: Value = if toml {
        toml::from_str(text).map_err(|e| bad(e.to_string()))?
    } else {
        serde_json::from_str(&jsonc_to_json(text)).map_err(|e| bad(e.to_string()))?
    };
    crate::unsupported::check(&value)?;
    serde_json::from_value(value).map_err(|e| bad(e.to_string()))
}

/// `path` as given (for the derived name), `root` canonical.
fn from_config(path: &Path, root: &Path, config_path: &Path, options: &LoadOptions) -> Result<Worker, Error> {
    let config = parse_config(config_path)?;
    let mut worker = Worker::new(config.name.clone().unwrap_or_else(|| name_from_path(path)));
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
    for kv in config.kv_namespaces {
        let namespace = match kv.id {
            Some(id) => KvNamespaceRef::Id(id),
            // Named after the Worker and binding, so a redeploy finds it again.
            None => KvNamespaceRef::Title(format!("{}-{}", worker.name, kv.binding.to_ascii_lowercase().replace('_', "-"))),
        };
        worker.bindings.push(Binding::Kv { name: kv.binding, namespace });
    }
    for d1 in config.d1_databases {
        worker.bindings.push(d1_binding(root, &worker.name, d1)?);
    }
    if let Some(a) = config.assets {
        let dir = a.directory.as_deref().ok_or_else(|| Error::invalid("wrangler config", "[assets] needs a `directory`"))?;
        let mut assets = AssetsConfig::new(inside(root, "assets.directory", dir)?);
        assets.binding = a.binding;
        assets.html_handling = a.html_handling;
        assets.not_found_handling = a.not_found_handling;
        assets.run_worker_first = a.run_worker_first;
        worker.assets = Some(assets);
    }
    if let Some(main) = config.main {
        let main_path = inside(root, "main", &main)?;
        if !main_path.is_file() {
            return Err(Error::invalid("main", format!("{} names {main:?}, which is not a file", config_path.display())));
        }
        entry_modules(&mut worker, root, &main_path, &config.build, options)?;
    }
    Ok(worker)
}

/// One `[[d1_databases]]` entry as a binding. Migrations are recorded in
/// wrangler's default table and read from `<dir>/*.sql`; a config that
/// asks for another table or pattern is refused rather than half-honoured.
fn d1_binding(root: &Path, worker: &str, d1: WranglerD1) -> Result<Binding, Error> {
    if let Some(table) = d1.migrations_table.filter(|t| t != crate::d1::MIGRATIONS_TABLE) {
        return Err(Error::invalid("migrations_table", format!("{table:?}: boardingpass records migrations in {:?}, wrangler's default; remove `migrations_table`", crate::d1::MIGRATIONS_TABLE)));
    }
    if d1.migrations_pattern.is_some() {
        return Err(Error::invalid("migrations_pattern", "boardingpass applies `<migrations_dir>/*.sql`, wrangler's default; remove `migrations_pattern`"));
    }
    let database = match (d1.database_id, d1.database_name) {
        (Some(id), _) => D1DatabaseRef::Id(id),
        (None, Some(name)) => D1DatabaseRef::Name(name),
        // Named after the Worker and binding, so a redeploy finds it again.
        (None, None) => D1DatabaseRef::Name(format!("{worker}-{}", d1.binding.to_ascii_lowercase().replace('_', "-"))),
    };
    let migrations_dir = match d1.migrations_dir {
        Some(dir) => Some(inside(root, "migrations_dir", &dir)?),
        // wrangler's default directory counts only when it is there.
        None => root.join("migrations").is_dir().then(|| inside(root, "migrations_dir", "migrations")).transpose()?,
    };
    if let Some(dir) = migrations_dir.as_ref().filter(|d| !d.is_dir()) {
        return Err(Error::invalid("migrations_dir", format!("{} is not a directory", dir.display())));
    }
    Ok(Binding::D1 { name: d1.binding, database, migrations_dir })
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

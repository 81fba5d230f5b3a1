//! Bundling what agents write — TypeScript, TSX/JSX, npm packages — into
//! one ES module, as `wrangler deploy` does, with the same bundler (the
//! esbuild binary, see `esbuild`; docs/PROTOCOL-CHOICES.md says why not an
//! in-process Rust bundler) and the same settings: ES module output,
//! conditions `workerd`, `worker`, `browser` (esbuild adds `import`,
//! `require`, `default`), `.js` read as JSX, `process.env.NODE_ENV` =
//! `"production"`, names kept, the config's `define`, `alias`, `tsconfig`,
//! `jsx_factory`, `jsx_fragment`, `minify`, `keep_names`, module
//! `[[rules]]` and `upload_source_maps`. `cloudflare:*` imports stay
//! external, and `node:*` ones too with `nodejs_compat` / `nodejs_als`.
//!
//! Every file the bundle reads must lie inside the project root; failures
//! are [`Error::Bundle`]s naming file, line and column, raised before any
//! request. The record of a bundle ([`BundleInfo`]: digest, bundler,
//! packages with versions) goes into the deployment, ticket and audit log.

mod esbuild;
mod rules;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Error;
use crate::paths::relative_name;
use crate::progress::{Phase, Progress};
use crate::worker::{read_file, Module, ModuleKind, Worker};

pub use esbuild::ESBUILD_ENV;
use rules::RuleConfig;

/// Largest bundle read back from the bundler (Workers allow 10 MiB compressed).
const MAX_OUTPUT: u64 = 64 * 1024 * 1024;
/// Entry extensions that cannot be uploaded as they are.
const COMPILED: [&str; 5] = ["ts", "tsx", "mts", "cts", "jsx"];

/// The build settings of a wrangler config (top-level keys).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub(crate) struct BuildConfig {
    define: BTreeMap<String, String>,
    alias: BTreeMap<String, String>,
    rules: Vec<RuleConfig>,
    tsconfig: Option<String>,
    jsx_factory: Option<String>,
    jsx_fragment: Option<String>,
    upload_source_maps: bool,
    minify: bool,
    keep_names: Option<bool>,
    pub(crate) no_bundle: bool,
    /// A custom build command: not run (see `check_supported`).
    build: Option<Value>,
    find_additional_modules: bool,
}

impl BuildConfig {
    /// Settings only a bundler honours: their presence asks for a bundle.
    fn asks_for_bundle(&self) -> bool {
        !self.define.is_empty()
            || !self.alias.is_empty()
            || !self.rules.is_empty()
            || self.tsconfig.is_some()
            || self.jsx_factory.is_some()
            || self.jsx_fragment.is_some()
            || self.upload_source_maps
            || self.minify
    }

    /// wrangler build options boardingpass does not implement are refused
    /// rather than silently ignored.
    fn check_supported(&self) -> Result<(), Error> {
        if self.build.as_ref().is_some_and(|b| b.get("command").is_some()) {
            return Err(Error::invalid(
                "build.command",
                "custom build commands are not run; run the build yourself and point `main` at its output (with no_bundle = true if it is already bundled)",
            ));
        }
        if self.find_additional_modules {
            return Err(Error::invalid("find_additional_modules", "is not supported; import the modules from the entry so the bundle includes them"));
        }
        Ok(())
    }
}

/// An npm package that went into a bundle.
#[cfg_attr(feature = "napi", napi_derive::napi(object))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, get_all, module = "boardingpass"))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BundledPackage {
    pub name: String,
    pub version: String,
}

/// What a bundle was made from, for the deploy record.
#[cfg_attr(feature = "napi", napi_derive::napi(object))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, get_all, module = "boardingpass"))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BundleInfo {
    /// `esbuild <version>`.
    pub bundler: String,
    /// SHA-256 of the bundled entry module.
    pub digest: String,
    /// Packages from `node_modules` in the bundle, by name.
    pub packages: Vec<BundledPackage>,
}

/// Whether a project with this entry and config is bundled: TypeScript or
/// JSX, npm packages (a `package.json` at the root) or a bundler setting.
/// A plain-JavaScript project without them is uploaded as its modules (the
/// same code at run time, and no bundler needed).
pub(crate) fn wanted(root: &Path, entry: &Path, config: &BuildConfig) -> bool {
    let compiled = entry.extension().and_then(|e| e.to_str()).is_some_and(|e| COMPILED.contains(&e));
    cfg!(feature = "bundle") && !config.no_bundle && (compiled || root.join("package.json").is_file() || config.asks_for_bundle())
}

/// Removes the bundler's scratch directory however bundling ends.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Self, Error> {
        let dir = std::env::temp_dir().join(format!("boardingpass-bundle-{}-{}", std::process::id(), hex::encode(rand::random::<[u8; 6]>())));
        std::fs::create_dir(&dir).map_err(|source| Error::Io { path: dir.display().to_string(), source })?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn read_capped(path: &Path) -> Result<Vec<u8>, Error> {
    let len = std::fs::metadata(path).map_err(|source| Error::Io { path: path.display().to_string(), source })?.len();
    if len > MAX_OUTPUT {
        return Err(Error::Bundle {
            file: None,
            line: None,
            column: None,
            message: format!("the bundle is {len} bytes, over {MAX_OUTPUT}"),
            hint: "remove large dependencies; a Worker is limited to 10 MiB compressed".into(),
        });
    }
    read_file(path)
}

/// Bundles `entry` (canonical, inside the canonical `root`) into `worker`'s
/// modules and main module, and records the bundle on it.
#[tracing::instrument(name = "bundle", skip_all, fields(worker = %worker.name))]
pub(crate) fn bundle_into(worker: &mut Worker, root: &Path, entry: &Path, config: &BuildConfig, progress: &Progress) -> Result<(), Error> {
    config.check_supported()?;
    let rules = rules::resolve(&config.rules)?;
    progress.emit(Phase::Bundle, 0, 1);
    let bin = esbuild::locate(root)?;
    let scratch = Scratch::new()?;
    let stem = entry.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "index".into());
    let main_name = format!("{stem}.js");
    let out = scratch.0.join(&main_name);
    let meta = scratch.0.join("meta.json");
    let node_compat = worker.compatibility_flags.iter().any(|f| f == "nodejs_compat" || f == "nodejs_als");

    let mut args = vec![
        // `./` so that an entry named like a flag is read as a path.
        format!("./{}", relative_name(root, entry)?),
        "--bundle".into(),
        "--format=esm".into(),
        "--target=es2024".into(),
        "--conditions=workerd,worker,browser".into(),
        "--loader:.js=jsx".into(),
        "--loader:.mjs=jsx".into(),
        "--loader:.cjs=jsx".into(),
        "--external:cloudflare:*".into(),
        "--log-level=error".into(),
        "--color=false".into(),
        format!("--outfile={}", out.display()),
        format!("--metafile={}", meta.display()),
    ];
    if node_compat {
        args.push("--external:node:*".into());
    }
    let mut define = BTreeMap::from([("process.env.NODE_ENV".to_string(), "\"production\"".to_string())]);
    define.extend(config.define.clone());
    args.extend(define.iter().map(|(k, v)| format!("--define:{k}={v}")));
    args.extend(config.alias.iter().map(|(k, v)| format!("--alias:{k}={v}")));
    args.extend(rules.iter().map(|r| format!("--external:*{}", r.suffix)));
    if config.keep_names.unwrap_or(true) {
        args.push("--keep-names".into());
    }
    if config.minify {
        args.push("--minify".into());
    }
    if config.upload_source_maps {
        args.push("--sourcemap".into());
    }
    if let Some(t) = &config.tsconfig {
        args.push(format!("--tsconfig={t}"));
    }
    if let Some(f) = &config.jsx_factory {
        args.push(format!("--jsx-factory={f}"));
    }
    if let Some(f) = &config.jsx_fragment {
        args.push(format!("--jsx-fragment={f}"));
    }
    esbuild::run(&bin, root, &args, None, |d| hint(d, root, node_compat))?;

    let code = read_capped(&out)?;
    let metafile: Value = serde_json::from_slice(&read_capped(&meta)?)
        .map_err(|e| Error::Bundle { file: None, line: None, column: None, message: format!("esbuild wrote an unreadable metafile: {e}"), hint: "update esbuild".into() })?;
    let inputs = metafile["inputs"].as_object().cloned().unwrap_or_default();
    let mut modules = vec![Module::new(main_name.clone(), ModuleKind::EsModule, code)];
    let mut packages = BTreeSet::new();
    for (input, info) in &inputs {
        // esbuild's virtual inputs (`(disabled):…` for a `browser: false` file) read nothing.
        if input.starts_with('(') || input.starts_with('<') {
            continue;
        }
        let path = root.join(input).canonicalize().map_err(|source| Error::Io { path: input.clone(), source })?;
        if !path.starts_with(root) {
            return Err(outside(root, &inputs, input, &path));
        }
        packages.extend(package_dir(input));
        for import in info["imports"].as_array().into_iter().flatten().filter(|i| i["external"] == true) {
            let Some(spec) = import["path"].as_str() else { continue };
            if let Some(rule) = rules::matching(&rules, spec) {
                modules.push(rule_module(root, &path, spec, rule.kind, &modules)?);
            }
        }
    }
    if config.upload_source_maps {
        modules.push(Module::new(format!("{main_name}.map"), ModuleKind::SourceMap, read_capped(&scratch.0.join(format!("{main_name}.map")))?));
    }
    dedup(&mut modules);
    let digest = {
        use sha2::{Digest, Sha256};
        format!("sha256:{}", hex::encode(Sha256::digest(&modules[0].content)))
    };
    // One package.json read per package, not per file.
    let packages: BTreeSet<BundledPackage> = packages.into_iter().map(|(dir, name)| package_at(root, &dir, name)).collect();
    worker.bundle = Some(BundleInfo { bundler: bundler_name(&bin), digest, packages: packages.into_iter().collect() });
    worker.modules = modules;
    worker.main_module = Some(main_name);
    progress.emit(Phase::Bundle, 1, 1);
    Ok(())
}

/// The error for an `input` the bundle would read from outside `root`
/// (a package found in a `node_modules` above the project), located at
/// the import inside the project that leads there.
fn outside(root: &Path, inputs: &serde_json::Map<String, Value>, input: &str, path: &Path) -> Error {
    let leads_out = |i: &Value| i["path"].as_str().is_some_and(|p| !root.join(p).canonicalize().is_ok_and(|c| c.starts_with(root)));
    let from = inputs.iter().filter(|(name, _)| root.join(name).canonicalize().is_ok_and(|c| c.starts_with(root))).find_map(|(name, info)| {
        let import = info["imports"].as_array()?.iter().find(|i| i["external"] != true && leads_out(i))?;
        let target = root.join(import["path"].as_str()?).canonicalize().ok()?;
        Some((name.clone(), import["original"].as_str().or(import["path"].as_str())?.to_string(), target))
    });
    let Some((importer, spec, target)) = from else {
        return Error::Bundle {
            file: Some(input.to_string()),
            line: None,
            column: None,
            message: format!("the bundle would include {}, outside the project {}", path.display(), root.display()),
            hint: "only files inside the project are deployed: install the packages in the project itself".into(),
        };
    };
    let (line, column) = locate(&std::fs::read_to_string(root.join(&importer)).unwrap_or_default(), &spec).unzip();
    let hint = if root.join("node_modules").is_dir() {
        format!("only files inside the project are deployed: run `npm install {}` in {}", package_name(&spec), root.display())
    } else {
        format!("node_modules is missing: run `npm install` in {}", root.display())
    };
    Error::Bundle {
        file: Some(importer),
        line,
        column,
        message: format!("{spec:?} resolves to {}, outside the project", target.display()),
        hint,
    }
}

/// 1-based line and column of the first quoted `spec` in `source`.
fn locate(source: &str, spec: &str) -> Option<(u32, u32)> {
    let at = ['"', '\'', '`'].iter().filter_map(|q| source.find(&format!("{q}{spec}{q}"))).min()?;
    let before = &source[..at];
    let line = before.matches('\n').count() as u32 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
    Some((line, column))
}

/// The module a rule keeps separate: `spec` as imported from `importer`,
/// named by the specifier (the bundle sits at the module root, so the
/// import resolves to that name at run time).
fn rule_module(root: &Path, importer: &Path, spec: &str, kind: ModuleKind, so_far: &[Module]) -> Result<Module, Error> {
    let file_spec = spec.split_once('?').map_or(spec, |(f, _)| f);
    let at = |message: String, hint: &str| Error::Bundle {
        file: relative_name(root, importer).ok(),
        line: None,
        column: None,
        message,
        hint: hint.to_string(),
    };
    let name = file_spec.strip_prefix("./").filter(|n| !n.starts_with("../") && !n.is_empty());
    let Some(name) = name else {
        return Err(at(format!("{spec:?} is not a `./` path"), "import modules kept apart by the rules (.wasm, .txt, .html, .sql, .bin) with a ./ path in the file's own directory or below"));
    };
    let file = importer.parent().unwrap_or(root).join(name);
    let file = file.canonicalize().map_err(|source| Error::Io { path: file.display().to_string(), source })?;
    if !file.starts_with(root) {
        return Err(at(format!("{spec:?} is outside the project"), "only files inside the project are deployed"));
    }
    let content = read_capped(&file)?;
    if let Some(other) = so_far.iter().find(|m| m.name == name && m.content != content) {
        return Err(at(format!("two different files are imported as {:?}", other.name), "rename one of them"));
    }
    Ok(Module::new(name, kind, content))
}

fn dedup(modules: &mut Vec<Module>) {
    let mut seen = BTreeSet::new();
    modules.retain(|m| seen.insert(m.name.clone()));
}

/// The directory (relative to the root) and name of the innermost package
/// `input` lies in: `…node_modules/<name>` or `…node_modules/@scope/<name>`.
fn package_dir(input: &str) -> Option<(String, String)> {
    let at = input.rfind("node_modules/")?;
    let start = at + "node_modules/".len();
    let mut parts = input[start..].split('/');
    let first = parts.next()?;
    let name = if first.starts_with('@') { format!("{first}/{}", parts.next()?) } else { first.to_string() };
    Some((input[..start + name.len()].to_string(), name))
}

/// A package with its version from its package.json.
fn package_at(root: &Path, dir: &str, name: String) -> BundledPackage {
    let json: Option<Value> = read_capped(&root.join(dir).join("package.json")).ok().and_then(|b| serde_json::from_slice(&b).ok());
    let version = json.as_ref().and_then(|j| j["version"].as_str()).unwrap_or("unknown").to_string();
    BundledPackage { name, version }
}

/// `esbuild <version>` from the npm package holding the binary, when known.
fn bundler_name(bin: &Path) -> String {
    let version = bin
        .ancestors()
        .skip(1)
        .take(2)
        .map(|d| d.join("package.json"))
        .find_map(|p| serde_json::from_slice::<Value>(&std::fs::read(p).ok()?).ok()?["version"].as_str().map(str::to_string));
    match version {
        Some(v) => format!("esbuild {v}"),
        None => "esbuild".into(),
    }
}

/// What to do about a diagnostic, in the project's terms.
fn hint(d: &esbuild::Diagnostic, root: &Path, node_compat: bool) -> String {
    let unresolved = d.message.strip_prefix("Could not resolve \"").and_then(|s| s.strip_suffix('"'));
    match unresolved {
        Some(spec) if spec.starts_with("node:") && !node_compat => {
            "Node.js built-ins need `compatibility_flags = [\"nodejs_compat\"]` in the wrangler config".into()
        }
        Some(spec) if spec.starts_with('.') || spec.starts_with('/') => "no such file: check the import path, relative to the importing file".into(),
        Some(spec) if !root.join("node_modules").is_dir() => {
            format!("node_modules is missing: run `npm install` in {} (needed for {spec:?})", root.display())
        }
        Some(spec) => format!("the package is not installed: run `npm install {}` in {}", package_name(spec), root.display()),
        None if d.message.starts_with("Expected") || d.message.starts_with("Unexpected") || d.message.contains("syntax") => {
            "fix the syntax at that place".into()
        }
        None => match &d.note {
            Some(note) => format!("{note}; or deploy with --no-bundle to upload the modules as they are"),
            None => "fix the code at that place, or deploy with --no-bundle to upload the modules as they are".into(),
        },
    }
}

/// `@scope/pkg/sub` → `@scope/pkg`, `pkg/sub` → `pkg`.
fn package_name(spec: &str) -> &str {
    let mut ends = spec.match_indices('/').map(|(i, _)| i);
    let end = if spec.starts_with('@') { ends.nth(1) } else { ends.next() };
    end.map_or(spec, |e| &spec[..e])
}

/// Type-strips the TypeScript/JSX modules of an in-memory Worker
/// (`Worker::from_source(name, "index.ts", …)`), each renamed to `.js`.
/// A Worker without such modules is returned unchanged. Only relative
/// imports between them are not rewritten: bundle a project for that.
pub(crate) fn compile_sources(worker: &Worker, progress: &Progress) -> Result<Option<Worker>, Error> {
    let loader = |name: &str| match name.rsplit_once('.').map(|(_, e)| e) {
        Some("ts" | "mts" | "cts") => Some("ts"),
        Some("tsx") => Some("tsx"),
        Some("jsx") => Some("jsx"),
        _ => None,
    };
    if !cfg!(feature = "bundle") || !worker.modules.iter().any(|m| m.kind.is_code() && loader(&m.name).is_some()) {
        return Ok(None);
    }
    let _span = tracing::info_span!("bundle", worker = %worker.name).entered();
    progress.emit(Phase::Bundle, 0, 1);
    let cwd = std::env::current_dir().unwrap_or_else(|_| std::env::temp_dir());
    let bin = esbuild::locate(&cwd)?;
    let mut out = worker.clone();
    for m in out.modules.iter_mut().filter(|m| m.kind.is_code()) {
        let Some(loader) = loader(&m.name) else { continue };
        let mut args = vec![format!("--loader={loader}"), format!("--sourcefile={}", m.name), "--target=es2024".into(), "--log-level=error".into(), "--color=false".into()];
        if m.kind == ModuleKind::EsModule {
            args.push("--format=esm".into());
        }
        let run = esbuild::run(&bin, &cwd, &args, Some(&m.content), |d| hint(d, &cwd, true))?;
        let js = format!("{}.js", m.name.rsplit_once('.').map_or(m.name.as_str(), |(s, _)| s));
        if out.main_module.as_deref() == Some(m.name.as_str()) {
            out.main_module = Some(js.clone());
        }
        *m = Module::new(js, m.kind, run.stdout);
    }
    progress.emit(Phase::Bundle, 1, 1);
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_and_versions_come_from_node_modules() {
        assert_eq!(package_name("@scope/pkg/sub/x"), "@scope/pkg");
        assert_eq!(package_name("hono/jsx"), "hono");
        assert_eq!(package_name("zod"), "zod");
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("node_modules/@a/b");
        std::fs::create_dir_all(pkg.join("dist")).unwrap();
        std::fs::write(pkg.join("package.json"), r#"{"name":"@a/b","version":"1.2.3"}"#).unwrap();
        let (at, name) = package_dir("node_modules/@a/b/dist/index.js").unwrap();
        assert_eq!((at.as_str(), name.as_str()), ("node_modules/@a/b", "@a/b"));
        assert_eq!(package_at(dir.path(), &at, name), BundledPackage { name: "@a/b".into(), version: "1.2.3".into() });
        assert_eq!(package_dir("node_modules/x/node_modules/y/i.js").unwrap().0, "node_modules/x/node_modules/y");
        assert!(package_dir("src/index.ts").is_none());
    }

    #[test]
    fn unresolved_imports_say_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let d = |m: &str| esbuild::Diagnostic { message: m.into(), ..Default::default() };
        assert!(hint(&d("Could not resolve \"hono/jsx\""), dir.path(), false).contains("run `npm install` in"));
        std::fs::create_dir(dir.path().join("node_modules")).unwrap();
        assert!(hint(&d("Could not resolve \"hono/jsx\""), dir.path(), false).contains("`npm install hono` in"));
        assert!(hint(&d("Could not resolve \"node:buffer\""), dir.path(), false).contains("nodejs_compat"));
        assert!(hint(&d("Could not resolve \"./x\""), dir.path(), false).contains("check the import path"));
        assert!(hint(&d("Expected \";\" but found \"x\""), dir.path(), false).contains("syntax"));
    }

    #[test]
    fn imports_are_located_by_their_quoted_specifier() {
        let src = "// hono\nimport x from 'other';\nimport { Hono } from \"hono\";\n";
        assert_eq!(locate(src, "hono"), Some((3, 22)));
        assert_eq!(locate(src, "absent"), None);
    }

    #[test]
    fn unsupported_build_options_are_refused() {
        let c: BuildConfig = toml::from_str("[build]\ncommand = \"npm run build\"\n").unwrap();
        assert!(c.check_supported().unwrap_err().to_string().contains("custom build commands are not run"));
        let c: BuildConfig = toml::from_str("find_additional_modules = true\n").unwrap();
        assert!(c.check_supported().is_err());
        let c: BuildConfig = toml::from_str("minify = true\n[define]\nDEBUG = \"false\"\n").unwrap();
        assert!(c.check_supported().is_ok() && c.asks_for_bundle());
    }
}

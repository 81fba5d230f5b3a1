//! A project given inline, as `{path: content}`, the way a model hands over
//! what it just wrote. The files are checked (paths, count, sizes) before
//! anything is provisioned, then written to a private temporary directory
//! that the ordinary project loader reads, so an inline project follows
//! exactly the rules of one on disk (config, imports, assets, dotfiles).

use std::collections::BTreeMap;
#[cfg(test)]
use std::path::Path;

use crate::error::Error;
use crate::project;
use crate::worker::Worker;

/// Most files one inline project may hold.
pub const MAX_INLINE_FILES: usize = 1000;
/// Largest single inline file (Cloudflare's per-asset limit is 25 MiB; a
/// model-written file over 5 MiB is a mistake, not a site).
pub const MAX_INLINE_FILE_BYTES: usize = 5 << 20;
/// Largest inline project in total.
pub const MAX_INLINE_TOTAL_BYTES: usize = 10 << 20;

/// Entry files tried, in order, when the files hold no wrangler config.
const ENTRIES: [&str; 6] = ["index.js", "index.mjs", "src/index.js", "src/index.mjs", "worker.js", "src/worker.js"];
const CONFIGS: [&str; 3] = ["wrangler.toml", "wrangler.jsonc", "wrangler.json"];

/// An inline project written out, alive as long as this value.
#[derive(Debug)]
pub(crate) struct InlineProject {
    dir: tempfile::TempDir,
    entry: Option<String>,
}

fn bad(message: String) -> Error {
    Error::invalid("files", message)
}

/// Refuses anything but a plain relative path of visible names.
fn check_path(path: &str) -> Result<(), Error> {
    if path.is_empty() || path.len() > 512 {
        return Err(bad(format!("{:?}: a path is 1-512 characters", crate::printable(path))));
    }
    if path.starts_with('/') || path.contains('\\') || path.chars().any(char::is_control) {
        return Err(bad(format!("{:?}: use a relative path with `/` separators", crate::printable(path))));
    }
    for part in path.split('/') {
        if part.is_empty() || part == "." || part == ".." {
            return Err(bad(format!("{:?}: empty, `.` and `..` path segments are not allowed", crate::printable(path))));
        }
        if part.starts_with('.') && part != ".assetsignore" {
            return Err(bad(format!("{:?}: dotfiles are not deployed; leave it out", crate::printable(path))));
        }
    }
    Ok(())
}

/// Checks `files` against the limits above; nothing is written.
pub(crate) fn check(files: &BTreeMap<String, String>) -> Result<(), Error> {
    if files.is_empty() {
        return Err(bad("no files given; pass at least the Worker's entry file".into()));
    }
    if files.len() > MAX_INLINE_FILES {
        return Err(bad(format!("{} files given; at most {MAX_INLINE_FILES} are accepted", files.len())));
    }
    let mut total = 0usize;
    for (path, content) in files {
        check_path(path)?;
        if content.len() > MAX_INLINE_FILE_BYTES {
            return Err(bad(format!("{path} is {} bytes; at most {MAX_INLINE_FILE_BYTES} per file", content.len())));
        }
        total += content.len();
    }
    if total > MAX_INLINE_TOTAL_BYTES {
        return Err(bad(format!("{total} bytes in all; at most {MAX_INLINE_TOTAL_BYTES}")));
    }
    Ok(())
}

impl InlineProject {
    /// Checks and writes `files`; `main` names the entry when there is no
    /// wrangler config and none of the usual entry names is present.
    pub(crate) fn write(files: &BTreeMap<String, String>, main: Option<&str>) -> Result<Self, Error> {
        check(files)?;
        let has_config = CONFIGS.iter().any(|c| files.contains_key(*c));
        let entry = match main {
            Some(m) if !files.contains_key(m) => return Err(Error::invalid("main", format!("{m} is not one of the files given"))),
            Some(m) => Some(m.to_string()),
            None if has_config => None,
            None => ENTRIES.iter().find(|e| files.contains_key(**e)).map(|e| e.to_string()),
        };
        let dir = tempfile::Builder::new().prefix("boardingpass-inline-").tempdir().map_err(|source| Error::Io { path: "temporary directory".into(), source })?;
        for (path, content) in files {
            let target = dir.path().join(path);
            let io = |source| Error::Io { path: path.clone(), source };
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(io)?;
            }
            std::fs::write(&target, content).map_err(io)?;
        }
        Ok(Self { dir, entry })
    }

    /// The Worker these files describe: the config's, the entry's, or (no
    /// config, no entry) a static site of all the files.
    pub(crate) fn load(&self, name: &str) -> Result<Worker, Error> {
        let path = match &self.entry {
            Some(e) => self.dir.path().join(e),
            None => self.dir.path().to_path_buf(),
        };
        project::load(&path, Some(name))
    }

    #[cfg(test)]
    fn root(&self) -> &Path {
        self.dir.path()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(p, c)| (p.to_string(), c.to_string())).collect()
    }

    #[test]
    fn paths_that_escape_or_hide_are_refused() {
        for p in ["/etc/passwd", "../x.js", "a/../../x.js", "a//b.js", "./a.js", ".env", "src/.secret", "a\\b.js", "a\u{1b}[31m.js", ""] {
            let e = check(&files(&[(p, "x")])).unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{p}: {e}");
        }
        check(&files(&[("public/.assetsignore", "x"), ("src/index.js", "x")])).unwrap();
    }

    #[test]
    fn count_and_sizes_are_limited() {
        let many: BTreeMap<String, String> = (0..=MAX_INLINE_FILES).map(|i| (format!("f{i}.html"), String::new())).collect();
        assert!(check(&many).unwrap_err().to_string().contains("at most 1000"));
        let big = "x".repeat(MAX_INLINE_FILE_BYTES + 1);
        assert!(check(&files(&[("index.js", &big)])).unwrap_err().to_string().contains("per file"));
        assert!(check(&BTreeMap::new()).is_err());
    }

    #[test]
    fn the_entry_is_found_and_only_imported_modules_are_loaded() {
        let p = InlineProject::write(
            &files(&[("src/index.js", "import {x} from './lib.js'; export default {fetch(){return new Response(x)}}"), ("src/lib.js", "export const x = 'hi'"), ("notes.js", "secret")]),
            None,
        )
        .unwrap();
        let w = p.load("inline").unwrap();
        let names: Vec<_> = w.modules.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["index.js", "lib.js"]);
        assert_eq!(w.name, "inline");
        let root = p.root().to_path_buf();
        drop(p);
        assert!(!root.exists(), "the temporary directory goes with the project");
    }

    #[test]
    fn without_an_entry_the_files_are_a_static_site() {
        let p = InlineProject::write(&files(&[("index.html", "<h1>hi</h1>")]), None).unwrap();
        let w = p.load("site").unwrap();
        assert!(w.modules.is_empty() && w.assets.is_some());
        assert!(InlineProject::write(&files(&[("a.js", "x")]), Some("b.js")).unwrap_err().to_string().contains("main"));
    }
}

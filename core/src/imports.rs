//! Which files a Worker's entry module pulls in. Only those are uploaded, so
//! whatever else lies next to the entry (`credentials.json`, `dump.sql`)
//! stays on disk.
//!
//! Followed transitively from the entry: relative specifiers (`./`, `../`,
//! `/`) of static `import … from`, `import '…'`, `export … from`, dynamic
//! `import('…')` and `require('…')` in JavaScript, and `import x` /
//! `from x import` naming a `.py` file in Python. Bare specifiers
//! (`node:fs`, `cloudflare:workers`, packages) belong to the runtime and
//! stay external; a dynamic import of a computed string cannot be followed.
//! A referenced file that is missing, outside the Worker's root or of a kind
//! that cannot be uploaded is a typed error.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use crate::error::Error;
use crate::paths::relative_name;
use crate::worker::{looks_like_es_module, read_file, Module, ModuleKind};

/// Field named by errors about referenced files.
const FIELD: &str = "module import";

static JS_SPECIFIER: LazyLock<Regex> = LazyLock::new(|| {
    // `from "x"`, `import "x"`, and `import("x")`, `require("x")` with a
    // literal as the whole argument (`import("./" + name)` is computed), not
    // preceded by `.` or an identifier character (`a.require(…)` is not one).
    Regex::new(r#"(?:^|[^.\w$])(?:(?:from|import)\s*(?:"([^"\n]*)"|'([^'\n]*)')|(?:import|require)\s*\(\s*(?:"([^"\n]*)"|'([^'\n]*)')\s*\))"#)
        .expect("valid regex")
});

static PY_IMPORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import\b|import[ \t]+([\w.]+(?:[ \t]*,[ \t]*[\w.]+)*))").expect("valid regex")
});

/// JavaScript with `//` and `/* */` comments blanked out; strings, template
/// literals and regex literals are kept as written (a `//` inside them is
/// not a comment).
fn strip_js_comments(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    // The last significant byte decides whether `/` starts a regex literal.
    let mut prev = b'(';
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match (c, b.get(i + 1)) {
            (b'/', Some(b'/')) => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            (b'/', Some(b'*')) => {
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
                // A line break, not a space: no specifier (they never span
                // lines) can be stitched together across a removed comment.
                out.push(b'\n');
                continue;
            }
            (b'"' | b'\'' | b'`', _) => {
                let start = i;
                i += 1;
                // Quotes end at the line (an unterminated literal must not swallow
                // the lines after it, or a comment would be read inside a string).
                while i < b.len() && b[i] != c && (c == b'`' || b[i] != b'\n') {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(b.len());
                out.extend_from_slice(&b[start..i]);
                prev = c;
                continue;
            }
            (b'/', _) if b"(,=:[!&|?{};+-*%<>~^".contains(&prev) => {
                let start = i;
                i += 1;
                let mut in_class = false;
                while i < b.len() && b[i] != b'\n' && (in_class || b[i] != b'/') {
                    match b[i] {
                        b'\\' => i += 1,
                        b'[' => in_class = true,
                        b']' => in_class = false,
                        _ => {}
                    }
                    i += 1;
                }
                i = (i + 1).min(b.len());
                out.extend_from_slice(&b[start..i]);
                prev = b'/';
                continue;
            }
            _ => {}
        }
        out.push(c);
        if !c.is_ascii_whitespace() {
            prev = c;
        }
        i += 1;
    }
    // Cuts happen only at ASCII bytes, so the text stays UTF-8.
    String::from_utf8_lossy(&out).into_owned()
}

/// What `source` (a module of `kind`) references: `(specifier, relative)`,
/// where `relative` means "resolve from the importing file's directory".
pub(crate) fn references(source: &str, kind: ModuleKind) -> Vec<(String, bool)> {
    match kind {
        ModuleKind::EsModule | ModuleKind::Commonjs => JS_SPECIFIER
            .captures_iter(&strip_js_comments(source))
            .filter_map(|c| c.get(1).or(c.get(2)).or(c.get(3)).or(c.get(4)))
            .map(|m| m.as_str())
            .filter(|s| s.starts_with("./") || s.starts_with("../") || s.starts_with('/'))
            .map(|s| (s.to_string(), !s.starts_with('/')))
            .collect(),
        ModuleKind::Python => PY_IMPORT
            .captures_iter(source)
            .flat_map(|c| match (c.get(1), c.get(2)) {
                (Some(from), _) => vec![from.as_str().to_string()],
                (_, Some(list)) => list.as_str().split(',').map(|s| s.trim().to_string()).collect(),
                _ => Vec::new(),
            })
            .filter_map(|name| {
                let relative = name.starts_with('.');
                let dotted = name.trim_start_matches('.');
                (!dotted.is_empty()).then(|| (format!("{}.py", dotted.replace('.', "/")), relative))
            })
            .collect(),
        _ => Vec::new(),
    }
}


/// `spec` resolved against the directory `dir` by name, as the runtime
/// resolves a specifier against a module name (`.` and `..` segments, no
/// symlinks); `None` when it climbs above `root`.
fn resolve_by_name(root: &Path, dir: &Path, spec: &str) -> Option<PathBuf> {
    let mut segments: Vec<String> = dir.strip_prefix(root).ok()?.iter().map(|s| s.to_string_lossy().into_owned()).collect();
    for seg in spec.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop()?;
            }
            name => segments.push(name.to_string()),
        }
    }
    Some(segments.iter().fold(root.to_path_buf(), |p, s| p.join(s)))
}

/// Reads the entry `main` and every file it references, transitively.
/// `root` (the entry's directory) and `main` are canonical paths. Modules
/// are named by their path relative to `root` as written in the imports (so
/// the runtime finds them), and each must really lie inside `root` (a
/// symlink out of it is refused).
pub(crate) fn modules_from_entry(root: &Path, main: &Path) -> Result<Vec<Module>, Error> {
    let mut found: BTreeMap<PathBuf, Module> = BTreeMap::new();
    let mut queue = VecDeque::from([main.to_path_buf()]);
    while let Some(path) = queue.pop_front() {
        if found.contains_key(&path) {
            continue;
        }
        let name = relative_name(root, &path)?;
        let content = read_file(&path)?;
        let kind = match ModuleKind::from_path(&name) {
            Some(ModuleKind::EsModule) | None if path == main && !looks_like_es_module(&String::from_utf8_lossy(&content)) => ModuleKind::ServiceWorker,
            None if path == main => ModuleKind::EsModule,
            Some(kind) => kind,
            None => return Err(Error::invalid(FIELD, format!("{} cannot be uploaded as a module (unknown extension); bundle the Worker first", path.display()))),
        };
        if kind.is_code() {
            let text = std::str::from_utf8(&content)
                .map_err(|_| Error::invalid(FIELD, format!("{} is not UTF-8 text", path.display())))?;
            let dir = path.parent().unwrap_or(root);
            // An unresolved Python import is a package or the standard library.
            let missing_ok = kind == ModuleKind::Python;
            for (spec, relative) in references(text, kind) {
                let outside = |to: &Path| {
                    Error::invalid(
                        FIELD,
                        format!("{} imports {spec:?}, which resolves to {}, outside the Worker's root {}; move it under the root", path.display(), to.display(), root.display()),
                    )
                };
                let Some(target) = resolve_by_name(root, if relative { dir } else { root }, &spec) else {
                    return Err(outside(&dir.join(&spec)));
                };
                match target.canonicalize() {
                    Ok(real) if !real.starts_with(root) => return Err(outside(&real)),
                    Ok(real) if real.is_file() => queue.push_back(target),
                    _ if missing_ok => {}
                    _ => {
                        return Err(Error::invalid(
                            FIELD,
                            format!("{} imports {spec:?}, but {} does not exist or is not a file; fix the path (specifiers need the file's extension)", path.display(), target.display()),
                        ))
                    }
                }
            }
        }
        found.insert(path, Module::new(name, kind, content));
    }
    let mut modules: Vec<Module> = found.into_values().collect();
    modules.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(modules)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(src: &str) -> Vec<String> {
        references(src, ModuleKind::EsModule).into_iter().map(|(s, _)| s).collect()
    }

    #[test]
    fn every_import_form_is_found_and_bare_specifiers_stay_external() {
        let src = r#"
            import a from "./a.js";
            import { b } from './lib/b.js'
            import "./side.js";
            export * from "../up.js";
            export { c } from "/abs.js";
            const d = await import('./dyn.js');
            const e = require("./cjs.cjs");
            import { env } from "cloudflare:workers";
            import fs from "node:fs";
            const f = import(name);
            const g = import("./computed/" + name);
            x.require("./not-a-require.js");
        "#;
        assert_eq!(specs(src), ["./a.js", "./lib/b.js", "./side.js", "../up.js", "/abs.js", "./dyn.js", "./cjs.cjs"]);
    }

    #[test]
    fn comments_are_ignored_but_strings_and_regexes_are_kept() {
        let src = "// import './gone.js'\n/* require('./gone2.js') */\nconst u = 'http://x/*';\nconst r = /\\/\\//g; import './kept.js';\n";
        assert_eq!(specs(src), ["./kept.js"]);
    }

    #[test]
    fn python_imports_name_files() {
        let refs = references("import os, helpers\nfrom .lib.util import x\nfrom js import Response\n", ModuleKind::Python);
        assert_eq!(refs, [("os.py".to_string(), false), ("helpers.py".into(), false), ("lib/util.py".into(), true), ("js.py".into(), false)]);
    }

    #[test]
    fn a_removed_comment_never_joins_two_fragments_into_a_specifier() {
        // Found by tests/fuzz (imports): the string ran on past its line, the
        // scanner saw `/*` outside it and joined two fragments into "./. e.ims".
        let src = "ims\")\nimport(\"././*A\nhmport(\"./@*/e.ims\")\nimport(\"\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}\u{c}./*A\nhmport(\"./@*/e.js\")\n\u{0}\u{0}\u{0}j\u{0}\u{0}\u{0})\n\u{0}\u{0}\u{0}er\"\njs\")\n\u{0}\u{0}\u{0}j\u{0}\u{0}\u{0})\n\u{0}\u{0}\u{0}e\n";
        for spec in specs(src) {
            assert!(src.contains(&spec), "{spec:?} is not in the source");
        }
        // And one whose comment, blanked to a space, stitched "./a…" to the text after it.
        let src = "impoNNNNNNNNNNNNNNNNNNNNNrt from \"./a||||||.js\";x from \"./a|||||\u{0}\u{1}|||}|||||||||||||||\u{0}\u{11}\u{0}\u{0}js\";\u{0}i|||||}||||<|||||||||||||.js\";x from \"./a|||||\u{0}\u{1}|||}|||||||||||||||\u{0}\u{11}\u{0}\u{0}js\";\u{0}iNNNNNNNNNNr\u{11}\u{11}\u{11}\u{11}\u{11}\u{11}t from \"./a||||||||}||||<||||s\";x from \"./a|||||\u{0}\u{1}|||}|||||||||||||||\u{0}\u{11}\u{0}\u{0}js\";\u{0}i|||||}||||<||||||||.js\";x from \"./a|||||\u{0}\u{1}|||}||||||||||a|||||\u{0}\u{1}|||}|||||||||||||||\u{0}\u{11}\u{0}\u{0}js\";\u{0}iNNNNNNNNNNr\u{11}\u{11}\u{11}\u{11}\u{11}\u{11}t from \"./a||||||||}||||<|||||}|||||||||||||||\u{0}\u{11}\u{0}\u{0}js\";\u{0}i|||||}||||<|||||||||||||.js\";x from \"./a|||||\u{0}\u{1}|||not}|||||||||||||||\u{0}\u{11}\u{0}\u{0}js\";||||||||.js\";x from \"./a|||||\u{0}\u{1}|||no||||}|||||||||||||||\u{0}\u{11}\u{0}\u{0}js\";\u{0}i|||||}||||<|||||||||||||.js\";x from \"./a|||||\u{0}\u{1}|||not}|||||||||||||||\u{0}\u{11}\u{0}\u{0}js\";||||||||.js\";x from \"./a|||||\u{0}\u{1}|||not}|||||||||||||||\u{0}\u{11}\u{0}\u{0}js\";\u{0}iNNNNNNNNN ut from \"./a||||||||}||||<||\u{0}ims\")\nimport(\"./*mport(\"./*A\nhmport(\"./@*/e.irt(\".|||||||||||.js\";\u{1}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}!./a||||||||y|||||||||||.js\";x from \"./as|||||||y|||||||||t}|||||||||||||||\u{0}\u{11}\u{0}\u{0}js\";\u{0}iNNNNNNNNN ut from \"./a||||||||}||||</*mport(\"./*A\nhmport\"./@*/e.?rt(\"./*||||||||;\u{1}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}!from \"./a||||||||}||||<||||s\";x from \"./a|||||}|||||||||||||||\u{0}\u{11}\u{0}\u{0}js\";\u{0}i|||||}||||<|||||||||||||.js\";x from \"./a|||||\u{0}\u{1}|||not}|||||||||||||||\u{0}\u{11}\u{0}\u{0}js\";||||||||.js\";x from \"./a|||||\u{0}\u{1}|||not}|||||||||||||||\u{0}\u{11}\u{0}\u{0}js\";\u{0}iNNNNNNNNN ut from \"./a||||||||}||||<|||||||||||||.js\";\u{1}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}!./a||||||||y|||||||||||.js\";x from \"./as|||||||y||||||||||||||||||.mport(\"./*A\nhmport(\"./@*/e.irtmport(\"./*Ahm\u{0}\u{0}\u{0}js\";\u{0}iert(\"./*A\nhm. ps\")\nimpo*mport(\"./*A\nhmport(\"*/@*/e.?r\u{0})\n\u{0}\u{0}\u{0}";
        for spec in specs(src) {
            assert!(src.contains(&spec), "{spec:?} is not in the source");
        }
    }
}

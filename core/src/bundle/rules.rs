//! Module rules: which imports stay separate modules instead of being
//! bundled (wrangler's defaults: `.wasm` compiled WebAssembly, `.txt`,
//! `.html`, `.sql` text, `.bin` data; plus the config's `[[rules]]`).
//! esbuild leaves them external; each becomes an uploaded module named by
//! its specifier.

use serde::Deserialize;

use crate::error::Error;
use crate::worker::ModuleKind;

/// One `[[rules]]` entry of a wrangler config.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct RuleConfig {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    globs: Vec<String>,
    #[serde(default)]
    fallthrough: bool,
}

/// An import suffix (`.wasm`, `.wasm?module`) and the module kind it becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    pub suffix: String,
    pub kind: ModuleKind,
}

const DEFAULTS: [(&str, ModuleKind); 6] = [
    (".wasm", ModuleKind::Wasm),
    (".wasm?module", ModuleKind::Wasm),
    (".txt", ModuleKind::Text),
    (".html", ModuleKind::Text),
    (".sql", ModuleKind::Text),
    (".bin", ModuleKind::Data),
];

/// wrangler's rule type names for the kinds a bundle keeps separate.
fn kind_of(type_name: &str) -> Result<Option<ModuleKind>, Error> {
    Ok(match type_name {
        "CompiledWasm" => Some(ModuleKind::Wasm),
        "Text" => Some(ModuleKind::Text),
        "Data" => Some(ModuleKind::Data),
        // JavaScript is bundled, whatever rule names it.
        "ESModule" | "CommonJS" => None,
        other => {
            return Err(Error::invalid(
                "rules",
                format!("rule type {other:?} is not supported when bundling; use CompiledWasm, Text, Data, ESModule or CommonJS"),
            ))
        }
    })
}

/// `**/*.ext` or `*.ext` → `.ext`; other glob shapes are refused.
fn suffix_of(glob: &str) -> Result<String, Error> {
    let rest = glob.strip_prefix("**/").unwrap_or(glob);
    match rest.strip_prefix('*') {
        Some(s) if s.starts_with('.') && !s.contains(['*', '/', '[', '{']) => Ok(s.to_string()),
        _ => Err(Error::invalid("rules", format!("glob {glob:?} is not supported; write globs as \"**/*.ext\""))),
    }
}

/// The config's rules first, then the defaults of every kind that no rule
/// without `fallthrough` claimed (wrangler's order).
pub(crate) fn resolve(config: &[RuleConfig]) -> Result<Vec<Rule>, Error> {
    let mut rules = Vec::new();
    let mut closed = Vec::new();
    for r in config {
        let Some(kind) = kind_of(&r.kind)? else { continue };
        for g in &r.globs {
            rules.push(Rule { suffix: suffix_of(g)?, kind });
        }
        if !r.fallthrough {
            closed.push(kind);
        }
    }
    rules.extend(DEFAULTS.iter().filter(|(_, k)| !closed.contains(k)).map(|(s, k)| Rule { suffix: s.to_string(), kind: *k }));
    Ok(rules)
}

/// The rule an import specifier falls under, if any.
pub(crate) fn matching<'a>(rules: &'a [Rule], specifier: &str) -> Option<&'a Rule> {
    rules.iter().find(|r| specifier.ends_with(&r.suffix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(kind: &str, globs: &[&str], fallthrough: bool) -> RuleConfig {
        RuleConfig { kind: kind.into(), globs: globs.iter().map(|g| g.to_string()).collect(), fallthrough }
    }

    #[test]
    fn config_rules_come_first_and_close_their_kind() {
        let rules = resolve(&[rule("Text", &["**/*.md"], false)]).unwrap();
        assert_eq!(matching(&rules, "./README.md").unwrap().kind, ModuleKind::Text);
        assert!(matching(&rules, "./a.txt").is_none(), "a Text rule without fallthrough replaces the Text defaults");
        assert_eq!(matching(&rules, "./add.wasm").unwrap().kind, ModuleKind::Wasm);
        let open = resolve(&[rule("Text", &["*.md"], true)]).unwrap();
        assert!(matching(&open, "./a.txt").is_some());
    }

    #[test]
    fn unsupported_rules_are_typed_errors() {
        assert!(resolve(&[rule("PythonModule", &["**/*.py"], false)]).unwrap_err().to_string().contains("not supported"));
        assert!(resolve(&[rule("Text", &["src/**/*.md"], false)]).unwrap_err().to_string().contains("**/*.ext"));
        assert_eq!(resolve(&[rule("ESModule", &["src/**/*.js"], false)]).unwrap().len(), DEFAULTS.len());
    }
}

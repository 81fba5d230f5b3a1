//! `.assetsignore`: gitignore-style patterns (comments, `!` negation,
//! `/`-anchoring, trailing `/` for directories, `*`, `?`, `**`); the last
//! matching pattern decides.
//!
//! Dotfiles and dot-directories are never uploaded by default; a `!` line
//! whose pattern names a dot segment (`!.well-known/`) is the explicit way
//! to publish one.

use regex::Regex;

use crate::error::Error;

pub struct Ignore {
    rules: Vec<Rule>,
}

struct Rule {
    re: Regex,
    negate: bool,
    /// The pattern spells out a segment starting with `.`.
    names_dot: bool,
}

fn glob_to_regex(glob: &str) -> String {
    let mut re = String::new();
    let chars: Vec<char> = glob.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' if chars.get(i + 1) == Some(&'*') => {
                // `**/` matches zero or more directories; a trailing `**` everything.
                if chars.get(i + 2) == Some(&'/') {
                    re.push_str("(?:.*/)?");
                    i += 3;
                } else {
                    re.push_str(".*");
                    i += 2;
                }
                continue;
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            '\\' if i + 1 < chars.len() => {
                i += 1;
                re.push_str(&regex::escape(&chars[i].to_string()));
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    re
}

impl Ignore {
    pub fn parse(text: &str) -> Result<Self, Error> {
        let mut rules = Vec::new();
        for line in text.lines() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (negate, pat) = match line.strip_prefix('!') {
                Some(p) => (true, p),
                None => (false, line.strip_prefix('\\').unwrap_or(line)),
            };
            let dir_only = pat.ends_with('/');
            let pat = pat.trim_end_matches('/');
            let anchored = pat.contains('/');
            let body = glob_to_regex(pat.trim_start_matches('/'));
            let prefix = if anchored { "^" } else { "^(?:.*/)?" };
            // A match on a directory covers everything below it.
            let suffix = if dir_only { "/.*$" } else { "(?:/.*)?$" };
            let re = Regex::new(&format!("{prefix}{body}{suffix}"))
                .map_err(|e| Error::invalid(".assetsignore", format!("pattern {line:?}: {e}")))?;
            let names_dot = pat.split('/').any(|seg| seg.starts_with('.'));
            rules.push(Rule { re, negate, names_dot });
        }
        Ok(Self { rules })
    }

    /// `rel` is the path relative to the assets root, `/`-separated, no leading `/`.
    pub fn is_ignored(&self, rel: &str) -> bool {
        self.last_match(rel).is_some_and(|r| !r.negate)
    }

    /// Is the dot path `rel` published on purpose: is the deciding pattern a
    /// `!` line naming a dot segment?
    pub fn publishes_dot_path(&self, rel: &str) -> bool {
        self.last_match(rel).is_some_and(|r| r.negate && r.names_dot)
    }

    /// Could any dot path be published (is a dot-directory worth walking)?
    pub fn publishes_dot_paths(&self) -> bool {
        self.rules.iter().any(|r| r.negate && r.names_dot)
    }

    fn last_match(&self, rel: &str) -> Option<&Rule> {
        self.rules.iter().rev().find(|r| r.re.is_match(rel))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitignore_semantics() {
        let ig = Ignore::parse("# comment\n*.map\n/secret.txt\nbuild/\n!keep.map\ndocs/**/draft-*\n\\#literal\n").unwrap();
        assert!(ig.is_ignored("a.map") && ig.is_ignored("deep/x/a.map"));
        assert!(!ig.is_ignored("keep.map") && !ig.is_ignored("sub/keep.map"));
        assert!(ig.is_ignored("secret.txt") && !ig.is_ignored("sub/secret.txt"));
        assert!(ig.is_ignored("build/app.js") && ig.is_ignored("x/build/app.js") && !ig.is_ignored("build"));
        assert!(ig.is_ignored("docs/draft-1.md") && ig.is_ignored("docs/a/b/draft-2.md") && !ig.is_ignored("docs/final.md"));
        assert!(ig.is_ignored("#literal"));
        assert!(!ig.is_ignored("index.html"));
        assert!(!ig.publishes_dot_paths());
    }

    #[test]
    fn only_a_negation_naming_a_dot_segment_publishes_a_dot_path() {
        let ig = Ignore::parse("!*\n!.well-known/\n").unwrap();
        assert!(ig.publishes_dot_paths());
        assert!(ig.publishes_dot_path(".well-known/security.txt"));
        assert!(!ig.publishes_dot_path(".env") && !ig.publishes_dot_path(".git/config"), "`!*` is not an explicit ask");
    }
}

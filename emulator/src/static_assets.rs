//! Static-asset routing as Workers Static Assets does it: `html_handling`,
//! `not_found_handling`, `run_worker_first`, `_redirects` and `_headers`.
//! Pure functions over the manifest, so every rule is unit-tested.

use std::collections::BTreeMap;

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Serve the asset at this manifest path with this status.
    Serve { path: String, status: u16 },
    /// Redirect to this location with this status.
    Redirect { location: String, status: u16 },
    /// Nothing matches (empty 404, or hand over to the Worker).
    NotFound,
}

fn serve(path: String) -> Option<Outcome> {
    Some(Outcome::Serve { path, status: 200 })
}

fn redirect(location: String) -> Option<Outcome> {
    Some(Outcome::Redirect { location, status: 307 })
}

/// Matches `path` to an asset under `html_handling` (`auto-trailing-slash`
/// by default, `force-trailing-slash`, `drop-trailing-slash`, `none`).
pub fn resolve(files: &BTreeMap<String, String>, path: &str, html_handling: Option<&str>) -> Option<Outcome> {
    let mode = html_handling.unwrap_or("auto-trailing-slash");
    let has = |p: &str| files.contains_key(p);
    if mode == "none" {
        return has(path).then(|| Outcome::Serve { path: path.to_string(), status: 200 });
    }
    let force = mode == "force-trailing-slash";
    let drop = mode == "drop-trailing-slash";
    if has(path) && !path.ends_with(".html") {
        return serve(path.to_string());
    }
    if let Some(base) = path.strip_suffix("index.html").filter(|b| b.ends_with('/')) {
        if has(path) {
            return redirect(if drop && base != "/" { base.trim_end_matches('/').to_string() } else { base.to_string() });
        }
    }
    if let Some(stem) = path.strip_suffix(".html") {
        if has(path) {
            return redirect(if force { format!("{stem}/") } else { stem.to_string() });
        }
    }
    if path.ends_with('/') {
        let index = format!("{path}index.html");
        if has(&index) {
            return if drop && path != "/" { redirect(path.trim_end_matches('/').to_string()) } else { serve(index) };
        }
        let trimmed = path.trim_end_matches('/');
        let html = format!("{trimmed}.html");
        if !trimmed.is_empty() && has(&html) {
            return if force { serve(html) } else { redirect(trimmed.to_string()) };
        }
    } else {
        let html = format!("{path}.html");
        if has(&html) {
            return if force { redirect(format!("{path}/")) } else { serve(html) };
        }
        let index = format!("{path}/index.html");
        if has(&index) {
            return if drop { serve(index) } else { redirect(format!("{path}/")) };
        }
    }
    None
}

/// What to answer when no asset matched and no Worker takes the request.
pub fn not_found(files: &BTreeMap<String, String>, path: &str, handling: Option<&str>) -> Outcome {
    match handling {
        Some("single-page-application") if files.contains_key("/index.html") => {
            Outcome::Serve { path: "/index.html".into(), status: 200 }
        }
        Some("404-page") => {
            let mut dir = path;
            loop {
                dir = match dir.rfind('/') {
                    Some(i) => &dir[..i],
                    None => return Outcome::NotFound,
                };
                let candidate = format!("{dir}/404.html");
                if files.contains_key(&candidate) {
                    return Outcome::Serve { path: candidate, status: 404 };
                }
                if dir.is_empty() {
                    return Outcome::NotFound;
                }
            }
        }
        _ => Outcome::NotFound,
    }
}

/// Glob with `*` matching any run of characters, `/` included. Linear in
/// `text`: for `*`-only globs the leftmost match of each literal piece
/// between stars is always a safe choice, so nothing is ever retried (a
/// backtracking matcher is exponential in the number of stars).
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let mut pieces = pattern.split('*');
    let first = pieces.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    let Some(last) = pieces.next_back() else { return rest.is_empty() };
    for piece in pieces {
        match rest.find(piece) {
            Some(i) => rest = &rest[i + piece.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// `run_worker_first`: a boolean, or route patterns where `!` excludes.
pub fn worker_first(rule: &Value, path: &str) -> bool {
    match rule {
        Value::Bool(b) => *b,
        Value::Array(rules) => {
            let pats: Vec<&str> = rules.iter().filter_map(Value::as_str).collect();
            let excluded = pats.iter().filter_map(|p| p.strip_prefix('!')).any(|p| glob(p, path));
            !excluded && pats.iter().filter(|p| !p.starts_with('!')).any(|p| glob(p, path))
        }
        _ => false,
    }
}

/// First `_redirects` rule matching `path`: `from to [status]`, `*` in
/// `from` captured as `:splat` in `to`.
pub fn redirect_rule(redirects: &str, path: &str) -> Option<Outcome> {
    for line in redirects.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (from, to) = match fields.as_slice() {
            [from, to, ..] => (*from, *to),
            _ => continue,
        };
        let status = fields.get(2).and_then(|s| s.parse().ok()).unwrap_or(302);
        let location = match from.strip_suffix('*') {
            Some(prefix) => match path.strip_prefix(prefix) {
                Some(splat) => to.replace(":splat", splat),
                None => continue,
            },
            None if from == path => to.to_string(),
            None => continue,
        };
        return Some(Outcome::Redirect { location, status });
    }
    None
}

/// Headers `_headers` attaches to `path`: blocks of a pattern line followed
/// by indented `Name: value` lines.
pub fn header_rules(headers: &str, path: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut applies = false;
    for line in headers.lines() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if !line.starts_with(char::is_whitespace) {
            applies = glob(line.trim(), path);
        } else if applies {
            if let Some((k, v)) = line.trim().split_once(':') {
                out.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn files(paths: &[&str]) -> BTreeMap<String, String> {
        paths.iter().map(|p| (p.to_string(), "h".to_string())).collect()
    }

    fn s(p: &str) -> Option<Outcome> {
        Some(Outcome::Serve { path: p.into(), status: 200 })
    }
    fn r(p: &str) -> Option<Outcome> {
        Some(Outcome::Redirect { location: p.into(), status: 307 })
    }

    #[test]
    fn auto_trailing_slash() {
        let f = files(&["/index.html", "/about.html", "/docs/index.html", "/style.css"]);
        let m = None;
        assert_eq!(resolve(&f, "/", m), s("/index.html"));
        assert_eq!(resolve(&f, "/index.html", m), r("/"));
        assert_eq!(resolve(&f, "/about", m), s("/about.html"));
        assert_eq!(resolve(&f, "/about.html", m), r("/about"));
        assert_eq!(resolve(&f, "/about/", m), r("/about"));
        assert_eq!(resolve(&f, "/docs", m), r("/docs/"));
        assert_eq!(resolve(&f, "/docs/", m), s("/docs/index.html"));
        assert_eq!(resolve(&f, "/docs/index.html", m), r("/docs/"));
        assert_eq!(resolve(&f, "/style.css", m), s("/style.css"));
        assert_eq!(resolve(&f, "/missing", m), None);
    }

    #[test]
    fn force_drop_and_none() {
        let f = files(&["/about.html", "/docs/index.html"]);
        assert_eq!(resolve(&f, "/about", Some("force-trailing-slash")), r("/about/"));
        assert_eq!(resolve(&f, "/about/", Some("force-trailing-slash")), s("/about.html"));
        assert_eq!(resolve(&f, "/docs/", Some("drop-trailing-slash")), r("/docs"));
        assert_eq!(resolve(&f, "/docs", Some("drop-trailing-slash")), s("/docs/index.html"));
        assert_eq!(resolve(&f, "/about", Some("none")), None);
        assert_eq!(resolve(&f, "/about.html", Some("none")), s("/about.html"));
    }

    #[test]
    fn not_found_handling() {
        let f = files(&["/index.html", "/404.html", "/blog/404.html"]);
        assert_eq!(not_found(&f, "/blog/x/y", Some("404-page")), Outcome::Serve { path: "/blog/404.html".into(), status: 404 });
        assert_eq!(not_found(&f, "/nope", Some("404-page")), Outcome::Serve { path: "/404.html".into(), status: 404 });
        assert_eq!(not_found(&f, "/app/route", Some("single-page-application")), Outcome::Serve { path: "/index.html".into(), status: 200 });
        assert_eq!(not_found(&f, "/nope", None), Outcome::NotFound);
        assert_eq!(not_found(&files(&["/index.html"]), "/x", Some("404-page")), Outcome::NotFound);
    }

    #[test]
    fn run_worker_first_rules() {
        assert!(worker_first(&json!(true), "/x"));
        assert!(!worker_first(&json!(false), "/x"));
        let rules = json!(["/api/*", "!/api/docs/*"]);
        assert!(worker_first(&rules, "/api/hello"));
        assert!(!worker_first(&rules, "/api/docs/intro"));
        assert!(!worker_first(&rules, "/index.html"));
        assert!(!worker_first(&Value::Null, "/api/x"));
    }

    /// The obvious recursive definition, exponential but correct: the
    /// reference the linear matcher is checked against.
    fn glob_reference(pattern: &str, text: &str) -> bool {
        match pattern.split_once('*') {
            None => pattern == text,
            Some((head, rest)) => text.strip_prefix(head).is_some_and(|tail| {
                (0..=tail.len()).filter(|i| tail.is_char_boundary(*i)).any(|i| glob_reference(rest, &tail[i..]))
            }),
        }
    }

    #[test]
    fn glob_table() {
        for (pattern, text, expected) in [
            ("/api/*", "/api/hello", true),
            ("/api/*", "/api/", true),
            ("/api/*", "/api", false),
            ("*", "", true),
            ("*", "/any/thing", true),
            ("", "", true),
            ("", "/", false),
            ("/exact", "/exact", true),
            ("/exact", "/exact/", false),
            ("*.css", "/a/b.css", true),
            ("*.css", "/a/b.css.map", false),
            ("/a*b*c", "/abc", true),
            ("/a*b*c", "/aXbYc", true),
            ("/a*b*c", "/acb", false),
            ("/a*a", "/a", false),
            ("/a*a", "/aa", true),
            ("**", "x", true),
            ("/é*ü", "/éàü", true),
            ("*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", true),
            ("*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false),
        ] {
            assert_eq!(glob(pattern, text), expected, "{pattern:?} against {text:?}");
            assert_eq!(glob_reference(pattern, text), expected, "reference: {pattern:?} against {text:?}");
        }
    }

    /// Every pattern and text up to a small size over a tiny alphabet (so
    /// overlaps and repeats are common): the linear matcher agrees with the
    /// reference on all of them.
    #[test]
    fn glob_agrees_with_the_reference_on_small_inputs() {
        fn all(alphabet: &[char], max: usize) -> Vec<String> {
            let mut out = vec![String::new()];
            let mut frontier = vec![String::new()];
            for _ in 0..max {
                frontier = frontier.iter().flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}"))).collect();
                out.extend(frontier.iter().cloned());
            }
            out
        }
        let patterns = all(&['a', 'b', '*'], 5);
        let texts = all(&['a', 'b'], 6);
        let mut checked = 0;
        for p in &patterns {
            for t in &texts {
                assert_eq!(glob(p, t), glob_reference(p, t), "{p:?} against {t:?}");
                checked += 1;
            }
        }
        assert_eq!(checked, 364 * 127);
    }

    /// What used to cost seconds of CPU per request (issue 10): the matcher
    /// now does one substring search per piece. No clock involved: the old
    /// backtracking matcher needs on the order of n^6 steps here and never
    /// finishes this test.
    #[test]
    fn adversarial_run_worker_first_pattern_on_a_long_path() {
        let path = format!("/{}", "a".repeat(16 * 1024));
        assert!(!worker_first(&json!(["*a*a*a*a*a*a*b"]), &path));
        assert!(worker_first(&json!(["*a*a*a*a*a*a*b"]), &format!("{path}b")));
    }

    #[test]
    fn redirects_and_headers_files() {
        let redirects = "# comment\n/old /new 301\n/blog/* /posts/:splat\n";
        assert_eq!(redirect_rule(redirects, "/old"), Some(Outcome::Redirect { location: "/new".into(), status: 301 }));
        assert_eq!(redirect_rule(redirects, "/blog/a/b"), Some(Outcome::Redirect { location: "/posts/a/b".into(), status: 302 }));
        assert_eq!(redirect_rule(redirects, "/other"), None);
        let headers = "/*\n  X-Frame-Options: DENY\n/static/*\n  Cache-Control: max-age=60\n";
        assert_eq!(header_rules(headers, "/static/a.css").len(), 2);
        assert_eq!(header_rules(headers, "/index.html"), vec![("X-Frame-Options".to_string(), "DENY".to_string())]);
    }
}

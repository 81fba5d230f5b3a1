//! `.assetsignore` parsing and matching on arbitrary pattern files and paths:
//! never panics, and a pattern file whose last line is `!<pattern>` never
//! ignores what that pattern names.
#![no_main]
use boardingpass::fuzzing::Ignore;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (patterns, path) = text.rsplit_once('\u{0}').unwrap_or((text, "index.html"));
    let Ok(ignore) = Ignore::parse(patterns) else { return };
    let ignored = ignore.is_ignored(path);
    // A negation of the whole path, added last, wins over everything above it.
    let plain = !path.is_empty() && path.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '-' | '_'));
    if ignored && plain && !path.starts_with('/') && !path.ends_with('/') {
        let last = Ignore::parse(&format!("{patterns}\n!/{path}")).expect("an extra plain line parses");
        assert!(!last.is_ignored(path), "!/{path} as the last line must un-ignore it");
    }
});

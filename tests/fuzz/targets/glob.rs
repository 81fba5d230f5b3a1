//! The emulator's `*`-glob matcher (`run_worker_first` rules) against the
//! obvious recursive definition, on patterns small enough for that
//! exponential reference; and the `_redirects` / `_headers` / rule parsers on
//! arbitrary files and paths, which must not panic.
#![no_main]
use boardingpass_emulator::fuzzing::{glob, header_rules, redirect_rule, worker_first};

fn reference(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => text.strip_prefix(head).is_some_and(|tail| {
            (0..=tail.len()).filter(|i| tail.is_char_boundary(*i)).any(|i| reference(rest, &tail[i..]))
        }),
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (file, path) = text.split_once('\u{0}').unwrap_or((text, "/"));
    for line in file.lines() {
        if line.matches('*').count() <= 5 && path.len() <= 64 {
            assert_eq!(glob(line, path), reference(line, path), "pattern {line:?} on {path:?}");
        }
    }
    let rules = serde_json::Value::from(file.lines().collect::<Vec<_>>());
    let _ = worker_first(&rules, path);
    let _ = redirect_rule(file, path);
    let _ = header_rules(file, path);
});

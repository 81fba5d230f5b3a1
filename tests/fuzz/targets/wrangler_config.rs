//! The wrangler config loader on arbitrary text, as TOML and as JSONC: never
//! panics, and JSONC handling leaves plain JSON meaning the same thing.
#![no_main]
use boardingpass::fuzzing::{jsonc_to_json, parse_wrangler_config};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = parse_wrangler_config(text, true);
    let _ = parse_wrangler_config(text, false);
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(text) {
        let stripped: serde_json::Value =
            serde_json::from_str(&jsonc_to_json(text)).expect("valid JSON stays valid after comment stripping");
        assert_eq!(json, stripped, "comment stripping changed plain JSON");
    }
});

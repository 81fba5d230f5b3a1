//! D1 `/raw` answers and migration file names, arbitrary: decoding never
//! panics and an accepted answer has every row as wide as its columns;
//! wrangler's migration order is a total order (sorting is stable under a
//! second sort and keeps every name).
#![no_main]
use boardingpass::fuzzing::{decode_d1_answer, migration_order};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(results) = decode_d1_answer(text) {
        for r in results {
            assert!(r.rows.iter().all(|row| row.len() == r.columns.len()), "a row narrower or wider than its columns was accepted");
        }
    }
    let names: Vec<String> = text.lines().take(32).map(str::to_string).collect();
    let once = migration_order(&names);
    assert_eq!(migration_order(&once), once, "sorting twice changes the order");
    let (mut a, mut b) = (once.clone(), names);
    a.sort();
    b.sort();
    assert_eq!(a, b, "the order lost or invented a name");
});

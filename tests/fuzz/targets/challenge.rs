//! Challenge validation on arbitrary seeds and sizes: never panics, and
//! accepts only what the solver can afford (positive k and g within the work
//! cap, a 32-byte seed).
#![no_main]
use boardingpass::fuzzing::{Challenge, DEFAULT_WORK_CAP};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((nums, seed)) = data.split_first_chunk::<16>() else { return };
    let k = i64::from_le_bytes(nums[..8].try_into().unwrap());
    let g = i64::from_le_bytes(nums[8..].try_into().unwrap());
    let Ok(seed) = std::str::from_utf8(seed) else { return };
    if let Ok(c) = Challenge::new(seed, k, g, DEFAULT_WORK_CAP) {
        assert!(c.k() > 0 && c.g() > 0);
        assert!(u64::from(c.k()) * u64::from(c.g()) <= DEFAULT_WORK_CAP);
        assert_eq!(c.seed().len(), 32);
    }
});

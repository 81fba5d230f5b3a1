//! The v4 envelope decoder on arbitrary answers: it never panics, and it
//! reports success only for a JSON body whose `success` is `true` (or an
//! empty 204/205).
#![no_main]
use boardingpass::fuzzing::decode_envelope;
use reqwest::header::{HeaderMap, HeaderValue};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((head, body)) = data.split_first_chunk::<3>() else { return };
    let status = 100 + u16::from_le_bytes([head[0], head[1]]) % 500;
    let mut headers = HeaderMap::new();
    // A Retry-After of arbitrary bytes exercises the 429 path's header parsing.
    if let Ok(v) = HeaderValue::from_bytes(&body[..usize::from(head[2]).min(body.len())]) {
        headers.insert("retry-after", v);
    }
    if let Ok(true) = decode_envelope(status, &headers, body) {
        let empty = matches!(status, 204 | 205) && body.iter().all(u8::is_ascii_whitespace);
        // Fields the decoder does not read are skipped unvalidated, as serde does.
        #[derive(serde::Deserialize)]
        struct Success {
            success: Option<bool>,
        }
        let success = serde_json::from_slice::<Success>(body).is_ok_and(|s| s.success == Some(true));
        assert!(empty || success, "decoded as success: status {status}, body {:?}", String::from_utf8_lossy(body));
    }
});

//! Decoding of Cloudflare's v4 response envelope
//! (`{"success", "errors", "messages", "result", "result_info"}`).
//!
//! Success is decided by the body's `success`, as wrangler does, not by the
//! HTTP status. `errors`/`messages` may be `null` on real Cloudflare answers.
//! A 204/205 with an empty body is a success with a `null` result.
//! Server error texts are kept [`printable`] (they end up on terminals).

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{ApiFailure, Error};
use crate::untrusted::printable;

/// A successful envelope.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub status: u16,
    pub result: Value,
    pub request_id: Option<String>,
    /// The whole body of a 2xx answer that is data, not an envelope (a KV
    /// value; see [`crate::http::Call::raw_answer`]).
    pub raw: Option<bytes::Bytes>,
    /// `result_info` (paging: `cursor`, `count`, `page`), `null` when absent.
    pub result_info: Value,
}

impl Envelope {
    /// Deserialises `result` into `T`, naming the endpoint on failure.
    pub fn result_as<T: serde::de::DeserializeOwned>(&self, endpoint: &str) -> Result<T, Error> {
        T::deserialize(&self.result).map_err(|e| Error::Protocol {
            endpoint: endpoint.to_string(),
            status: Some(self.status),
            message: format!("result has an unexpected shape: {e}"),
            request_id: self.request_id.clone(),
        })
    }
}

#[derive(Deserialize)]
struct RawEnvelope {
    success: Option<bool>,
    #[serde(default)]
    errors: Option<Vec<RawError>>,
    #[serde(default)]
    result: Value,
    #[serde(default)]
    result_info: Value,
}

#[derive(Deserialize)]
struct RawError {
    code: Option<i64>,
    message: Option<String>,
}

/// The request id Cloudflare attaches to every answer.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    ["cf-ray", "x-request-id"]
        .iter()
        .find_map(|h| headers.get(*h).and_then(|v| v.to_str().ok()).map(str::to_string))
}

/// `Retry-After` as delta-seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let raw = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = raw.parse::<f64>() {
        // A finite wait too long for a Duration is still a wait: longer than any retry allows.
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX));
    }
    let when = chrono::DateTime::parse_from_rfc2822(raw).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

fn reason(status: u16) -> String {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map(|r| format!("HTTP {status} {r}"))
        .unwrap_or_else(|| format!("HTTP {status}"))
}

/// Turns one HTTP answer into an [`Envelope`] or the matching [`Error`].
pub fn decode(endpoint: &str, status: u16, headers: &HeaderMap, body: &[u8]) -> Result<Envelope, Error> {
    let request_id = request_id(headers);
    let failure = |code: Option<i64>, message: String| ApiFailure {
        endpoint: endpoint.to_string(),
        status,
        code,
        message,
        request_id: request_id.clone(),
    };
    let as_error = |f: ApiFailure| {
        if status == 429 {
            Error::RateLimited { failure: f, retry_after: retry_after(headers) }
        } else {
            Error::Api(f)
        }
    };
    let is_2xx = (200..300).contains(&status);
    if matches!(status, 204 | 205) && body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Envelope { status, result: Value::Null, request_id, raw: None, result_info: Value::Null });
    }
    let raw: RawEnvelope = match serde_json::from_slice(body) {
        Ok(raw) => raw,
        Err(_) if !is_2xx => return Err(as_error(failure(None, format!("{} (body is not JSON)", reason(status))))),
        Err(e) => {
            return Err(Error::Protocol {
                endpoint: endpoint.to_string(),
                status: Some(status),
                message: format!("body is not a JSON envelope: {e}"),
                request_id,
            })
        }
    };
    match raw.success {
        Some(true) => Ok(Envelope { status, result: raw.result, request_id, raw: None, result_info: raw.result_info }),
        Some(false) | None if !is_2xx || raw.success == Some(false) => {
            let first = raw.errors.unwrap_or_default().into_iter().next();
            let code = first.as_ref().and_then(|e| e.code);
            let message = first.and_then(|e| e.message).map(|m| printable(&m).into_owned()).unwrap_or_else(|| reason(status));
            Err(as_error(failure(code, message)))
        }
        _ => Err(Error::Protocol {
            endpoint: endpoint.to_string(),
            status: Some(status),
            message: "envelope has no `success` field".into(),
            request_id,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn success_with_null_errors_and_messages() {
        let body = br#"{"success":true,"errors":null,"messages":null,"result":{"id":"x"}}"#;
        let env = decode("GET /x", 200, &headers(&[("cf-ray", "abc-LHR")]), body).unwrap();
        assert_eq!(env.result["id"], "x");
        assert_eq!(env.request_id.as_deref(), Some("abc-LHR"));
    }

    #[test]
    fn body_decides_over_status() {
        let body = br#"{"success":false,"errors":[{"code":10000,"message":"Authentication error"}],"messages":[],"result":null}"#;
        let err = decode("GET /x", 200, &HeaderMap::new(), body).unwrap_err();
        assert_eq!(err.api_code(), Some(10000));
        assert_eq!(err.status(), Some(200));
        assert!(err.to_string().contains("Authentication error"));
        let ok = br#"{"success":true,"errors":[],"messages":[],"result":[]}"#;
        assert!(decode("GET /x", 404, &HeaderMap::new(), ok).is_ok());
    }

    #[test]
    fn not_found_keeps_code_and_message() {
        let body = br#"{"success":false,"errors":[{"code":10090,"message":"This Worker does not exist on your account."}],"messages":[],"result":null}"#;
        match decode("GET /services/x", 404, &HeaderMap::new(), body).unwrap_err() {
            Error::Api(f) => {
                assert_eq!((f.code, f.status), (Some(10090), 404));
                assert!(f.message.contains("does not exist"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn server_error_texts_lose_terminal_escapes() {
        let body = br#"{"success":false,"errors":[{"code":1,"message":"\u001b[2J\u001b[HClaim URL: https://evil.example\nforged"}]}"#;
        let e = decode("POST /p", 400, &HeaderMap::new(), body).unwrap_err();
        assert!(e.to_string().ends_with(": Claim URL: https://evil.example forged"), "{e}");
    }

    #[test]
    fn empty_204_is_success() {
        let env = decode("DELETE /x", 204, &HeaderMap::new(), b"").unwrap();
        assert!(env.result.is_null());
    }

    #[test]
    fn non_json_2xx_is_protocol_error_and_non_json_5xx_is_api_error() {
        let e = decode("GET /x", 200, &HeaderMap::new(), b"<html>").unwrap_err();
        assert_eq!(e.code(), "protocol");
        let e = decode("GET /x", 502, &HeaderMap::new(), b"<html>bad gateway").unwrap_err();
        assert_eq!((e.code(), e.status()), ("api", Some(502)));
        assert!(e.to_string().contains("Bad Gateway"));
    }

    #[test]
    fn missing_success_on_2xx_is_protocol_error() {
        let e = decode("GET /x", 200, &HeaderMap::new(), br#"{"result":{}}"#).unwrap_err();
        assert_eq!(e.code(), "protocol");
    }

    #[test]
    fn rate_limit_reads_retry_after_seconds_and_dates() {
        let body = br#"{"success":false,"errors":[{"code":971,"message":"Please wait"}],"messages":[]}"#;
        let e = decode("POST /p", 429, &headers(&[("retry-after", "12")]), body).unwrap_err();
        assert_eq!(e.code(), "rate_limited");
        assert_eq!(e.retry_after(), Some(Duration::from_secs(12)));
        let date = (chrono::Utc::now() + chrono::Duration::seconds(30)).to_rfc2822();
        let e = decode("POST /p", 429, &headers(&[("retry-after", &date)]), body).unwrap_err();
        let wait = e.retry_after().unwrap().as_secs();
        assert!((28..=30).contains(&wait), "{wait}");
        let e = decode("POST /p", 429, &HeaderMap::new(), b"").unwrap_err();
        assert_eq!((e.code(), e.retry_after()), ("rate_limited", None));
    }

    #[test]
    fn retry_after_beyond_any_duration_is_a_very_long_wait_not_a_panic() {
        // Found by tests/fuzz (envelope): Duration::from_secs_f64 panics past u64::MAX seconds.
        let body = br#"{"success":false,"errors":[],"messages":[]}"#;
        let huge = "3".repeat(100);
        let e = decode("POST /p", 429, &headers(&[("retry-after", &huge)]), body).unwrap_err();
        assert_eq!(e.retry_after(), Some(Duration::MAX));
        for bad in ["NaN", "inf", "-1"] {
            let e = decode("POST /p", 429, &headers(&[("retry-after", bad)]), body).unwrap_err();
            assert_eq!(e.retry_after(), None, "{bad}");
        }
    }

    #[test]
    fn result_shape_errors_name_the_endpoint() {
        let env = decode("GET /thing", 200, &HeaderMap::new(), br#"{"success":true,"result":{"a":1}}"#).unwrap();
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Needs {
            b: String,
        }
        let e = env.result_as::<Needs>("GET /thing").unwrap_err();
        assert!(e.to_string().contains("GET /thing"), "{e}");
    }
}

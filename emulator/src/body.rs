//! Request bodies. They are read only by handlers, so only after the
//! route's gate (`auth`) let the request through; their size cap is the
//! route group's `DefaultBodyLimit`; and a body that cannot be used is
//! refused in the v4 envelope without being sent back (an entry is named by
//! a short [`excerpt`] at most).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::StreamExt;
use serde::de::DeserializeOwned;

use crate::envelope::{bad_request, ApiError, BAD_REQUEST, BODY_TOO_LARGE};

/// How much of a refused request's body is still read and thrown away, so
/// a client that sends its body before reading the answer (most SDKs) gets
/// the answer rather than a reset connection. Larger bodies are cut off.
pub const DRAIN_LIMIT: usize = 1024 * 1024;
/// How long draining may take, so a client that stalls holds nothing.
const DRAIN_TIME: Duration = Duration::from_secs(2);

/// Reads and discards the body of a request about to be refused, unless it
/// is declared larger than [`DRAIN_LIMIT`] (then none of it is read; the
/// lingering close still lets the client read the answer).
pub async fn drain(req: Request) {
    if declared_length(&req).is_some_and(|n| n > DRAIN_LIMIT as u64) {
        return;
    }
    discard(&mut req.into_body().into_data_stream()).await;
}

/// Reads and throws away up to [`DRAIN_LIMIT`] bytes within [`DRAIN_TIME`].
async fn discard<E>(stream: &mut (impl futures::Stream<Item = Result<Bytes, E>> + Unpin)) {
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        let mut read = 0;
        while let Some(Ok(chunk)) = stream.next().await {
            read += chunk.len();
            if read > DRAIN_LIMIT {
                break;
            }
        }
    })
    .await;
}

fn declared_length(req: &Request) -> Option<u64> {
    req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok())
}

/// Middleware of the API: when a route answers with an error before it has
/// read the whole body (a bad name, a full account, a malformed form), the
/// rest is drained like [`drain`] does, so a client that sends its whole
/// body before reading (the official SDKs) gets the envelope, not EPIPE.
pub async fn drain_after_error(req: Request, next: Next) -> Response {
    let too_large = declared_length(&req).is_some_and(|n| n > DRAIN_LIMIT as u64);
    let (parts, body) = req.into_parts();
    let shared = Arc::new(tokio::sync::Mutex::new(body.into_data_stream()));
    let reader = shared.clone();
    let handed = futures::stream::unfold(reader, |r| async move {
        let next = r.lock().await.next().await;
        next.map(|chunk| (chunk, r))
    });
    let resp = next.run(Request::from_parts(parts, axum::body::Body::from_stream(handed))).await;
    if (resp.status().is_client_error() || resp.status().is_server_error()) && !too_large {
        discard(&mut *shared.lock().await).await;
    }
    resp
}

/// Route layer of the routes anyone may call: a body declared larger than
/// `limit` is refused unread, whether or not the route reads bodies (the
/// route's `DefaultBodyLimit`, the same `limit`, caps bodies of unknown
/// length as they are read).
pub async fn refuse_declared_over(limit: usize, req: Request, next: Next) -> Response {
    if declared_length(&req).is_some_and(|n| n > limit as u64) {
        return too_large().into_response();
    }
    next.run(req).await
}

fn too_large() -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, BODY_TOO_LARGE, "the request body is larger than this route accepts")
}

/// The whole body, within the route's limit.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Bytes::from_request(req, state).await {
            Ok(b) => Ok(Self(b)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(too_large()),
            Err(_) => Err(bad_request(BAD_REQUEST, "the request body could not be read")),
        }
    }
}

/// A JSON body of type `T`. The content type is not insisted on: clients
/// differ in what they send, and the bytes decide.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        serde_json::from_slice(&bytes).map(Self).map_err(|e| json_error(&e))
    }
}

/// Says what is wrong and where, never with what: serde's own messages can
/// quote the offending value. A missing field is named by our type, so that
/// one is safe to repeat.
pub fn json_error(e: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Io | Category::Eof => "ends before the JSON value does",
        Category::Syntax => "is not valid JSON",
        Category::Data => "does not have the fields and types this route expects",
    };
    let message = e.to_string();
    let missing = message.starts_with("missing field").then(|| message.split(" at line").next().unwrap_or_default());
    let detail = missing.map(|m| format!(": {m}")).unwrap_or_default();
    bad_request(BAD_REQUEST, format!("the request body {what} (line {}, column {}){detail}", e.line(), e.column()))
}

/// Names a value from a body in an error message: escaped, and cut to 64
/// characters, so a message can say which entry is wrong without carrying
/// what was sent back.
pub fn excerpt(value: &str) -> String {
    const MAX: usize = 64;
    match value.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}…", &value[..cut]),
        None => format!("{value:?}"),
    }
}

/// A `multipart/form-data` body, refused in the envelope when it is not one.
pub struct MultipartBody(pub Multipart);

impl<S: Send + Sync> FromRequest<S> for MultipartBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Multipart::from_request(req, state)
            .await
            .map(Self)
            .map_err(|_| bad_request(BAD_REQUEST, "the request body must be multipart/form-data with a boundary"))
    }
}

/// A failure while reading a multipart body: over the limit, or malformed.
pub fn multipart_error(e: &MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        bad_request(BAD_REQUEST, format!("malformed multipart body: {}", e.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_name_the_place_not_the_content() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Shape {
            manifest: std::collections::BTreeMap<String, u64>,
        }
        for body in [r#"{"manifest": "LEAK"}"#, r#"{"manifest": {"a": "LEAK"}}"#, r#"{"LEAK": 1"#, r#"LEAK"#] {
            let e = serde_json::from_slice::<Shape>(body.as_bytes()).unwrap_err();
            let refused = json_error(&e);
            assert_eq!(refused.status, StatusCode::BAD_REQUEST);
            assert!(!refused.message.contains("LEAK"), "{body}: {}", refused.message);
        }
        assert_eq!(excerpt("/a\u{1b}b"), "\"/a\\u{1b}b\"");
        let long = format!("/{}", "x".repeat(1000));
        assert_eq!(excerpt(&long).chars().count(), 64 + 3, "64 characters, two quotes and an ellipsis");
        let e = serde_json::from_slice::<Shape>(b"{}").unwrap_err();
        assert!(json_error(&e).message.ends_with("missing field `manifest`"), "{}", json_error(&e).message);
    }
}

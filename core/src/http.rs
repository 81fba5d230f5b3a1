//! One place where requests are built, sent, retried and decoded.
//!
//! Every API call goes through [`Http::call`]: it adds the user agent, the
//! credentials (marked sensitive so they never show up in reqwest's
//! `Debug`, their buffers wiped once the call is over), extra headers,
//! per-call timeout, and retries idempotent calls on transient failures
//! (network errors, timeouts, 429, 5xx, an unreadable 2xx answer). Calls that
//! must not take effect twice go through [`Http::call_at_most_once`], which
//! looks before it sends again. Request bodies are kept as plain data
//! ([`Body`]) so a retry can rebuild the request, multipart included.
//!
//! Credentials stay with their origin: redirects are followed only within
//! the origin of the request ([`redirect_policy`]); a redirect elsewhere is a
//! `protocol` error. Every answer is read with a running size cap
//! ([`Call::max_body`], default [`MAX_API_BODY`]).

use std::future::Future;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, LOCATION};
use reqwest::Method;
use url::Url;
use zeroize::Zeroize;

use crate::envelope::{self, Envelope};
use crate::error::{ApiFailure, Error};
use crate::retry::RetryPolicy;
use crate::secret::Secret;

/// Largest API answer read (bytes). Cloudflare's v4 answers are kilobytes;
/// the biggest this client asks for, an assets upload session for 20,000
/// files, is well under 2 MiB.
pub const MAX_API_BODY: usize = 4 << 20;
/// Same-origin redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 5;

/// One multipart part. `filename: None` makes a plain form field.
#[derive(Debug, Clone)]
pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Bytes,
}

#[derive(Debug, Clone)]
pub enum Body {
    Empty,
    Json(serde_json::Value),
    Multipart(Vec<Part>),
    Raw { content_type: String, bytes: Bytes },
}

/// Which credential authorises a call.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    None,
    Bearer(&'a Secret),
}

pub struct Call<'a> {
    pub method: Method,
    /// Path relative to the API base, starting with `/`.
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub auth: Auth<'a>,
    pub body: Body,
    pub headers: Vec<(&'static str, String)>,
    /// Headers carrying a credential (e.g. the claim token).
    pub secret_headers: Vec<(&'static str, &'a Secret)>,
    /// Largest answer read; a longer one is a `protocol` error.
    pub max_body: usize,
    /// Safe to send twice: retried on every transient failure.
    pub idempotent: bool,
    /// Overrides the client timeout (long polls, big uploads).
    pub timeout: Option<Duration>,
    /// A 2xx answer is the data itself (a KV value), kept whole in
    /// [`Envelope::raw`]; error answers are still envelopes.
    pub raw_answer: bool,
}

impl<'a> Call<'a> {
    pub fn new(method: Method, path: impl Into<String>, auth: Auth<'a>) -> Self {
        let idempotent = matches!(method, Method::GET | Method::HEAD | Method::PUT | Method::DELETE);
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            auth,
            body: Body::Empty,
            headers: Vec::new(),
            secret_headers: Vec::new(),
            max_body: MAX_API_BODY,
            idempotent,
            timeout: None,
            raw_answer: false,
        }
    }
    pub fn json(mut self, value: serde_json::Value) -> Self {
        self.body = Body::Json(value);
        self
    }
    pub fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }
    pub fn query(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.query.push((key, value.into()));
        self
    }
    pub fn header(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((key, value.into()));
        self
    }
    /// A header whose value is a credential: marked sensitive, wiped after the call.
    pub fn secret_header(mut self, key: &'static str, value: &'a Secret) -> Self {
        self.secret_headers.push((key, value));
        self
    }
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = yes;
        self
    }
    pub fn raw_answer(mut self) -> Self {
        self.raw_answer = true;
        self
    }
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = Some(t);
        self
    }
    /// `METHOD /path` as used in errors and logs (never carries a secret).
    pub fn endpoint(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// Shared HTTP machinery of a [`crate::Client`].
#[derive(Debug)]
pub struct Http {
    pub(crate) client: reqwest::Client,
    pub(crate) base: Url,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) extra_headers: HeaderMap,
}

impl Http {
    pub(crate) fn url(&self, path: &str) -> Result<Url, Error> {
        let joined = format!("{}{}", self.base.as_str().trim_end_matches('/'), path);
        Url::parse(&joined).map_err(|e| Error::invalid("path", format!("{path}: {e}")))
    }

    /// The request, and the credential buffers to wipe once it is done.
    fn build(&self, call: &Call<'_>, wipe: &mut Wipe) -> Result<reqwest::RequestBuilder, Error> {
        let mut req = self
            .client
            .request(call.method.clone(), self.url(&call.path)?)
            .headers(self.extra_headers.clone())
            .timeout(call.timeout.unwrap_or(self.timeout));
        if !call.query.is_empty() {
            req = req.query(&call.query);
        }
        for (k, v) in &call.headers {
            req = req.header(*k, v);
        }
        if let Auth::Bearer(secret) = call.auth {
            req = req.header(AUTHORIZATION, wipe.sensitive("Bearer ", secret)?);
        }
        for (k, secret) in &call.secret_headers {
            req = req.header(*k, wipe.sensitive("", secret)?);
        }
        Ok(match &call.body {
            Body::Empty => req,
            Body::Json(v) => {
                // Serialised here, into a buffer the guard wipes: a JSON body can carry a credential (the challenge token).
                let bytes = Bytes::from(serde_json::to_vec(v).expect("a JSON value serialises"));
                wipe.keep(bytes.clone());
                req.header("content-type", "application/json").body(bytes)
            }
            Body::Raw { content_type, bytes } => req.header("content-type", content_type).body(bytes.clone()),
            Body::Multipart(parts) => {
                // Names go verbatim, as undici (wrangler) sends them: Cloudflare matches
                // module names in the metadata against part names byte for byte.
                // `Worker::validate` refuses the characters that would break the header.
                let mut form = reqwest::multipart::Form::new().percent_encode_noop();
                for p in parts {
                    let mut part = reqwest::multipart::Part::stream_with_length(p.bytes.clone(), p.bytes.len() as u64);
                    if let Some(f) = &p.filename {
                        part = part.file_name(f.clone());
                    }
                    if let Some(ct) = &p.content_type {
                        part = part.mime_str(ct).map_err(|e| Error::invalid("content type", format!("{ct}: {e}")))?;
                    }
                    form = form.part(p.name.clone(), part);
                }
                req.multipart(form)
            }
        })
    }

    /// Sends once; maps transport failures, redirects that leave the origin
    /// and over-cap bodies to typed errors.
    async fn send_once(&self, call: &Call<'_>) -> Result<(u16, HeaderMap, Bytes), Error> {
        let endpoint = call.endpoint();
        let transport = |e: reqwest::Error| {
            if e.is_timeout() {
                Error::Timeout { endpoint: endpoint.clone(), after: call.timeout.unwrap_or(self.timeout) }
            } else {
                network_error(&endpoint, e)
            }
        };
        let mut wipe = Wipe::default();
        let resp = self.build(call, &mut wipe)?.send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        if resp.status().is_redirection() && headers.contains_key(LOCATION) {
            return Err(redirect_refused(&endpoint, resp.url(), status, &headers));
        }
        let body = read_capped(resp, call.max_body, &endpoint, transport).await?;
        Ok((status, headers, body))
    }

    /// Sends and decodes the envelope, retrying transient failures of
    /// idempotent calls; other calls are sent once (see [`Http::call_at_most_once`]).
    pub async fn call(&self, call: Call<'_>) -> Result<Envelope, Error> {
        let lookup = None::<fn() -> std::future::Ready<Result<Option<Envelope>, Error>>>;
        self.send_retrying(&call, Ok, lookup).await
    }

    /// Sends once a call whose request or answer holds credentials (it
    /// created them, so it is never repeated here): the request's JSON, the
    /// answer's body and its decoded JSON are wiped once `T` is built (`T`
    /// should wipe its own copies on drop).
    pub async fn call_secret<T: serde::de::DeserializeOwned>(&self, mut call: Call<'_>) -> Result<T, Error> {
        let endpoint = call.endpoint();
        let sent = self.send_once(&call).await;
        if let Body::Json(v) = &mut call.body {
            wipe_json(v);
        }
        let (status, headers, body) = sent?;
        let mut wipe = Wipe::default();
        wipe.keep(body.clone());
        let decoded = envelope::decode(&endpoint, status, &headers, &body);
        drop(body);
        let mut env = decoded?;
        let result = env.result_as(&endpoint);
        wipe_json(&mut env.result);
        result
    }

    /// Sends a call that must not take effect twice (an upload that creates
    /// a version, a deployment). It is sent again only when the server
    /// cannot have acted on it (429, connection refused) or when `lookup` —
    /// a read-only request — finds no trace of it after a failure that left
    /// this unknown (reset, timeout, 5xx, an unreadable answer); `Some` from
    /// `lookup` is the call's effect, found instead of created twice.
    pub async fn call_at_most_once<T, F, Fut>(&self, call: Call<'_>, decode: impl Fn(Envelope) -> Result<T, Error>, lookup: F) -> Result<T, Error>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Option<T>, Error>>,
    {
        self.send_retrying(&call.idempotent(false), decode, Some(lookup)).await
    }

    async fn send_retrying<T, F, Fut>(&self, call: &Call<'_>, decode: impl Fn(Envelope) -> Result<T, Error>, lookup: Option<F>) -> Result<T, Error>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Option<T>, Error>>,
    {
        let endpoint = call.endpoint();
        let attempts = if call.idempotent || lookup.is_some() { self.retry.max_attempts.max(1) } else { 1 };
        let mut attempt = 1;
        loop {
            let (err, status, headers) = match self.send_once(call).await {
                Ok((status, headers, body)) if call.raw_answer && (200..300).contains(&status) => {
                    return decode(Envelope { status, result: serde_json::Value::Null, request_id: envelope::request_id(&headers), raw: Some(body), result_info: serde_json::Value::Null })
                }
                Ok((status, headers, body)) => match envelope::decode(&endpoint, status, &headers, &body) {
                    Ok(env) => return decode(env),
                    Err(e) => (e, status, headers),
                },
                // Refused by this client (a redirect elsewhere, a body over the cap):
                // the same answer would come again.
                Err(e @ Error::Protocol { .. }) => return Err(e),
                Err(e) => (e, 0, HeaderMap::new()),
            };
            let Some(landed) = transient(&err) else { return Err(err) };
            let unknown_effect = landed == Landed::Unknown && !call.idempotent;
            if attempt >= attempts {
                // Out of attempts: a call that may have landed is looked up once more.
                return match (&lookup, unknown_effect) {
                    (Some(find), true) => find().await.ok().flatten().ok_or(err),
                    _ => Err(err),
                };
            }
            let asked = (status == 429 || status >= 500).then(|| envelope::retry_after(&headers)).flatten();
            let Some(wait) = self.retry.wait_for(attempt, asked) else {
                // The server wants longer than we are willing to sleep: report it.
                return Err(rate_limited(call, status, &headers, asked));
            };
            tracing::debug!(endpoint = %endpoint, attempt, wait_ms = wait.as_millis() as u64, error = err.code(), "retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
            if let (Some(find), true) = (&lookup, unknown_effect) {
                match find().await {
                    Ok(Some(found)) => return Ok(found),
                    Ok(None) => {}
                    // Without an answer it cannot be ruled out that the call landed.
                    Err(_) => return Err(err),
                }
            }
        }
    }
}

/// What a transient failure says about the server's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Landed {
    /// Refused before any processing (429, connection refused).
    No,
    /// Perhaps processed: the connection broke, the answer was late, a 5xx
    /// (a proxy may have lost the origin's answer) or a 2xx that cannot be read.
    Unknown,
}

/// A transport failure, keeping reqwest's error as the source so its chain
/// (connect, TLS, I/O causes) stays reachable. reqwest's messages include
/// the URL; ours never carry secrets in URLs.
pub(crate) fn network_error(endpoint: &str, e: reqwest::Error) -> Error {
    Error::Network { endpoint: endpoint.to_string(), message: e.to_string(), source: Box::new(e) }
}

/// `Some` when `e` is transient (worth another attempt), saying whether the
/// call may have taken effect; `None` for a definitive answer.
pub(crate) fn transient(e: &Error) -> Option<Landed> {
    match e {
        Error::RateLimited { .. } => Some(Landed::No),
        Error::Network { source, .. } => {
            let refused = source.downcast_ref::<reqwest::Error>().is_some_and(reqwest::Error::is_connect);
            Some(if refused { Landed::No } else { Landed::Unknown })
        }
        Error::Timeout { .. } => Some(Landed::Unknown),
        Error::Api(f) if f.status >= 500 => Some(Landed::Unknown),
        Error::Protocol { status: Some(s), .. } if (200..300).contains(s) => Some(Landed::Unknown),
        _ => None,
    }
}

fn rate_limited(call: &Call<'_>, status: u16, headers: &HeaderMap, asked: Option<Duration>) -> Error {
    Error::RateLimited {
        failure: ApiFailure {
            endpoint: call.endpoint(),
            status,
            code: None,
            message: "the server asked to wait longer than the client's max_retry_after".into(),
            request_id: envelope::request_id(headers),
        },
        retry_after: asked,
    }
}

/// Follows a redirect only within the origin (scheme, host, port) of the
/// first request, at most [`MAX_REDIRECTS`] times; anything else stops and
/// the redirect answer itself comes back (see [`redirect_refused`]).
pub(crate) fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt.previous().first().is_some_and(|first| first.origin() == attempt.url().origin());
        if same_origin && attempt.previous().len() <= MAX_REDIRECTS {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// Where a redirect points, as an origin only (its path and query are the server's text).
pub(crate) fn redirect_target(from: &Url, headers: &HeaderMap) -> String {
    headers
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|l| from.join(l).ok())
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|| "an unreadable location".into())
}

fn redirect_refused(endpoint: &str, from: &Url, status: u16, headers: &HeaderMap) -> Error {
    let target = redirect_target(from, headers);
    let why = if target == from.origin().ascii_serialization() {
        format!("more than {MAX_REDIRECTS} redirects")
    } else {
        format!("a redirect to {target}, which is not followed: credentials never leave {}; check the API base URL", from.origin().ascii_serialization())
    };
    Error::Protocol { endpoint: endpoint.to_string(), status: Some(status), message: why, request_id: envelope::request_id(headers) }
}

/// Reads a body chunk by chunk, failing as soon as it passes `cap` bytes
/// (or announces more), so an endless or huge answer is never buffered.
pub(crate) async fn read_capped(
    mut resp: reqwest::Response,
    cap: usize,
    endpoint: &str,
    transport: impl Fn(reqwest::Error) -> Error,
) -> Result<Bytes, Error> {
    let status = resp.status().as_u16();
    let request_id = envelope::request_id(resp.headers());
    let too_big = |what: String| Error::Protocol {
        endpoint: endpoint.to_string(),
        status: Some(status),
        message: format!("the answer's body {what} the client's cap of {cap} bytes"),
        request_id: request_id.clone(),
    };
    if let Some(announced) = resp.content_length().filter(|n| *n > cap as u64) {
        return Err(too_big(format!("announces {announced} bytes, over")));
    }
    let mut body = BytesMut::with_capacity(resp.content_length().unwrap_or(0) as usize);
    while let Some(chunk) = resp.chunk().await.map_err(&transport)? {
        if body.len() + chunk.len() > cap {
            return Err(too_big("ran past".into()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Credential buffers to zero once a call is over. A buffer still shared
/// (reqwest or hyper holding a clone) cannot be written and is only dropped;
/// copies hyper makes into its connection buffers are out of reach.
#[derive(Default)]
pub(crate) struct Wipe(Vec<Bytes>);

impl Wipe {
    /// A sensitive header value `prefix + secret`, built in a buffer this guard wipes.
    fn sensitive(&mut self, prefix: &str, secret: &Secret) -> Result<HeaderValue, Error> {
        let mut buf = Vec::with_capacity(prefix.len() + secret.expose_secret().len());
        buf.extend_from_slice(prefix.as_bytes());
        buf.extend_from_slice(secret.expose_secret().as_bytes());
        let bytes = Bytes::from(buf);
        self.keep(bytes.clone());
        let mut value = HeaderValue::from_maybe_shared(bytes)
            .map_err(|_| Error::invalid("credential", "contains characters not allowed in an HTTP header"))?;
        value.set_sensitive(true);
        Ok(value)
    }

    fn keep(&mut self, bytes: Bytes) {
        self.0.push(bytes);
    }

    /// Zeroes every buffer no one else holds; returns them (for tests).
    fn wipe(&mut self) -> Vec<BytesMut> {
        self.0
            .drain(..)
            .filter_map(|b| b.try_into_mut().ok())
            .map(|mut b| {
                b.as_mut().zeroize();
                b
            })
            .collect()
    }
}

impl Drop for Wipe {
    fn drop(&mut self) {
        self.wipe();
    }
}

/// Zeroes every string in a decoded JSON value.
pub(crate) fn wipe_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => s.zeroize(),
        serde_json::Value::Array(items) => items.iter_mut().for_each(wipe_json),
        serde_json::Value::Object(map) => map.values_mut().for_each(wipe_json),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::{Client, ErrorKind};

    fn http() -> crate::Client {
        crate::Client::builder().api_base("http://127.0.0.1:1/client/v4").build().unwrap()
    }

    #[test]
    fn credentials_are_sensitive_headers() {
        let client = http();
        let (token, claim) = (Secret::new("cfat_abc"), Secret::new("claim-xyz"));
        let call = Call::new(Method::GET, "/x", Auth::Bearer(&token)).secret_header("X-Claim-Token", &claim).header("x-plain", "p");
        let mut wipe = Wipe::default();
        let req = client.http().build(&call, &mut wipe).unwrap().build().unwrap();
        let h = req.headers();
        assert!(h["authorization"].is_sensitive() && h["x-claim-token"].is_sensitive());
        assert!(!h["x-plain"].is_sensitive());
        assert_eq!(h["x-claim-token"], "claim-xyz");
        let shown = format!("{req:?}");
        assert!(!shown.contains("cfat_abc") && !shown.contains("claim-xyz"), "{shown}");
    }

    #[test]
    fn credential_buffers_are_zeroed_once_the_request_is_gone() {
        let client = http();
        let token = Secret::new("cfat_abc");
        let call = Call::new(Method::GET, "/x", Auth::Bearer(&token));
        let mut wipe = Wipe::default();
        let req = client.http().build(&call, &mut wipe).unwrap().build().unwrap();
        assert!(wipe.wipe().is_empty(), "a buffer the request still holds is left alone");
        drop(req);
        let mut wipe = Wipe::default();
        let req = client.http().build(&call, &mut wipe).unwrap().build().unwrap();
        drop(req);
        let wiped = wipe.wipe();
        assert_eq!(wiped.len(), 1);
        assert_eq!(wiped[0].len(), "Bearer cfat_abc".len());
        assert!(wiped[0].iter().all(|b| *b == 0));
    }

    #[test]
    fn decoded_json_is_wiped() {
        let mut v = serde_json::json!({"account": {"apiToken": "cfat_abc", "ids": ["x"]}});
        wipe_json(&mut v);
        assert_eq!(v, serde_json::json!({"account": {"apiToken": "", "ids": [""]}}));
    }

    #[test]
    fn redirect_targets_are_reported_as_origins_only() {
        let from = Url::parse("http://127.0.0.1:8787/client/v4/x").unwrap();
        let mut h = HeaderMap::new();
        h.insert(LOCATION, HeaderValue::from_static("https://evil.example:8443/p?token=abc"));
        assert_eq!(redirect_target(&from, &h), "https://evil.example:8443");
        h.insert(LOCATION, HeaderValue::from_static("/same/origin"));
        assert_eq!(redirect_target(&from, &h), "http://127.0.0.1:8787");
    }


    #[tokio::test]
    async fn a_refused_connection_is_retried_without_a_lookup() {
        // A port that was just free: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let retry = RetryPolicy { base_delay: Duration::from_millis(1), ..RetryPolicy::default() };
        let client = Client::builder().api_base(format!("http://127.0.0.1:{port}/client/v4")).retry(retry).build().unwrap();
        let lookups = AtomicU32::new(0);
        let call = Call::new(Method::POST, "/upload", Auth::None);
        let lookup = || async {
            lookups.fetch_add(1, Ordering::Relaxed);
            Ok(None)
        };
        let e = client.http().call_at_most_once(call, |_| Ok(()), lookup).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Network, "{e}");
        assert_eq!(transient(&e), Some(Landed::No));
        assert_eq!(lookups.load(Ordering::Relaxed), 0, "a refused connection cannot have landed");
    }
}

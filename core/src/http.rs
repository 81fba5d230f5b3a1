//! One place where requests are built, sent, retried and decoded.
//!
//! Every API call goes through [`Http::call`]: it adds the user agent, the
//! bearer credential (marked sensitive so it never shows up in reqwest's
//! `Debug`), extra headers, per-call timeout, and retries idempotent calls
//! on network errors, 429 and 5xx. Request bodies are kept as plain data
//! ([`Body`]) so a retry can rebuild the request, multipart included.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use reqwest::Method;
use url::Url;

use crate::envelope::{self, Envelope};
use crate::error::{ApiFailure, Error};
use crate::retry::RetryPolicy;
use crate::secret::Secret;

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
    /// Safe to send twice: retried on network errors, 429 and 5xx.
    pub idempotent: bool,
    /// Overrides the client timeout (long polls, big uploads).
    pub timeout: Option<Duration>,
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
            idempotent,
            timeout: None,
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
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = yes;
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

    fn build(&self, call: &Call<'_>) -> Result<reqwest::RequestBuilder, Error> {
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
            let mut value = HeaderValue::from_str(&format!("Bearer {}", secret.expose_secret()))
                .map_err(|_| Error::invalid("credential", "contains characters not allowed in an HTTP header"))?;
            value.set_sensitive(true);
            req = req.header(AUTHORIZATION, value);
        }
        Ok(match &call.body {
            Body::Empty => req,
            Body::Json(v) => req.json(v),
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

    /// Sends once; maps transport failures to typed errors.
    async fn send_once(&self, call: &Call<'_>) -> Result<(u16, HeaderMap, Bytes), Error> {
        let endpoint = call.endpoint();
        let transport = |e: reqwest::Error| {
            if e.is_timeout() {
                Error::Timeout { endpoint: endpoint.clone(), after: call.timeout.unwrap_or(self.timeout) }
            } else {
                // reqwest's messages include the URL; ours never carry secrets in URLs.
                Error::Network { endpoint: endpoint.clone(), message: e.to_string(), source: Some(Box::new(e)) }
            }
        };
        let resp = self.build(call)?.send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.map_err(transport)?;
        Ok((status, headers, body))
    }

    /// Sends with retries (for idempotent calls) and decodes the envelope.
    pub async fn call(&self, call: Call<'_>) -> Result<Envelope, Error> {
        let (status, headers, body) = self.send_with_retries(&call).await?;
        envelope::decode(&call.endpoint(), status, &headers, &body)
    }

    /// Sends with retries and returns the raw answer (for non-envelope APIs).
    pub async fn send_with_retries(&self, call: &Call<'_>) -> Result<(u16, HeaderMap, Bytes), Error> {
        let attempts = if call.idempotent { self.retry.max_attempts.max(1) } else { 1 };
        let mut attempt = 1;
        loop {
            let outcome = self.send_once(call).await;
            let last = attempt >= attempts;
            let wait = match &outcome {
                Err(Error::Network { .. } | Error::Timeout { .. }) if !last => self.retry.wait_for(attempt, None),
                Ok((status, headers, _)) if !last && (*status == 429 || *status >= 500) => {
                    let asked = envelope::retry_after(headers);
                    match self.retry.wait_for(attempt, asked) {
                        Some(w) => Some(w),
                        // The server wants longer than we are willing to sleep: report it.
                        None => return Err(rate_limited(call, *status, headers, asked)),
                    }
                }
                _ => None,
            };
            match wait {
                Some(w) => {
                    tracing::debug!(endpoint = %call.endpoint(), attempt, wait_ms = w.as_millis() as u64, "retrying");
                    tokio::time::sleep(w).await;
                    attempt += 1;
                }
                None => return outcome,
            }
        }
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

/// Hosts for which plain `http://` is allowed: the loopback range and `localhost`.
pub fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        None => false,
    }
}

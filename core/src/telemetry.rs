//! Opt-in OpenTelemetry export (cargo feature `otlp`): the spans of every
//! operation (provision, proof of work, deploy, asset upload, verify, claim
//! wait, teardown, agent tool calls) sent over OTLP/HTTP (protobuf) to a
//! collector. Span attributes are `run_id`, `job_id`, `account_id`,
//! `worker` and sizes; never a credential (see `tests/telemetry.rs`, which
//! scans what a collector receives).
//!
//! Installing it sets the process's global `tracing` subscriber, so the
//! application (the CLI, a binding on a client option), not a library
//! call, decides: [`Telemetry::from_env`] follows `OTEL_EXPORTER_OTLP_ENDPOINT`.

use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use tracing_subscriber::layer::SubscriberExt;

use crate::error::Error;

/// Standard variable naming the collector (`http://host:4318`); the exporter
/// posts to `{endpoint}/v1/traces`.
pub const ENDPOINT_VAR: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";

/// The exporter's HTTP client: the workspace's reqwest, blocking, because
/// the batch processor exports from its own thread (no async runtime).
#[derive(Debug)]
struct Blocking(reqwest::blocking::Client);

#[async_trait::async_trait]
impl HttpClient for Blocking {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let (parts, body) = request.into_parts();
        let sent = self.0.request(parts.method, parts.uri.to_string()).headers(parts.headers).body(body.to_vec()).send()?;
        let mut response = Response::builder().status(sent.status().as_u16());
        // A collector answers with a small status message; more is not read.
        let body = sent.bytes()?;
        response = response.header("content-length", body.len().min(64 << 10));
        Ok(response.body(body.slice(..body.len().min(64 << 10)))?)
    }
}

/// The installed exporter. Dropping it flushes what is buffered and stops
/// the export thread.
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Installs the exporter when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
    pub fn from_env() -> Result<Option<Self>, Error> {
        match std::env::var(ENDPOINT_VAR) {
            Ok(endpoint) if !endpoint.trim().is_empty() => Self::install(endpoint.trim()).map(Some),
            _ => Ok(None),
        }
    }

    /// Exports spans to the OTLP/HTTP collector at `endpoint` and makes this
    /// the global `tracing` subscriber (an error if one is already set).
    pub fn install(endpoint: &str) -> Result<Self, Error> {
        let url = url::Url::parse(endpoint).map_err(|e| Error::invalid(ENDPOINT_VAR, format!("{endpoint:?} is not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::invalid(ENDPOINT_VAR, "use an http:// or https:// collector URL".to_string()));
        }
        let traces = format!("{}/v1/traces", endpoint.trim_end_matches('/'));
        // reqwest's blocking client must be built (and dropped) outside any async runtime.
        let client = std::thread::spawn(|| reqwest::blocking::Client::builder().timeout(Duration::from_secs(10)).build())
            .join()
            .expect("building an HTTP client does not panic")
            .map_err(|e| Error::invalid(ENDPOINT_VAR, format!("cannot build the exporter's HTTP client: {e}")))?;
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_http_client(Blocking(client))
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(traces)
            .build()
            .map_err(|e| Error::invalid(ENDPOINT_VAR, format!("cannot build the OTLP exporter: {e}")))?;
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(Resource::builder().with_service_name("boardingpass").build())
            .build();
        let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("boardingpass"));
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
            .map_err(|_| Error::invalid(ENDPOINT_VAR, "a tracing subscriber is already installed in this process".to_string()))?;
        Ok(Self { provider: Some(provider) })
    }

    /// Sends every finished span now.
    pub fn flush(&self) {
        if let Some(p) = &self.provider {
            let p = p.clone();
            let _ = std::thread::spawn(move || p.force_flush()).join();
        }
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        // Off the caller's thread: the exporter's blocking client must not be
        // dropped inside an async runtime.
        if let Some(p) = self.provider.take() {
            let _ = std::thread::spawn(move || p.shutdown()).join();
        }
    }
}

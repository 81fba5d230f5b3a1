//! Opt-in OpenTelemetry export (cargo feature `otlp`): the spans of every
//! operation (provision, proof of work, deploy, asset upload, verify, claim
//! wait, teardown, agent tool calls) sent over OTLP/HTTP (protobuf) to a
//! collector. Span attributes are `run_id`, `job_id`, `account_id`,
//! `worker` and sizes; never a credential (see `tests/telemetry.rs`, which
//! scans what a collector receives).
//!
//! Audit events travel as events of the span they happen in (named by
//! their kind, the scrubbed JSON line as attribute `record`).
//!
//! Installing it sets the process's global `tracing` subscriber, so the
//! application, not a library call, decides: the CLI follows
//! `OTEL_EXPORTER_OTLP_ENDPOINT` ([`Telemetry::from_env`]); a Rust program
//! calls [`Telemetry::install`]; the bindings set `otlp_endpoint` on the
//! client ([`crate::ClientConfig::otlp_endpoint`], defaulted from the
//! variable by [`endpoint_from_env`]), which installs the exporter once per
//! process ([`install_once`]) and flushes it at exit ([`shutdown_installed`]).

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use opentelemetry_sdk::Resource;
use tracing_opentelemetry::OpenTelemetryLayer;
use tracing_subscriber::layer::{Layered, SubscriberExt};
use tracing_subscriber::{reload, Layer, Registry};

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

/// `OTEL_EXPORTER_OTLP_ENDPOINT`, when set and not blank.
pub fn endpoint_from_env() -> Option<String> {
    std::env::var(ENDPOINT_VAR).ok().map(|e| e.trim().to_string()).filter(|e| !e.is_empty())
}

/// A layer an embedder adds under the exporter, e.g. a binding's bridge to
/// its language's logging.
pub type BaseLayer = Box<dyn Layer<Registry> + Send + Sync>;
type Base = Layered<Option<BaseLayer>, Registry>;
type Exporter = OpenTelemetryLayer<Base, SdkTracer>;

/// Where the exporter goes once an endpoint is known: the global subscriber
/// is set once per process, so it is set with an empty slot.
static SLOT: OnceLock<reload::Handle<Option<Exporter>, Base>> = OnceLock::new();

/// The exporter a client installed for the whole process, and where it sends.
static INSTALLED: Mutex<Option<(String, Telemetry)>> = Mutex::new(None);

/// Makes boardingpass's subscriber the process's global one: `base` (if
/// any) plus an empty slot for the exporter. `false` when a subscriber was
/// already set (by this function or by someone else).
pub fn install_subscriber(base: Option<BaseLayer>) -> bool {
    let (slot, handle) = reload::Layer::new(None::<Exporter>);
    let installed = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(base).with(slot)).is_ok();
    if installed {
        let _ = SLOT.set(handle);
    }
    installed
}

/// Installs the exporter for the process on first use; a later call with
/// the same endpoint shares it, another endpoint is refused (one global
/// subscriber per process).
pub fn install_once(endpoint: &str) -> Result<(), Error> {
    let mut installed = INSTALLED.lock().unwrap_or_else(|p| p.into_inner());
    match installed.as_ref() {
        Some((current, _)) if current == endpoint => Ok(()),
        Some((current, _)) => Err(Error::invalid(
            "otlp_endpoint",
            format!("this process already exports to {current}; use the same endpoint for every client"),
        )),
        None => {
            *installed = Some((endpoint.to_string(), Telemetry::install(endpoint)?));
            Ok(())
        }
    }
}

/// Flushes and stops the exporter [`install_once`] installed (at process
/// exit, so buffered spans are not lost); a no-op when there is none.
pub fn shutdown_installed() {
    let taken = INSTALLED.lock().unwrap_or_else(|p| p.into_inner()).take();
    drop(taken);
}

impl Telemetry {
    /// Installs the exporter when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
    pub fn from_env() -> Result<Option<Self>, Error> {
        endpoint_from_env().map(|e| Self::install(&e)).transpose()
    }

    /// Exports spans to the OTLP/HTTP collector at `endpoint`, through
    /// boardingpass's global subscriber ([`install_subscriber`] if no one
    /// set it yet; an error if another subscriber is the global one).
    pub fn install(endpoint: &str) -> Result<Self, Error> {
        let url = url::Url::parse(endpoint).map_err(|e| Error::invalid(ENDPOINT_VAR, format!("{endpoint:?} is not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::invalid(ENDPOINT_VAR, "use an http:// or https:// collector URL".to_string()));
        }
        if SLOT.get().is_none() && !install_subscriber(None) {
            return Err(Error::invalid(ENDPOINT_VAR, "another tracing subscriber is installed in this process".to_string()));
        }
        let slot = SLOT.get().expect("set by install_subscriber");
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
        let mut filled = false;
        slot.modify(|current| {
            if current.is_none() {
                *current = Some(tracing_opentelemetry::layer().with_tracer(provider.tracer("boardingpass")));
                filled = true;
            }
        })
        .map_err(|e| Error::invalid(ENDPOINT_VAR, format!("cannot install the exporter: {e}")))?;
        if !filled {
            return Err(Error::invalid(ENDPOINT_VAR, "an exporter is already installed in this process".to_string()));
        }
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
        // The slot is free again: a later install exports afresh.
        if let Some(slot) = SLOT.get() {
            let _ = slot.modify(|current| *current = None);
        }
    }
}

//! Core's `tracing` events go to Python's `logging` (logger
//! `boardingpass.<module>`), delivered on the callback thread so no tokio
//! worker ever waits for the GIL. Only the library's own events at DEBUG
//! and above are forwarded; core never puts a secret in one. Audit events
//! are not: Python receives them through `on_audit` and `audit_log`. The
//! bridge is a layer of core's subscriber, under the OTLP exporter a client
//! may add (`otlp_endpoint`).

use std::fmt::Write as _;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata};
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::Context;
use tracing_subscriber::{Layer, Registry};

use crate::runtime::call_python;

static GET_LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

struct PythonLogging;

/// `message key=value ...`
#[derive(Default)]
struct Line {
    message: String,
    fields: String,
}

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={value}", field.name());
        }
    }
}

fn python_level(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        _ => 10,
    }
}

fn forwarded(meta: &Metadata<'_>) -> bool {
    meta.target().starts_with("boardingpass") && meta.target() != "boardingpass::audit" && *meta.level() <= Level::DEBUG
}

impl Layer<Registry> for PythonLogging {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, Registry>) {
        let meta = event.metadata();
        let mut line = Line::default();
        event.record(&mut line);
        let text = format!("{}{}", line.message, line.fields);
        let logger = meta.target().replace("::", ".");
        let level = python_level(meta.level());
        call_python(move |py| {
            let logged = GET_LOGGER.import(py, "logging", "getLogger").and_then(|get| {
                let logger = get.call1((logger,))?;
                if logger.call_method1("isEnabledFor", (level,))?.is_truthy()? {
                    logger.call_method1("log", (level, "%s", text))?;
                }
                Ok(())
            });
            if let Err(e) = logged {
                e.write_unraisable(py, None);
            }
        });
    }
}

/// Installs the bridge for this extension module's `tracing` callsites.
pub fn install() {
    // Fails only if already installed (the module was initialised before).
    boardingpass::telemetry::install_subscriber(Some(Box::new(PythonLogging.with_filter(filter_fn(forwarded)))));
}

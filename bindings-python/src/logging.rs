//! Core's `tracing` events go to Python's `logging` (logger
//! `boardingpass.<module>`), delivered on the callback thread so no tokio
//! worker ever waits for the GIL. Only the library's own events at DEBUG
//! and above are forwarded; core never puts a secret in one.

use std::fmt::Write as _;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

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

impl Subscriber for PythonLogging {
    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        meta.target().starts_with("boardingpass") && *meta.level() <= Level::DEBUG
    }
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if self.enabled(meta) { Interest::always() } else { Interest::never() }
    }
    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::DEBUG)
    }
    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _span: &Id, _values: &Record<'_>) {}
    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}
    fn enter(&self, _span: &Id) {}
    fn exit(&self, _span: &Id) {}

    fn event(&self, event: &Event<'_>) {
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
    let _ = tracing::subscriber::set_global_default(PythonLogging);
}

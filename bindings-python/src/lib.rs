//! `boardingpass._native`: the pyo3 binding of the boardingpass core. It
//! converts types and errors only; behaviour lives in core. The Python
//! package (`bindings-python/python/boardingpass`) re-exports it.

mod claim;
mod client;
mod convert;
mod errors;
mod logging;
mod pass;
mod policy;
mod progress;
mod results;
mod runtime;
mod secret;
mod shared;
mod worker;

use pyo3::prelude::*;

/// Rust operations started from Python whose futures still exist. Falls
/// back to zero once every awaited, cancelled or finished call is dropped.
#[pyfunction]
fn operations_in_flight() -> usize {
    runtime::operations_in_flight()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    logging::install();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<client::PyClient>()?;
    m.add_class::<pass::PyBoardingPass>()?;
    m.add_class::<worker::PyWorker>()?;
    m.add_class::<policy::PyPolicy>()?;
    m.add_class::<secret::PySecret>()?;
    m.add_class::<results::PyDeployment>()?;
    m.add_class::<results::PyEvidence>()?;
    m.add_class::<results::PyClaimOutcome>()?;
    m.add_class::<results::PyTeardownReport>()?;
    m.add_class::<results::PyClaimTicket>()?;
    m.add_class::<claim::PyClaimWatcher>()?;
    m.add_class::<progress::ProgressEvent>()?;
    m.add_class::<progress::ProgressStream>()?;
    m.add_function(wrap_pyfunction!(operations_in_flight, m)?)?;
    m.py().import("atexit")?.call_method1("register", (wrap_pyfunction!(runtime::shutdown, m)?,))?;
    Ok(())
}

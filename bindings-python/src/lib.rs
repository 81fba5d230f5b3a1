//! `boardingpass._native`: the pyo3 binding of the boardingpass core. It
//! converts types and errors only; behaviour lives in core. The Python
//! package (`bindings-python/python/boardingpass`) re-exports it.

mod claim;
mod client;
mod convert;
mod d1;
mod errors;
mod kv;
mod logging;
mod pass;
mod policy;
mod progress;
mod results;
mod runtime;
mod secret;
mod shared;
mod testing;
mod toolbox;
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
    // Core's name lists: what the stubs' Literal types are generated from (stubgen.py).
    m.add("CLAIM_STATUSES", boardingpass::ClaimStatus::ALL.map(boardingpass::ClaimStatus::as_str).to_vec())?;
    m.add("PHASES", boardingpass::Phase::ALL.map(boardingpass::Phase::as_str).to_vec())?;
    m.add("MODULE_KINDS", boardingpass::ModuleKind::ALL.map(boardingpass::ModuleKind::as_str).to_vec())?;
    m.add_class::<client::PyClient>()?;
    m.add_class::<pass::PyBoardingPass>()?;
    m.add_class::<worker::PyWorker>()?;
    m.add_class::<policy::PyPolicy>()?;
    m.add_class::<secret::PySecret>()?;
    m.add_class::<boardingpass::Deployment>()?;
    m.add_class::<boardingpass::BundleInfo>()?;
    m.add_class::<boardingpass::BundledPackage>()?;
    m.add_class::<boardingpass::Evidence>()?;
    m.add_class::<boardingpass::KvNamespace>()?;
    m.add_class::<boardingpass::KvKey>()?;
    m.add_class::<boardingpass::KvKeyPage>()?;
    m.add_class::<boardingpass::D1Database>()?;
    m.add_class::<boardingpass::D1Meta>()?;
    m.add_class::<boardingpass::D1Result>()?;
    m.add_class::<boardingpass::ClaimOutcome>()?;
    m.add_class::<boardingpass::TeardownReport>()?;
    m.add_class::<results::PyClaimTicket>()?;
    m.add_class::<claim::PyClaimWatcher>()?;
    m.add_class::<boardingpass::ProgressEvent>()?;
    m.add_class::<progress::ProgressStream>()?;
    m.add_class::<toolbox::PyToolbox>()?;
    m.add_class::<toolbox::PyClaimLink>()?;
    m.add_class::<testing::PyEmulator>()?;
    m.add_function(wrap_pyfunction!(operations_in_flight, m)?)?;
    m.py().import("atexit")?.call_method1("register", (wrap_pyfunction!(runtime::shutdown, m)?,))?;
    Ok(())
}

//! `boardingpass.testing.Emulator`: core's `testing::EmulatorProcess` (a
//! local emulator child process) for the pytest plugin. Blocking methods:
//! fixtures are synchronous, and the GIL is released while they wait.

use std::path::PathBuf;
use std::sync::Arc;

use boardingpass::testing::{EmulatorOptions, EmulatorProcess};
use pyo3::prelude::*;

use crate::convert::{opt_seconds, repr};
use crate::errors::py_result;
use crate::pass::PyBoardingPass;
use crate::runtime::block_on;

#[pyclass(frozen, module = "boardingpass.testing", name = "Emulator")]
pub struct PyEmulator {
    inner: Arc<EmulatorProcess>,
}

#[pymethods]
impl PyEmulator {
    /// Starts `boardingpass-emulator` on a free loopback port and waits until
    /// it listens. Unset options keep core's defaults (a light proof of work,
    /// the emulator's 60-minute lifetime; the binaries found as documented).
    #[staticmethod]
    #[pyo3(signature = (*, lifetime=None, pow_k=None, pow_g=None, emulator=None, workerd=None))]
    fn start(py: Python<'_>, lifetime: Option<f64>, pow_k: Option<u32>, pow_g: Option<u32>, emulator: Option<PathBuf>, workerd: Option<PathBuf>) -> PyResult<Self> {
        let mut options = EmulatorOptions::default();
        options.lifetime = opt_seconds(py, "lifetime", lifetime)?;
        options.pow_k = pow_k.unwrap_or(options.pow_k);
        options.pow_g = pow_g.unwrap_or(options.pow_g);
        (options.emulator, options.workerd) = (emulator, workerd);
        let inner = block_on(py, py_result(EmulatorProcess::start(options)))?;
        Ok(Self { inner: Arc::new(inner) })
    }

    /// The API base for `boardingpass.Client(api_base)`.
    #[getter]
    fn api_base(&self) -> &str {
        self.inner.api_base()
    }

    /// What the owner's Claim button does: the account becomes permanent.
    fn claim(&self, py: Python<'_>, bpass: &Bound<'_, PyBoardingPass>) -> PyResult<()> {
        let (inner, pass) = (self.inner.clone(), bpass.get().core().clone());
        block_on(py, py_result(async move { inner.claim(&pass).await }))
    }

    /// Stops the emulator and its Workers; stopping twice does nothing.
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        let inner = self.inner.clone();
        block_on(py, async move {
            inner.stop().await;
            Ok(())
        })
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __exit__(&self, py: Python<'_>, _t: Option<Bound<'_, PyAny>>, _v: Option<Bound<'_, PyAny>>, _tb: Option<Bound<'_, PyAny>>) -> PyResult<bool> {
        self.stop(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!("Emulator(api_base={})", repr::s(self.inner.api_base()))
    }
}

//! `boardingpass-sdk/testing`: core's `testing::EmulatorProcess` (a local
//! emulator child process) for users' tests. `Emulator.start` backs
//! `startEmulator` of that entry (whose type is in `testing.d.ts`); the
//! `Emulator` class is declared with the package's other classes.

use std::sync::Arc;

use boardingpass::testing::{EmulatorOptions as CoreOptions, EmulatorProcess};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::abort::Abort;
use crate::convert::millis;
use crate::pass::BoardingPass;
use crate::promise;

#[napi(object)]
pub struct EmulatorOptions {
    /// Account lifetime in milliseconds, whole seconds. Default: the emulator's 60 minutes.
    pub lifetime: Option<f64>,
    /// Proof-of-work checkpoints per challenge. Default 20 (light, for tests).
    pub pow_k: Option<u32>,
    /// Hashes per checkpoint. Default 50.
    pub pow_g: Option<u32>,
    /// The `boardingpass-emulator` binary. Default: `BOARDINGPASS_EMULATOR`, then the one in the platform package.
    pub emulator: Option<String>,
    /// The workerd binary. Default: `BOARDINGPASS_WORKERD`, the npm `workerd` package, then `PATH`.
    pub workerd: Option<String>,
}

/// A running local emulator (from `startEmulator()` of `boardingpass-sdk/testing`).
#[napi]
pub struct Emulator {
    inner: Arc<EmulatorProcess>,
}

#[napi]
impl Emulator {
    /// Starts `boardingpass-emulator` on a free loopback port; unset options
    /// keep core's defaults.
    #[napi(skip_typescript)]
    pub fn start(env: &Env, options: Option<EmulatorOptions>) -> Result<AsyncBlock<Emulator>> {
        let mut core = CoreOptions::default();
        if let Some(o) = options {
            core.lifetime = o.lifetime.map(|ms| millis("lifetime", ms)).transpose().map_err(|e| crate::errors::to_js(env, &e))?;
            core.pow_k = o.pow_k.unwrap_or(core.pow_k);
            core.pow_g = o.pow_g.unwrap_or(core.pow_g);
            (core.emulator, core.workerd) = (o.emulator.map(Into::into), o.workerd.map(Into::into));
        }
        promise::spawn(env, Abort::none(), EmulatorProcess::start(core), |_, inner| Ok(Emulator { inner: Arc::new(inner) }))
    }

    /// The API base for `new Client({ apiBase })`.
    #[napi(getter)]
    pub fn api_base(&self) -> String {
        self.inner.api_base().to_string()
    }

    /// What the owner's Claim button does.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn claim(&self, env: &Env, pass: &BoardingPass) -> Result<AsyncBlock<()>> {
        let (inner, pass) = (self.inner.clone(), pass.core().clone());
        promise::spawn(env, Abort::none(), async move { inner.claim(&pass).await }, |_, ()| Ok(()))
    }

    /// Stops the emulator and its Workers; stopping twice does nothing.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn stop(&self, env: &Env) -> Result<AsyncBlock<()>> {
        let inner = self.inner.clone();
        promise::spawn(env, Abort::none(), async move {
            inner.stop().await;
            Ok(())
        }, |_, ()| Ok(()))
    }
}

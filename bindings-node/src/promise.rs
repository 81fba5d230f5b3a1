//! Core futures as JS Promises: spawned on napi's tokio runtime, settled on
//! the JS thread, rejected with the re-typed core error.

use std::future::Future;

use boardingpass::Error as CoreError;
use napi::bindgen_prelude::*;

use crate::abort::Abort;
use crate::errors;

pub(crate) type CoreResult<T> = std::result::Result<T, CoreError>;

/// Runs `fut` and hands its outcome to `settle` on the JS thread.
pub(crate) fn settle<T, V>(
    env: &Env,
    fut: impl Future<Output = CoreResult<T>> + Send + 'static,
    settle: impl FnOnce(&Env, CoreResult<T>) -> Result<V> + 'static,
) -> Result<AsyncBlock<V>>
where
    T: Send + 'static,
    V: ToNapiValue + 'static,
{
    let work = async move { Ok::<_, Error>(fut.await) };
    AsyncBlockBuilder::build_with_map(env, work, move |env, out| settle(&env, out))
}

/// A long call tied to `abort`: refused at once when the signal had already
/// fired, and the signal's listener removed when it settles.
pub(crate) fn spawn<T, V>(
    env: &Env,
    abort: Abort,
    fut: impl Future<Output = CoreResult<T>> + Send + 'static,
    to_js: impl FnOnce(&Env, T) -> Result<V> + 'static,
) -> Result<AsyncBlock<V>>
where
    T: Send + 'static,
    V: ToNapiValue + 'static,
{
    let pre_aborted = abort.token.is_cancelled();
    let fut = async move {
        if pre_aborted {
            return Err(CoreError::Cancelled);
        }
        fut.await
    };
    settle(env, fut, move |env, out| {
        // A listener that cannot be removed only costs memory; the outcome matters more.
        let _ = abort.release(env);
        match out {
            Ok(v) => to_js(env, v),
            Err(e) => Err(errors::to_js(env, &e)),
        }
    })
}

/// Blocking core work (file reads, fsync) on tokio's blocking pool, off the
/// JS thread.
pub(crate) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> CoreResult<T> + Send + 'static) -> CoreResult<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(out) => out,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

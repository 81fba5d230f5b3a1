//! `AbortSignal` → core `CancellationToken`. The listener is added on the JS
//! thread before the work is spawned (signals are not `Send`) and removed when
//! the call settles, so one long-lived signal shared by many calls does not
//! collect listeners. An already-aborted signal cancels the token at once.

use boardingpass::CancellationToken;
use napi::bindgen_prelude::*;

use crate::errors;

/// `addEventListener`/`removeEventListener` with `(type, listener)`.
type ListenerFn<'a> = Function<'a, FnArgs<(&'static str, Function<'a, (), ()>)>, ()>;

const NOT_A_SIGNAL: &str = "must be an AbortSignal (e.g. new AbortController().signal or AbortSignal.timeout(ms))";

pub(crate) struct Abort {
    pub(crate) token: CancellationToken,
    listener: Option<Listener>,
}

struct Listener {
    signal: ObjectRef<false>,
    handler: FunctionRef<(), ()>,
}

impl Abort {
    /// A token no signal can fire (for calls made without one).
    pub(crate) fn none() -> Self {
        Self { token: CancellationToken::new(), listener: None }
    }

    pub(crate) fn link(env: &Env, signal: Option<Object>) -> Result<Self> {
        let Some(signal) = signal else { return Ok(Self::none()) };
        let aborted: Option<bool> = signal.get("aborted").ok().flatten();
        let add: Option<ListenerFn> = signal.get("addEventListener").ok().flatten();
        let (Some(aborted), Some(add)) = (aborted, add) else {
            return Err(errors::to_js(env, &errors::invalid("signal", NOT_A_SIGNAL)));
        };
        let token = CancellationToken::new();
        if aborted {
            token.cancel();
            return Ok(Self { token, listener: None });
        }
        let fire = token.clone();
        let handler = env.create_function_from_closure("boardingpassAbort", move |_| {
            fire.cancel();
            Ok(())
        })?;
        add.apply(signal, FnArgs::from(("abort", handler)))?;
        let listener = Listener { signal: signal.create_ref()?, handler: handler.create_ref()? };
        Ok(Self { token, listener: Some(listener) })
    }

    /// Removes the listener; call on the JS thread once the call settled.
    pub(crate) fn release(mut self, env: &Env) -> Result<()> {
        let Some(Listener { signal, handler }) = self.listener.take() else { return Ok(()) };
        let target = signal.get_value(env)?;
        let remove: Option<ListenerFn> = target.get("removeEventListener")?;
        if let Some(remove) = remove {
            remove.apply(target, FnArgs::from(("abort", handler.borrow_back(env)?)))?;
        }
        signal.unref(env)
    }
}

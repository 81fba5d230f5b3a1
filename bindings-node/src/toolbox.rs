//! `Toolbox`: core's agent tools (names, schemas, behaviour) for JS
//! frameworks, JSON in and out. A claim link goes to `onClaimLink` (called
//! on the JS thread), never into a result.

use std::path::PathBuf;
use std::sync::Arc;

use boardingpass as bp;
use bp::toolbox::{claim_link_to_stderr, CallContext, ClaimLinkSink, ToolboxConfig};
use chrono::{DateTime, Utc};
use napi::bindgen_prelude::*;
use napi::threadsafe_function::ThreadsafeFunction;
use napi_derive::napi;

use crate::abort::Abort;
use crate::client::Client;
use crate::progress::{progress, ProgressCallback};
use crate::promise;
use crate::secret::Secret;

/// One tool as a framework registers it; the schemas are JSON Schemas.
#[napi(object, object_from_js = false)]
pub struct ToolSpec {
    pub name: String,
    pub title: String,
    pub description: String,
    #[napi(ts_type = "Record<string, unknown>")]
    pub input_schema: serde_json::Value,
    #[napi(ts_type = "Record<string, unknown>")]
    pub output_schema: serde_json::Value,
}

/// A claim link for its owner, as `onClaimLink` receives it.
#[napi(object, object_from_js = false)]
pub struct ClaimLink {
    pub url: Secret,
    pub owner: Option<String>,
    pub account_id: String,
    pub account_name: String,
    pub expires_at: DateTime<Utc>,
}

pub type ClaimLinkCallback = ThreadsafeFunction<ClaimLink, Either<String, Promise<String>>, ClaimLink, Status, false, true>;

#[napi(object, object_to_js = false)]
pub struct ToolboxOptions {
    /// Who receives the claim links (the default policy requires a name).
    pub owner: Option<String>,
    /// The only directory a `path` argument may name; without it only
    /// inline files are deployed.
    pub root: Option<String>,
    /// Delivers a claim link to its owner and returns (or resolves to) a
    /// sentence saying where it went, which the model reads. Without it
    /// links go to standard error.
    #[napi(ts_type = "(link: ClaimLink) => string | Promise<string>")]
    pub on_claim_link: Option<ClaimLinkCallback>,
}

#[napi(object, object_to_js = false)]
pub struct ToolCallOptions<'env> {
    /// Proof of work, hashing and upload steps.
    #[napi(ts_type = "(event: ProgressEvent) => void")]
    pub on_progress: Option<ProgressCallback>,
    /// Aborting rejects with an `AbortError` and stops the work.
    #[napi(ts_type = "AbortSignal")]
    pub signal: Option<Object<'env>>,
}

/// Hands each link to `callback` and returns its sentence. A callback that
/// fails leaves the account without an owner, so the link then goes to
/// standard error (as the CLI does).
fn sink(callback: ClaimLinkCallback) -> ClaimLinkSink {
    let callback = Arc::new(callback);
    Arc::new(move |link: bp::toolbox::ClaimLink| {
        let callback = callback.clone();
        Box::pin(async move {
            let arg = ClaimLink {
                url: Secret::new(link.url.expose_secret()),
                owner: link.owner.clone(),
                account_id: link.account_id.clone(),
                account_name: link.account_name.clone(),
                expires_at: link.expires_at,
            };
            let delivered = match callback.call_async(arg).await {
                Ok(Either::A(sentence)) => Ok(sentence),
                Ok(Either::B(promise)) => promise.await,
                Err(e) => Err(e),
            };
            match delivered {
                Ok(sentence) => Ok(sentence),
                // The toolbox audits it and falls back to standard error.
                Err(e) => Err(bp::Error::InvalidInput { field: "onClaimLink".into(), message: format!("the callback failed: {}", bp::printable(&e.reason)) }),
            }
        })
    })
}

/// The agent tools over one client, holding the passes they create.
#[napi]
pub struct Toolbox {
    inner: bp::toolbox::Toolbox,
}

#[napi]
impl Toolbox {
    #[napi(constructor)]
    pub fn new(client: &Client, options: Option<ToolboxOptions>) -> Self {
        let (owner, root, on_claim_link) = options.map_or((None, None, None), |o| (o.owner, o.root, o.on_claim_link));
        let sink = on_claim_link.map_or_else(claim_link_to_stderr, sink);
        Self { inner: bp::toolbox::Toolbox::new(client.core().clone(), ToolboxConfig::new(owner, root.map(PathBuf::from)), sink) }
    }

    /// Every tool, in the order hosts list them.
    #[napi]
    pub fn tool_specs(&self) -> Vec<ToolSpec> {
        bp::toolbox::tool_specs()
            .into_iter()
            .map(|s| ToolSpec {
                name: s.name.into(),
                title: s.title.into(),
                description: s.description.into(),
                input_schema: s.input_schema,
                output_schema: s.output_schema,
            })
            .collect()
    }

    /// Runs tool `name` with JSON `args` and resolves to its JSON result.
    /// Unknown tools and bad arguments reject with `InvalidInputError`.
    #[napi(ts_return_type = "Promise<Record<string, unknown>>")]
    pub fn call(
        &self,
        env: &Env,
        name: String,
        #[napi(ts_arg_type = "Record<string, unknown>")] args: Option<serde_json::Value>,
        options: Option<ToolCallOptions>,
    ) -> Result<AsyncBlock<serde_json::Value>> {
        let (on_progress, signal) = options.map_or((None, None), |o| (o.on_progress, o.signal));
        let abort = Abort::link(env, signal)?;
        let ctx = CallContext::new(progress(on_progress), Some(abort.token.clone()), None);
        let toolbox = self.inner.clone();
        let fut = async move { toolbox.call(&name, args.unwrap_or_default(), ctx).await };
        promise::spawn(env, abort, fut, |_, v| Ok(v))
    }
}

//! Workers KV calls of `BoardingPass` (core's `kv_*` methods): argument and
//! result conversions only; limits and checks are core's. Each call takes
//! an optional `{ signal }` like the pass's other operations.

use boardingpass as bp;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::abort::Abort;
use crate::pass::{BoardingPass, SignalOptions};
use crate::promise;

/// One pair of `kvPutBulk`: the value a string (UTF-8) or bytes.
#[napi(object, object_to_js = false)]
pub struct KvEntry {
    pub key: String,
    pub value: Either<String, Buffer>,
}

#[napi(object, object_to_js = false)]
pub struct KvListOptions<'env> {
    /// Only keys starting with this.
    pub prefix: Option<String>,
    /// The previous page's `cursor`.
    pub cursor: Option<String>,
    /// Keys per page, 10–1000.
    pub limit: Option<u32>,
    #[napi(ts_type = "AbortSignal")]
    pub signal: Option<Object<'env>>,
}

fn bytes(value: Either<String, Buffer>) -> Vec<u8> {
    match value {
        Either::A(s) => s.into_bytes(),
        Either::B(b) => b.to_vec(),
    }
}

fn abort(env: &Env, options: Option<SignalOptions>) -> Result<Abort> {
    Abort::link(env, options.and_then(|o| o.signal))
}

#[napi]
impl BoardingPass {
    /// Creates a Workers KV namespace (listed in the ticket, audited as `resource_created`).
    #[napi(ts_return_type = "Promise<KvNamespace>")]
    pub fn create_kv_namespace(&self, env: &Env, title: String, options: Option<SignalOptions>) -> Result<AsyncBlock<bp::KvNamespace>> {
        let abort = abort(env, options)?;
        let (pass, cancel) = (self.inner.clone(), abort.token.clone());
        let fut = async move { bp::cancellable(Some(&cancel), pass.create_kv_namespace(&title)).await };
        promise::spawn(env, abort, fut, |_, n| Ok(n))
    }

    /// Every KV namespace of the account.
    #[napi(ts_return_type = "Promise<KvNamespace[]>")]
    pub fn kv_namespaces(&self, env: &Env, options: Option<SignalOptions>) -> Result<AsyncBlock<Vec<bp::KvNamespace>>> {
        let abort = abort(env, options)?;
        let (pass, cancel) = (self.inner.clone(), abort.token.clone());
        let fut = async move { bp::cancellable(Some(&cancel), pass.kv_namespaces()).await };
        promise::spawn(env, abort, fut, |_, n| Ok(n))
    }

    /// Deletes a KV namespace and its keys.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn delete_kv_namespace(&self, env: &Env, namespace_id: String, options: Option<SignalOptions>) -> Result<AsyncBlock<()>> {
        let abort = abort(env, options)?;
        let (pass, cancel) = (self.inner.clone(), abort.token.clone());
        let fut = async move { bp::cancellable(Some(&cancel), pass.delete_kv_namespace(&namespace_id)).await };
        promise::spawn(env, abort, fut, |_, ()| Ok(()))
    }

    /// Writes one value (a string is stored as UTF-8).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn kv_put(&self, env: &Env, namespace_id: String, key: String, value: Either<String, Buffer>, options: Option<SignalOptions>) -> Result<AsyncBlock<()>> {
        let abort = abort(env, options)?;
        let (pass, cancel, value) = (self.inner.clone(), abort.token.clone(), bytes(value));
        let fut = async move { bp::cancellable(Some(&cancel), pass.kv_put(&namespace_id, &key, value)).await };
        promise::spawn(env, abort, fut, |_, ()| Ok(()))
    }

    /// Reads one value as a Buffer; `null` when the key does not exist.
    #[napi(ts_return_type = "Promise<Buffer | null>")]
    pub fn kv_get(&self, env: &Env, namespace_id: String, key: String, options: Option<SignalOptions>) -> Result<AsyncBlock<Option<Buffer>>> {
        let abort = abort(env, options)?;
        let (pass, cancel) = (self.inner.clone(), abort.token.clone());
        let fut = async move { bp::cancellable(Some(&cancel), pass.kv_get(&namespace_id, &key)).await };
        promise::spawn(env, abort, fut, |_, v| Ok(v.map(|b| Buffer::from(b.to_vec()))))
    }

    /// Deletes one key.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn kv_delete(&self, env: &Env, namespace_id: String, key: String, options: Option<SignalOptions>) -> Result<AsyncBlock<()>> {
        let abort = abort(env, options)?;
        let (pass, cancel) = (self.inner.clone(), abort.token.clone());
        let fut = async move { bp::cancellable(Some(&cancel), pass.kv_delete(&namespace_id, &key)).await };
        promise::spawn(env, abort, fut, |_, ()| Ok(()))
    }

    /// One page of keys; pass the page's `cursor` back for the next.
    #[napi(ts_return_type = "Promise<KvKeyPage>")]
    pub fn kv_list(&self, env: &Env, namespace_id: String, options: Option<KvListOptions>) -> Result<AsyncBlock<bp::KvKeyPage>> {
        let (mut list, signal) = (bp::KvListOptions::default(), None);
        let signal = match options {
            None => signal,
            Some(o) => {
                (list.prefix, list.cursor, list.limit) = (o.prefix, o.cursor, o.limit);
                o.signal
            }
        };
        let abort = Abort::link(env, signal)?;
        let (pass, cancel) = (self.inner.clone(), abort.token.clone());
        let fut = async move { bp::cancellable(Some(&cancel), pass.kv_list(&namespace_id, list)).await };
        promise::spawn(env, abort, fut, |_, p| Ok(p))
    }

    /// Writes many pairs in one request.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn kv_put_bulk(&self, env: &Env, namespace_id: String, entries: Vec<KvEntry>, options: Option<SignalOptions>) -> Result<AsyncBlock<()>> {
        let abort = abort(env, options)?;
        let pairs: Vec<bp::KvPair> = entries.into_iter().map(|e| bp::KvPair::new(e.key, bytes(e.value))).collect();
        let (pass, cancel) = (self.inner.clone(), abort.token.clone());
        let fut = async move { bp::cancellable(Some(&cancel), pass.kv_put_bulk(&namespace_id, &pairs)).await };
        promise::spawn(env, abort, fut, |_, ()| Ok(()))
    }
}

//! Workers KV calls of the pass (core's `kv_*` methods): arguments in,
//! core's records out; limits and checks are core's. Each is a suspend
//! function: cancelling the coroutine drops the Rust future.

use boardingpass::{Error, KvKeyPage, KvListOptions, KvNamespace, KvPair};

use crate::inflight::InFlight;
use crate::pass::Pass;

#[uniffi::export(async_runtime = "tokio")]
impl Pass {
    /// Creates a KV namespace (listed in the ticket, audited as `resource_created`).
    pub async fn create_kv_namespace(&self, title: String) -> Result<KvNamespace, Error> {
        let _op = InFlight::enter();
        self.inner.create_kv_namespace(&title).await
    }

    /// Every KV namespace of the account.
    pub async fn kv_namespaces(&self) -> Result<Vec<KvNamespace>, Error> {
        let _op = InFlight::enter();
        self.inner.kv_namespaces().await
    }

    /// Deletes a KV namespace and its keys.
    pub async fn delete_kv_namespace(&self, namespace_id: String) -> Result<(), Error> {
        let _op = InFlight::enter();
        self.inner.delete_kv_namespace(&namespace_id).await
    }

    /// Writes one value.
    pub async fn kv_put(&self, namespace_id: String, key: String, value: Vec<u8>) -> Result<(), Error> {
        let _op = InFlight::enter();
        self.inner.kv_put(&namespace_id, &key, value).await
    }

    /// Reads one value; `null` when the key does not exist.
    pub async fn kv_get(&self, namespace_id: String, key: String) -> Result<Option<Vec<u8>>, Error> {
        let _op = InFlight::enter();
        Ok(self.inner.kv_get(&namespace_id, &key).await?.map(|b| b.to_vec()))
    }

    /// Deletes one key.
    pub async fn kv_delete(&self, namespace_id: String, key: String) -> Result<(), Error> {
        let _op = InFlight::enter();
        self.inner.kv_delete(&namespace_id, &key).await
    }

    /// One page of keys; pass the page's `cursor` back for the next.
    #[uniffi::method(default(prefix = None, cursor = None, limit = None))]
    pub async fn kv_list(&self, namespace_id: String, prefix: Option<String>, cursor: Option<String>, limit: Option<u32>) -> Result<KvKeyPage, Error> {
        let _op = InFlight::enter();
        let mut options = KvListOptions::default();
        (options.prefix, options.cursor, options.limit) = (prefix, cursor, limit);
        self.inner.kv_list(&namespace_id, options).await
    }

    /// Writes many pairs in one request.
    pub async fn kv_put_bulk(&self, namespace_id: String, pairs: Vec<KvPair>) -> Result<(), Error> {
        let _op = InFlight::enter();
        self.inner.kv_put_bulk(&namespace_id, &pairs).await
    }
}

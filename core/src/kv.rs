//! Workers KV on the pass's account (docs/PROTOCOL.md §11): namespaces
//! (create, list, delete) and their keys (put, get, delete, list, bulk
//! write) over Cloudflare's `storage/kv` endpoints.
//!
//! Input is checked against Cloudflare's limits before anything is sent;
//! every answer is read with a size cap and every string in it is checked
//! before it is used or recorded. Each call is a future: dropping it, or
//! running it under [`cancellable`](crate::cancellable), cancels it.

use bytes::Bytes;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::Error;
use crate::http::{Body, MAX_API_BODY};
use crate::pass::BoardingPass;
use crate::record::PassResource;
use crate::resource::ResourceType;
use crate::untrusted;

/// Longest key Cloudflare stores, in bytes of UTF-8.
pub const MAX_KV_KEY_BYTES: usize = 512;
/// Largest value Cloudflare stores: 25 MiB.
pub const MAX_KV_VALUE_BYTES: usize = 25 << 20;
/// Most pairs in one bulk write.
pub const MAX_KV_BULK_PAIRS: usize = 10_000;
/// Largest bulk write request body: 100 MB.
pub const MAX_KV_BULK_BYTES: usize = 100_000_000;
/// Longest namespace title, in characters.
pub const MAX_KV_TITLE_CHARS: usize = 512;
/// The range Cloudflare accepts for a key listing's `limit` (default 1000).
pub const KV_LIST_LIMITS: std::ops::RangeInclusive<u32> = 10..=1000;
/// Resource type name of a KV namespace (ticket, audit, policy, metadata binding).
pub const KV_NAMESPACE: &str = "kv_namespace";

/// Longest cursor accepted from the server (it goes back in a query).
const MAX_CURSOR_LEN: usize = 1024;

/// A KV namespace of the account.
#[cfg_attr(feature = "napi", napi_derive::napi(object, object_from_js = false))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, get_all, module = "boardingpass", name = "KvNamespace"))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct KvNamespace {
    /// Cloudflare's id (32 hex digits), used in every key call and binding.
    pub id: String,
    pub title: String,
}

/// One key of a listing.
#[cfg_attr(feature = "napi", napi_derive::napi(object, object_from_js = false))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, get_all, module = "boardingpass", name = "KvKey"))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct KvKey {
    pub name: String,
    /// When the key expires, in seconds since the Unix epoch.
    pub expiration: Option<i64>,
}

/// One page of keys, in lexicographic order of their UTF-8 bytes.
#[cfg_attr(feature = "napi", napi_derive::napi(object, object_from_js = false))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, get_all, module = "boardingpass", name = "KvKeyPage"))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct KvKeyPage {
    pub keys: Vec<KvKey>,
    /// Pass it back as [`KvListOptions::cursor`] for the next page; `None`
    /// when this page is the last.
    pub cursor: Option<String>,
}

/// What a key listing returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct KvListOptions {
    /// Only keys starting with this.
    pub prefix: Option<String>,
    /// Where the previous page ended.
    pub cursor: Option<String>,
    /// Keys per page, 10–1000 (Cloudflare's default: 1000).
    pub limit: Option<u32>,
}

setters!(KvListOptions {} optional { prefix => String, cursor => String, limit: u32 });

/// One key and value of a bulk write.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct KvPair {
    pub key: String,
    pub value: Bytes,
}

impl KvPair {
    pub fn new(key: impl Into<String>, value: impl Into<Bytes>) -> Self {
        Self { key: key.into(), value: value.into() }
    }
}

/// Checks a namespace title: 1–512 characters, none a control character.
pub fn validate_kv_title(title: &str) -> Result<(), Error> {
    let count = title.chars().count();
    if !(1..=MAX_KV_TITLE_CHARS).contains(&count) {
        return Err(Error::invalid("title", format!("a KV namespace title has 1-{MAX_KV_TITLE_CHARS} characters, this one {count}")));
    }
    if title.chars().any(char::is_control) {
        return Err(Error::invalid("title", format!("{} holds a control character", untrusted::quote(title))));
    }
    Ok(())
}

/// Checks a namespace id before it goes into a request path.
pub fn validate_kv_namespace_id(id: &str) -> Result<(), Error> {
    let ok = (1..=untrusted::MAX_ID_LEN).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        return Ok(());
    }
    Err(Error::invalid("namespace_id", format!("{} is not 1-{} letters, digits, '-' or '_'", untrusted::quote(id), untrusted::MAX_ID_LEN)))
}

/// Checks a key: 1–512 bytes, not `.` or `..` (they would change the path).
pub fn validate_kv_key(key: &str) -> Result<(), Error> {
    if key.is_empty() || key.len() > MAX_KV_KEY_BYTES {
        return Err(Error::invalid("key", format!("a KV key has 1-{MAX_KV_KEY_BYTES} bytes, this one {}", key.len())));
    }
    if key == "." || key == ".." {
        return Err(Error::invalid("key", format!("{key:?} cannot be a KV key")));
    }
    Ok(())
}

fn validate_value(key: &str, value: &[u8]) -> Result<(), Error> {
    if value.len() > MAX_KV_VALUE_BYTES {
        return Err(Error::invalid("value", format!("the value of {} has {} bytes, the limit is {MAX_KV_VALUE_BYTES} (25 MiB)", untrusted::quote(key), value.len())));
    }
    Ok(())
}

/// A key as one path segment: everything but unreserved characters
/// percent-encoded, so `/`, `?`, `#` and `%` stay part of the key.
fn key_segment(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[derive(Deserialize)]
pub(crate) struct RawNamespace {
    id: String,
    title: String,
}

/// Namespaces as resources of the account.
pub(crate) const NAMESPACES: ResourceType<RawNamespace, KvNamespace> = ResourceType {
    name: KV_NAMESPACE,
    path: "/storage/kv/namespaces",
    check: checked_namespace,
    record: |ns| PassResource { kind: KV_NAMESPACE.into(), name: ns.title.clone(), id: ns.id.clone(), size: None },
};

/// A namespace from an answer, its id and title checked.
fn checked_namespace(endpoint: &str, raw: RawNamespace) -> Result<KvNamespace, Error> {
    untrusted::identifier(endpoint, "id", &raw.id)?;
    if validate_kv_title(&raw.title).is_err() {
        return Err(Error::protocol(endpoint, format!("title {} is not 1-{MAX_KV_TITLE_CHARS} characters without control characters; the server's answer was not used", untrusted::quote(&raw.title))));
    }
    Ok(KvNamespace { id: raw.id, title: raw.title })
}

impl BoardingPass {
    fn kv_path(&self, namespace_id: &str, rest: &str) -> Result<String, Error> {
        validate_kv_namespace_id(namespace_id)?;
        Ok(self.account_path(&format!("/storage/kv/namespaces/{namespace_id}{rest}")))
    }

    /// Creates a namespace (`POST storage/kv/namespaces`), once the client's
    /// policy allows one more resource of this type. The ticket lists it and
    /// the audit log gets a `resource_created` event.
    pub async fn create_kv_namespace(&self, title: &str) -> Result<KvNamespace, Error> {
        // A lost answer is looked up by title (titles are unique per account) instead of created twice.
        let lookup = || async { Ok(self.kv_namespaces().await?.into_iter().find(|n| n.title == title)) };
        self.create_resource(&NAMESPACES, "create_kv_namespace", validate_kv_title(title), json!({"title": title}), lookup).await
    }

    /// Every namespace of the account (`GET storage/kv/namespaces`, page by page).
    pub async fn kv_namespaces(&self) -> Result<Vec<KvNamespace>, Error> {
        self.list_resources(&NAMESPACES).await
    }

    /// Deletes a namespace and every key in it; it leaves the ticket and the
    /// audit log gets a `resource_deleted` event.
    pub async fn delete_kv_namespace(&self, namespace_id: &str) -> Result<(), Error> {
        self.delete_resource(KV_NAMESPACE, namespace_id, self.kv_path(namespace_id, "")?).await
    }

    /// Writes one value (`PUT …/values/{key}`, the bytes as the body).
    pub async fn kv_put(&self, namespace_id: &str, key: &str, value: impl Into<Bytes>) -> Result<(), Error> {
        let value = value.into();
        validate_kv_key(key)?;
        validate_value(key, &value)?;
        let path = self.kv_path(namespace_id, &format!("/values/{}", key_segment(key)))?;
        let call = self.call(Method::PUT, path)?.body(Body::Raw { content_type: "application/octet-stream".into(), bytes: value });
        self.client().http().call(call).await.map(drop)
    }

    /// Reads one value; `None` when the key does not exist (error 10009).
    pub async fn kv_get(&self, namespace_id: &str, key: &str) -> Result<Option<Bytes>, Error> {
        validate_kv_key(key)?;
        let path = self.kv_path(namespace_id, &format!("/values/{}", key_segment(key)))?;
        let call = self.call(Method::GET, path)?.raw_answer().max_body(MAX_KV_VALUE_BYTES);
        match self.client().http().call(call).await {
            Ok(env) => Ok(Some(env.raw.unwrap_or_default())),
            Err(Error::Api(f)) if f.status == 404 && f.code == Some(10009) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Deletes one key (deleting a missing key succeeds, as on Cloudflare).
    pub async fn kv_delete(&self, namespace_id: &str, key: &str) -> Result<(), Error> {
        validate_kv_key(key)?;
        let path = self.kv_path(namespace_id, &format!("/values/{}", key_segment(key)))?;
        let call = self.call(Method::DELETE, path)?;
        self.client().http().call(call).await.map(drop)
    }

    /// One page of keys (`GET …/keys`).
    pub async fn kv_list(&self, namespace_id: &str, options: KvListOptions) -> Result<KvKeyPage, Error> {
        let mut call = self.call(Method::GET, self.kv_path(namespace_id, "/keys")?)?;
        if let Some(prefix) = options.prefix {
            if prefix.len() > MAX_KV_KEY_BYTES {
                return Err(Error::invalid("prefix", format!("a prefix has at most {MAX_KV_KEY_BYTES} bytes, this one {}", prefix.len())));
            }
            call = call.query("prefix", prefix);
        }
        if let Some(limit) = options.limit {
            if !KV_LIST_LIMITS.contains(&limit) {
                return Err(Error::invalid("limit", format!("{limit} is not in {}-{}", KV_LIST_LIMITS.start(), KV_LIST_LIMITS.end())));
            }
            call = call.query("limit", limit.to_string());
        }
        if let Some(cursor) = options.cursor {
            call = call.query("cursor", cursor);
        }
        #[derive(Deserialize)]
        struct RawKey {
            name: String,
            expiration: Option<i64>,
        }
        #[derive(Deserialize, Default)]
        struct Info {
            cursor: Option<String>,
        }
        let endpoint = call.endpoint();
        let env = self.client().http().call(call.max_body(MAX_API_BODY)).await?;
        let raw: Vec<RawKey> = env.result_as(&endpoint)?;
        let mut keys = Vec::with_capacity(raw.len());
        for k in raw {
            if k.name.is_empty() || k.name.len() > MAX_KV_KEY_BYTES {
                return Err(Error::protocol(&endpoint, format!("key {} is not 1-{MAX_KV_KEY_BYTES} bytes; the server's answer was not used", untrusted::quote(&k.name))));
            }
            keys.push(KvKey { name: k.name, expiration: k.expiration });
        }
        let info: Info = Info::deserialize(&env.result_info).unwrap_or_default();
        let cursor = info.cursor.filter(|c| !c.is_empty());
        if let Some(c) = &cursor {
            if c.len() > MAX_CURSOR_LEN || !c.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(Error::protocol(&endpoint, format!("cursor is not 1-{MAX_CURSOR_LEN} visible ASCII characters; the server's answer was not used")));
            }
        }
        Ok(KvKeyPage { keys, cursor })
    }

    /// Writes many pairs in one request (`PUT …/bulk`): at most 10,000
    /// pairs and 100 MB; values that are not UTF-8 go base64-encoded.
    pub async fn kv_put_bulk(&self, namespace_id: &str, pairs: &[KvPair]) -> Result<(), Error> {
        if pairs.len() > MAX_KV_BULK_PAIRS {
            return Err(Error::invalid("pairs", format!("{} pairs, a bulk write takes at most {MAX_KV_BULK_PAIRS}", pairs.len())));
        }
        let mut body = Vec::with_capacity(pairs.len());
        for p in pairs {
            validate_kv_key(&p.key)?;
            validate_value(&p.key, &p.value)?;
            body.push(match std::str::from_utf8(&p.value) {
                Ok(text) => json!({"key": p.key, "value": text}),
                Err(_) => {
                    use base64::Engine;
                    json!({"key": p.key, "value": base64::engine::general_purpose::STANDARD.encode(&p.value), "base64": true})
                }
            });
        }
        let body = Value::Array(body);
        let size = serde_json::to_vec(&body).map(|b| b.len()).unwrap_or(usize::MAX);
        if size > MAX_KV_BULK_BYTES {
            return Err(Error::invalid("pairs", format!("the bulk write is {size} bytes of JSON, the limit is {MAX_KV_BULK_BYTES}")));
        }
        #[derive(Deserialize, Default)]
        struct Outcome {
            #[serde(default)]
            unsuccessful_keys: Vec<String>,
        }
        let call = self.call(Method::PUT, self.kv_path(namespace_id, "/bulk")?)?.json(body);
        let endpoint = call.endpoint();
        let env = self.client().http().call(call).await?;
        let outcome: Outcome = if env.result.is_null() { Outcome::default() } else { env.result_as(&endpoint)? };
        match outcome.unsuccessful_keys.first() {
            None => Ok(()),
            Some(first) => Err(Error::protocol(
                &endpoint,
                format!("{} key(s) were not written, the first {}", outcome.unsuccessful_keys.len(), untrusted::quote(&untrusted::printable(first))),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_become_one_path_segment() {
        assert_eq!(key_segment("a/b?c#d%e f"), "a%2Fb%3Fc%23d%25e%20f");
        assert_eq!(key_segment("plain-key_1.txt~"), "plain-key_1.txt~");
        assert_eq!(key_segment("é"), "%C3%A9");
    }

    #[test]
    fn local_limits_are_typed_errors() {
        assert!(validate_kv_key(&"k".repeat(512)).is_ok());
        for bad in [String::new(), "k".repeat(513), ".".into(), "..".into()] {
            assert_eq!(validate_kv_key(&bad).unwrap_err().code(), "invalid_input", "{bad}");
        }
        assert!(validate_value("k", &vec![0; MAX_KV_VALUE_BYTES]).is_ok());
        assert_eq!(validate_value("k", &vec![0; MAX_KV_VALUE_BYTES + 1]).unwrap_err().code(), "invalid_input");
        for bad in ["", "a\nb", "x/../y", "id with space"] {
            assert_eq!(validate_kv_namespace_id(bad).unwrap_err().code(), "invalid_input", "{bad}");
        }
        assert!(validate_kv_title("guestbook").is_ok());
        for bad in [String::new(), "t".repeat(513), "a\u{1b}[2J".into()] {
            assert_eq!(validate_kv_title(&bad).unwrap_err().code(), "invalid_input", "{bad}");
        }
    }
}

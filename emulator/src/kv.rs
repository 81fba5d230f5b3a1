//! Workers KV kept by the emulator: each account's namespaces and their
//! keys, in memory (a map per namespace is all KV needs).
//! An account's data goes with the account at expiry or revocation and
//! stays at claim. Limits are Cloudflare's where it states them (key 512
//! bytes, value 25 MiB, 10,000 pairs per bulk write) and the emulator's own
//! otherwise (namespaces and bytes per account), each refused with a
//! v4 error before anything changes.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use bytes::Bytes;

use crate::envelope::ApiError;

/// Cloudflare's "key not found" (`GET …/values/{key}`).
pub const KEY_NOT_FOUND: i64 = 10009;
/// Cloudflare's "namespace not found".
pub const NAMESPACE_NOT_FOUND: i64 = 10013;
/// Cloudflare's "a namespace with this title already exists".
pub const TITLE_TAKEN: i64 = 10014;
/// Emulator codes for the KV limits (Cloudflare's are undocumented).
pub const KEY_INVALID: i64 = 1601;
pub const VALUE_TOO_LARGE: i64 = 1602;
pub const TOO_MANY_NAMESPACES: i64 = 1603;
pub const STORAGE_FULL: i64 = 1604;
pub const BULK_INVALID: i64 = 1605;
pub const TITLE_INVALID: i64 = 1606;
pub const LIST_INVALID: i64 = 1607;

pub const MAX_KEY_BYTES: usize = 512;
pub const MAX_VALUE_BYTES: usize = 25 << 20;
pub const MAX_BULK_PAIRS: usize = 10_000;
pub const MAX_TITLE_CHARS: usize = 512;
/// Namespaces per account (the emulator's cap).
pub const MAX_NAMESPACES: usize = 100;
/// Bytes of keys and values per account (the emulator's cap: it holds them in memory).
pub const MAX_ACCOUNT_BYTES: usize = 128 << 20;

#[derive(Debug, Default)]
pub struct AccountKv {
    pub namespaces: BTreeMap<String, Namespace>,
}

#[derive(Debug, Default)]
pub struct Namespace {
    pub title: String,
    /// Ordered by the keys' UTF-8 bytes, as Cloudflare lists them.
    pub values: BTreeMap<String, Bytes>,
}

fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, NAMESPACE_NOT_FOUND, "namespace not found")
}

pub fn check_key(key: &str) -> Result<(), ApiError> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES || key == "." || key == ".." {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, KEY_INVALID, format!("a key has 1-{MAX_KEY_BYTES} bytes and is not '.' or '..'")));
    }
    Ok(())
}

fn check_value(value: &[u8]) -> Result<(), ApiError> {
    if value.len() > MAX_VALUE_BYTES {
        return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, VALUE_TOO_LARGE, format!("a value has at most {MAX_VALUE_BYTES} bytes")));
    }
    Ok(())
}

impl AccountKv {
    fn bytes(&self) -> usize {
        self.namespaces.values().flat_map(|n| n.values.iter()).map(|(k, v)| k.len() + v.len()).sum()
    }

    pub fn create(&mut self, title: &str) -> Result<String, ApiError> {
        let chars = title.chars().count();
        if !(1..=MAX_TITLE_CHARS).contains(&chars) || title.chars().any(char::is_control) {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, TITLE_INVALID, format!("a title has 1-{MAX_TITLE_CHARS} characters, none a control character")));
        }
        if self.namespaces.values().any(|n| n.title == title) {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, TITLE_TAKEN, "a namespace with this account ID and title already exists"));
        }
        if self.namespaces.len() >= MAX_NAMESPACES {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, TOO_MANY_NAMESPACES, format!("this account already has {MAX_NAMESPACES} namespaces")));
        }
        let id = hex::encode(rand::random::<[u8; 16]>());
        self.namespaces.insert(id.clone(), Namespace { title: title.to_string(), values: BTreeMap::new() });
        Ok(id)
    }

    pub fn namespace(&self, id: &str) -> Result<&Namespace, ApiError> {
        self.namespaces.get(id).ok_or_else(not_found)
    }

    pub fn delete(&mut self, id: &str) -> Result<(), ApiError> {
        self.namespaces.remove(id).map(drop).ok_or_else(not_found)
    }

    /// Writes every pair or none: all are checked, and the account's byte
    /// cap with them, before the first is stored.
    pub fn put_all(&mut self, id: &str, pairs: Vec<(String, Bytes)>) -> Result<usize, ApiError> {
        if pairs.len() > MAX_BULK_PAIRS {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, BULK_INVALID, format!("at most {MAX_BULK_PAIRS} pairs per bulk write")));
        }
        for (k, v) in &pairs {
            check_key(k)?;
            check_value(v)?;
        }
        let used = self.bytes();
        let ns = self.namespaces.get(id).ok_or_else(not_found)?;
        let mut after = used;
        for (k, v) in &pairs {
            after = after - ns.values.get(k).map_or(0, |old| k.len() + old.len()) + k.len() + v.len();
        }
        if after > MAX_ACCOUNT_BYTES {
            return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, STORAGE_FULL, format!("this account's KV data would pass the emulator's {MAX_ACCOUNT_BYTES} bytes")));
        }
        let ns = self.namespaces.get_mut(id).ok_or_else(not_found)?;
        let count = pairs.len();
        ns.values.extend(pairs);
        Ok(count)
    }

    pub fn get(&self, id: &str, key: &str) -> Result<Bytes, ApiError> {
        check_key(key)?;
        self.namespace(id)?.values.get(key).cloned().ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, KEY_NOT_FOUND, "get: 'key not found'"))
    }

    /// Deleting a missing key succeeds, as on Cloudflare.
    pub fn remove(&mut self, id: &str, key: &str) -> Result<(), ApiError> {
        check_key(key)?;
        self.namespaces.get_mut(id).ok_or_else(not_found)?.values.remove(key);
        Ok(())
    }

    /// Keys after `after` starting with `prefix`, at most `limit`, and
    /// whether more follow.
    pub fn list(&self, id: &str, prefix: &str, after: Option<&str>, limit: usize) -> Result<(Vec<String>, bool), ApiError> {
        use std::ops::Bound;
        let ns = self.namespace(id)?;
        let start = match after {
            Some(a) => Bound::Excluded(a.to_string()),
            None => Bound::Included(prefix.to_string()),
        };
        let mut keys = ns.values.range::<String, _>((start, Bound::Unbounded)).map(|(k, _)| k).take_while(|k| k.starts_with(prefix));
        let page: Vec<String> = keys.by_ref().take(limit).cloned().collect();
        let more = keys.next().is_some();
        Ok((page, more))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_pages_through_a_prefix_in_byte_order() {
        let mut kv = AccountKv::default();
        let id = kv.create("t").unwrap();
        let pairs = ["a/1", "a/2", "a/3", "b/1", "a"].iter().map(|k| (k.to_string(), Bytes::from_static(b"v"))).collect();
        kv.put_all(&id, pairs).unwrap();
        assert_eq!(kv.list(&id, "a/", None, 2).unwrap(), (vec!["a/1".into(), "a/2".into()], true));
        assert_eq!(kv.list(&id, "a/", Some("a/2"), 2).unwrap(), (vec!["a/3".into()], false));
        assert_eq!(kv.list(&id, "", None, 10).unwrap().0, ["a", "a/1", "a/2", "a/3", "b/1"]);
    }

    #[test]
    fn refused_writes_change_nothing() {
        let mut kv = AccountKv::default();
        let id = kv.create("t").unwrap();
        assert_eq!(kv.create("t").unwrap_err().code, TITLE_TAKEN);
        let bad = vec![("ok".to_string(), Bytes::from_static(b"v")), ("k".repeat(513), Bytes::new())];
        assert_eq!(kv.put_all(&id, bad).unwrap_err().code, KEY_INVALID);
        assert!(kv.namespace(&id).unwrap().values.is_empty());
        let big = vec![("big".to_string(), Bytes::from(vec![0; MAX_VALUE_BYTES + 1]))];
        assert_eq!(kv.put_all(&id, big).unwrap_err().code, VALUE_TOO_LARGE);
        assert_eq!(kv.get(&id, "nope").unwrap_err().code, KEY_NOT_FOUND);
        assert_eq!(kv.get("other", "k").unwrap_err().code, NAMESPACE_NOT_FOUND);
    }
}

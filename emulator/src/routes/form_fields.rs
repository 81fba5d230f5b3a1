//! Metadata sent as separate form fields, `metadata[main_module]`,
//! `metadata[bindings][][name]`, … (how the official TypeScript SDK encodes
//! an object in a multipart body), put back together into one JSON value.
//! An array of objects starts a new element when a field repeats a key the
//! last element already has. Field values are strings; the few metadata
//! fields that are booleans are read back as booleans.

use serde_json::{Map, Value};

use crate::body::excerpt;
use crate::envelope::{bad_request, ApiError, BAD_REQUEST};

/// Metadata fields that are booleans (the form carries `"true"`/`"false"`).
const BOOLEANS: &[&str] = &["keep_assets", "logpush", "run_worker_first", "enabled"];

#[derive(Debug, PartialEq)]
enum Seg {
    Key(String),
    Push,
}

/// `[a][][b]` → `[Key(a), Push, Key(b)]`.
fn segments(mut rest: &str) -> Option<Vec<Seg>> {
    let mut out = Vec::new();
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let end = inner.find(']')?;
        out.push(if end == 0 { Seg::Push } else { Seg::Key(inner[..end].to_string()) });
        rest = &inner[end + 1..];
    }
    (!out.is_empty()).then_some(out)
}

/// Whether `v` already holds a value at `path` (decides when an array of
/// objects starts its next element).
fn has(v: &Value, path: &[Seg]) -> bool {
    match (path.first(), v) {
        (None, _) => true,
        (Some(Seg::Key(k)), Value::Object(o)) => o.get(k).is_some_and(|c| has(c, &path[1..])),
        (Some(Seg::Push), Value::Array(a)) => !a.is_empty(),
        _ => false,
    }
}

fn empty_for(seg: &Seg) -> Value {
    match seg {
        Seg::Key(_) => Value::Object(Map::new()),
        Seg::Push => Value::Array(Vec::new()),
    }
}

fn insert(at: &mut Value, path: &[Seg], leaf: Value) -> Option<()> {
    let (first, rest) = path.split_first()?;
    match first {
        Seg::Key(k) => {
            let o = at.as_object_mut()?;
            match rest.first() {
                None => {
                    o.insert(k.clone(), leaf);
                }
                Some(next) => insert(o.entry(k.clone()).or_insert_with(|| empty_for(next)), rest, leaf)?,
            }
        }
        Seg::Push => {
            let a = at.as_array_mut()?;
            match rest.first() {
                None => a.push(leaf),
                Some(next) => {
                    if a.last().is_none_or(|last| has(last, rest)) {
                        a.push(empty_for(next));
                    }
                    insert(a.last_mut()?, rest, leaf)?;
                }
            }
        }
    }
    Some(())
}

/// Assembles `(field name, value)` pairs named `metadata[…]…`, in form order.
pub fn assemble(fields: &[(String, String)]) -> Result<Value, ApiError> {
    let mut out = Value::Object(Map::new());
    for (name, value) in fields {
        let path = name.strip_prefix("metadata").and_then(segments);
        let leaf_key = path.as_ref().and_then(|p| p.iter().rev().find_map(|s| if let Seg::Key(k) = s { Some(k.as_str()) } else { None }));
        let leaf = match value.as_str() {
            "true" | "false" if leaf_key.is_some_and(|k| BOOLEANS.contains(&k)) => Value::Bool(value == "true"),
            _ => Value::String(value.clone()),
        };
        path.and_then(|p| insert(&mut out, &p, leaf))
            .ok_or_else(|| bad_request(BAD_REQUEST, format!("form field {} does not fit the metadata fields before it", excerpt(name))))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn bracketed_fields_become_the_metadata_object() {
        let got = assemble(&fields(&[
            ("metadata[main_module]", "index.js"),
            ("metadata[compatibility_flags][]", "nodejs_compat"),
            ("metadata[compatibility_flags][]", "global_fetch_strictly_public"),
            ("metadata[bindings][][type]", "plain_text"),
            ("metadata[bindings][][name]", "A"),
            ("metadata[bindings][][text]", "true"),
            ("metadata[bindings][][type]", "plain_text"),
            ("metadata[bindings][][name]", "B"),
            ("metadata[assets][jwt]", "j"),
            ("metadata[assets][config][run_worker_first]", "true"),
            ("metadata[keep_assets]", "false"),
        ]))
        .unwrap();
        assert_eq!(got, json!({
            "main_module": "index.js",
            "compatibility_flags": ["nodejs_compat", "global_fetch_strictly_public"],
            "bindings": [{"type": "plain_text", "name": "A", "text": "true"}, {"type": "plain_text", "name": "B"}],
            "assets": {"jwt": "j", "config": {"run_worker_first": true}},
            "keep_assets": false,
        }));
    }

    #[test]
    fn fields_that_do_not_fit_are_refused_by_name() {
        for bad in ["metadata[", "metadata[a]x", "metadataX", "other[a]"] {
            assert!(assemble(&fields(&[(bad, "v")])).is_err(), "{bad}");
        }
        // A key used first as a string, then as an object.
        let e = assemble(&fields(&[("metadata[a]", "v"), ("metadata[a][b]", "w")])).unwrap_err();
        assert!(e.message.contains("metadata[a][b]"), "{}", e.message);
    }
}

//! What UniFFI needs beyond the derives on core's own types (feature
//! `uniffi`, used by bindings-uniffi): the foreign types core's records
//! hold, and the Kotlin face of [`Secret`] and [`ErrorKind`].

use bytes::Bytes;
use chrono::{DateTime, Utc};

use crate::error::ErrorKind;
use crate::secret::Secret;

/// A UTC instant: `java.time.Instant` in Kotlin.
pub type UtcTime = DateTime<Utc>;
uniffi::custom_type!(UtcTime, std::time::SystemTime, {
    remote,
    lower: |t| t.into(),
    try_lift: |t| Ok(t.into()),
});

/// A count held as `usize` in core: an unsigned 64-bit number over the FFI.
pub type Count = usize;
uniffi::custom_type!(Count, u64, {
    remote,
    lower: |n| n as u64,
    try_lift: |n| Ok(usize::try_from(n)?),
});

#[uniffi::export]
impl Secret {
    /// The secret value: the one way out, as [`Secret::expose_secret`] is in Rust.
    #[uniffi::method(name = "expose")]
    fn expose_owned(&self) -> String {
        self.expose_secret().to_owned()
    }

    /// See [`Secret::fingerprint`].
    #[uniffi::method(name = "fingerprint")]
    fn fingerprint_owned(&self) -> String {
        self.fingerprint()
    }
}

/// The stable snake_case code of `kind` (tests/fixtures/error-kinds.json).
#[uniffi::export]
fn error_kind_code(kind: ErrorKind) -> String {
    kind.code().to_owned()
}

/// Free-form JSON (audit details, JSON bindings): its text in Kotlin.
pub type Json = serde_json::Value;
uniffi::custom_type!(Json, String, {
    remote,
    lower: |v| v.to_string(),
    try_lift: |s| Ok(serde_json::from_str(&s)?),
});

// Bytes held as `bytes::Bytes` in core (KV values): a `ByteArray` in Kotlin.
uniffi::custom_type!(Bytes, Vec<u8>, {
    remote,
    lower: |b| b.to_vec(),
    try_lift: |v| Ok(Bytes::from(v)),
});

//! In-memory secrets: the API token, the claim URL (a bearer credential) and
//! secret bindings. Wiped on drop, redacted in `Debug`/`Display`, not
//! `Serialize`, and readable only through [`Secret::expose_secret`], so every
//! place that touches a value is greppable.

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Placeholder printed instead of a secret value.
pub const REDACTED: &str = "[REDACTED]";

#[cfg_attr(feature = "uniffi", derive(uniffi::Object), uniffi::export(Display))]
pub struct Secret {
    value: Zeroizing<String>,
}

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self { value: Zeroizing::new(value.into()) }
    }

    /// The secret value. Callers must not log, print or persist it; the only
    /// legitimate uses are an `Authorization` header, a bearer link handed to
    /// its owner, and a binding value sent to the Workers API.
    pub fn expose_secret(&self) -> &str {
        &self.value
    }

    /// `sha256:` plus the first 12 hex digits of SHA-256(value): enough to
    /// correlate a credential across tickets and logs, useless to an attacker
    /// holding only the fingerprint (tokens are high-entropy).
    pub fn fingerprint(&self) -> String {
        fingerprint_of(self.value.as_bytes())
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }
}

/// Fingerprint format shared by [`Secret::fingerprint`] and audit records.
pub fn fingerprint_of(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    format!("sha256:{}", &hex::encode(digest)[..12])
}

impl Clone for Secret {
    fn clone(&self) -> Self {
        Self::new(self.value.as_str())
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        // Length leak is irrelevant here; equality is only used by tests and dedup.
        self.value.as_bytes() == other.value.as_bytes()
    }
}
impl Eq for Secret {}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({REDACTED} {})", self.fingerprint())
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{REDACTED} {}", self.fingerprint())
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("cfat_supersecretvalue123");
        for rendered in [format!("{s:?}"), format!("{s}"), format!("{s:#?}")] {
            assert!(!rendered.contains("supersecret"), "{rendered}");
            assert!(rendered.contains(REDACTED));
            assert!(rendered.contains(&s.fingerprint()));
        }
        assert_eq!(s.expose_secret(), "cfat_supersecretvalue123");
    }

    #[test]
    fn fingerprint_is_stable_and_distinguishes_values() {
        let a = Secret::new("a");
        assert_eq!(a.fingerprint(), "sha256:ca978112ca1b");
        assert_ne!(a.fingerprint(), Secret::new("b").fingerprint());
    }
}

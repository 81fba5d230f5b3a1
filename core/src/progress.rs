//! Progress reporting: one flat event type and one callback, so every
//! binding forwards the same thing (a Python callable, a Node
//! ThreadsafeFunction, a Kotlin callback interface).

use std::sync::Arc;

/// What a long operation is doing. Units of `done`/`total` per phase:
/// proof of work = checkpoints, hashing = files, uploading = bytes, the
/// other phases (bundling included) report `0/1` when they start and `1/1`
/// when they finish.
#[cfg_attr(feature = "napi", napi_derive::napi(string_enum = "snake_case"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[non_exhaustive]
pub enum Phase {
    Bundle,
    Challenge,
    ProofOfWork,
    CreateAccount,
    Hashing,
    UploadSession,
    Uploading,
    UploadScript,
    EnableSubdomain,
    Verifying,
    Teardown,
}

impl Phase {
    /// Every phase, in the order a deploy goes through them; bindings list
    /// the names from here.
    pub const ALL: [Phase; 11] = [
        Self::Bundle,
        Self::Challenge,
        Self::ProofOfWork,
        Self::CreateAccount,
        Self::Hashing,
        Self::UploadSession,
        Self::Uploading,
        Self::UploadScript,
        Self::EnableSubdomain,
        Self::Verifying,
        Self::Teardown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bundle => "bundle",
            Self::Challenge => "challenge",
            Self::ProofOfWork => "proof_of_work",
            Self::CreateAccount => "create_account",
            Self::Hashing => "hashing",
            Self::UploadSession => "upload_session",
            Self::Uploading => "uploading",
            Self::UploadScript => "upload_script",
            Self::EnableSubdomain => "enable_subdomain",
            Self::Verifying => "verifying",
            Self::Teardown => "teardown",
        }
    }
}

#[cfg_attr(feature = "python", pyo3::pyclass(frozen, get_all, module = "boardingpass"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[non_exhaustive]
pub struct ProgressEvent {
    pub phase: Phase,
    pub done: u64,
    pub total: u64,
}

type Callback = Arc<dyn Fn(ProgressEvent) + Send + Sync>;

/// An optional progress callback; cheap to clone, a no-op when empty.
#[derive(Clone, Default)]
pub struct Progress(Option<Callback>);

impl Progress {
    pub fn new(f: impl Fn(ProgressEvent) + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(f)))
    }
    pub fn none() -> Self {
        Self(None)
    }
    pub fn emit(&self, phase: Phase, done: u64, total: u64) {
        if let Some(f) = &self.0 {
            f(ProgressEvent { phase, done, total });
        }
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "Progress(callback)" } else { "Progress(none)" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phase_names_are_distinct() {
        let names: std::collections::HashSet<_> = Phase::ALL.iter().map(|p| p.as_str()).collect();
        assert_eq!(names.len(), Phase::ALL.len());
        for p in Phase::ALL {
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str(), "serde and as_str agree");
        }
    }
}

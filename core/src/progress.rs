//! Progress reporting: one flat event type and one callback, so every
//! binding forwards the same thing (a Python callable, a Node
//! ThreadsafeFunction, a Kotlin callback interface).

use std::sync::Arc;

/// What a long operation is doing. Units of `done`/`total` per phase:
/// proof of work = checkpoints, hashing = files, uploading = bytes, the
/// other phases report `0/1` when they start and `1/1` when they finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[non_exhaustive]
pub enum Phase {
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
    pub fn as_str(self) -> &'static str {
        match self {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

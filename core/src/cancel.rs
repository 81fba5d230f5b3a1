//! Cancellation shared by every long operation: dropping the future cancels
//! it (the Rust and Python way), and an explicit token does too (what a Node
//! `AbortSignal` is turned into).

use std::future::Future;

pub use tokio_util::sync::CancellationToken;

use crate::error::Error;

/// Runs `fut` until it finishes or `cancel` fires.
pub async fn cancellable<T>(
    cancel: Option<&CancellationToken>,
    fut: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match cancel {
        None => fut.await,
        Some(token) => tokio::select! {
            biased;
            _ = token.cancelled() => Err(Error::Cancelled),
            out = fut => out,
        },
    }
}

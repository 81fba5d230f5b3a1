//! boardingpass: deploy code to a live URL on a temporary Cloudflare preview
//! account, in-process, with the credentials held in memory only.
//!
//! ```no_run
//! # async fn run() -> boardingpass::Result<()> {
//! let client = boardingpass::Client::builder()
//!     .api_base("http://127.0.0.1:8787/client/v4")
//!     .accept_terms(true) // the caller read https://www.cloudflare.com/terms/
//!     .build()?;
//! let pass = client.provision(Default::default()).await?;
//! println!("{} until {}", pass.account_name(), pass.expires_at());
//! # Ok(()) }
//! ```

pub mod cancel;
pub mod client;
pub mod envelope;
pub mod error;
pub mod http;
pub mod pass;
pub mod pow;
pub mod progress;
pub mod provision;
pub mod retry;
pub mod secret;

pub use cancel::CancellationToken;
pub use client::{Client, ClientBuilder, ClientConfig};
pub use error::{ApiFailure, Error, ErrorKind, Result, Violation};
pub use pass::BoardingPass;
pub use progress::{Phase, Progress, ProgressEvent};
pub use provision::ProvisionOptions;
pub use retry::RetryPolicy;
pub use secret::Secret;

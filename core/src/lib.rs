//! boardingpass: deploy code to a live URL on a temporary Cloudflare preview
//! account, in-process, with the credentials held in memory only.
//!
//! ```no_run
//! # async fn run() -> boardingpass::Result<()> {
//! use boardingpass::{Client, ProvisionOptions, Worker};
//! let client = Client::builder()
//!     .api_base("http://127.0.0.1:8787/client/v4")
//!     .accept_terms(true) // the caller read https://www.cloudflare.com/terms/
//!     .build()?;
//! let pass = client
//!     .provision(ProvisionOptions { owner: Some("Ada Lovelace".into()), ..Default::default() })
//!     .await?;
//! let worker = Worker::from_source("hello", "index.js", "export default { fetch() { return new Response('hi') } }");
//! let deployment = pass.deploy(&worker, Default::default()).await?;
//! pass.verify(&deployment, Default::default()).await?;
//! println!("{}", pass.ticket(boardingpass::ClaimStatus::Pending)?.to_markdown());
//! # Ok(()) }
//! ```

pub mod assets;
pub mod audit;
pub mod cancel;
pub mod claim;
pub mod client;
pub mod deploy;
pub mod envelope;
pub mod error;
pub mod http;
mod imports;
pub mod lifecycle;
mod paths;
pub mod pass;
pub mod policy;
pub mod prepare;
pub mod pow;
pub mod progress;
pub mod project;
pub mod provision;
pub mod retry;
pub mod secret;
pub mod teardown;
pub mod ticket;
pub mod untrusted;
pub mod verify;
pub mod worker;

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();
#[cfg(feature = "uniffi")]
mod ffi;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use assets::AssetsConfig;
pub use audit::{AuditEvent, AuditKind, AuditLog};
pub use cancel::CancellationToken;
pub use claim::{ClaimOutcome, ClaimStatus, ClaimWaitOptions, ClaimWatcher};
pub use client::{Client, ClientBuilder, ClientConfig};
pub use deploy::{DeployOptions, Deployment};
pub use error::{ApiFailure, Error, ErrorKind, Result, Violation};
pub use lifecycle::TeardownReport;
pub use pass::BoardingPass;
pub use policy::Policy;
pub use prepare::PreparedDeploy;
pub use progress::{Phase, Progress, ProgressEvent};
pub use provision::ProvisionOptions;
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use ticket::ClaimTicket;
pub use untrusted::printable;
pub use verify::{Evidence, VerifyOptions};
pub use worker::{Binding, Module, ModuleKind, Worker};

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
//!     .provision(ProvisionOptions::default().owner("Ada Lovelace"))
//!     .await?;
//! let worker = Worker::from_source("hello", "index.js", "export default { fetch() { return new Response('hi') } }");
//! let deployment = pass.deploy(&worker, Default::default()).await?;
//! pass.verify(&deployment, Default::default()).await?;
//! println!("{}", pass.ticket(boardingpass::ClaimStatus::Pending)?.to_markdown());
//! # Ok(()) }
//! ```

// Modules are private; the API is what lib.rs re-exports below. Some stay
// public as namespaces: `pow`, the algorithm the emulator and CLI share with
// the client; `ticket`, the parts of the claim ticket document; `toolbox`,
// the agent tools (MCP server, framework integrations); `telemetry`, the
// OTLP export (feature `otlp`); `testing`, the emulator as a fixture for
// users' tests.
#[macro_use]
mod setters;

mod assets;
mod audit;
mod bundle;
mod cancel;
mod claim;
mod client;
mod d1;
#[cfg(feature = "napi")]
mod d1_napi;
mod deploy;
mod envelope;
mod error;
mod http;
mod imports;
mod kv;
mod migrations;
mod pass;
mod paths;
mod policy;
mod prepare;
pub mod pow;
mod progress;
mod project;
mod provision;
mod record;
mod resource;
mod retry;
mod secret;
mod teardown;
#[cfg(feature = "otlp")]
pub mod telemetry;
pub mod testing;
mod timestamp;
pub mod ticket;
pub mod toolbox;
mod unsupported;
mod untrusted;
mod verify;
mod worker;

#[cfg(feature = "python")]
mod python;
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();
#[cfg(feature = "uniffi")]
mod ffi;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use assets::{content_type as asset_content_type, hash_bytes as asset_hash, AssetOptions, AssetsConfig, Manifest, ManifestEntry};
pub use audit::{AuditEvent, AuditKind, AuditLog};
pub use bundle::{BundleInfo, BundledPackage, ESBUILD_ENV};
pub use cancel::{cancellable, CancellationToken};
pub use claim::{ClaimOutcome, ClaimStatus, ClaimWaitOptions, ClaimWatcher};
pub use client::{Client, ClientBuilder, ClientConfig};
pub use d1::{
    read_migrations, validate_d1_database_id, validate_d1_name, validate_d1_query, D1Database, D1Meta, D1Result, D1Value, Migration, D1_BINDING_TYPE, D1_DATABASE,
    D1_SQL_ERROR_CODE, MAX_D1_NAME_LEN, MAX_D1_PARAMS, MAX_D1_SQL_BYTES, MAX_D1_VALUE_BYTES, MIGRATIONS_TABLE,
};
pub use error::{ApiFailure, Error, ErrorKind, Result, Violation};
pub use kv::{
    validate_kv_key, validate_kv_namespace_id, validate_kv_title, KvKey, KvKeyPage, KvListOptions, KvNamespace, KvPair, KV_LIST_LIMITS, KV_NAMESPACE,
    MAX_KV_BULK_BYTES, MAX_KV_BULK_PAIRS, MAX_KV_KEY_BYTES, MAX_KV_TITLE_CHARS, MAX_KV_VALUE_BYTES,
};
pub use pass::BoardingPass;
pub use policy::Policy;
pub use prepare::{DeployOptions, PreparedDeploy, DEFAULT_MAX_SCRIPT_SIZE};
pub use progress::{Phase, Progress, ProgressEvent};
pub use project::{load as load_project, load_with as load_project_with, LoadOptions};
pub use provision::ProvisionOptions;
pub use record::{Deployment, Evidence};
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use teardown::TeardownReport;
pub use ticket::ClaimTicket;
pub use untrusted::printable;
pub use verify::{check_path as check_verify_path, VerifyOptions};
pub use worker::{validate_name as validate_worker_name, Binding, D1DatabaseRef, KvNamespaceRef, Module, ModuleKind, Worker};

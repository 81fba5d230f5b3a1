//! Emulator settings. Defaults match production where docs/PROTOCOL.md states it
//! (k=1000, g=2000, 60-minute accounts).

use std::time::Duration;

use crate::faults::{Chaos, Fault};

#[derive(Debug, Clone)]
pub struct RateLimit {
    /// Provisioning requests allowed per client address per window.
    pub max: u32,
    pub per: Duration,
}

impl RateLimit {
    /// `max` provisioning requests per client address per minute; 0 means no limit.
    pub fn per_minute(max: u32) -> Option<Self> {
        (max > 0).then(|| Self { max, per: Duration::from_secs(60) })
    }
}

/// Workers per account on Cloudflare's Free plan.
pub const DEFAULT_MAX_WORKERS: usize = 100;
/// Versions kept per Worker (see docs/PROTOCOL-CHOICES.md).
pub const DEFAULT_MAX_VERSIONS: usize = 100;

#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    pub pow_k: u32,
    pub pow_g: u32,
    /// How long a challenge may be answered.
    pub challenge_ttl: Duration,
    /// Lifetime of an unclaimed account.
    pub lifetime: Duration,
    pub rate_limit: Option<RateLimit>,
    /// Threads used to verify a proof of work.
    pub verify_threads: usize,
    /// Scripted faults (tests); more can be added at run time.
    pub faults: Vec<Fault>,
    /// Random faults (chaos tests); settable at run time too.
    pub chaos: Option<Chaos>,
    /// Lifetime of asset upload and completion tokens (1 hour on Cloudflare).
    pub asset_jwt_ttl: Duration,
    /// Hashes per bucket in an asset upload session's answer.
    pub asset_bucket_size: usize,
    /// Ask clients for one request per asset (`wrangler_single_asset_uploads`).
    pub single_asset_uploads: bool,
    /// Temporary-account limits (docs/PROTOCOL.md §8), enforced server-side.
    pub max_asset_files: usize,
    pub max_asset_size: u64,
    /// Total size of a Worker's modules.
    pub max_script_size: u64,
    /// Workers per account (Cloudflare's Free plan: 100).
    pub max_workers: usize,
    /// Versions kept per Worker; uploads beyond are refused.
    pub max_versions: usize,
    /// Body cap of routes that need no credentials (provisioning, claiming,
    /// test control): their bodies are small JSON or forms.
    pub max_open_body: usize,
    /// Body cap of authenticated routes (Cloudflare's Free plan: 100 MB).
    pub max_body: usize,
    /// Host names the API and the claim page answer to besides
    /// `127.0.0.1:PORT` and `localhost:PORT` (with or without the port).
    pub allowed_hosts: Vec<String>,
    /// How long workerd may take to start a Worker.
    pub workerd_startup_timeout: Duration,
    /// Whether claiming revokes the temporary API token (Cloudflare leaves
    /// this undocumented; docs/PROTOCOL.md §4).
    pub revoke_token_on_claim: bool,
    /// Accept `POST /x-boardingpass/test/faults` (scripted faults over HTTP,
    /// for test suites in other languages). Off by default.
    pub test_control: bool,
    /// The workerd binary; `None` finds it (`$BOARDINGPASS_WORKERD`, then `node_modules`).
    pub workerd: Option<std::path::PathBuf>,
    /// Keep each JSON answer with its recorded request, for the conformance
    /// check of the test suites (answers hold credentials: in memory only,
    /// and no command-line flag turns this on). Off by default.
    pub record_responses: bool,
    /// Run every account's Workers in one shared workerd process (Worker
    /// Loader, an isolate per version; the default), or each version in a
    /// process of its own (`false`).
    pub shared_workerd: bool,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            port: 0,
            pow_k: 1000,
            pow_g: 2000,
            challenge_ttl: Duration::from_secs(300),
            lifetime: Duration::from_secs(3600),
            rate_limit: RateLimit::per_minute(30),
            verify_threads: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            faults: Vec::new(),
            chaos: None,
            asset_jwt_ttl: Duration::from_secs(3600),
            asset_bucket_size: 20,
            single_asset_uploads: false,
            max_asset_files: 1000,
            max_asset_size: 5 * 1024 * 1024,
            max_script_size: 10 * 1024 * 1024,
            max_workers: DEFAULT_MAX_WORKERS,
            max_versions: DEFAULT_MAX_VERSIONS,
            max_open_body: 64 * 1024,
            max_body: 100 * 1024 * 1024,
            allowed_hosts: Vec::new(),
            workerd_startup_timeout: Duration::from_secs(15),
            workerd: None,
            revoke_token_on_claim: true,
            test_control: false,
            record_responses: false,
            shared_workerd: true,
        }
    }
}

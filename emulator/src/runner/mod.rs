//! Runs deployed Workers in real workerd, in one of two ways:
//! - a process per live version (the default), swapped atomically on
//!   redeploy: the new process listens before traffic moves; requests in
//!   flight finish on the old one;
//! - one shared process for every account (`EmulatorConfig::shared_workerd`,
//!   see `host.rs`): each version is started in its own isolate before
//!   traffic moves to its new name, so redeploys are just as atomic.

mod capnp;
pub mod host;
mod process;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

pub use capnp::{quote, AssetsLink};
pub use process::{Instance, LogLine};

use crate::workers::Version;

/// Newest compatibility date the installed workerd supports (its version is
/// a date). Cloudflare accepts today's date; workerd refuses dates after its
/// own, so later dates are clamped to it.
fn workerd_date(workerd: &Path) -> Option<String> {
    let out = std::process::Command::new(workerd).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace().find(|w| w.len() == 10 && w.as_bytes()[4] == b'-').map(str::to_string)
}

struct Workerd {
    path: PathBuf,
    max_date: Option<String>,
}

type Key = (String, String);

/// The shared process, when Workers run in one.
struct Shared {
    /// The emulator's `host:port`, where the process fetches code.
    emulator: String,
    /// Started with the first version; the process ends with the last
    /// handle on it (live versions hold one).
    host: tokio::sync::Mutex<Option<Arc<Instance>>>,
    http: reqwest::Client,
    /// Versions being started, not stored yet, by route: their code must be
    /// fetchable while they start.
    starting: Mutex<HashMap<String, Arc<Version>>>,
}

pub struct Runner {
    shared: Option<Shared>,
    configured: Option<PathBuf>,
    workerd: OnceLock<Result<Workerd, String>>,
    root: PathBuf,
    startup_timeout: Duration,
    live: Mutex<HashMap<Key, Arc<Instance>>>,
    /// Started for the newest uploaded version, waiting for its deployment
    /// (one per script: a newer upload replaces it).
    prepared: Mutex<HashMap<Key, Arc<Instance>>>,
}

impl Runner {
    /// `shared_with`: the emulator's `host:port` to run every Worker in one
    /// shared process; `None` for a process per version.
    pub fn new(startup_timeout: Duration, workerd: Option<PathBuf>, shared_with: Option<String>) -> Self {
        let root = std::env::temp_dir().join(format!("boardingpass-emulator-{}-{}", std::process::id(), hex::encode(rand::random::<[u8; 4]>())));
        let shared = shared_with.map(|emulator| Shared {
            emulator,
            host: tokio::sync::Mutex::default(),
            http: reqwest::Client::builder().no_proxy().build().expect("a plain HTTP client builds"),
            starting: Mutex::default(),
        });
        Self { shared, configured: workerd, workerd: OnceLock::new(), root, startup_timeout, live: Mutex::default(), prepared: Mutex::default() }
    }

    /// Where deployment directories go (created with the first one).
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn workerd(&self) -> Result<&Workerd, String> {
        self.workerd
            .get_or_init(|| {
                let found = boardingpass::testing::locate_workerd(self.configured.as_deref()).map_err(|e| e.to_string());
                found.map(|path| Workerd { max_date: workerd_date(&path), path })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The compatibility date workerd runs `version` with.
    fn date(&self, workerd: &Workerd, version: &Version) -> String {
        match &workerd.max_date {
            Some(max) if version.compatibility_date.as_str() > max.as_str() => max.clone(),
            _ => version.compatibility_date.clone(),
        }
    }

    /// Starts `version` of `script` and waits until it can serve; `route`
    /// is the signed name the shared process will know it by.
    pub async fn start(&self, account: &str, script: &str, version: &Version, assets: Option<AssetsLink<'_>>, route: &str) -> Result<Arc<Instance>, String> {
        let workerd = self.workerd()?;
        if let Some(shared) = self.shared.as_ref().filter(|_| host::can_run(version)) {
            return self.start_shared(workerd, shared, version, route).await;
        }
        let rendered = capnp::render(version, &self.date(workerd, version), assets.as_ref()).map_err(|u| u.0)?;
        let dir = self.root.join(format!("{account}-{script}-{}", version.id));
        process::start(&workerd.path, &[], dir, rendered, &version.id, self.startup_timeout).await.map(Arc::new)
    }

    async fn start_shared(&self, workerd: &Workerd, shared: &Shared, version: &Version, route: &str) -> Result<Arc<Instance>, String> {
        let host = self.shared_host(workerd, shared).await?;
        let started = std::time::Instant::now();
        lock(&shared.starting).insert(route.to_string(), Arc::new(version.clone()));
        let probe = shared
            .http
            .post(format!("http://127.0.0.1:{}{}", host.port, host::PROBE_PATH))
            .header(host::WORKER_HEADER, route)
            .timeout(self.startup_timeout)
            .send()
            .await;
        lock(&shared.starting).remove(route);
        let probe = probe.map_err(|e| format!("the Worker failed to start: the shared workerd did not answer: {e}"))?;
        if !probe.status().is_success() {
            let why = probe.text().await.unwrap_or_default();
            return Err(format!("the Worker failed to start: {}", why.trim()));
        }
        Ok(Arc::new(Instance::shared(host, &version.id, route.to_string(), started.elapsed().as_millis() as u64)))
    }

    /// The shared process, started (or, if it died, restarted with every
    /// live and prepared version moved to it) when needed.
    async fn shared_host(&self, workerd: &Workerd, shared: &Shared) -> Result<Arc<Instance>, String> {
        let mut host = shared.host.lock().await;
        if let Some(h) = host.as_ref().filter(|h| !h.exited()) {
            return Ok(h.clone());
        }
        let rendered = host::render(&shared.emulator);
        let started = Arc::new(process::start(&workerd.path, host::ARGS, self.root.join("shared"), rendered, "shared", self.startup_timeout).await?);
        if host.replace(started.clone()).is_some() {
            for map in [&self.live, &self.prepared] {
                for i in lock(map).values_mut() {
                    if let Some(route) = &i.route {
                        *i = Arc::new(Instance::shared(started.clone(), &i.version_id, route.clone(), i.startup_time_ms));
                    }
                }
            }
        }
        Ok(started)
    }

    /// Restarts the shared process if it died (the gateway calls this when
    /// it does not answer); versions load again on their next request.
    pub async fn revive(&self) {
        if let (Some(shared), Ok(workerd)) = (&self.shared, self.workerd()) {
            let _ = self.shared_host(workerd, shared).await;
        }
    }

    /// A version being started under `route` (its code is asked for before it is stored).
    pub fn starting(&self, route: &str) -> Option<Arc<Version>> {
        self.shared.as_ref().and_then(|s| lock(&s.starting).get(route).cloned())
    }

    /// `version`'s code for the shared process (see `host::code`).
    pub fn code(&self, version: &Version, assets_token: Option<&str>, tokens: &std::collections::HashMap<String, String>) -> Result<serde_json::Value, String> {
        let workerd = self.workerd()?;
        host::code(version, &self.date(workerd, version), assets_token, tokens).map_err(|u| u.0)
    }

    pub fn prepare(&self, account: &str, script: &str, instance: Arc<Instance>) {
        lock(&self.prepared).insert((account.to_string(), script.to_string()), instance);
    }

    /// The prepared instance of `version_id`, if that is what was prepared.
    pub fn take_prepared(&self, account: &str, script: &str, version_id: &str) -> Option<Arc<Instance>> {
        let mut prepared = lock(&self.prepared);
        let key = (account.to_string(), script.to_string());
        match prepared.get(&key) {
            Some(i) if i.version_id == version_id => prepared.remove(&key),
            _ => None,
        }
    }

    /// Routes `script` to `instance`; the previous process ends when its
    /// last request finishes.
    pub fn activate(&self, account: &str, script: &str, instance: Arc<Instance>) {
        lock(&self.live).insert((account.to_string(), script.to_string()), instance);
    }

    pub fn get(&self, account: &str, script: &str) -> Option<Arc<Instance>> {
        lock(&self.live).get(&(account.to_string(), script.to_string())).cloned()
    }

    pub fn stop(&self, account: &str, script: &str) {
        let key = (account.to_string(), script.to_string());
        lock(&self.live).remove(&key);
        lock(&self.prepared).remove(&key);
    }

    pub fn stop_account(&self, account: &str) {
        lock(&self.live).retain(|(a, _), _| a != account);
        lock(&self.prepared).retain(|(a, _), _| a != account);
    }

    /// Number of Workers with code being served.
    pub fn live_count(&self) -> usize {
        lock(&self.live).len()
    }

    pub fn stop_all(&self) {
        lock(&self.live).clear();
        lock(&self.prepared).clear();
        if let Some(mut host) = self.shared.as_ref().and_then(|s| s.host.try_lock().ok()) {
            host.take();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        self.stop_all();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

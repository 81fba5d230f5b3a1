//! Runs deployed Workers in real workerd: one process per live version,
//! swapped atomically on redeploy (the new process listens before traffic
//! moves; requests in flight finish on the old one).

mod capnp;
mod process;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

pub use capnp::{quote, AssetsLink};
pub use process::{Instance, LogLine};

use crate::workers::Version;

/// Environment variable naming the workerd binary.
pub const WORKERD_ENV: &str = "BOARDINGPASS_WORKERD";

const INSTALL_HINT: &str = "install it with `npm install workerd` (in the boardingpass repository: `make setup`), or set BOARDINGPASS_WORKERD to the workerd binary";

/// Finds workerd: `$BOARDINGPASS_WORKERD`, else `node_modules` above the
/// working directory or above the running executable.
pub fn locate_workerd() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os(WORKERD_ENV) {
        let p = PathBuf::from(p);
        return if p.is_file() { Ok(p) } else { Err(format!("{WORKERD_ENV}={} is not a file; {INSTALL_HINT}", p.display())) };
    }
    let mut roots: Vec<PathBuf> = Vec::new();
    roots.extend(std::env::current_dir().ok());
    roots.extend(std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)));
    for root in roots {
        for dir in root.ancestors() {
            for rel in ["node_modules/.bin/workerd", "node_modules/@cloudflare/workerd-linux-64/bin/workerd"] {
                let p = dir.join(rel);
                if p.is_file() {
                    return Ok(p);
                }
            }
        }
    }
    Err(format!("workerd was not found; {INSTALL_HINT}"))
}

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

pub struct Runner {
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
    pub fn new(startup_timeout: Duration, workerd: Option<PathBuf>) -> Self {
        let root = std::env::temp_dir().join(format!("boardingpass-emulator-{}-{}", std::process::id(), hex::encode(rand::random::<[u8; 4]>())));
        Self { configured: workerd, workerd: OnceLock::new(), root, startup_timeout, live: Mutex::default(), prepared: Mutex::default() }
    }

    /// Where deployment directories go (created with the first one).
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn workerd(&self) -> Result<&Workerd, String> {
        self.workerd
            .get_or_init(|| {
                let found = match &self.configured {
                    Some(p) if p.is_file() => Ok(p.clone()),
                    Some(p) => Err(format!("workerd {} is not a file; {INSTALL_HINT}", p.display())),
                    None => locate_workerd(),
                };
                found.map(|path| Workerd { max_date: workerd_date(&path), path })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Starts `version` of `script` and waits until it listens.
    pub async fn start(&self, account: &str, script: &str, version: &Version, assets: Option<AssetsLink<'_>>) -> Result<Arc<Instance>, String> {
        let workerd = self.workerd()?;
        let date = match &workerd.max_date {
            Some(max) if version.compatibility_date.as_str() > max.as_str() => max.clone(),
            _ => version.compatibility_date.clone(),
        };
        let rendered = capnp::render(version, &date, assets.as_ref()).map_err(|u| u.0)?;
        let dir = self.root.join(format!("{account}-{script}-{}", version.id));
        process::start(&workerd.path, dir, rendered, &version.id, self.startup_timeout).await.map(Arc::new)
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

    /// Number of workerd processes serving traffic.
    pub fn live_count(&self) -> usize {
        lock(&self.live).len()
    }

    pub fn stop_all(&self) {
        lock(&self.live).clear();
        lock(&self.prepared).clear();
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

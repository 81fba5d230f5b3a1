//! One workerd process serving one deployed version. The process reports
//! its listening port on a control socket (`--control-fd`), which is also
//! the readiness signal; console output is kept in memory for inspection.

use std::collections::VecDeque;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

use super::capnp::Rendered;

/// Lines of console output kept per deployment.
const LOG_LINES: usize = 2000;
/// The control socket is passed to workerd as this descriptor.
const CONTROL_FD: i32 = 3;

#[derive(Debug, Clone, serde::Serialize)]
pub struct LogLine {
    pub at: chrono::DateTime<chrono::Utc>,
    pub stream: &'static str,
    pub line: String,
}

pub type Logs = Arc<Mutex<VecDeque<LogLine>>>;

/// A version being served: by its own workerd process, or by the shared
/// one (`route` then names it to that process). Dropping the last handle on
/// a process kills it and removes its deployment directory.
pub struct Instance {
    pub version_id: String,
    pub port: u16,
    pub startup_time_ms: u64,
    pub logs: Logs,
    /// The signed name the shared process knows this version by.
    pub route: Option<String>,
    owner: Owner,
}

enum Owner {
    Process { dir: PathBuf, pid: Option<u32>, _child: Box<Child> },
    Shared { _host: Arc<Instance> },
}

impl Instance {
    /// `version_id` served by the shared process `host` under `route`.
    pub fn shared(host: Arc<Instance>, version_id: &str, route: String, startup_time_ms: u64) -> Self {
        Self { version_id: version_id.to_string(), port: host.port, startup_time_ms, logs: host.logs.clone(), route: Some(route), owner: Owner::Shared { _host: host } }
    }
}

impl Instance {
    /// Whether this instance's own process has ended (crashed or killed).
    pub fn exited(&self) -> bool {
        let Owner::Process { pid: Some(pid), .. } = &self.owner else { return false };
        // A dead child stays a zombie until reaped: its state is `Z`.
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) => stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
            // No procfs (not Linux): signal 0 tells whether it exists.
            Err(_) => unsafe { libc::kill(*pid as libc::pid_t, 0) != 0 },
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        // The child is killed by `kill_on_drop`; the directory goes with it.
        if let Owner::Process { dir, .. } = &self.owner {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance").field("version_id", &self.version_id).field("port", &self.port).finish()
    }
}

fn push(logs: &Logs, stream: &'static str, line: String) {
    let mut l = logs.lock().unwrap_or_else(|p| p.into_inner());
    if l.len() == LOG_LINES {
        l.pop_front();
    }
    l.push_back(LogLine { at: chrono::Utc::now(), stream, line });
}

fn collect(logs: Logs, stream: &'static str, reader: impl AsyncRead + Unpin + Send + 'static) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(reader).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            push(&logs, stream, line);
        }
    });
}

fn write_dir(dir: &Path, rendered: &Rendered) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    std::fs::write(dir.join("config.capnp"), &rendered.config)?;
    for (name, bytes) in &rendered.files {
        std::fs::write(dir.join(name), bytes)?;
    }
    Ok(())
}

/// Starts workerd on `rendered` in `dir` and waits until it listens.
/// On failure the error carries what workerd printed.
pub async fn start(workerd: &Path, args: &[&str], dir: PathBuf, rendered: Rendered, version_id: &str, timeout: Duration) -> Result<Instance, String> {
    if let Err(e) = write_dir(&dir, &rendered) {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(format!("cannot write the deployment directory {}: {e}", dir.display()));
    }
    let started = Instant::now();
    let (ours, theirs) = std::os::unix::net::UnixStream::pair().map_err(|e| format!("control socket: {e}"))?;
    let theirs: OwnedFd = theirs.into();
    let theirs_raw = theirs.as_raw_fd();
    let mut cmd = Command::new(workerd);
    cmd.arg("serve")
        .args(args)
        .arg("config.capnp")
        .arg(format!("--control-fd={CONTROL_FD}"))
        .current_dir(&dir)
        // Workers see only their own secrets, never the emulator's environment.
        .env_clear()
        .envs(rendered.env.iter().map(|(k, v)| (k, v)))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            if libc::dup2(theirs_raw, CONTROL_FD) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            // Die with the emulator, even if it is killed without cleanup.
            #[cfg(target_os = "linux")]
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let spawned = cmd.spawn();
    drop(theirs);
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(format!("cannot start workerd ({}): {e}", workerd.display()));
        }
    };
    let logs: Logs = Arc::default();
    collect(logs.clone(), "stdout", child.stdout.take().expect("piped"));
    collect(logs.clone(), "stderr", child.stderr.take().expect("piped"));
    ours.set_nonblocking(true).map_err(|e| e.to_string())?;
    let control = tokio::net::UnixStream::from_std(ours).map_err(|e| e.to_string())?;
    let mut lines = BufReader::new(control).lines();
    let port = tokio::time::timeout(timeout, async {
        while let Ok(Some(line)) = lines.next_line().await {
            let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
            if v["event"] == "listen" && v["socket"] == "http" {
                return v["port"].as_u64().and_then(|p| u16::try_from(p).ok());
            }
        }
        None
    })
    .await;
    match port {
        Ok(Some(port)) => Ok(Instance {
            version_id: version_id.to_string(),
            port,
            startup_time_ms: started.elapsed().as_millis() as u64,
            logs,
            route: None,
            owner: Owner::Process { dir, pid: child.id(), _child: Box::new(child) },
        }),
        outcome => {
            let _ = child.kill().await;
            // Let the readers drain what workerd printed before it died.
            tokio::time::sleep(Duration::from_millis(50)).await;
            let _ = std::fs::remove_dir_all(&dir);
            let printed: Vec<String> = logs.lock().unwrap_or_else(|p| p.into_inner()).iter().map(|l| l.line.clone()).collect();
            let why = if outcome.is_err() { format!("did not start within {timeout:?}") } else { "exited during startup".into() };
            Err(format!("the Worker failed to start: workerd {why}: {}", printed.join("\n").trim()))
        }
    }
}

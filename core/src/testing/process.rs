//! A `boardingpass-emulator` child process for a test: started on a free
//! loopback port with a light proof of work, stopped by closing its standard
//! input (so it also stops when the test process dies), with the human's
//! Claim click as a call.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};

use super::locate::{locate_emulator, locate_workerd, WORKERD_ENV};
use crate::{BoardingPass, Error};

/// How to start the emulator. The proof of work defaults to k=20, g=50
/// (a thousand hashes, instant even in a debug build) instead of
/// production's k=1000, g=2000, so tests stay fast.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EmulatorOptions {
    /// Proof-of-work checkpoints per challenge.
    pub pow_k: u32,
    /// Hashes per checkpoint.
    pub pow_g: u32,
    /// Lifetime of an unclaimed account; the emulator's default (60 minutes) when unset.
    pub lifetime: Option<Duration>,
    /// The `boardingpass-emulator` binary; found when unset (see [`locate_emulator`]).
    pub emulator: Option<PathBuf>,
    /// The workerd binary; found when unset (see [`locate_workerd`]).
    pub workerd: Option<PathBuf>,
    /// How long the emulator may take to listen.
    pub startup_timeout: Duration,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        Self { pow_k: 20, pow_g: 50, lifetime: None, emulator: None, workerd: None, startup_timeout: Duration::from_secs(20) }
    }
}

setters!(EmulatorOptions { pow_k: u32, pow_g: u32, startup_timeout: Duration } optional { lifetime: Duration, emulator => PathBuf, workerd => PathBuf });

impl EmulatorOptions {
    /// The emulator's command-line flags for these options.
    pub fn args(&self) -> Result<Vec<String>, Error> {
        if self.pow_k == 0 || self.pow_g == 0 {
            return Err(Error::invalid("pow", "pow_k and pow_g must be at least 1"));
        }
        let mut args = ["--port", "0", "--rate-limit", "0", "--stop-on-stdin-close"].map(String::from).to_vec();
        args.extend(["--pow-k".into(), self.pow_k.to_string(), "--pow-g".into(), self.pow_g.to_string()]);
        if let Some(lifetime) = self.lifetime {
            let secs = lifetime.as_secs();
            if secs == 0 || Duration::from_secs(secs) != lifetime {
                return Err(Error::invalid("lifetime", "must be a whole number of seconds, at least 1"));
            }
            args.extend(["--lifetime".into(), secs.to_string()]);
        }
        Ok(args)
    }
}

/// A running emulator. Dropping it kills the process; [`stop`](Self::stop)
/// lets it stop its Workers first.
#[derive(Debug)]
pub struct EmulatorProcess {
    api_base: String,
    origin: String,
    http: reqwest::Client,
    running: tokio::sync::Mutex<Option<(Child, ChildStdin)>>,
}

/// The emulator's first output line is `… listening on http://127.0.0.1:PORT/client/v4`.
const LISTENING: &str = "listening on ";
/// Caps what is read of the first line and of an error answer.
const MAX_LINE: u64 = 4096;
/// What the Claim button posts to, with the token in `X-Claim-Token`.
const CLAIM_PATH: &str = "/x-boardingpass/claim";

impl EmulatorProcess {
    /// Starts the emulator and waits until it listens. A missing emulator
    /// binary or workerd is an `Io` error that says how to install it,
    /// before anything is started.
    pub async fn start(options: EmulatorOptions) -> Result<Self, Error> {
        let args = options.args()?;
        let emulator = locate_emulator(options.emulator.as_deref())?;
        let workerd = locate_workerd(options.workerd.as_deref())?;
        let io = |e: std::io::Error| Error::Io { path: emulator.display().to_string(), source: e };
        let mut child = Command::new(&emulator)
            .args(&args)
            .env(WORKERD_ENV, &workerd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(io)?;
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut first = BufReader::new(stdout.take(MAX_LINE));
        let mut line = Vec::new();
        let read = tokio::time::timeout(options.startup_timeout, first.read_until(b'\n', &mut line)).await;
        let line = String::from_utf8_lossy(&line).into_owned();
        let api_base = match read {
            Ok(Ok(_)) => line.split_once(LISTENING).map(|(_, url)| url.trim().to_string()),
            Ok(Err(e)) => return Err(io(e)),
            Err(_) => None,
        };
        let Some(api_base) = api_base.filter(|u| u.starts_with("http://127.0.0.1:")) else {
            let _ = child.kill().await;
            let why = if line.is_empty() { "it printed nothing (see its error output above)".to_string() } else { format!("it printed {:?}", crate::printable(line.trim())) };
            return Err(io(std::io::Error::other(format!("the emulator did not start listening within {}s: {why}", options.startup_timeout.as_secs()))));
        };
        // Keep reading what it prints, so a full pipe never blocks it.
        let mut rest = first.into_inner().into_inner();
        tokio::spawn(async move { tokio::io::copy(&mut rest, &mut tokio::io::sink()).await });
        let origin = api_base.trim_end_matches("/client/v4").to_string();
        let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().map_err(|e| Error::Network { endpoint: origin.clone(), message: e.to_string(), source: Box::new(e) })?;
        Ok(Self { api_base, origin, http, running: tokio::sync::Mutex::new(Some((child, stdin))) })
    }

    /// The API base for a client (`http://127.0.0.1:PORT/client/v4`).
    pub fn api_base(&self) -> &str {
        &self.api_base
    }

    /// Does what the owner's Claim button does on the claim page: the
    /// account becomes permanent and a waiting `wait_for_claim` sees `claimed`.
    pub async fn claim(&self, pass: &BoardingPass) -> Result<(), Error> {
        let url = url::Url::parse(pass.expose_claim_url()).map_err(|_| Error::invalid("claim_url", "not a URL"))?;
        let token = url.query_pairs().find(|(k, _)| k == "claimToken").map(|(_, v)| v.into_owned());
        let token = token.ok_or_else(|| Error::invalid("claim_url", "has no claimToken: not a pass of this emulator"))?;
        let endpoint = format!("{}{CLAIM_PATH}", self.origin);
        let network = |e: reqwest::Error| Error::Network { endpoint: endpoint.clone(), message: e.to_string(), source: Box::new(e) };
        let mut resp = self.http.post(&endpoint).header("x-claim-token", token).send().await.map_err(network)?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(network)? {
            body.extend_from_slice(&chunk);
            if body.len() as u64 >= MAX_LINE {
                body.truncate(MAX_LINE as usize);
                break;
            }
        }
        let text = String::from_utf8_lossy(&body);
        Err(Error::Protocol { endpoint, status: Some(status.as_u16()), message: format!("the emulator refused the claim: {}", crate::printable(text.trim())), request_id: None })
    }

    /// Stops the emulator and its Workers and waits for it (killed after
    /// 10 seconds). Stopping twice does nothing.
    pub async fn stop(&self) {
        let Some((mut child, stdin)) = self.running.lock().await.take() else { return };
        drop(stdin);
        if tokio::time::timeout(Duration::from_secs(10), child.wait()).await.is_err() {
            let _ = child.kill().await;
        }
    }
}

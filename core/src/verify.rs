//! Verification: request the live URL until it answers as expected or a
//! timeout passes, and keep the evidence a human can check later.
//!
//! `*.localhost` URLs (the emulator's) are requested by connecting to
//! 127.0.0.1 on the URL's port with the original `Host` header, because
//! system resolvers do not all map `*.localhost` to loopback.
//!
//! Only the deployment's own origin can verify it: the deployment is looked
//! up in the pass's own records (a caller's copy only names it, so a forged
//! URL is never requested), the path is checked to be a path (not a URL)
//! before any request, redirects are followed only within the origin, and a
//! redirect elsewhere is not an acceptable answer unless that status was
//! asked for. Bodies are read up to [`MAX_VERIFY_BODY`].

use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::header::HOST;
use sha2::{Digest, Sha256};
use url::Url;

use crate::audit::AuditKind;
use crate::cancel::CancellationToken;
use crate::error::Error;
use crate::http::{network_error, read_capped, redirect_target};
use crate::pass::BoardingPass;
use crate::record::{Deployment, Evidence};
use crate::progress::{Phase, Progress};
use crate::untrusted::quote;

/// How many leading bytes of the body are kept as evidence.
pub const BODY_PREFIX_LEN: usize = 256;
/// Largest body read from the live URL; a longer one is not an acceptable answer.
pub const MAX_VERIFY_BODY: usize = 8 << 20;

#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerifyOptions {
    /// Path (and query) requested on the live URL: starts with one `/`; a
    /// URL or `//host` is refused ([`check_path`]).
    pub path: String,
    /// Give up after this long.
    pub timeout: Duration,
    /// Expected status; `None` accepts any 2xx or 3xx.
    pub expect_status: Option<u16>,
    pub expect_body_contains: Option<String>,
    /// `(name, value)`: the header must be present and contain `value`.
    pub expect_header: Option<(String, String)>,
    /// First delay between attempts; doubles up to `max_interval`.
    pub interval: Duration,
    pub max_interval: Duration,
    pub progress: Progress,
    pub cancel: Option<CancellationToken>,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            path: "/".into(),
            timeout: Duration::from_secs(30),
            expect_status: None,
            expect_body_contains: None,
            expect_header: None,
            interval: Duration::from_millis(100),
            max_interval: Duration::from_secs(2),
            progress: Progress::none(),
            cancel: None,
        }
    }
}

setters!(VerifyOptions { path => String, timeout: Duration, interval: Duration, max_interval: Duration, progress: Progress } optional { expect_status: u16, expect_body_contains => String, expect_header: (String, String), cancel: CancellationToken });


struct Observation {
    status: u16,
    latency: Duration,
    body: bytes::Bytes,
    content_type: Option<String>,
    failures: Vec<String>,
}

/// Refuses anything but a path on the deployment's own origin: it must
/// start with a single `/` (`//host` and `/\host` name another host) and
/// hold only visible ASCII (percent-encode the rest).
pub fn check_path(path: &str) -> Result<(), Error> {
    let refuse = |why: &str| Error::invalid("verify path", format!("{}: {why}", quote(path)));
    if !path.starts_with('/') {
        return Err(refuse("must start with '/' (a path on the deployment's own URL, not a URL)"));
    }
    if path[1..].starts_with(['/', '\\']) {
        return Err(refuse("starts like a network path ('//host'), which would leave the deployment's origin"));
    }
    if !path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') {
        return Err(refuse("may hold only visible ASCII without '\\'; percent-encode spaces and other characters"));
    }
    Ok(())
}

fn check(opts: &VerifyOptions, url: &Url, status: u16, headers: &reqwest::header::HeaderMap, body: &[u8]) -> Vec<String> {
    let mut failures = Vec::new();
    match opts.expect_status {
        Some(want) if want != status => failures.push(format!("status {status}, expected {want}")),
        None if !(200..400).contains(&status) => failures.push(format!("status {status}, expected 2xx or 3xx")),
        None if (300..400).contains(&status) && headers.contains_key(reqwest::header::LOCATION) => {
            let target = redirect_target(url, headers);
            if target != url.origin().ascii_serialization() {
                failures.push(format!("status {status} redirects to {target}, another origin, which is not followed (expect that status to accept the redirect itself)"));
            }
        }
        _ => {}
    }
    if let Some(needle) = &opts.expect_body_contains {
        if !String::from_utf8_lossy(body).contains(needle.as_str()) {
            failures.push(format!("body does not contain {needle:?}"));
        }
    }
    if let Some((name, value)) = &opts.expect_header {
        match headers.get(name.as_str()).and_then(|v| v.to_str().ok()) {
            Some(v) if v.contains(value.as_str()) => {}
            Some(v) => failures.push(format!("header {name}: {v:?} does not contain {value:?}")),
            None => failures.push(format!("header {name} missing")),
        }
    }
    failures
}

impl BoardingPass {
    /// Requests the deployment's URL until it answers as expected. Returns
    /// the evidence (also kept on the pass for the ticket); fails with
    /// [`Error::Verification`] when the timeout passes first. `deployment`
    /// only names a deploy made with this pass (Worker and version): the
    /// URL requested and the fields recorded come from the pass's own record,
    /// and a deployment the pass does not know, or one that disagrees with
    /// its record, is refused before any request. Every failure is written
    /// to the audit log as a `failed` verify step.
    #[tracing::instrument(name = "verify", skip_all, fields(worker = %deployment.worker_name, account_id = self.account_id(), run_id = self.client().audit().run_id(), job_id = self.client().audit().job_id()))]
    pub async fn verify(&self, deployment: &Deployment, options: VerifyOptions) -> Result<Evidence, Error> {
        let recorded = match self.recorded(deployment) {
            Ok(d) => d,
            Err(e) => return Err(self.record_failure("verify", None, None, e)),
        };
        let (worker, digest) = (Some(recorded.worker_name.as_str()), Some(recorded.content_digest.as_str()));
        match self.verify_recorded(&recorded, options).await {
            Ok(evidence) => Ok(evidence),
            Err(e) => Err(self.record_failure("verify", worker, digest, e)),
        }
    }

    /// This pass's record of the deploy `deployment` names, when `deployment`
    /// agrees with it on every field that evidence and the audit log use.
    fn recorded(&self, deployment: &Deployment) -> Result<Deployment, Error> {
        let named = format!("Worker {} version {}", quote(&deployment.worker_name), quote(&deployment.version_id));
        let st = self.state();
        let Some(record) = st.deployments.iter().find(|d| d.worker_name == deployment.worker_name && d.version_id == deployment.version_id) else {
            return Err(Error::invalid("deployment", format!("{named} was not deployed with this pass; pass a Deployment this pass's deploy returned")));
        };
        let differs = [
            ("url", record.url == deployment.url),
            ("workers_dev_url", record.workers_dev_url == deployment.workers_dev_url),
            ("content_digest", record.content_digest == deployment.content_digest),
            ("assets_digest", record.assets_digest == deployment.assets_digest),
        ]
        .into_iter()
        .filter_map(|(field, same)| (!same).then_some(field))
        .collect::<Vec<_>>();
        if !differs.is_empty() {
            return Err(Error::invalid(
                "deployment",
                format!("{named} differs from this pass's record in {}; pass the Deployment its deploy returned, unchanged", differs.join(", ")),
            ));
        }
        Ok(record.clone())
    }

    async fn verify_recorded(&self, deployment: &Deployment, options: VerifyOptions) -> Result<Evidence, Error> {
        check_path(&options.path)?;
        let base = Url::parse(&deployment.url).map_err(|e| Error::invalid("deployment url", e.to_string()))?;
        let url = base.join(&options.path).map_err(|e| Error::invalid("verify path", format!("{}: {e}", options.path)))?;
        if url.origin() != base.origin() {
            return Err(Error::invalid("verify path", format!("{} leaves the deployment's origin", options.path)));
        }
        let outcome = match options.cancel.clone() {
            None => self.poll_live(&url, &options).await,
            Some(token) => tokio::select! {
                biased;
                _ = token.cancelled() => Err((None, 0, Error::Cancelled)),
                r = self.poll_live(&url, &options) => r,
            },
        };
        let (obs, attempts, error) = match outcome {
            Ok((obs, attempts)) => (obs, attempts, None),
            Err((obs, attempts, e)) => (obs, attempts, Some(e)),
        };
        let evidence = Evidence {
            url: url.to_string(),
            worker_name: deployment.worker_name.clone(),
            version_id: deployment.version_id.clone(),
            passed: error.is_none(),
            status: obs.as_ref().map(|o| o.status),
            latency_ms: obs.as_ref().map_or(0, |o| u32::try_from(o.latency.as_millis()).unwrap_or(u32::MAX)),
            body_sha256: obs.as_ref().map(|o| format!("sha256:{}", hex::encode(Sha256::digest(&o.body)))),
            body_prefix: obs.as_ref().map(|o| String::from_utf8_lossy(&o.body[..o.body.len().min(BODY_PREFIX_LEN)]).into_owned()),
            content_type: obs.as_ref().and_then(|o| o.content_type.clone()),
            attempts,
            checked_at: Utc::now(),
            failures: obs.as_ref().map(|o| o.failures.clone()).unwrap_or_default(),
        };
        self.state().evidence.push(evidence.clone());
        let details = serde_json::to_value(&evidence).expect("evidence serialises");
        self.audit(AuditKind::Verified, Some(&deployment.worker_name), Some(&deployment.content_digest), details)?;
        match error {
            None => Ok(evidence),
            Some(e) => Err(e),
        }
    }

    /// After expiry: does any deployed Worker still answer? `None` when
    /// nothing was deployed.
    pub(crate) async fn any_worker_answers(&self) -> Option<bool> {
        let deployments = self.deployments();
        if deployments.is_empty() {
            return None;
        }
        for d in deployments.iter().rev() {
            let opts = VerifyOptions { timeout: std::time::Duration::from_secs(3), ..Default::default() };
            if self.probe(d, &opts).await {
                return Some(true);
            }
        }
        Some(false)
    }

    /// Does the deployment answer as `options` expect? No evidence kept.
    async fn probe(&self, deployment: &Deployment, options: &VerifyOptions) -> bool {
        match Url::parse(&deployment.url) {
            Ok(url) => self.poll_live(&url, options).await.is_ok(),
            Err(_) => false,
        }
    }

    async fn poll_live(
        &self,
        url: &Url,
        opts: &VerifyOptions,
    ) -> Result<(Option<Observation>, u32), (Option<Observation>, u32, Error)> {
        let deadline = Instant::now() + opts.timeout;
        let mut interval = opts.interval;
        let mut attempts = 0;
        let mut last: Option<Observation> = None;
        let mut last_error: Option<String> = None;
        opts.progress.emit(Phase::Verifying, 0, 1);
        loop {
            attempts += 1;
            match self.fetch_once(url, opts, deadline).await {
                Ok(obs) if obs.failures.is_empty() => {
                    opts.progress.emit(Phase::Verifying, 1, 1);
                    return Ok((Some(obs), attempts));
                }
                Ok(obs) => last = Some(obs),
                Err(e) => last_error = Some(e.to_string()),
            }
            let now = Instant::now();
            if now + interval >= deadline {
                let why = last
                    .as_ref()
                    .map(|o| o.failures.join("; "))
                    .or(last_error)
                    .unwrap_or_else(|| "no answer".into());
                let e = Error::Verification {
                    what: url.to_string(),
                    message: format!("no acceptable answer after {attempts} attempts in {}s: {why}", opts.timeout.as_secs_f64()),
                };
                return Err((last, attempts, e));
            }
            tokio::time::sleep(interval).await;
            interval = (interval * 2).min(opts.max_interval);
        }
    }

    async fn fetch_once(&self, url: &Url, opts: &VerifyOptions, deadline: Instant) -> Result<Observation, Error> {
        let mut target = url.clone();
        let mut req_host = None;
        if let Some(url::Host::Domain(d)) = url.host() {
            if d.ends_with(".localhost") {
                req_host = Some(match url.port() {
                    Some(p) => format!("{d}:{p}"),
                    None => d.to_string(),
                });
                target.set_host(Some("127.0.0.1")).map_err(|e| Error::invalid("url", e.to_string()))?;
            }
        }
        let remaining = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(50));
        let mut req = self.client().http().client.get(target).timeout(remaining);
        if let Some(h) = req_host {
            req = req.header(HOST, h);
        }
        let started = Instant::now();
        let network = |e: reqwest::Error| network_error(url.as_str(), e);
        let resp = req.send().await.map_err(network)?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = read_capped(resp, MAX_VERIFY_BODY, url.as_str(), network).await?;
        let latency = started.elapsed();
        Ok(Observation {
            status,
            latency,
            content_type: headers.get("content-type").and_then(|v| v.to_str().ok()).map(str::to_string),
            failures: check(opts, url, status, &headers, &body),
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn expectations_are_checked() {
        let opts = VerifyOptions {
            expect_body_contains: Some("hello".into()),
            expect_header: Some(("x-app".into(), "demo".into())),
            ..Default::default()
        };
        let mut h = HeaderMap::new();
        h.insert("x-app", HeaderValue::from_static("demo-1"));
        let url = Url::parse("http://hello.sub.localhost:8787/").unwrap();
        assert!(check(&opts, &url, 200, &h, b"hello world").is_empty());
        let f = check(&opts, &url, 500, &HeaderMap::new(), b"nope");
        assert_eq!(f.len(), 3, "{f:?}");
        let exact = VerifyOptions { expect_status: Some(404), ..Default::default() };
        assert!(check(&exact, &url, 404, &HeaderMap::new(), b"").is_empty());
        assert_eq!(check(&exact, &url, 200, &HeaderMap::new(), b""), vec!["status 200, expected 404".to_string()]);
    }

    #[test]
    fn a_redirect_to_another_origin_is_not_an_acceptable_answer_unless_asked_for() {
        let url = Url::parse("http://hello.sub.localhost:8787/").unwrap();
        let to = |loc: &'static str| {
            let mut h = HeaderMap::new();
            h.insert("location", HeaderValue::from_static(loc));
            h
        };
        let any = VerifyOptions::default();
        assert!(check(&any, &url, 302, &to("/login"), b"").is_empty());
        assert!(check(&any, &url, 302, &to("http://hello.sub.localhost:8787/x"), b"").is_empty());
        let f = check(&any, &url, 307, &to("https://evil.example/"), b"");
        assert!(f[0].contains("https://evil.example") && f[0].contains("another origin"), "{f:?}");
        let asked = VerifyOptions { expect_status: Some(307), ..Default::default() };
        assert!(check(&asked, &url, 307, &to("https://evil.example/"), b"").is_empty());
    }


    #[tokio::test]
    async fn a_refused_connection_keeps_reqwests_source_chain() {
        let pass = crate::pass::test_pass(chrono::Duration::minutes(60));
        // Port 9 (discard) on loopback: nothing listens there in tests.
        let url = Url::parse("http://127.0.0.1:9/").unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        let Err(e) = pass.fetch_once(&url, &VerifyOptions::default(), deadline).await else { panic!("nothing listens on port 9") };
        assert_eq!(e.code(), "network", "{e}");
        let source = std::error::Error::source(&e).expect("the network error keeps its source");
        let reqwest_error = source.downcast_ref::<reqwest::Error>().expect("the source is reqwest's error");
        assert!(reqwest_error.is_connect(), "{reqwest_error:?}");
        assert!(std::error::Error::source(reqwest_error).is_some(), "reqwest's own chain (the connect cause) follows");
    }

    #[test]
    fn the_path_must_be_a_path_on_the_same_origin() {
        for ok in ["/", "/a/b?x=1&y=%20", "/index.html#top"] {
            assert!(check_path(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a", "https://evil.example/", "//evil.example/", "/\\evil.example/", "/a b", "/\u{1b}[2J", "/é"] {
            assert_eq!(check_path(bad).unwrap_err().code(), "invalid_input", "{bad}");
        }
    }
}

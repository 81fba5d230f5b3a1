//! Issue 10, finding 7: the `boardingpass-emulator` binary, stopped by
//! SIGTERM or SIGINT (or, with `--stop-on-stdin-close`, by the end of its
//! standard input: how test fixtures stop it), removes its work directory (workerd configs and module
//! files) and leaves no workerd behind. The binary is given its own TMPDIR,
//! so the test sees everything it writes there.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

/// Processes whose working directory is under `dir` (workerd runs in its
/// deployment directory).
fn processes_in(dir: &Path) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|pid| std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd.starts_with(dir)))
        .collect()
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect()
}

enum Stop {
    Signal(i32),
    StdinClose,
}

async fn stopped_by(stop: Stop) {
    let tmp = tempfile::tempdir().unwrap();
    let mut args = vec!["--port", "0", "--pow-k", "50", "--pow-g", "200"];
    if matches!(stop, Stop::StdinClose) {
        args.push("--stop-on-stdin-close");
    }
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_boardingpass-emulator"))
        .args(args)
        .env("TMPDIR", tmp.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the emulator binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    let base = loop {
        let line = lines.next_line().await.unwrap().expect("the emulator prints its address");
        printed.push(line.clone());
        if let Some(base) = line.strip_prefix("boardingpass emulator listening on ") {
            break base.to_string();
        }
    };
    let account = common::provision(&base).await;
    let (status, body) = common::put_worker(&base, &account, "hello").await;
    assert_eq!(status, 200, "{body}");
    let work = entries(tmp.path());
    assert_eq!(work.len(), 1, "one work directory in TMPDIR: {work:?}");
    assert!(!processes_in(tmp.path()).is_empty(), "workerd runs in the work directory");

    match stop {
        // SAFETY: plain kill(2) on the child we spawned.
        Stop::Signal(signal) => assert_eq!(unsafe { libc::kill(child.id().unwrap() as i32, signal) }, 0),
        Stop::StdinClose => drop(child.stdin.take()),
    }
    let exit = tokio::time::timeout(Duration::from_secs(60), child.wait()).await.expect("the emulator exits after the signal").unwrap();
    assert!(exit.success(), "exit status {exit:?}");
    assert_eq!(entries(tmp.path()), Vec::<PathBuf>::new(), "the work directory is removed");
    // workerd gets SIGKILL when its parent goes; wait (bounded) until the kernel is done with it.
    let mut left = processes_in(tmp.path());
    for _ in 0..100 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = processes_in(tmp.path());
    }
    assert_eq!(left, Vec::<u32>::new(), "no workerd is left running");
    // Where the files went is printed, so an operator can find them.
    while let Ok(Some(line)) = lines.next_line().await {
        printed.push(line);
    }
    let announced = format!("worker files: {}", work[0].display());
    assert!(printed.iter().any(|l| l == &announced), "{announced:?} not in {printed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_removes_the_work_directory_and_stops_workerd() {
    stopped_by(Stop::Signal(libc::SIGTERM)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_removes_the_work_directory_and_stops_workerd() {
    stopped_by(Stop::Signal(libc::SIGINT)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_stdin_stops_it_when_asked_to() {
    stopped_by(Stop::StdinClose).await;
}

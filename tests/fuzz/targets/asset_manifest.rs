//! The assets manifest on arbitrary directory trees and `.assetsignore`
//! files (built on disk in a temporary directory): never panics, and every
//! key it lists is a `/`-rooted path of a real file inside the directory,
//! of the size on disk, never a dotfile unless `.assetsignore` names it with
//! `!`, never the `.assetsignore`, `_headers` or `_redirects` control files.
#![no_main]
use std::path::Path;
use std::sync::LazyLock;

use boardingpass::fuzzing::{build_manifest, AssetOptions, Progress};

static RUNTIME: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap());

/// A relative path made of plain components (no `..`, no absolute parts).
fn relative(raw: &str) -> Option<String> {
    let parts: Vec<&str> = raw.split('/').filter(|p| !p.is_empty() && *p != "." && *p != "..").take(4).collect();
    let ok = !parts.is_empty() && parts.iter().all(|p| p.len() <= 40 && !p.contains('\0'));
    ok.then(|| parts.join("/"))
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut lines = text.split('\n');
    let ignore = lines.next().unwrap_or_default().replace('\u{1}', "\n");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    if !ignore.is_empty() {
        std::fs::write(root.join(".assetsignore"), &ignore).unwrap();
    }
    for (i, line) in lines.take(24).enumerate() {
        let Some(rel) = relative(line) else { continue };
        let path = root.join(&rel);
        if let Some(parent) = path.parent() {
            if std::fs::create_dir_all(parent).is_err() {
                continue;
            }
        }
        let _ = std::fs::write(&path, vec![b'x'; i]);
    }
    let opts = AssetOptions::default();
    let Ok(manifest) = RUNTIME.block_on(build_manifest(root, &opts, &Progress::none())) else { return };
    for (key, size) in manifest.files() {
        let rel = key.strip_prefix('/').unwrap_or_else(|| panic!("{key:?} is not /-rooted"));
        let on_disk = root.join(rel);
        assert!(Path::new(rel).components().all(|c| matches!(c, std::path::Component::Normal(_))), "{key:?} leaves the root");
        assert_eq!(std::fs::metadata(&on_disk).map(|m| m.len()).ok(), Some(size), "{key:?}");
        assert!(!matches!(rel, ".assetsignore" | "_headers" | "_redirects"), "{key:?} is a control file");
        if rel.split('/').any(|p| p.starts_with('.')) {
            assert!(ignore.lines().any(|l| l.starts_with("!.") || l.starts_with("!/.")), "dotfile {key:?} published without a ! line");
        }
    }
});

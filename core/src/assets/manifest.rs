//! The assets manifest: every file under the directory (minus ignored ones)
//! keyed by `/`-path, with wrangler's content hash and size. Files are
//! hashed in parallel and streamed, so memory stays at one buffer per
//! hashing task whatever the site size.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use futures::{StreamExt, TryStreamExt};
use sha2::{Digest, Sha256};

use super::ignore::Ignore;
use super::AssetOptions;
use crate::error::Error;
use crate::paths::relative_name;
use crate::progress::{Phase, Progress};

/// wrangler refuses files above this size whatever the plan.
pub const HARD_MAX_FILE_SIZE: u64 = 25 * 1024 * 1024;
/// Read size while hashing; a multiple of 3 so base64 chunks concatenate.
const CHUNK: usize = 3 * 64 * 1024;
/// Always skipped at the root (they configure the upload, they are not content).
const RESERVED: [&str; 3] = [".assetsignore", "_redirects", "_headers"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    /// 32 hex digits: `hex(BLAKE3(base64(bytes) ‖ ext))[..32]`.
    pub hash: String,
    pub size: u64,
    pub path: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Manifest {
    /// Keyed by `/`-path, e.g. `/docs/index.html`.
    pub entries: BTreeMap<String, ManifestEntry>,
}

impl Manifest {
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    pub fn total_bytes(&self) -> u64 {
        self.entries.values().map(|e| e.size).sum()
    }
    /// `(key, size)` of every file, for policy checks.
    pub fn files(&self) -> Vec<(String, u64)> {
        self.entries.iter().map(|(k, e)| (k.clone(), e.size)).collect()
    }
    /// The JSON manifest sent to the upload session.
    pub fn to_json(&self) -> serde_json::Value {
        let map: serde_json::Map<_, _> =
            self.entries.iter().map(|(k, e)| (k.clone(), serde_json::json!({"hash": e.hash, "size": e.size}))).collect();
        serde_json::Value::Object(map)
    }
    /// SHA-256 over the sorted `key hash size` lines: identifies the site.
    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        for (k, e) in &self.entries {
            h.update(format!("{k} {} {}\n", e.hash, e.size));
        }
        format!("sha256:{}", hex::encode(h.finalize()))
    }
}

fn extension(name: &str) -> &str {
    name.rsplit_once('.').map(|(_, e)| e).unwrap_or("")
}

/// wrangler's asset hash of in-memory bytes named `file_name`.
pub fn hash_bytes(bytes: &[u8], file_name: &str) -> String {
    let mut h = blake3::Hasher::new();
    h.update(STANDARD.encode(bytes).as_bytes());
    h.update(extension(file_name).as_bytes());
    h.finalize().to_hex()[..32].to_string()
}

fn hash_file(path: &Path) -> Result<(String, u64), Error> {
    let io = |source| Error::Io { path: path.display().to_string(), source };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut h = blake3::Hasher::new();
    let mut buf = vec![0u8; CHUNK];
    let mut size = 0u64;
    let mut encoded = String::new();
    loop {
        // Fill the buffer completely so only the final chunk can need padding.
        let mut filled = 0;
        while filled < CHUNK {
            let n = f.read(&mut buf[filled..]).map_err(io)?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        if filled == 0 {
            break;
        }
        size += filled as u64;
        encoded.clear();
        STANDARD.encode_string(&buf[..filled], &mut encoded);
        h.update(encoded.as_bytes());
        if filled < CHUNK {
            break;
        }
    }
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    h.update(extension(&name).as_bytes());
    Ok((h.finalize().to_hex()[..32].to_string(), size))
}

/// Walks `root`: regular files only (symlinks and special files skipped, so
/// nothing outside `root` is read), no dotfile or dot-directory unless
/// `.assetsignore` publishes it by name, `/`-separated keys, ignore rules
/// applied, sizes checked.
fn walk(root: &Path, opts: &AssetOptions) -> Result<Vec<(String, PathBuf, u64)>, Error> {
    let io = |p: &Path, source| Error::Io { path: p.display().to_string(), source };
    let meta = std::fs::metadata(root).map_err(|e| io(root, e))?;
    if !meta.is_dir() {
        return Err(Error::invalid("assets directory", format!("{} is not a directory", root.display())));
    }
    let ignore_file = root.join(".assetsignore");
    let ignore = match std::fs::read_to_string(&ignore_file) {
        Ok(text) => Some(Ignore::parse(&text)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(&ignore_file, e)),
    };
    if ignore.is_none() && root.join("_worker.js").exists() {
        return Err(Error::invalid(
            "assets",
            format!(
                "{} contains _worker.js, which would be uploaded as a public asset; add an .assetsignore (listing _worker.js) or move it",
                root.display()
            ),
        ));
    }
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| io(&dir, e))? {
            let entry = entry.map_err(|e| io(&dir, e))?;
            let path = entry.path();
            let ft = entry.file_type().map_err(|e| io(&path, e))?;
            let rel = relative_name(root, &path)?;
            let dotted = entry.file_name().to_string_lossy().starts_with('.');
            if ft.is_dir() {
                if !dotted || ignore.as_ref().is_some_and(Ignore::publishes_dot_paths) {
                    stack.push(path);
                }
                continue;
            }
            let private = rel.split('/').any(|seg| seg.starts_with('.')) && !ignore.as_ref().is_some_and(|i| i.publishes_dot_path(&rel));
            if !ft.is_file() || private || RESERVED.contains(&rel.as_str()) || ignore.as_ref().is_some_and(|i| i.is_ignored(&rel)) {
                continue;
            }
            let size = entry.metadata().map_err(|e| io(&path, e))?.len();
            let limit = opts.max_file_size.min(HARD_MAX_FILE_SIZE);
            if size > limit {
                return Err(Error::invalid(
                    "asset size",
                    format!("/{rel} is {size} bytes, over the {limit}-byte limit per asset; shrink or split it, or list it in .assetsignore"),
                ));
            }
            out.push((format!("/{rel}"), path, size));
            if out.len() > opts.max_files {
                return Err(Error::invalid(
                    "asset count",
                    format!(
                        "{} has more than {} files, the limit per deployment; list unneeded files in .assetsignore",
                        root.display(),
                        opts.max_files
                    ),
                ));
            }
        }
    }
    Ok(out)
}

/// Builds the manifest of `dir`, checking every local limit first.
pub async fn build_manifest(dir: &Path, opts: &AssetOptions, progress: &Progress) -> Result<Manifest, Error> {
    let root = dir.to_path_buf();
    let walk_opts = opts.clone();
    let files = tokio::task::spawn_blocking(move || walk(&root, &walk_opts))
        .await
        .map_err(|e| Error::protocol("assets", format!("walker failed: {e}")))??;
    let total = files.len() as u64;
    progress.emit(Phase::Hashing, 0, total);
    let done = std::sync::atomic::AtomicU64::new(0);
    let entries: Vec<(String, ManifestEntry)> = futures::stream::iter(files)
        .map(|(key, path, _)| async move {
            let p = path.clone();
            let (hash, size) = tokio::task::spawn_blocking(move || hash_file(&p))
                .await
                .map_err(|e| Error::protocol("assets", format!("hasher failed: {e}")))??;
            Ok::<_, Error>((key, ManifestEntry { hash, size, path }))
        })
        .buffer_unordered(opts.hash_concurrency.max(1))
        .inspect_ok(|_| {
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress.emit(Phase::Hashing, n, total);
        })
        .try_collect()
        .await?;
    Ok(Manifest { entries: entries.into_iter().collect() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("bp-assets-{tag}-{}-{}", std::process::id(), rand::random::<u32>()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn shared_hash_vectors() {
        let doc: serde_json::Value = serde_json::from_str(include_str!("../../../tests/fixtures/asset-hash-vectors.json")).unwrap();
        for v in doc["vectors"].as_array().unwrap() {
            let (name, content, want) = (v["file_name"].as_str().unwrap(), v["content"].as_str().unwrap(), v["hash"].as_str().unwrap());
            assert_eq!(hash_bytes(content.as_bytes(), name), want, "{name}");
            let dir = tempdir("vec");
            std::fs::write(dir.join(name), content).unwrap();
            assert_eq!(hash_file(&dir.join(name)).unwrap().0, want, "streamed {name}");
            std::fs::remove_dir_all(dir).unwrap();
        }
    }

    #[test]
    fn streaming_hash_equals_whole_buffer_hash_across_chunk_boundaries() {
        let dir = tempdir("stream");
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 2] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let p = dir.join(format!("f{len}.bin"));
            std::fs::write(&p, &bytes).unwrap();
            assert_eq!(hash_file(&p).unwrap(), (hash_bytes(&bytes, "x.bin"), len as u64), "len {len}");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn manifest_walks_ignores_and_enforces_limits() {
        let dir = tempdir("walk");
        std::fs::create_dir_all(dir.join("a/b")).unwrap();
        std::fs::write(dir.join("index.html"), "<h1>hi</h1>").unwrap();
        std::fs::write(dir.join("a/b/deep.css"), "body{}").unwrap();
        std::fs::write(dir.join("a/skip.map"), "{}").unwrap();
        std::fs::write(dir.join("_headers"), "/*\n  x-a: b\n").unwrap();
        std::fs::write(dir.join(".assetsignore"), "*.map\n").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.join("index.html"), dir.join("link.html")).unwrap();
        let opts = AssetOptions::default();
        let m = build_manifest(&dir, &opts, &Progress::none()).await.unwrap();
        assert_eq!(m.entries.keys().collect::<Vec<_>>(), ["/a/b/deep.css", "/index.html"]);
        assert_eq!(m.entries["/index.html"].size, 11);
        assert_eq!(m.digest(), build_manifest(&dir, &opts, &Progress::none()).await.unwrap().digest());

        let small = AssetOptions { max_file_size: 5, ..AssetOptions::default() };
        let e = build_manifest(&dir, &small, &Progress::none()).await.unwrap_err();
        assert!(e.to_string().contains("over the 5-byte limit"), "{e}");
        let few = AssetOptions { max_files: 1, ..AssetOptions::default() };
        let e = build_manifest(&dir, &few, &Progress::none()).await.unwrap_err();
        assert!(e.to_string().contains("more than 1 files"), "{e}");

        std::fs::remove_file(dir.join(".assetsignore")).unwrap();
        std::fs::write(dir.join("_worker.js"), "x").unwrap();
        let e = build_manifest(&dir, &opts, &Progress::none()).await.unwrap_err();
        assert!(e.to_string().contains("_worker.js"), "{e}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_backslash_in_a_file_name_stays_in_its_key() {
        // Found by tests/fuzz (asset_manifest): `a\b.html` was listed as `/a/b.html`, a key naming no file.
        let dir = tempdir("backslash");
        std::fs::write(dir.join("a\\b.html"), "x").unwrap();
        let m = build_manifest(&dir, &AssetOptions::default(), &Progress::none()).await.unwrap();
        assert_eq!(m.entries.keys().collect::<Vec<_>>(), ["/a\\b.html"]);
        std::fs::remove_dir_all(dir).unwrap();
    }
}

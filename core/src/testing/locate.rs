//! Where the emulator's programs are looked for, in order:
//! - `boardingpass-emulator`: an explicit path, `$BOARDINGPASS_EMULATOR`,
//!   beside the library this code is linked into (the wheel puts it beside
//!   `_native.abi3.so`, the npm platform package beside its `.node` file),
//!   beside the running executable, then `PATH`;
//! - workerd: an explicit path, `$BOARDINGPASS_WORKERD`, the npm `workerd`
//!   package in a `node_modules` above the working directory, the library or
//!   the executable, then `PATH`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::Error;

/// Environment variable naming the `boardingpass-emulator` binary.
pub const EMULATOR_ENV: &str = "BOARDINGPASS_EMULATOR";
/// Environment variable naming the workerd binary.
pub const WORKERD_ENV: &str = "BOARDINGPASS_WORKERD";

const EMULATOR_BIN: &str = "boardingpass-emulator";
const EMULATOR_HINT: &str = "it ships in the boardingpass-sdk wheel and in the boardingpass-sdk-linux-x64-gnu npm package; reinstall one of them, or set BOARDINGPASS_EMULATOR to the binary (`cargo install boardingpass-emulator` builds it)";
const WORKERD_HINT: &str = "install it with `npm install --save-dev workerd` in your project (or any directory above it), put `workerd` on PATH, or set BOARDINGPASS_WORKERD to the binary";
/// Where npm puts workerd, relative to a directory above the project.
const WORKERD_IN_NODE_MODULES: [&str; 2] = ["node_modules/.bin/workerd", "node_modules/@cloudflare/workerd-linux-64/bin/workerd"];

/// The `boardingpass-emulator` binary (see the module docs for the order).
pub fn locate_emulator(explicit: Option<&Path>) -> Result<PathBuf, Error> {
    let near = [library_dir(), exe_dir()].into_iter().flatten().collect::<Vec<_>>();
    find_emulator(explicit, std::env::var_os(EMULATOR_ENV), &near, std::env::var_os("PATH"))
}

/// The workerd binary (see the module docs for the order).
pub fn locate_workerd(explicit: Option<&Path>) -> Result<PathBuf, Error> {
    let roots = [std::env::current_dir().ok(), library_dir(), exe_dir()].into_iter().flatten().collect::<Vec<_>>();
    find_workerd(explicit, std::env::var_os(WORKERD_ENV), &roots, std::env::var_os("PATH"))
}

fn find_emulator(explicit: Option<&Path>, env: Option<OsString>, near: &[PathBuf], path: Option<OsString>) -> Result<PathBuf, Error> {
    if let Some(p) = given(explicit, env, EMULATOR_ENV, EMULATOR_BIN, EMULATOR_HINT) {
        return p;
    }
    near.iter()
        .map(|d| d.join(EMULATOR_BIN))
        .find(|p| p.is_file())
        .or_else(|| on_path(path, EMULATOR_BIN))
        .ok_or_else(|| not_found(EMULATOR_BIN, &format!("not beside the boardingpass library nor on PATH; {EMULATOR_HINT}")))
}

fn find_workerd(explicit: Option<&Path>, env: Option<OsString>, roots: &[PathBuf], path: Option<OsString>) -> Result<PathBuf, Error> {
    if let Some(p) = given(explicit, env, WORKERD_ENV, "workerd", WORKERD_HINT) {
        return p;
    }
    roots
        .iter()
        .flat_map(|r| r.ancestors())
        .flat_map(|d| WORKERD_IN_NODE_MODULES.map(|rel| d.join(rel)))
        .find(|p| p.is_file())
        .or_else(|| on_path(path, "workerd"))
        .ok_or_else(|| not_found("workerd", &format!("not in a node_modules above the working directory nor on PATH (the emulator runs deployed Workers in it); {WORKERD_HINT}")))
}

/// An explicit path, else the environment variable's; `None` when neither is set.
fn given(explicit: Option<&Path>, env: Option<OsString>, var: &str, what: &str, hint: &str) -> Option<Result<PathBuf, Error>> {
    let (p, origin) = match (explicit, env.filter(|v| !v.is_empty())) {
        (Some(p), _) => (p.to_path_buf(), "the given path".to_string()),
        (None, Some(v)) => (PathBuf::from(v), var.to_string()),
        (None, None) => return None,
    };
    Some(if p.is_file() { Ok(p) } else { Err(not_found(what, &format!("{origin} names {}, which is not a file; {hint}", p.display()))) })
}

fn on_path(path: Option<OsString>, name: &str) -> Option<PathBuf> {
    std::env::split_paths(&path?).map(|d| d.join(name)).find(|p| p.is_file())
}

fn not_found(what: &str, why: &str) -> Error {
    Error::Io { path: what.to_string(), source: std::io::Error::new(std::io::ErrorKind::NotFound, why.to_string()) }
}

fn exe_dir() -> Option<PathBuf> {
    std::env::current_exe().ok()?.parent().map(Path::to_path_buf)
}

/// The directory of the shared library (or executable) this code is linked
/// into: a Python extension or a Node addon ships the emulator beside itself.
#[cfg(unix)]
fn library_dir() -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    // SAFETY: dladdr only reads the address and fills `info`; dli_fname, when
    // set, is a NUL-terminated string owned by the loader.
    let found = unsafe { libc::dladdr(library_dir as *const libc::c_void, &mut info) };
    if found == 0 || info.dli_fname.is_null() {
        return None;
    }
    let name = unsafe { std::ffi::CStr::from_ptr(info.dli_fname) };
    let file = PathBuf::from(std::ffi::OsStr::from_bytes(name.to_bytes()));
    std::fs::canonicalize(&file).ok()?.parent().map(Path::to_path_buf)
}

#[cfg(not(unix))]
fn library_dir() -> Option<PathBuf> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"").unwrap();
    }

    fn message(e: Error) -> String {
        e.to_string()
    }

    #[test]
    fn workerd_order_is_explicit_env_node_modules_then_path() {
        let dir = tempfile::tempdir().unwrap();
        let (explicit, env, npm, bin) = (dir.path().join("x/workerd"), dir.path().join("e/workerd"), dir.path().join("proj/node_modules/.bin/workerd"), dir.path().join("bin/workerd"));
        for p in [&explicit, &env, &npm, &bin] {
            touch(p);
        }
        let roots = [dir.path().join("proj/src/deep")];
        let path = Some(OsString::from(dir.path().join("bin")));
        assert_eq!(find_workerd(Some(&explicit), Some(env.clone().into()), &roots, path.clone()).unwrap(), explicit);
        assert_eq!(find_workerd(None, Some(env.clone().into()), &roots, path.clone()).unwrap(), env);
        assert_eq!(find_workerd(None, Some(OsString::new()), &roots, path.clone()).unwrap(), npm, "an empty variable is unset");
        assert_eq!(find_workerd(None, None, &[dir.path().join("elsewhere")], path).unwrap(), bin);
    }

    #[test]
    fn missing_workerd_says_how_to_install_it() {
        let dir = tempfile::tempdir().unwrap();
        let e = find_workerd(None, None, &[dir.path().to_path_buf()], Some(OsString::from(dir.path()))).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Io);
        let text = message(e);
        assert!(text.contains("npm install --save-dev workerd") && text.contains(WORKERD_ENV), "{text}");
        let wrong = find_workerd(None, Some(dir.path().join("nope").into()), &[], None).unwrap_err().to_string();
        assert!(wrong.contains("BOARDINGPASS_WORKERD names") && wrong.contains("not a file"), "{wrong}");
    }

    #[test]
    fn emulator_is_found_beside_the_library_then_on_path() {
        let dir = tempfile::tempdir().unwrap();
        let (beside, bin) = (dir.path().join("pkg/boardingpass-emulator"), dir.path().join("bin/boardingpass-emulator"));
        touch(&beside);
        touch(&bin);
        let path = Some(OsString::from(dir.path().join("bin")));
        assert_eq!(find_emulator(None, None, &[dir.path().join("pkg")], path.clone()).unwrap(), beside);
        assert_eq!(find_emulator(None, None, &[dir.path().join("other")], path).unwrap(), bin);
        let e = find_emulator(None, None, &[], None).unwrap_err().to_string();
        assert!(e.contains("boardingpass-sdk") && e.contains(EMULATOR_ENV), "{e}");
    }

    #[test]
    fn the_library_dir_is_where_this_code_is_linked() {
        // In a test binary the code is linked into the executable itself.
        assert_eq!(library_dir(), exe_dir().and_then(|d| std::fs::canonicalize(d).ok()));
    }
}

//! Names of files inside a project as they are uploaded: the path relative
//! to a root, components joined by `/` whatever the platform. A backslash
//! is a file-name character on Unix, not a separator, so it is kept; a name
//! that is not UTF-8 is refused rather than replaced (two lossy names could
//! collide and publish one file under another's name).

use std::path::{Component, Path};

use crate::error::Error;

pub(crate) fn relative_name(root: &Path, path: &Path) -> Result<String, Error> {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut parts = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(part) => parts.push(part.to_str().ok_or_else(|| {
                Error::invalid("file name", format!("{} is not UTF-8; rename it", path.display()))
            })?),
            Component::CurDir => {}
            _ => return Err(Error::invalid("file name", format!("{} is not inside {}", path.display(), root.display()))),
        }
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_join_with_slashes_and_backslashes_stay_characters() {
        let root = Path::new("/p");
        assert_eq!(relative_name(root, Path::new("/p/a/b.js")).unwrap(), "a/b.js");
        // Found by tests/fuzz (asset_manifest): `a\b` became the key `/a/b`, naming no file.
        assert_eq!(relative_name(root, Path::new("/p/a\\b.html")).unwrap(), "a\\b.html");
        assert_eq!(relative_name(root, Path::new("/elsewhere/x")).unwrap_err().code(), "invalid_input");
    }

    #[cfg(unix)]
    #[test]
    fn a_name_that_is_not_utf8_is_refused() {
        use std::os::unix::ffi::OsStrExt;
        let path = Path::new("/p").join(std::ffi::OsStr::from_bytes(b"caf\xe9.html"));
        let e = relative_name(Path::new("/p"), &path).unwrap_err();
        assert!(e.to_string().contains("not UTF-8"), "{e}");
    }
}

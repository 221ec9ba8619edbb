//! Writing generated files: atomically (temp file + rename in the same
//! directory), only when the content changed, or checking without writing.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// What [`write()`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// The file did not exist and was created.
    Created(PathBuf),
    /// The file existed with other content and was replaced.
    Updated(PathBuf),
    /// The file already had this content; it was not touched.
    Unchanged(PathBuf),
}

impl std::fmt::Display for Written {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Written::Created(p) => write!(f, "created {}", p.display()),
            Written::Updated(p) => write!(f, "updated {}", p.display()),
            Written::Unchanged(p) => write!(f, "unchanged {}", p.display()),
        }
    }
}

/// Writes `contents` to `path` unless it already holds exactly that. The new
/// content goes to a temporary file beside `path` and is renamed over it, so
/// a reader (or a crash) never sees a half-written file.
pub fn write(path: &Path, contents: &str) -> Result<Written> {
    let existing = read_if_exists(path)?;
    if existing.as_deref().map(normalize) == Some(normalize(contents)) {
        return Ok(Written::Unchanged(path.to_path_buf()));
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(dir, e))?;
    temp.write_all(contents.as_bytes())
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| Error::io(temp.path(), e))?;
    temp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(match existing {
        Some(_) => Written::Updated(path.to_path_buf()),
        None => Written::Created(path.to_path_buf()),
    })
}

/// The result of [`check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The file matches.
    UpToDate,
    /// The file is missing.
    Missing,
    /// The file differs; the unified diff from the file to what it should be.
    Stale(String),
}

/// Compares `path` with `expected` without writing anything. Line endings
/// are normalized so a CRLF checkout is not reported as stale.
pub fn check(path: &Path, expected: &str) -> Result<Check> {
    let Some(actual) = read_if_exists(path)? else {
        return Ok(Check::Missing);
    };
    let (actual, expected) = (normalize(&actual), normalize(expected));
    if actual == expected {
        return Ok(Check::UpToDate);
    }
    let name = path.display().to_string();
    let diff = similar::TextDiff::from_lines(&actual, &expected)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{name} (checked in)"),
            &format!("{name} (generated)"),
        )
        .to_string();
    Ok(Check::Stale(diff))
}

fn read_if_exists(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

fn normalize(text: &str) -> String {
    text.replace("\r\n", "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_once_then_reports_unchanged_and_checks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/out.rs");
        assert_eq!(check(&path, "a\n").unwrap(), Check::Missing);
        assert_eq!(write(&path, "a\n").unwrap(), Written::Created(path.clone()));
        assert_eq!(
            write(&path, "a\n").unwrap(),
            Written::Unchanged(path.clone())
        );
        assert_eq!(check(&path, "a\n").unwrap(), Check::UpToDate);
        std::fs::write(&path, "a\r\n").unwrap();
        assert_eq!(check(&path, "a\n").unwrap(), Check::UpToDate);
        match check(&path, "b\n").unwrap() {
            Check::Stale(diff) => {
                assert!(diff.contains("-a\n+b\n"), "{diff}");
                assert!(diff.contains("(checked in)"), "{diff}");
            }
            other => panic!("expected stale, got {other:?}"),
        }
        assert_eq!(write(&path, "b\n").unwrap(), Written::Updated(path.clone()));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "b\n");
        // No temporary files are left behind.
        let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1);
    }

    #[test]
    fn unwritable_target_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "x").unwrap();
        let err = write(&blocker.join("out.rs"), "a").unwrap_err().to_string();
        assert!(err.contains("file"), "{err}");
    }
}

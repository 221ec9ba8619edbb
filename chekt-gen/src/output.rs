//! Writing generated files: as one set (every file of a `gen` run is
//! written, or none), only when the content changed, keeping each file's
//! mode, or checking without writing.
//!
//! [`write_set`] stages every changed file as `.<name>.chekt-gen-new` beside
//! its target (synced), then records the set in a journal
//! ([`JOURNAL`], synced) — the commit point — renames the staged files over
//! their targets and removes the journal. A run killed before the commit
//! point leaves the old files (its staged files are removed by the next
//! run); one killed after it is completed by the next run (of `write_set`
//! or [`recover`]) before anything else, so the set ends all new. Staged
//! names are fixed, so a kill never leaves a `.tmpXXXXXX` behind.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The journal of a set being committed, in the directory of the set's
/// first file: one target path per line.
pub const JOURNAL: &str = ".chekt-gen-commit";

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

/// Writes `contents` to `path` unless it already holds exactly that (a set
/// of one; see [`write_set`]).
pub fn write(path: &Path, contents: &str) -> Result<Written> {
    let mut written = write_set(&[(path.to_path_buf(), contents.to_string())])?;
    written
        .pop()
        .ok_or_else(|| Error::io(path, std::io::Error::other("nothing written")))
}

/// Writes every `(path, contents)` whose file does not already hold exactly
/// that, as one set (see the module docs). A file replaced keeps its mode;
/// a new one is `0644` on Unix.
pub fn write_set(files: &[(PathBuf, String)]) -> Result<Vec<Written>> {
    let Some((first, _)) = files.first() else {
        return Ok(Vec::new());
    };
    let targets: Vec<PathBuf> = files.iter().map(|(path, _)| path.clone()).collect();
    check_targets(&targets, &[])?;
    recover(&targets)?;
    let journal = dir_of(first).join(JOURNAL);
    let mut staged = Vec::new();
    let mut written = Vec::new();
    for (path, contents) in files {
        if same_contents(path, contents)? {
            written.push(Written::Unchanged(path.clone()));
            continue;
        }
        let existed = path.exists();
        staged.push((stage(path, contents)?, path.clone()));
        written.push(if existed {
            Written::Updated(path.clone())
        } else {
            Written::Created(path.clone())
        });
    }
    if staged.is_empty() {
        return Ok(written);
    }
    // Absolute, so a later run from another directory completes the set.
    let list: String = staged
        .iter()
        .map(|(_, target)| {
            std::path::absolute(target)
                .map(|path| format!("{}\n", path.display()))
                .map_err(|e| Error::io(target, e))
        })
        .collect::<Result<_>>()?;
    write_synced(&journal, list.as_bytes())?;
    for (from, to) in &staged {
        std::fs::rename(from, to).map_err(|e| Error::io(to, e))?;
    }
    std::fs::remove_file(&journal).map_err(|e| Error::io(&journal, e))?;
    Ok(written)
}

/// Refuses, before anything is read or written, a set that would replace
/// something other than a regular file of its own: a target that is a
/// directory, device, FIFO or socket (renaming over `/dev/full` replaced the
/// device; opening a FIFO to compare it blocked forever), a symbolic link
/// (the rename would replace the link and leave the file it names stale),
/// one of the run's `inputs` (`--out` naming the spec overwrote it), the
/// same file twice, or a path the journal cannot list (not UTF-8, or with a
/// line break).
pub fn check_targets(targets: &[PathBuf], inputs: &[&Path]) -> Result<()> {
    let refuse =
        |path: &Path, why: &str| Err(Error::io(path, std::io::Error::other(why.to_string())));
    let same_file = |a: &Path, b: &Path| match (std::fs::canonicalize(a), std::fs::canonicalize(b))
    {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    for (i, target) in targets.iter().enumerate() {
        match std::fs::symlink_metadata(target) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return refuse(
                    target,
                    "is a symbolic link; generated files are replaced, not written through links: name the file it points to",
                );
            }
            Ok(meta) if !meta.is_file() => {
                return refuse(
                    target,
                    "is not a regular file (a directory, device, FIFO or socket); refusing to replace it",
                );
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(target, e)),
        }
        if target.to_str().is_none_or(|t| t.contains('\n')) {
            // The journal lists one target per line, as text.
            return refuse(
                target,
                "is not a UTF-8 path without line breaks; refusing to write it",
            );
        }
        if inputs.iter().any(|input| same_file(target, input)) {
            return refuse(
                target,
                "is an input of this run (the spec or its lint config); refusing to overwrite it",
            );
        }
        if targets[..i]
            .iter()
            .any(|earlier| same_file(target, earlier))
        {
            return refuse(target, "is named twice in one set of outputs");
        }
    }
    Ok(())
}

/// Completes a set of `targets` that a killed run committed but did not
/// finish (the journal is in the first target's directory), and removes
/// the staged files of a run killed before its commit point.
/// [`write_set`] does this first.
pub fn recover(targets: &[PathBuf]) -> Result<()> {
    if let Some(first) = targets.first() {
        recover_journal(&dir_of(first).join(JOURNAL))?;
    }
    for target in targets {
        remove_if_exists(&staged_path(target))?;
    }
    Ok(())
}

fn recover_journal(journal: &Path) -> Result<()> {
    match std::fs::read_to_string(journal) {
        Ok(list) => {
            for target in list.lines().filter(|l| !l.is_empty()).map(PathBuf::from) {
                let from = staged_path(&target);
                if from.exists() {
                    std::fs::rename(&from, &target).map_err(|e| Error::io(&target, e))?;
                }
            }
            std::fs::remove_file(journal).map_err(|e| Error::io(journal, e))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(journal, e)),
    }
}

fn remove_if_exists(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// `dir/.name.chekt-gen-new` for `dir/name`.
fn staged_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir_of(path).join(format!(".{name}.chekt-gen-new"))
}

fn dir_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Writes the staged copy of `path` with `path`'s mode (0644 when new).
fn stage(path: &Path, contents: &str) -> Result<PathBuf> {
    let dir = dir_of(path);
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let staged = staged_path(path);
    write_synced(&staged, contents.as_bytes())?;
    let permissions = match std::fs::metadata(path) {
        Ok(meta) => Some(meta.permissions()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => new_file_permissions(&staged)?,
        Err(e) => return Err(Error::io(path, e)),
    };
    if let Some(permissions) = permissions {
        std::fs::set_permissions(&staged, permissions).map_err(|e| Error::io(&staged, e))?;
    }
    Ok(staged)
}

#[cfg(unix)]
fn new_file_permissions(_: &Path) -> Result<Option<std::fs::Permissions>> {
    use std::os::unix::fs::PermissionsExt;
    Ok(Some(std::fs::Permissions::from_mode(0o644)))
}

#[cfg(not(unix))]
fn new_file_permissions(_: &Path) -> Result<Option<std::fs::Permissions>> {
    Ok(None)
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(path, e))
}

/// Whether `path` holds `contents` (line endings normalized), reading at
/// most twice `contents`' length of it: a larger file differs anyway.
fn same_contents(path: &Path, contents: &str) -> Result<bool> {
    Ok(read_bounded(path, contents.len())?
        .is_some_and(|existing| existing.is_some_and(|e| normalize(&e) == normalize(contents))))
}

/// `Ok(None)`: no such file; `Ok(Some(None))`: longer than `2 * expected +
/// 1` bytes or not UTF-8 (so not what we would write); else its text.
fn read_bounded(path: &Path, expected: usize) -> Result<Option<Option<String>>> {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => {
            return Err(Error::io(
                path,
                std::io::Error::other("is not a regular file; refusing to read it"),
            ));
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let limit = expected.saturating_mul(2).saturating_add(1);
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() > limit {
        return Ok(Some(None));
    }
    Ok(Some(String::from_utf8(bytes).ok()))
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
    let actual = match read_bounded(path, expected.len())? {
        None => return Ok(Check::Missing),
        Some(None) => {
            return Ok(Check::Stale(format!(
                "{} is much larger than the generated code, or not UTF-8; not diffed",
                path.display()
            )));
        }
        Some(Some(actual)) => actual,
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

fn normalize(text: &str) -> String {
    text.replace("\r\n", "\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(unix)]
    use std::os::unix::fs::FileTypeExt;

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
    fn staged_files_of_a_run_killed_early_are_removed_and_big_files_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.rs");
        write(&path, "a\n").unwrap();
        // Killed after staging, before the journal: the old file stands.
        std::fs::write(dir.path().join(".out.rs.chekt-gen-new"), "b\n").unwrap();
        assert_eq!(
            write(&path, "a\n").unwrap(),
            Written::Unchanged(path.clone())
        );
        assert!(!dir.path().join(".out.rs.chekt-gen-new").exists());
        // A file far larger than the output is reported, not read whole.
        std::fs::write(&path, "x".repeat(1 << 20)).unwrap();
        assert_eq!(
            check(&path, "a\n").unwrap(),
            Check::Stale(format!(
                "{} is much larger than the generated code, or not UTF-8; not diffed",
                path.display()
            ))
        );
        assert_eq!(write(&path, "a\n").unwrap(), Written::Updated(path.clone()));
    }

    /// A FIFO blocked the comparison forever and `/dev/full` was replaced by
    /// a regular file; a link was replaced instead of written through.
    #[cfg(unix)]
    #[test]
    fn targets_other_than_own_regular_files_are_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("socket.rs");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        let real = dir.path().join("real.rs");
        std::fs::write(&real, "old\n").unwrap();
        let link = dir.path().join("link.rs");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let spec = dir.path().join("api.yaml");
        std::fs::write(&spec, "openapi: 3.0.3\n").unwrap();
        let message = |targets: &[PathBuf], inputs: &[&Path]| {
            check_targets(targets, inputs).unwrap_err().to_string()
        };
        assert_eq!(
            write(&socket, "a\n").unwrap_err().to_string(),
            format!(
                "{}: is not a regular file (a directory, device, FIFO or socket); refusing to replace it",
                socket.display()
            )
        );
        assert!(
            check(&socket, "a\n")
                .unwrap_err()
                .to_string()
                .ends_with("is not a regular file; refusing to read it")
        );
        assert!(message(&[dir.path().to_path_buf()], &[]).contains("is not a regular file"));
        assert_eq!(
            write(&link, "a\n").unwrap_err().to_string(),
            format!(
                "{}: is a symbolic link; generated files are replaced, not written through links: name the file it points to",
                link.display()
            )
        );
        assert_eq!(
            message(&[dir.path().join("x.rs"), spec.clone()], &[&spec]),
            format!(
                "{}: is an input of this run (the spec or its lint config); refusing to overwrite it",
                spec.display()
            )
        );
        assert!(
            message(&[real.clone(), dir.path().join("./real.rs")], &[])
                .ends_with("is named twice in one set of outputs")
        );
        // Nothing was written: the set stops before staging.
        let err = write_set(&[
            (dir.path().join("new.rs"), "a\n".into()),
            (socket.clone(), "a\n".into()),
        ]);
        assert!(err.is_err());
        assert!(!dir.path().join("new.rs").exists());
        assert!(!dir.path().join(".new.rs.chekt-gen-new").exists());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "old\n");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(
            std::fs::symlink_metadata(&socket)
                .unwrap()
                .file_type()
                .is_socket()
        );
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

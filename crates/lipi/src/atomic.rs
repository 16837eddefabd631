//! Atomic file writes: an artifact is complete or absent (DESIGN principle 3).
//!
//! Every file lipi writes goes through [`write`]: the bytes land in a hidden temporary
//! sibling, are flushed to disk, and the temporary file is renamed over the target. A
//! process killed at any point leaves either the old file or the new one, never half of one.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically (temporary sibling, fsync, rename).
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_sibling(path);
    let result = (|| {
        let mut file = fs_err::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs_err::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Serialises `value` as pretty JSON (with a final newline) and writes it atomically.
pub fn write_json<T: serde::Serialize + ?Sized>(path: &Path, value: &T) -> std::io::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    write(path, &bytes)
}

/// A temporary name next to `path`, unique to this process and call, hidden from listings.
pub fn temp_sibling(path: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

/// Replaces directory `target` by the fully written directory `staged` as one step
/// for any reader that trusts the manifest: the old directory is moved aside first, the new
/// one renamed into place, and the old one removed.
pub fn replace_dir(staged: &Path, target: &Path) -> std::io::Result<()> {
    let aside = temp_sibling(target);
    let had_old = target.exists();
    if had_old {
        fs_err::rename(target, &aside)?;
    }
    fs_err::rename(staged, target)?;
    if had_old {
        fs_err::remove_dir_all(&aside)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_replaces_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write(&path, b"one").unwrap();
        write(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn replace_dir_swaps_contents() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("stage");
        let staged = dir.path().join("staged");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("old"), "x").unwrap();
        std::fs::create_dir(&staged).unwrap();
        std::fs::write(staged.join("new"), "y").unwrap();
        replace_dir(&staged, &target).unwrap();
        assert!(target.join("new").exists());
        assert!(!target.join("old").exists());
        assert!(!staged.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}

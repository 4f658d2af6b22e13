//! Disk space as a resource the daemon waits for, not a reason to fail: which I/O errors mean
//! "the disk is full or failing" (`ENOSPC`, `EDQUOT`, `EIO`), how much space is free
//! (`statvfs`), and the free-space floor (`[limits] min_free_bytes`) checked before each
//! benchmark write and each simulation's artifacts. A step that meets either returns
//! [`crate::session::StepResult::ResourceWait`]; [`crate::session::advance`] keeps the session
//! where it is and spends no attempt, and the daemon pauses admission until the space returns.

use std::path::{Path, PathBuf};

/// The disk a write needed was full, over quota or failing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("disk full at {path} ({}): {cause}", free_text(*.free_bytes))]
pub struct Shortage {
    /// The folder or file the write was for.
    pub path: PathBuf,
    /// Free bytes on its filesystem when seen (for an unprivileged user), when readable.
    pub free_bytes: Option<u64>,
    /// What was seen: the I/O error, or the floor that was crossed.
    pub cause: String,
}

impl Shortage {
    /// A shortage seen as the I/O error `error` while writing `path`.
    pub fn from_io(path: &Path, error: &std::io::Error) -> Self {
        Self {
            path: path.to_path_buf(),
            free_bytes: free_bytes(path).ok(),
            cause: error.to_string(),
        }
    }

    /// The reason `status` shows while paused: `disk full at <path>`.
    pub fn reason(&self) -> String {
        format!("disk full at {}", self.path.display())
    }
}

fn free_text(free: Option<u64>) -> String {
    match free {
        Some(b) => format!("{} bytes free", b),
        None => "free space unknown".into(),
    }
}

/// True for the I/O errors of a full, over-quota or failing disk: `ENOSPC` (28), `EDQUOT`
/// (122) and `EIO` (5). These are waits: the same write succeeds once space returns.
pub fn is_resource_error(error: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(
        error.kind(),
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded
    ) || matches!(
        error.raw_os_error(),
        Some(libc::ENOSPC) | Some(libc::EDQUOT) | Some(libc::EIO)
    )
}

/// The first resource error in `error`'s chain of sources, if any.
pub fn resource_source<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a std::io::Error> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if is_resource_error(io) {
                return Some(io);
            }
        }
        current = e.source();
    }
    None
}

/// Bytes free for an unprivileged writer on the filesystem holding `path` (or its nearest
/// existing ancestor, so a folder not yet created can be asked about).
pub fn free_bytes(path: &Path) -> std::io::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let mut at = path;
    while !at.exists() {
        match at.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => at = parent,
            _ => {
                at = Path::new(".");
                break;
            }
        }
    }
    let c_path = std::ffi::CString::new(at.as_os_str().as_bytes())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    // SAFETY: `stat` is a plain C struct that statvfs fills; zeroed is a valid value for it,
    // and `c_path` is a NUL-terminated string that outlives the call.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    #[allow(clippy::unnecessary_cast)] // The field types differ between libc targets.
    Ok(stat.f_bavail as u64 * stat.f_frsize as u64)
}

/// Checks the free-space floor before writing under `path`: `Err` when fewer than
/// `min_free_bytes` are free (the write is not even tried). An unreadable free space passes:
/// the write itself then tells.
pub fn check_floor(path: &Path, min_free_bytes: u64) -> Result<(), Shortage> {
    match free_bytes(path) {
        Ok(free) if free < min_free_bytes => Err(Shortage {
            path: path.to_path_buf(),
            free_bytes: Some(free),
            cause: format!(
                "below the free-space floor of {min_free_bytes} bytes (limits.min_free_bytes)"
            ),
        }),
        _ => Ok(()),
    }
}

/// The floor in force (`[limits] min_free_bytes`, see [`crate::limits::current`]).
pub fn check_current_floor(path: &Path) -> Result<(), Shortage> {
    check_floor(path, crate::limits::current().min_free_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_quota_and_io_errors_are_resource_errors_and_others_are_not() {
        for code in [libc::ENOSPC, libc::EDQUOT, libc::EIO] {
            assert!(is_resource_error(&std::io::Error::from_raw_os_error(code)));
        }
        assert!(is_resource_error(&std::io::Error::from(
            std::io::ErrorKind::StorageFull
        )));
        assert!(!is_resource_error(&std::io::Error::from_raw_os_error(
            libc::ENOENT
        )));
        assert!(!is_resource_error(&std::io::Error::from(
            std::io::ErrorKind::PermissionDenied
        )));
    }

    #[test]
    fn free_space_is_read_and_the_floor_checked_for_a_folder_not_yet_made() {
        let dir = std::env::temp_dir().join("bf-disk-floor-does-not-exist/yet");
        let free = free_bytes(&dir).unwrap();
        assert!(free > 0);
        assert!(check_floor(&dir, 1).is_ok());
        let short = check_floor(&dir, u64::MAX).unwrap_err();
        assert!(short.free_bytes.is_some());
        assert_eq!(short.reason(), format!("disk full at {}", dir.display()));
        assert!(short.to_string().contains("bytes free"), "{short}");
    }
}

//! The status snapshot file `<data_dir>/status.json`: sled locks its files, so `benchforge
//! status` reads this instead while the daemon runs. The store fills the counts; the
//! daemon's [`crate::status::StatusBoard`] adds its state, heartbeat, pause and errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::agents::Usage;
use crate::status::{DaemonState, ErrorRecord};

/// The status snapshot `benchforge status` reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatusSnapshot {
    /// When written, ms since the epoch.
    pub updated_unix_ms: u64,
    /// Themes queued so far.
    pub themes: usize,
    /// Sessions per stage name.
    pub sessions_per_stage: BTreeMap<String, usize>,
    /// Sessions not yet admitted.
    pub queue_length: usize,
    /// Accepted benchmarks.
    pub accepted: usize,
    /// Rejected themes (sessions).
    pub rejected: usize,
    /// Failed sessions.
    pub failed: usize,
    /// What the agents used over all sessions.
    pub usage: Usage,
    /// The newest error not yet cleared, if any (kind, message, time).
    #[serde(default, deserialize_with = "lenient")]
    pub last_error: Option<ErrorRecord>,
    /// Every error not yet cleared, oldest first (one per kind).
    #[serde(default)]
    pub errors: Vec<ErrorRecord>,
    /// The process id of the daemon that wrote it.
    pub daemon_pid: u32,
    /// Running, or stopped by a clean exit.
    #[serde(default)]
    pub state: DaemonState,
    /// When the daemon started, ms since the epoch.
    #[serde(default)]
    pub started_unix_ms: u64,
    /// The daemon's last heartbeat, ms since the epoch.
    #[serde(default)]
    pub heartbeat_unix_ms: u64,
    /// When the daemon exited cleanly, ms since the epoch.
    #[serde(default)]
    pub stopped_unix_ms: Option<u64>,
    /// Why admission is paused (e.g. `disk full at <path>`), when it is.
    #[serde(default)]
    pub paused: Option<String>,
    /// The themes the Planner refused, newest first (at most [`REFUSED_SHOWN`]), each with
    /// its refusal line.
    #[serde(default)]
    pub refused: Vec<RefusedTheme>,
}

/// Most refused themes the snapshot lists.
pub const REFUSED_SHOWN: usize = 20;

/// A theme the Planner refused, as the status shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefusedTheme {
    /// The theme in words.
    pub theme: String,
    /// The refusal line (`<code>: <reason>`).
    pub reason: String,
    /// How many of its sessions were refused.
    pub sessions: usize,
}

/// An error record, or nothing when the file holds an older shape (a bare string).
fn lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<ErrorRecord>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(value).ok())
}

/// Where the status snapshot of `data_dir` lives.
pub fn status_snapshot_path(data_dir: &Path) -> PathBuf {
    data_dir.join("status.json")
}

/// Writes `snapshot` to `path` (temp file + rename, so a reader never sees half). On a full
/// disk, where no new file fits, it overwrites the existing file in place instead: the
/// status must still say the daemon is paused, and the old file's blocks hold the new text.
pub fn write_status_file(path: &Path, snapshot: &StatusSnapshot) -> Result<(), StoreError> {
    let err = |e: std::io::Error| StoreError::Snapshot {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let tmp = path.with_extension("json.tmp");
    let text = serde_json::to_string_pretty(snapshot).map_err(|e| StoreError::Snapshot {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    match std::fs::write(&tmp, &text) {
        Ok(()) => std::fs::rename(&tmp, path).map_err(err),
        Err(e) if crate::disk::is_resource_error(&e) && path.is_file() => {
            let _ = std::fs::remove_file(&tmp);
            overwrite_in_place(path, text.as_bytes()).map_err(err)
        }
        Err(e) => Err(err(e)),
    }
}

/// Writes `bytes` over the file at `path` without allocating a new file.
fn overwrite_in_place(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
    file.write_all(bytes)?;
    file.set_len(bytes.len() as u64)?;
    file.sync_all()
}

/// Reads the status snapshot of `data_dir`.
pub fn read_snapshot(data_dir: &Path) -> Result<StatusSnapshot, StoreError> {
    let path = status_snapshot_path(data_dir);
    let err = |message: String| StoreError::Snapshot {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        err(format!(
            "{e} (has a daemon run with this data dir? pass --data-dir)"
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| err(e.to_string()))
}

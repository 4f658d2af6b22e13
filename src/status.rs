//! A status that cannot lie. The daemon holds an exclusive lock on `<data_dir>/daemon.lock`
//! for as long as it runs (the kernel drops it when the process dies, however it dies), so a
//! second daemon on the same data folder is refused with the first one's pid. It writes the
//! status file (`status.json`, see [`crate::store::StatusSnapshot`]) on every checkpoint and
//! at least every [`BEAT_INTERVAL`] as a heartbeat, with its pid, its start time, whether it
//! is paused and why, and the errors it met with their kind and time; an error is cleared when
//! the same kind of work next succeeds. A clean exit writes `state: stopped` with the time.
//!
//! `benchforge status` then tells apart, from the file and the process table alone:
//! `running`, `stopped (clean exit at …)` and `dead (no heartbeat since …, pid … gone)`.
//!
//! The status lives in files, not in the sled store: it must stay writable and readable
//! while the store is locked, busy or on a full disk.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::session::now_unix_ms;
use crate::store::{read_snapshot, status_snapshot_path, StatusSnapshot, Store, StoreError};

/// How often the running daemon rewrites its heartbeat, at most.
pub const BEAT_INTERVAL: Duration = Duration::from_secs(2);

/// A heartbeat older than this, from a live pid, is reported as late.
pub const LATE_AFTER: Duration = Duration::from_secs(15);

/// The lock file of a data folder.
pub fn lock_path(data_dir: &Path) -> PathBuf {
    data_dir.join("daemon.lock")
}

/// The data folder is taken or cannot be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another daemon holds the lock.
    #[error("data dir {data_dir} is in use by another benchforge daemon (pid {pid}): stop it first (kill -TERM {pid}) or give this run another data_dir")]
    InUse {
        /// The data folder.
        data_dir: String,
        /// The holder's pid, as it wrote it (`?` when unreadable).
        pid: String,
    },
    /// The lock file cannot be opened or locked.
    #[error("lock file {path}: {source}")]
    Io {
        /// The lock file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// The exclusive lock on a data folder, held until dropped (or until the process dies).
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    /// Takes the lock of `data_dir` (creating the folder), writing this process's pid into
    /// the lock file; refuses when another process holds it.
    pub fn acquire(data_dir: &Path) -> Result<DataDirLock, LockError> {
        let path = lock_path(data_dir);
        let io = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        std::fs::create_dir_all(data_dir).map_err(io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        // SAFETY: flock on a file descriptor this function owns; no memory is involved.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
                let mut pid = String::new();
                let _ = file.read_to_string(&mut pid);
                let pid = pid.trim();
                return Err(LockError::InUse {
                    data_dir: data_dir.display().to_string(),
                    pid: if pid.is_empty() {
                        "?".into()
                    } else {
                        pid.into()
                    },
                });
            }
            return Err(io(err));
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        file.write_all(format!("{}\n", std::process::id()).as_bytes())
            .map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(DataDirLock { _file: file })
    }
}

/// True when a process with `pid` exists.
pub fn pid_alive(pid: u32) -> bool {
    if pid == 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let rc = unsafe { libc::kill(pid as libc::pid_t, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// What kind of work an error came from; the error clears when that kind next succeeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Recording a checkpoint in the store.
    Checkpoint,
    /// Writing a benchmark into the dataset.
    Persist,
    /// Reading an edited config file.
    Config,
    /// A session ended failed (cleared by the next accepted benchmark).
    Session,
    /// A full or failing disk (cleared when the pause ends).
    Disk,
}

impl ErrorKind {
    /// The kind's name in the status file and the log.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Checkpoint => "checkpoint",
            ErrorKind::Persist => "persist",
            ErrorKind::Config => "config",
            ErrorKind::Session => "session",
            ErrorKind::Disk => "disk",
        }
    }
}

/// An error the daemon met and has not yet seen its kind of work succeed after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorRecord {
    /// What kind of work failed.
    pub kind: ErrorKind,
    /// What happened.
    pub message: String,
    /// When, ms since the epoch.
    pub unix_ms: u64,
}

/// Whether the daemon that wrote a status file was still running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DaemonState {
    /// Running (as of the heartbeat).
    #[default]
    Running,
    /// Exited cleanly.
    Stopped,
}

#[derive(Debug, Default)]
struct Board {
    started_unix_ms: u64,
    paused: Option<String>,
    errors: Vec<ErrorRecord>,
    /// The last counts read from the store, kept for when it cannot be read.
    last: StatusSnapshot,
}

/// The daemon's side of the status: pause, errors, start time; the single writer of
/// `status.json` (one mutex, so the Persister's and the heartbeat's writes never interleave).
#[derive(Debug)]
pub struct StatusBoard {
    path: PathBuf,
    board: Mutex<Board>,
}

impl StatusBoard {
    /// The board of a daemon starting now on `data_dir`. Errors the previous run left
    /// uncleared are carried over: they stand until their kind of work succeeds.
    pub fn new(data_dir: &Path) -> Self {
        let previous = read_snapshot(data_dir).ok();
        let errors = previous
            .as_ref()
            .map(|s| s.errors.clone())
            .unwrap_or_default();
        Self {
            path: status_snapshot_path(data_dir),
            board: Mutex::new(Board {
                started_unix_ms: now_unix_ms(),
                paused: None,
                errors,
                last: previous.unwrap_or_default(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Board> {
        self.board.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records an error of `kind` (replacing an older one of the same kind).
    pub fn error(&self, kind: ErrorKind, message: impl Into<String>) {
        let mut board = self.lock();
        board.errors.retain(|e| e.kind != kind);
        board.errors.push(ErrorRecord {
            kind,
            message: message.into(),
            unix_ms: now_unix_ms(),
        });
    }

    /// Work of `kind` succeeded: its error, if any, is cleared (and the clearing logged).
    pub fn succeeded(&self, kind: ErrorKind) {
        let mut board = self.lock();
        if let Some(at) = board.errors.iter().position(|e| e.kind == kind) {
            let cleared = board.errors.remove(at);
            tracing::info!(kind = kind.name(), error = %cleared.message, "error cleared: the same kind of work succeeded");
        }
    }

    /// The uncleared errors, oldest first.
    pub fn errors(&self) -> Vec<ErrorRecord> {
        self.lock().errors.clone()
    }

    /// Sets or clears the pause reason shown by `status`.
    pub fn set_paused(&self, reason: Option<String>) {
        self.lock().paused = reason;
    }

    /// The pause reason, when paused.
    pub fn paused(&self) -> Option<String> {
        self.lock().paused.clone()
    }

    /// Writes `status.json` now: the store's counts (the last ones read, when the store
    /// cannot be read) and the daemon's state, pause and errors.
    pub fn write(&self, store: &Store, state: DaemonState) -> Result<StatusSnapshot, StoreError> {
        let counts = store.status();
        let mut board = self.lock();
        let mut snapshot = match counts {
            Ok(s) => s,
            Err(e) => {
                tracing::debug!(error = %e, "store counts unreadable; status keeps the last ones");
                board.last.clone()
            }
        };
        let now = now_unix_ms();
        snapshot.updated_unix_ms = now;
        snapshot.heartbeat_unix_ms = now;
        snapshot.daemon_pid = std::process::id();
        snapshot.started_unix_ms = board.started_unix_ms;
        snapshot.state = state;
        snapshot.stopped_unix_ms = (state == DaemonState::Stopped).then_some(now);
        snapshot.paused = board.paused.clone();
        snapshot.errors = board.errors.clone();
        snapshot.last_error = board.errors.last().cloned();
        board.last = snapshot.clone();
        crate::store::write_status_file(&self.path, &snapshot)?;
        Ok(snapshot)
    }
}

/// What `status` concludes about the daemon from its status file and the process table.
#[derive(Debug, Clone, PartialEq)]
pub enum Liveness {
    /// Its pid is alive and its heartbeat fresh.
    Running {
        /// Heartbeat age.
        beat_age: Duration,
    },
    /// Its pid is alive but its heartbeat is older than [`LATE_AFTER`].
    Late {
        /// Heartbeat age.
        beat_age: Duration,
    },
    /// It exited cleanly at this time (ms since the epoch).
    Stopped {
        /// When.
        at_unix_ms: u64,
    },
    /// The file says running, but the pid is gone: it died (SIGKILL, crash, power).
    Dead {
        /// Its last heartbeat (ms since the epoch).
        last_beat_unix_ms: u64,
    },
}

/// Judges `snapshot` at `now_unix_ms` with `alive` telling whether a pid exists.
pub fn liveness(snapshot: &StatusSnapshot, now_ms: u64, alive: impl Fn(u32) -> bool) -> Liveness {
    if snapshot.state == DaemonState::Stopped {
        return Liveness::Stopped {
            at_unix_ms: snapshot.stopped_unix_ms.unwrap_or(snapshot.updated_unix_ms),
        };
    }
    let beat = snapshot.heartbeat_unix_ms.max(snapshot.updated_unix_ms);
    if !alive(snapshot.daemon_pid) {
        return Liveness::Dead {
            last_beat_unix_ms: beat,
        };
    }
    let beat_age = Duration::from_millis(now_ms.saturating_sub(beat));
    if beat_age > LATE_AFTER {
        Liveness::Late { beat_age }
    } else {
        Liveness::Running { beat_age }
    }
}

/// `unix_ms` as an RFC 3339 UTC time, to the second (`2026-01-31T12:00:00Z`).
pub fn utc(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_times_are_civil_dates() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_767_225_599_000), "2025-12-31T23:59:59Z");
    }

    #[test]
    fn liveness_tells_running_late_stopped_and_dead_apart() {
        let mut s = StatusSnapshot {
            daemon_pid: 42,
            heartbeat_unix_ms: 10_000,
            updated_unix_ms: 10_000,
            ..StatusSnapshot::default()
        };
        assert_eq!(
            liveness(&s, 11_000, |_| true),
            Liveness::Running {
                beat_age: Duration::from_secs(1)
            }
        );
        assert!(matches!(
            liveness(&s, 40_000, |_| true),
            Liveness::Late { .. }
        ));
        assert_eq!(
            liveness(&s, 11_000, |_| false),
            Liveness::Dead {
                last_beat_unix_ms: 10_000
            }
        );
        s.state = DaemonState::Stopped;
        s.stopped_unix_ms = Some(12_000);
        assert_eq!(
            liveness(&s, 99_000, |_| false),
            Liveness::Stopped { at_unix_ms: 12_000 }
        );
    }

    #[test]
    fn an_error_clears_when_its_kind_of_work_next_succeeds() {
        let dir = std::env::temp_dir().join(format!("bf-board-{}", std::process::id()));
        let board = StatusBoard::new(&dir);
        board.error(ErrorKind::Config, "config edit ignored: x.toml:3: bad");
        board.error(ErrorKind::Persist, "disk on fire");
        board.succeeded(ErrorKind::Checkpoint);
        assert_eq!(board.errors().len(), 2);
        board.succeeded(ErrorKind::Persist);
        let left = board.errors();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].kind, ErrorKind::Config);
        assert!(left[0].unix_ms > 0);
    }

    #[test]
    fn a_second_lock_on_a_data_dir_is_refused_with_the_holder_pid() {
        let dir = std::env::temp_dir().join(format!("bf-lock-{}", std::process::id()));
        let first = DataDirLock::acquire(&dir).unwrap();
        let e = DataDirLock::acquire(&dir).unwrap_err();
        assert!(
            e.to_string().contains(&format!(
                "in use by another benchforge daemon (pid {})",
                std::process::id()
            )),
            "{e}"
        );
        drop(first);
        DataDirLock::acquire(&dir).unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }
}

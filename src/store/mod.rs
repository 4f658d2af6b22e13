//! The crash-safe store: sled at `<data_dir>/state` holding the theme queue and one
//! checkpoint per session (bincode 2 via serde, each record tagged with its format version).
//! Every write is one sled transaction followed by `flush`, so a checkpoint that was
//! acknowledged survives a crash (sled alone only flushes every 500 ms).
//!
//! The store stays fast for weeks: sessions are indexed by stage (`by_stage`, written in the
//! same transaction as the record), and the per-stage counts and the usage total are kept in
//! `meta`, so admission, resume and status read only what they need, never all of history.
//!
//! Only the Persister writes here; every other part of the daemon asks it.

mod snapshot;
mod themes;
pub mod versioning;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sled::transaction::{
    ConflictableTransactionError, TransactionError, TransactionalTree, UnabortableTransactionError,
};
use sled::Transactional;

pub use snapshot::{read_snapshot, status_snapshot_path, write_status_file, StatusSnapshot};
pub use themes::{ThemeReconcile, WantedTheme};
pub use versioning::FORMAT_VERSION;

use crate::agents::Usage;
use crate::fault::{self, FaultPoint};
pub use crate::session::{now_unix_ms, Session, Stage, StageKind, ThemeSpec};

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// sled failed (I/O, corruption, locked by another process).
    #[error("state store at {path}: {message} (is another benchforge using this data dir?)")]
    Sled {
        /// The store's folder.
        path: String,
        /// sled's own words.
        message: String,
    },
    /// A record could not be encoded or decoded.
    #[error("state store record {key}: {message}")]
    Codec {
        /// The record's key.
        key: String,
        /// What failed.
        message: String,
    },
    /// The store was written by a newer benchforge; reading it could misread it.
    #[error("state store at {path} has format version {found}, but this benchforge reads versions up to {supported}: use a newer benchforge or another data dir")]
    TooNew {
        /// The store's folder.
        path: String,
        /// The version on disk.
        found: u32,
        /// The newest version this build reads.
        supported: u32,
    },
    /// The session changed since the caller read it: its result is stale and was dropped.
    #[error("session {id} is at revision {stored}, not {expected}: stale result dropped")]
    Stale {
        /// The session.
        id: String,
        /// The revision the caller started from.
        expected: u64,
        /// The revision in the store.
        stored: u64,
    },
    /// No session with that id.
    #[error("no session {0} in the state store")]
    UnknownSession(String),
    /// The store's disk is full, over quota or failing: a wait, not a failure (see
    /// [`StoreError::shortage`]).
    #[error("state store at {path}: {source}")]
    Disk {
        /// The store's folder.
        path: String,
        /// The I/O error (`ENOSPC`, `EDQUOT` or `EIO`).
        source: std::io::Error,
    },
    /// A test fault fired.
    #[error("{0}")]
    Injected(String),
    /// The status snapshot could not be written or read.
    #[error("status snapshot {path}: {message}")]
    Snapshot {
        /// The snapshot file.
        path: String,
        /// What failed.
        message: String,
    },
}

impl StoreError {
    /// The disk shortage behind this error, when it is one: the checkpoint can be recorded
    /// once space returns.
    pub fn shortage(&self) -> Option<crate::disk::Shortage> {
        match self {
            StoreError::Disk { path, source } => Some(crate::disk::Shortage::from_io(
                std::path::Path::new(path),
                source,
            )),
            _ => None,
        }
    }
}

/// A theme in the queue and the sessions made from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeRecord {
    /// The theme.
    pub spec: ThemeSpec,
    /// Its sessions' ids.
    pub sessions: Vec<String>,
    /// When it was queued.
    pub queued_unix_ms: u64,
}

/// What [`Store::queue_theme`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueOutcome {
    /// The theme key.
    pub theme_key: String,
    /// False when the theme was already queued (nothing changed).
    pub newly_queued: bool,
    /// The theme's sessions.
    pub sessions: Vec<String>,
}

/// Encodes `value` as a record of the current format: one version byte, then bincode.
pub(crate) fn encode<T: Serialize>(key: &str, value: &T) -> Result<Vec<u8>, StoreError> {
    let mut bytes = vec![FORMAT_VERSION as u8];
    bincode::serde::encode_into_std_write(value, &mut bytes, bincode::config::standard()).map_err(
        |e| StoreError::Codec {
            key: key.to_string(),
            message: e.to_string(),
        },
    )?;
    Ok(bytes)
}

/// Decodes a record of the current format (see [`encode`]).
pub(crate) fn decode<T: for<'de> Deserialize<'de>>(
    key: &str,
    bytes: &[u8],
) -> Result<T, StoreError> {
    let codec = |message: String| StoreError::Codec {
        key: key.to_string(),
        message,
    };
    match bytes.first() {
        Some(&v) if u32::from(v) == FORMAT_VERSION => {
            bincode::serde::decode_from_slice(&bytes[1..], bincode::config::standard())
                .map(|(v, _)| v)
                .map_err(|e| codec(e.to_string()))
        }
        Some(&v) => Err(codec(format!(
            "record of format version {v}, expected {FORMAT_VERSION} (the store was not migrated)"
        ))),
        None => Err(codec("empty record".into())),
    }
}

/// Key of a session in the stage index: stage code, creation time (big-endian, so keys sort
/// oldest first), id.
pub(crate) fn stage_key(kind: StageKind, created_unix_ms: u64, id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(9 + id.len());
    key.push(kind.code());
    key.extend_from_slice(&created_unix_ms.to_be_bytes());
    key.extend_from_slice(id.as_bytes());
    key
}

/// Key of a stage's session count in `meta`.
fn count_key(kind: StageKind) -> String {
    format!("count.{}", kind.name())
}

const USAGE_KEY: &str = "usage_total";

/// The sled trees one write touches.
pub(crate) struct Trees<'a> {
    sessions: &'a TransactionalTree,
    by_stage: &'a TransactionalTree,
    meta: &'a TransactionalTree,
}

pub(crate) type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

pub(crate) fn tx_abort(e: StoreError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e)
}

impl Trees<'_> {
    pub(crate) fn add_count(
        &self,
        kind: StageKind,
        delta: i64,
    ) -> Result<(), UnabortableTransactionError> {
        let key = count_key(kind);
        let now = self
            .meta
            .get(key.as_bytes())?
            .and_then(|v| v.as_ref().try_into().ok().map(u64::from_be_bytes))
            .unwrap_or(0);
        let next = now.saturating_add_signed(delta);
        self.meta.insert(key.as_bytes(), &next.to_be_bytes())?;
        Ok(())
    }

    pub(crate) fn add_usage(&self, delta: Usage, sign: f64) -> TxResult<()> {
        let mut total: Usage = match self.meta.get(USAGE_KEY)? {
            Some(bytes) => decode(USAGE_KEY, &bytes).map_err(tx_abort)?,
            None => Usage::default(),
        };
        if sign >= 0.0 {
            total += delta;
        } else {
            total.calls = total.calls.saturating_sub(delta.calls);
            total.input_tokens = total.input_tokens.saturating_sub(delta.input_tokens);
            total.output_tokens = total.output_tokens.saturating_sub(delta.output_tokens);
            total.cost_usd = (total.cost_usd - delta.cost_usd).max(0.0);
        }
        self.meta
            .insert(USAGE_KEY, encode(USAGE_KEY, &total).map_err(tx_abort)?)?;
        Ok(())
    }

    /// Writes `session` as a new record (no previous version): record, index entry, count,
    /// usage.
    pub(crate) fn insert_new(&self, session: &Session) -> TxResult<()> {
        let bytes = encode(&session.id, session).map_err(tx_abort)?;
        self.sessions.insert(session.id.as_bytes(), bytes)?;
        self.by_stage.insert(
            stage_key(session.stage.kind(), session.created_unix_ms, &session.id),
            &[],
        )?;
        self.add_count(session.stage.kind(), 1)?;
        self.add_usage(session.usage, 1.0)
    }

    /// Replaces `old` by `new` (same id): record, index entry, counts, usage.
    pub(crate) fn replace(&self, old: &Session, new: &Session) -> TxResult<()> {
        let bytes = encode(&new.id, new).map_err(tx_abort)?;
        self.sessions.insert(new.id.as_bytes(), bytes)?;
        let (from, to) = (old.stage.kind(), new.stage.kind());
        if from != to {
            self.by_stage
                .remove(stage_key(from, old.created_unix_ms, &old.id))?;
            self.by_stage
                .insert(stage_key(to, new.created_unix_ms, &new.id), &[])?;
            self.add_count(from, -1)?;
            self.add_count(to, 1)?;
        }
        if old.usage != new.usage {
            self.add_usage(old.usage, -1.0)?;
            self.add_usage(new.usage, 1.0)?;
        }
        Ok(())
    }
}

/// The store's page cache, in bytes.
pub const STORE_CACHE_BYTES: u64 = 32 * 1024 * 1024;

/// Free bytes the store's disk must have before a store whose write failed for lack of
/// space is reopened: room for sled's next log segment and a few checkpoints.
const REOPEN_MIN_FREE_BYTES: u64 = 4 * 1024 * 1024;

/// How long a reopen waits for reads already in flight to let go of the old handles.
const REOPEN_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// sled's handles of one opening of the store.
pub(crate) struct Handles {
    db: sled::Db,
    pub(crate) sessions: sled::Tree,
    pub(crate) by_stage: sled::Tree,
    pub(crate) themes: sled::Tree,
    pub(crate) meta: sled::Tree,
}

/// How long an open waits for sled's file lock, which a just-dropped opening of the same
/// store (this process's own: another daemon is refused by `status::DataDirLock` first) may
/// hold for a moment while sled's background threads finish.
const OPEN_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

impl Handles {
    fn open(path: &Path) -> Result<Handles, sled::Error> {
        // A bounded page cache: sled's default (1 GiB) lets a weeks-long daemon's memory
        // wander with what it last read; the hot data (index, counters, open sessions) is
        // small.
        let started = std::time::Instant::now();
        let db = loop {
            let config = sled::Config::new()
                .path(path)
                .cache_capacity(STORE_CACHE_BYTES);
            match config.open() {
                // sled says so as an `Other` error naming the lock.
                Err(sled::Error::Io(e))
                    if e.to_string().contains("could not acquire lock")
                        && started.elapsed() < OPEN_LOCK_WAIT =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                other => break other?,
            }
        };
        Ok(Handles {
            sessions: db.open_tree("sessions")?,
            by_stage: db.open_tree("by_stage")?,
            themes: db.open_tree("themes")?,
            meta: db.open_tree("meta")?,
            db,
        })
    }
}

/// The open store.
///
/// sled keeps the error of a failed log write (a full disk) for as long as it stays open:
/// every later write fails with it. So such an error marks the store `stale`, and the next
/// write first reopens it ([`Store::reopen_if_stale`]) once its disk has room again; what
/// sled had flushed before is all there, and the failed write is retried by its caller.
pub struct Store {
    path: PathBuf,
    snapshot_path: PathBuf,
    handles: std::sync::RwLock<Option<std::sync::Arc<Handles>>>,
    stale: std::sync::atomic::AtomicBool,
}

impl Store {
    /// Opens (or creates) the store under `data_dir`, migrating a store written by an older
    /// benchforge (one log line per migration) and refusing one written by a newer one.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        let path = data_dir.join("state");
        let sled_err = |e: sled::Error| StoreError::Sled {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::Sled {
            path: data_dir.display().to_string(),
            message: e.to_string(),
        })?;
        let handles = Handles::open(&path).map_err(sled_err)?;
        let store = Store {
            snapshot_path: status_snapshot_path(data_dir),
            path,
            handles: std::sync::RwLock::new(Some(std::sync::Arc::new(handles))),
            stale: std::sync::atomic::AtomicBool::new(false),
        };
        versioning::upgrade(&store)?;
        Ok(store)
    }

    /// The current sled handles.
    pub(crate) fn h(&self) -> Result<std::sync::Arc<Handles>, StoreError> {
        self.handles
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
            .ok_or_else(|| StoreError::Sled {
                path: self.path.display().to_string(),
                message:
                    "the store could not be reopened after its disk filled; restart the daemon"
                        .into(),
            })
    }

    /// True when a write failed for lack of space and the store has not been reopened since.
    pub fn is_stale(&self) -> bool {
        self.stale.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Reopens the store when a write failed for lack of space ([`Store::is_stale`]) and its
    /// disk has room again (at least [`REOPEN_MIN_FREE_BYTES`]); a no-op otherwise. While the
    /// disk is still short this is the same [`StoreError::Disk`] a write would give, so the
    /// caller keeps waiting.
    pub fn reopen_if_stale(&self) -> Result<(), StoreError> {
        use std::sync::atomic::Ordering;
        if !self.is_stale() {
            return Ok(());
        }
        let disk_err = |source: std::io::Error| StoreError::Disk {
            path: self.path.display().to_string(),
            source,
        };
        let free = crate::disk::free_bytes(&self.path).map_err(disk_err)?;
        if free < REOPEN_MIN_FREE_BYTES {
            return Err(disk_err(std::io::Error::from_raw_os_error(28)));
        }
        let mut slot = self
            .handles
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !self.is_stale() {
            return Ok(()); // Another caller reopened it meanwhile.
        }
        // sled's file lock is held until every handle is gone: wait for reads in flight
        // (they hold a clone of the handles, never the lock) to finish.
        let mut old = slot.take();
        let waited = std::time::Instant::now();
        while let Some(arc) = old.take() {
            match std::sync::Arc::try_unwrap(arc) {
                Ok(handles) => drop(handles),
                Err(arc) if waited.elapsed() < REOPEN_WAIT => {
                    old = Some(arc);
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(arc) => {
                    *slot = Some(arc);
                    return Err(self.sled_err("reads in flight kept the store open; will retry"));
                }
            }
        }
        match Handles::open(&self.path) {
            Ok(handles) => {
                *slot = Some(std::sync::Arc::new(handles));
                self.stale.store(false, Ordering::Release);
                tracing::info!(path = %self.path.display(), free_bytes = free, "state store reopened after its disk filled");
                Ok(())
            }
            Err(e) => Err(self.storage_err(e)),
        }
    }

    pub(crate) fn sled_err(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError::Sled {
            path: self.path.display().to_string(),
            message: e.to_string(),
        }
    }

    /// sled's error as a store error: a full or failing disk becomes [`StoreError::Disk`].
    pub(crate) fn storage_err(&self, e: sled::Error) -> StoreError {
        match e {
            sled::Error::Io(source) if crate::disk::is_resource_error(&source) => {
                // sled keeps this error until it is reopened.
                self.stale.store(true, std::sync::atomic::Ordering::Release);
                StoreError::Disk {
                    path: self.path.display().to_string(),
                    source,
                }
            }
            other => self.sled_err(other),
        }
    }

    pub(crate) fn flush(&self) -> Result<(), StoreError> {
        fault::hit(FaultPoint::StoreBeforeFlush).map_err(StoreError::Injected)?;
        self.h()?.db.flush().map_err(|e| self.storage_err(e))?;
        Ok(())
    }

    /// A transaction's outcome as a store error.
    pub(crate) fn tx_result<T>(
        &self,
        result: Result<T, TransactionError<StoreError>>,
    ) -> Result<T, StoreError> {
        match result {
            Ok(v) => Ok(v),
            Err(TransactionError::Abort(e)) => Err(e),
            Err(TransactionError::Storage(e)) => Err(self.storage_err(e)),
        }
    }

    /// Runs `f` as one transaction over the session record, the stage index and `meta`.
    pub(crate) fn transaction<T>(
        &self,
        f: impl Fn(&Trees) -> TxResult<T>,
    ) -> Result<T, StoreError> {
        let h = self.h()?;
        self.tx_result((&h.sessions, &h.by_stage, &h.meta).transaction(
            |(sessions, by_stage, meta)| {
                f(&Trees {
                    sessions,
                    by_stage,
                    meta,
                })
            },
        ))
    }

    /// Runs `f` as one transaction over the theme queue as well as the session records, the
    /// stage index and `meta` (`f` gets the themes tree and the other three).
    pub(crate) fn transaction_with_themes<T>(
        &self,
        f: impl Fn(&TransactionalTree, &Trees) -> TxResult<T>,
    ) -> Result<T, StoreError> {
        let h = self.h()?;
        self.tx_result((&h.themes, &h.sessions, &h.by_stage, &h.meta).transaction(
            |(themes, sessions, by_stage, meta)| {
                f(
                    themes,
                    &Trees {
                        sessions,
                        by_stage,
                        meta,
                    },
                )
            },
        ))
    }

    /// Queues `spec` once: when a theme with the same content is already queued nothing
    /// changes; otherwise the theme and its `count` queued sessions are written in one
    /// transaction and flushed.
    pub fn queue_theme(&self, spec: &ThemeSpec) -> Result<QueueOutcome, StoreError> {
        self.reopen_if_stale()?;
        let h = self.h()?;
        let key = spec.key();
        if let Some(bytes) = h.themes.get(&key).map_err(|e| self.sled_err(e))? {
            let record: ThemeRecord = decode(&key, &bytes)?;
            return Ok(QueueOutcome {
                theme_key: key,
                newly_queued: false,
                sessions: record.sessions,
            });
        }
        let sessions: Vec<Session> = (0..spec.count).map(|i| Session::new(spec, i)).collect();
        let record = ThemeRecord {
            spec: spec.clone(),
            sessions: sessions.iter().map(|s| s.id.clone()).collect(),
            queued_unix_ms: now_unix_ms(),
        };
        let theme_bytes = encode(&key, &record)?;
        fault::hit(FaultPoint::QueueThemeBeforeWrite).map_err(StoreError::Injected)?;
        let newly_queued = self.transaction_with_themes(|themes, trees| {
            if themes.get(key.as_bytes())?.is_some() {
                return Ok(false);
            }
            themes.insert(key.as_bytes(), theme_bytes.clone())?;
            for session in &sessions {
                trees.insert_new(session)?;
            }
            Ok(true)
        })?;
        self.flush()?;
        Ok(QueueOutcome {
            theme_key: key,
            newly_queued,
            sessions: record.sessions,
        })
    }

    /// The session `id`.
    pub fn session(&self, id: &str) -> Result<Session, StoreError> {
        let bytes = self
            .h()?
            .sessions
            .get(id)
            .map_err(|e| self.sled_err(e))?
            .ok_or_else(|| StoreError::UnknownSession(id.to_string()))?;
        decode(id, &bytes)
    }

    /// Records `next` as the new checkpoint of its session, atomically and only if the stored
    /// revision is still `next.revision` (the one the caller read), then flushes. The stage
    /// index, the stage counts and the usage total change in the same transaction. Returns
    /// the stored session with its revision bumped.
    pub fn commit(&self, next: &Session) -> Result<Session, StoreError> {
        self.reopen_if_stale()?;
        let mut stored = next.clone();
        stored.revision = next.revision + 1;
        stored.updated_unix_ms = now_unix_ms();
        // As a full disk: `enospc` (and `error`) here is the store's disk full.
        fault::hit_io(FaultPoint::CommitBeforeWrite).map_err(|source| StoreError::Disk {
            path: self.path.display().to_string(),
            source,
        })?;
        let id = next.id.clone();
        let expected = next.revision;
        self.transaction(|trees| {
            let current = trees
                .sessions
                .get(id.as_bytes())?
                .ok_or_else(|| tx_abort(StoreError::UnknownSession(id.clone())))?;
            let current: Session = decode(&id, &current).map_err(tx_abort)?;
            if current.revision != expected {
                return Err(tx_abort(StoreError::Stale {
                    id: id.clone(),
                    expected,
                    stored: current.revision,
                }));
            }
            trees.replace(&current, &stored)
        })?;
        fault::hit(FaultPoint::CommitBeforeFlush).map_err(StoreError::Injected)?;
        self.flush()?;
        fault::hit(FaultPoint::CommitAfterFlush).map_err(StoreError::Injected)?;
        Ok(stored)
    }

    /// Every session, in id order. Reads all of history: for tests, tools and migrations,
    /// never on the daemon's hot path.
    pub fn sessions(&self) -> Result<Vec<Session>, StoreError> {
        let mut out = Vec::new();
        for item in self.h()?.sessions.iter() {
            let (key, bytes) = item.map_err(|e| self.sled_err(e))?;
            out.push(decode(&String::from_utf8_lossy(&key), &bytes)?);
        }
        Ok(out)
    }

    /// The ids of the sessions at `kind`, oldest first, at most `limit` (from the index).
    pub fn ids_at(&self, kind: StageKind, limit: usize) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        for item in self.h()?.by_stage.scan_prefix([kind.code()]).take(limit) {
            let (key, _) = item.map_err(|e| self.sled_err(e))?;
            out.push(String::from_utf8_lossy(&key[9..]).into_owned());
        }
        Ok(out)
    }

    /// The sessions waiting at `kind`, oldest first (from the index: reads only those).
    pub fn waiting_at(&self, kind: StageKind) -> Result<Vec<Session>, StoreError> {
        self.ids_at(kind, usize::MAX)?
            .iter()
            .map(|id| self.session(id))
            .collect()
    }

    /// How many sessions are at `kind` (from the counters: O(1)).
    pub fn count_at(&self, kind: StageKind) -> Result<u64, StoreError> {
        Ok(self
            .h()?
            .meta
            .get(count_key(kind))
            .map_err(|e| self.sled_err(e))?
            .and_then(|v| v.as_ref().try_into().ok().map(u64::from_be_bytes))
            .unwrap_or(0))
    }

    /// Sessions admitted and not finished.
    pub fn open_count(&self) -> Result<u64, StoreError> {
        let mut n = 0;
        for kind in StageKind::ALL.into_iter().filter(|k| k.is_open()) {
            n += self.count_at(kind)?;
        }
        Ok(n)
    }

    /// Every theme record.
    pub fn themes(&self) -> Result<Vec<ThemeRecord>, StoreError> {
        let mut out = Vec::new();
        for item in self.h()?.themes.iter() {
            let (key, bytes) = item.map_err(|e| self.sled_err(e))?;
            out.push(decode(&String::from_utf8_lossy(&key), &bytes)?);
        }
        Ok(out)
    }

    /// The counts as of now: O(1) in the number of sessions (counters and totals only).
    pub fn status(&self) -> Result<StatusSnapshot, StoreError> {
        let mut snapshot = StatusSnapshot {
            updated_unix_ms: now_unix_ms(),
            themes: self.h()?.themes.len(),
            daemon_pid: std::process::id(),
            ..StatusSnapshot::default()
        };
        for kind in StageKind::ALL {
            snapshot
                .sessions_per_stage
                .insert(kind.name().into(), self.count_at(kind)? as usize);
        }
        let count = |k: StageKind| snapshot.sessions_per_stage[k.name()];
        snapshot.queue_length = count(StageKind::Queued);
        snapshot.accepted = count(StageKind::Accepted);
        snapshot.rejected = count(StageKind::Rejected);
        snapshot.failed = count(StageKind::Failed);
        snapshot.usage = match self
            .h()?
            .meta
            .get(USAGE_KEY)
            .map_err(|e| self.sled_err(e))?
        {
            Some(bytes) => decode(USAGE_KEY, &bytes)?,
            None => Usage::default(),
        };
        snapshot.refused = self.refused_themes()?;
        Ok(snapshot)
    }

    /// The newest refused themes (at most [`snapshot::REFUSED_SHOWN`], from the stage index:
    /// reads only the newest refused sessions, whatever the store holds).
    fn refused_themes(&self) -> Result<Vec<snapshot::RefusedTheme>, StoreError> {
        let mut out: Vec<snapshot::RefusedTheme> = Vec::new();
        let h = self.h()?;
        let newest = h
            .by_stage
            .scan_prefix([StageKind::Rejected.code()])
            .rev()
            .take(4 * snapshot::REFUSED_SHOWN);
        for item in newest {
            let (key, _) = item.map_err(|e| self.sled_err(e))?;
            let id = String::from_utf8_lossy(&key[9..]).into_owned();
            let Ok(session) = self.session(&id) else {
                continue;
            };
            let Stage::Rejected { reason } = &session.stage else {
                continue;
            };
            let full = out.len() >= snapshot::REFUSED_SHOWN;
            match out.iter_mut().find(|r| r.theme == session.theme.prompt) {
                Some(r) => r.sessions += 1,
                None if !full => out.push(snapshot::RefusedTheme {
                    theme: session.theme.prompt.clone(),
                    reason: reason.clone(),
                    sessions: 1,
                }),
                None => {}
            }
        }
        Ok(out)
    }

    /// Writes the status snapshot file with the store's counts only (temp file + rename, so
    /// a reader never sees half). The daemon writes it through its
    /// [`crate::status::StatusBoard`] instead, which adds its state and errors.
    pub fn write_snapshot(&self) -> Result<StatusSnapshot, StoreError> {
        let snapshot = self.status()?;
        snapshot::write_status_file(&self.snapshot_path, &snapshot)?;
        Ok(snapshot)
    }

    /// The store as text, one line per record and index entry, for snapshot tests: every
    /// tree, in key order, with volatile fields (times) left out.
    pub fn dump(&self) -> Result<String, StoreError> {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "format_version {}",
            versioning::stored_version(self)?.unwrap_or(0)
        );
        for theme in self.themes()? {
            let _ = writeln!(
                out,
                "theme {} count={} sessions={}",
                theme.spec.key(),
                theme.spec.count,
                theme.sessions.join(",")
            );
        }
        for s in self.sessions()? {
            let _ = writeln!(
                out,
                "session {} rev={} stage={} plans={} scripts={} reviews={}",
                s.id,
                s.revision,
                s.stage.kind().name(),
                s.attempts.plans,
                s.attempts.scripts,
                s.reviews.len()
            );
        }
        for item in self.h()?.by_stage.iter() {
            let (key, _) = item.map_err(|e| self.sled_err(e))?;
            let kind = StageKind::ALL
                .into_iter()
                .find(|k| k.code() == key[0])
                .map(|k| k.name())
                .unwrap_or("?");
            let _ = writeln!(
                out,
                "by_stage {kind} {}",
                String::from_utf8_lossy(&key[9..])
            );
        }
        for kind in StageKind::ALL {
            let n = self.count_at(kind)?;
            if n > 0 {
                let _ = writeln!(out, "count {} {n}", kind.name());
            }
        }
        Ok(out)
    }

    /// Checks that the index and the counters agree with the records (tests and migrations):
    /// every session has exactly one index entry, at its stage, and every count is right.
    pub fn check_consistency(&self) -> Result<(), String> {
        let sessions = self.sessions().map_err(|e| e.to_string())?;
        let mut expected: Vec<Vec<u8>> = sessions
            .iter()
            .map(|s| stage_key(s.stage.kind(), s.created_unix_ms, &s.id))
            .collect();
        expected.sort();
        let mut found = Vec::new();
        for item in self.h().map_err(|e| e.to_string())?.by_stage.iter() {
            found.push(item.map_err(|e| e.to_string())?.0.to_vec());
        }
        if expected != found {
            return Err(format!(
                "stage index has {} entries for {} sessions, or at the wrong stage",
                found.len(),
                sessions.len()
            ));
        }
        for kind in StageKind::ALL {
            let n = sessions.iter().filter(|s| s.stage.kind() == kind).count() as u64;
            let counted = self.count_at(kind).map_err(|e| e.to_string())?;
            if n != counted {
                return Err(format!(
                    "count of {} is {counted}, records say {n}",
                    kind.name()
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;

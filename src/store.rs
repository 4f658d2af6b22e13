//! The crash-safe store: sled at `<data_dir>/state` holding the theme queue and one
//! checkpoint per session (bincode 2 via serde). Every write is one sled transaction followed
//! by `flush`, so a checkpoint that was acknowledged survives a crash (sled alone only flushes
//! every 500 ms). The store also keeps a status snapshot file next to it, because sled locks
//! its files and `benchforge status` must read while the daemon runs.
//!
//! Only the Persister writes here; every other part of the daemon asks it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;

use crate::fault;
use crate::variant::ScaleRanges;

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

/// Where a session is in the pipeline. A session "waits at" a stage until the actor owning
/// that stage has recorded its output together with the advance to the next stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    /// Queued, not yet admitted (the daemon keeps at most `concurrency` sessions open).
    Queued,
    /// Waiting for the Planner.
    Planning,
    /// Waiting for the Coder; `attempt` counts scripts written for the current plan (1-based).
    Coding {
        /// Attempt number for the current plan.
        attempt: u32,
    },
    /// Waiting for the Simulator to run the gates on the script of `attempt`.
    Simulating {
        /// Attempt number for the current plan.
        attempt: u32,
    },
    /// Waiting for the Reviewer; `round` counts reviews of this session (1-based).
    Reviewing {
        /// Review round.
        round: u32,
    },
    /// Approved; waiting for the Persister to write the benchmark.
    Persisting,
    /// Written to the dataset at `path`.
    Accepted {
        /// The benchmark folder.
        path: String,
    },
    /// The theme cannot be built (the Planner refused it).
    Rejected {
        /// Why.
        reason: String,
    },
    /// Gave up: attempts exhausted or an agent kept failing.
    Failed {
        /// Why.
        reason: String,
    },
}

/// The stage without its numbers: what an actor asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageKind {
    /// See [`Stage::Queued`].
    Queued,
    /// See [`Stage::Planning`].
    Planning,
    /// See [`Stage::Coding`].
    Coding,
    /// See [`Stage::Simulating`].
    Simulating,
    /// See [`Stage::Reviewing`].
    Reviewing,
    /// See [`Stage::Persisting`].
    Persisting,
    /// See [`Stage::Accepted`].
    Accepted,
    /// See [`Stage::Rejected`].
    Rejected,
    /// See [`Stage::Failed`].
    Failed,
}

impl StageKind {
    /// Every kind, in pipeline order.
    pub const ALL: [StageKind; 9] = [
        StageKind::Queued,
        StageKind::Planning,
        StageKind::Coding,
        StageKind::Simulating,
        StageKind::Reviewing,
        StageKind::Persisting,
        StageKind::Accepted,
        StageKind::Rejected,
        StageKind::Failed,
    ];

    /// The lowercase name used in logs and status.
    pub fn name(self) -> &'static str {
        match self {
            StageKind::Queued => "queued",
            StageKind::Planning => "planning",
            StageKind::Coding => "coding",
            StageKind::Simulating => "simulating",
            StageKind::Reviewing => "reviewing",
            StageKind::Persisting => "persisting",
            StageKind::Accepted => "accepted",
            StageKind::Rejected => "rejected",
            StageKind::Failed => "failed",
        }
    }
}

impl Stage {
    /// The stage's kind.
    pub fn kind(&self) -> StageKind {
        match self {
            Stage::Queued => StageKind::Queued,
            Stage::Planning => StageKind::Planning,
            Stage::Coding { .. } => StageKind::Coding,
            Stage::Simulating { .. } => StageKind::Simulating,
            Stage::Reviewing { .. } => StageKind::Reviewing,
            Stage::Persisting => StageKind::Persisting,
            Stage::Accepted { .. } => StageKind::Accepted,
            Stage::Rejected { .. } => StageKind::Rejected,
            Stage::Failed { .. } => StageKind::Failed,
        }
    }

    /// True once the session is over (accepted, rejected or failed).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Stage::Accepted { .. } | Stage::Rejected { .. } | Stage::Failed { .. }
        )
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stage::Coding { attempt } => write!(f, "coding {attempt}"),
            Stage::Simulating { attempt } => write!(f, "simulating {attempt}"),
            Stage::Reviewing { round } => write!(f, "reviewing {round}"),
            Stage::Accepted { path } => write!(f, "accepted ({path})"),
            Stage::Rejected { reason } => write!(f, "rejected ({reason})"),
            Stage::Failed { reason } => write!(f, "failed ({reason})"),
            other => f.write_str(other.kind().name()),
        }
    }
}

/// One theme of the queue, as the config (or `generate`) states it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeSpec {
    /// The free-text theme.
    pub prompt: String,
    /// How many benchmarks to make from it.
    pub count: u32,
    /// The seeds every variant check runs on (empty: `0..gates.seeds` of the config).
    pub seeds: Vec<u64>,
    /// Per-axis scale ranges overriding the plan's, if any.
    pub scale: Option<ScaleRanges>,
    /// Optional difficulty tier label.
    pub tier: Option<String>,
    /// Where the theme came from: `config` for the theme queue (so re-reading the same theme
    /// never queues it twice), `generate-<unix ms>` for a one-off `generate` run.
    pub origin: String,
}

impl ThemeSpec {
    /// The theme's content key: the same content always gives the same key.
    pub fn key(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        let digest = Sha256::digest(json.as_bytes());
        digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
    }
}

/// The plan as the Planner wrote it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanRecord {
    /// The typed plan as JSON (kept as text so the store does not depend on the plan types).
    pub json: String,
    /// `plan.md`.
    pub markdown: String,
    /// `todo.md`.
    pub todo_md: String,
    /// The planner's difficulty estimate in [0, 1], if any.
    pub difficulty: Option<f64>,
}

/// The scene script of the current attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScriptRecord {
    /// The script defining `build(seed, scale)` (and maybe `solve`).
    pub source: String,
    /// A separate reference-solution script, if the Coder wrote one.
    pub solution: Option<String>,
    /// The Coder's whole draft as JSON (attempt, changes, scale ranges), empty if none.
    pub draft_json: String,
}

/// What the Simulator found, in the shape the store keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportSummary {
    /// Every gate held on every seed.
    pub passed: bool,
    /// The first failing gate's name, when one failed.
    pub failing_gate: Option<String>,
    /// A few sentences a person or a model can act on.
    pub summary: String,
    /// The whole validation report as JSON.
    pub report_json: String,
    /// Folder holding `seed-<n>/…` artifacts (scene.json, scene.xml, renders, GIF, sheet).
    pub artifacts_dir: Option<String>,
}

/// A reviewer's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Keep the benchmark.
    Approve,
    /// Send back to the Coder.
    RejectToCoder,
    /// Send back to the Planner.
    RejectToPlanner,
}

/// One review round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewRecord {
    /// Round number (1-based).
    pub round: u32,
    /// The decision.
    pub decision: Decision,
    /// The comments.
    pub comments: Vec<String>,
    /// `reviews/round-<k>.md` as written (YAML front matter + body).
    pub markdown: String,
}

/// One journal entry: what a step meant to do, what happened, what it learned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// When, in milliseconds since the Unix epoch.
    pub at_unix_ms: u64,
    /// The stage that wrote it (e.g. `coding 2`).
    pub stage: String,
    /// What the step set out to do.
    pub intent: String,
    /// What came of it.
    pub result: String,
    /// What to do differently.
    pub reflection: String,
}

/// Tokens used by the agents of a session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
    /// Agent calls.
    pub calls: u64,
}

impl TokenUsage {
    /// Adds `other` into `self`.
    pub fn add(&mut self, other: TokenUsage) {
        self.prompt_tokens += other.prompt_tokens;
        self.completion_tokens += other.completion_tokens;
        self.calls += other.calls;
    }
}

/// How many times each role ran for this session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempts {
    /// Plans written.
    pub plans: u32,
    /// Scripts written (all plans).
    pub scripts: u32,
    /// Scripts written for the current plan.
    pub scripts_for_plan: u32,
    /// Simulator runs.
    pub simulations: u32,
    /// Reviews.
    pub reviews: u32,
    /// Consecutive agent errors at the current stage (endpoint down, bad answer).
    pub consecutive_errors: u32,
}

/// A session's checkpoint: everything needed to resume it anywhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Stable id: `<theme key>-<index>`.
    pub id: String,
    /// The theme key.
    pub theme_key: String,
    /// The theme.
    pub theme: ThemeSpec,
    /// Index of this session among the theme's `count`.
    pub index: u32,
    /// Where it is.
    pub stage: Stage,
    /// Bumped by every commit; a result computed from an older revision is stale.
    pub revision: u64,
    /// The current plan.
    pub plan: Option<PlanRecord>,
    /// The current script.
    pub script: Option<ScriptRecord>,
    /// The last simulator report.
    pub report: Option<ReportSummary>,
    /// Feedback for the next Coder/Planner step (latest last).
    pub feedback: Vec<String>,
    /// Every review so far.
    pub reviews: Vec<ReviewRecord>,
    /// The journal.
    pub journal: Vec<JournalEntry>,
    /// Tokens used.
    pub usage: TokenUsage,
    /// Attempt counters.
    pub attempts: Attempts,
    /// Created, ms since the epoch.
    pub created_unix_ms: u64,
    /// Last commit, ms since the epoch.
    pub updated_unix_ms: u64,
}

impl Session {
    /// A new queued session for `theme`.
    pub fn new(theme: &ThemeSpec, index: u32) -> Self {
        let key = theme.key();
        let now = now_unix_ms();
        Self {
            id: format!("{key}-{index:03}"),
            theme_key: key,
            theme: theme.clone(),
            index,
            stage: Stage::Queued,
            revision: 0,
            plan: None,
            script: None,
            report: None,
            feedback: Vec::new(),
            reviews: Vec::new(),
            journal: Vec::new(),
            usage: TokenUsage::default(),
            attempts: Attempts::default(),
            created_unix_ms: now,
            updated_unix_ms: now,
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
    /// Tokens used over all sessions.
    pub usage: TokenUsage,
    /// The last error the daemon met, if any.
    pub last_error: Option<String>,
    /// The process id of the daemon that wrote it.
    pub daemon_pid: u32,
}

/// Milliseconds since the Unix epoch.
pub fn now_unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn encode<T: Serialize>(key: &str, value: &T) -> Result<Vec<u8>, StoreError> {
    bincode::serde::encode_to_vec(value, bincode::config::standard()).map_err(|e| {
        StoreError::Codec {
            key: key.to_string(),
            message: e.to_string(),
        }
    })
}

fn decode<T: for<'de> Deserialize<'de>>(key: &str, bytes: &[u8]) -> Result<T, StoreError> {
    bincode::serde::decode_from_slice(bytes, bincode::config::standard())
        .map(|(v, _)| v)
        .map_err(|e| StoreError::Codec {
            key: key.to_string(),
            message: e.to_string(),
        })
}

/// The open store.
pub struct Store {
    path: PathBuf,
    snapshot_path: PathBuf,
    db: sled::Db,
    sessions: sled::Tree,
    themes: sled::Tree,
    meta: sled::Tree,
}

const LAST_ERROR_KEY: &str = "last_error";

impl Store {
    /// Opens (or creates) the store under `data_dir`.
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
        let db = sled::open(&path).map_err(sled_err)?;
        let sessions = db.open_tree("sessions").map_err(sled_err)?;
        let themes = db.open_tree("themes").map_err(sled_err)?;
        let meta = db.open_tree("meta").map_err(sled_err)?;
        Ok(Store {
            snapshot_path: status_snapshot_path(data_dir),
            path,
            db,
            sessions,
            themes,
            meta,
        })
    }

    fn sled_err(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError::Sled {
            path: self.path.display().to_string(),
            message: e.to_string(),
        }
    }

    fn flush(&self) -> Result<(), StoreError> {
        fault::hit("store.before_flush").map_err(StoreError::Injected)?;
        self.db.flush().map_err(|e| self.sled_err(e))?;
        Ok(())
    }

    /// Queues `spec` once: when a theme with the same content is already queued nothing
    /// changes; otherwise the theme and its `count` queued sessions are written in one
    /// transaction and flushed.
    pub fn queue_theme(&self, spec: &ThemeSpec) -> Result<QueueOutcome, StoreError> {
        let key = spec.key();
        if let Some(bytes) = self.themes.get(&key).map_err(|e| self.sled_err(e))? {
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
        let mut session_bytes = Vec::new();
        for s in &sessions {
            session_bytes.push((s.id.clone(), encode(&s.id, s)?));
        }
        fault::hit("store.queue_theme.before_write").map_err(StoreError::Injected)?;
        let result: Result<bool, TransactionError<()>> = (&self.themes, &self.sessions)
            .transaction(|(themes, sessions)| {
                if themes.get(key.as_bytes())?.is_some() {
                    return Ok(false);
                }
                themes.insert(key.as_bytes(), theme_bytes.clone())?;
                for (id, bytes) in &session_bytes {
                    sessions.insert(id.as_bytes(), bytes.clone())?;
                }
                Ok(true)
            });
        let newly_queued = result.map_err(|e| self.sled_err(format!("{e:?}")))?;
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
            .sessions
            .get(id)
            .map_err(|e| self.sled_err(e))?
            .ok_or_else(|| StoreError::UnknownSession(id.to_string()))?;
        decode(id, &bytes)
    }

    /// Records `next` as the new checkpoint of its session, atomically and only if the stored
    /// revision is still `next.revision` (the one the caller read), then flushes. Returns the
    /// stored session with its revision bumped.
    pub fn commit(&self, next: &Session) -> Result<Session, StoreError> {
        let mut stored = next.clone();
        stored.revision = next.revision + 1;
        stored.updated_unix_ms = now_unix_ms();
        let bytes = encode(&stored.id, &stored)?;
        fault::hit("store.commit.before_write").map_err(StoreError::Injected)?;
        let id = next.id.clone();
        let expected = next.revision;
        let result: Result<(), TransactionError<StoreError>> =
            self.sessions.transaction(|sessions| {
                let current = sessions.get(id.as_bytes())?.ok_or_else(|| {
                    ConflictableTransactionError::Abort(StoreError::UnknownSession(id.clone()))
                })?;
                let current: Session =
                    decode(&id, &current).map_err(ConflictableTransactionError::Abort)?;
                if current.revision != expected {
                    return Err(ConflictableTransactionError::Abort(StoreError::Stale {
                        id: id.clone(),
                        expected,
                        stored: current.revision,
                    }));
                }
                sessions.insert(id.as_bytes(), bytes.clone())?;
                Ok(())
            });
        match result {
            Ok(()) => {}
            Err(TransactionError::Abort(e)) => return Err(e),
            Err(TransactionError::Storage(e)) => return Err(self.sled_err(e)),
        }
        fault::hit("store.commit.before_flush").map_err(StoreError::Injected)?;
        self.flush()?;
        fault::hit("store.commit.after_flush").map_err(StoreError::Injected)?;
        Ok(stored)
    }

    /// Every session, in id order.
    pub fn sessions(&self) -> Result<Vec<Session>, StoreError> {
        let mut out = Vec::new();
        for item in self.sessions.iter() {
            let (key, bytes) = item.map_err(|e| self.sled_err(e))?;
            out.push(decode(&String::from_utf8_lossy(&key), &bytes)?);
        }
        Ok(out)
    }

    /// The sessions waiting at `kind`, oldest first.
    pub fn waiting_at(&self, kind: StageKind) -> Result<Vec<Session>, StoreError> {
        let mut out: Vec<Session> = self
            .sessions()?
            .into_iter()
            .filter(|s| s.stage.kind() == kind)
            .collect();
        out.sort_by_key(|s| (s.created_unix_ms, s.id.clone()));
        Ok(out)
    }

    /// Every theme record.
    pub fn themes(&self) -> Result<Vec<ThemeRecord>, StoreError> {
        let mut out = Vec::new();
        for item in self.themes.iter() {
            let (key, bytes) = item.map_err(|e| self.sled_err(e))?;
            out.push(decode(&String::from_utf8_lossy(&key), &bytes)?);
        }
        Ok(out)
    }

    /// Remembers `message` as the last error (shown by `status`).
    pub fn set_last_error(&self, message: &str) -> Result<(), StoreError> {
        self.meta
            .insert(LAST_ERROR_KEY, message.as_bytes())
            .map_err(|e| self.sled_err(e))?;
        self.flush()
    }

    /// The status as of now.
    pub fn status(&self) -> Result<StatusSnapshot, StoreError> {
        let sessions = self.sessions()?;
        let mut snapshot = StatusSnapshot {
            updated_unix_ms: now_unix_ms(),
            themes: self.themes.len(),
            daemon_pid: std::process::id(),
            ..StatusSnapshot::default()
        };
        for kind in StageKind::ALL {
            snapshot.sessions_per_stage.insert(kind.name().into(), 0);
        }
        for s in &sessions {
            *snapshot
                .sessions_per_stage
                .entry(s.stage.kind().name().into())
                .or_default() += 1;
            snapshot.usage.add(s.usage);
        }
        let count = |k: StageKind| snapshot.sessions_per_stage[k.name()];
        snapshot.queue_length = count(StageKind::Queued);
        snapshot.accepted = count(StageKind::Accepted);
        snapshot.rejected = count(StageKind::Rejected);
        snapshot.failed = count(StageKind::Failed);
        snapshot.last_error = self
            .meta
            .get(LAST_ERROR_KEY)
            .map_err(|e| self.sled_err(e))?
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        Ok(snapshot)
    }

    /// Writes the status snapshot file (temp file + rename, so a reader never sees half).
    pub fn write_snapshot(&self) -> Result<StatusSnapshot, StoreError> {
        let snapshot = self.status()?;
        let err = |e: std::io::Error| StoreError::Snapshot {
            path: self.snapshot_path.display().to_string(),
            message: e.to_string(),
        };
        let tmp = self.snapshot_path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(&snapshot).unwrap_or_default();
        std::fs::write(&tmp, text).map_err(err)?;
        std::fs::rename(&tmp, &self.snapshot_path).map_err(err)?;
        Ok(snapshot)
    }
}

/// Where the status snapshot of `data_dir` lives.
pub fn status_snapshot_path(data_dir: &Path) -> PathBuf {
    data_dir.join("status.json")
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

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "benchforge-store-{name}-{}-{}",
            std::process::id(),
            now_unix_ms()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn theme(prompt: &str, count: u32) -> ThemeSpec {
        ThemeSpec {
            prompt: prompt.into(),
            count,
            seeds: vec![0, 1],
            scale: Some(ScaleRanges::default()),
            tier: None,
            origin: "config".into(),
        }
    }

    #[test]
    fn a_session_round_trips_through_bincode() {
        let mut s = Session::new(&theme("gap", 1), 0);
        s.stage = Stage::Failed { reason: "x".into() };
        s.plan = Some(PlanRecord {
            json: "{}".into(),
            markdown: "# p".into(),
            todo_md: "- [ ]".into(),
            difficulty: Some(0.5),
        });
        let bytes = encode("k", &s).unwrap();
        let back: Session = decode("k", &bytes).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn queuing_a_theme_twice_creates_its_sessions_once_and_survives_reopen() {
        let dir = temp_dir("queue");
        {
            let store = Store::open(&dir).unwrap();
            let first = store.queue_theme(&theme("gap", 3)).unwrap();
            assert!(first.newly_queued);
            assert_eq!(first.sessions.len(), 3);
            let again = store.queue_theme(&theme("gap", 3)).unwrap();
            assert!(!again.newly_queued);
            assert_eq!(again.sessions, first.sessions);
        }
        let store = Store::open(&dir).unwrap();
        assert_eq!(store.sessions().unwrap().len(), 3);
        assert_eq!(store.waiting_at(StageKind::Queued).unwrap().len(), 3);
        // A different count is different content: a new theme.
        assert!(store.queue_theme(&theme("gap", 2)).unwrap().newly_queued);
        assert_eq!(store.sessions().unwrap().len(), 5);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn commit_bumps_the_revision_and_refuses_stale_results() {
        let dir = temp_dir("commit");
        let store = Store::open(&dir).unwrap();
        let out = store.queue_theme(&theme("wall", 1)).unwrap();
        let s = store.session(&out.sessions[0]).unwrap();
        let mut next = s.clone();
        next.stage = Stage::Planning;
        let stored = store.commit(&next).unwrap();
        assert_eq!(stored.revision, 1);
        // A second result computed from revision 0 is stale.
        let mut stale = s.clone();
        stale.stage = Stage::Coding { attempt: 1 };
        assert!(matches!(
            store.commit(&stale),
            Err(StoreError::Stale { .. })
        ));
        assert_eq!(store.session(&s.id).unwrap().stage, Stage::Planning);
        assert_eq!(store.waiting_at(StageKind::Planning).unwrap().len(), 1);
        let status = store.write_snapshot().unwrap();
        assert_eq!(status.sessions_per_stage["planning"], 1);
        assert_eq!(
            read_snapshot(&dir).unwrap().sessions_per_stage["planning"],
            1
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}

//! The session record: everything needed to resume a session anywhere, typed. The store keeps
//! it (bincode 2 via serde, versioned: see `store::versioning`); the engine advances it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::agents::{Review, ScriptDraft, Usage};
use crate::journal::JournalEntry;
use crate::plan::Plan;
use crate::report::ValidationReport;
use crate::variant::ScaleRanges;

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

/// The stage without its numbers: what an actor asks for, and the key of the store's stage
/// index.
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

    /// One byte naming the kind in the store's stage index (stable: never renumber).
    pub fn code(self) -> u8 {
        match self {
            StageKind::Queued => 0,
            StageKind::Planning => 1,
            StageKind::Coding => 2,
            StageKind::Simulating => 3,
            StageKind::Reviewing => 4,
            StageKind::Persisting => 5,
            StageKind::Accepted => 6,
            StageKind::Rejected => 7,
            StageKind::Failed => 8,
        }
    }

    /// True for the stages a session is over in.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            StageKind::Accepted | StageKind::Rejected | StageKind::Failed
        )
    }

    /// True for the stages of an admitted, unfinished session.
    pub fn is_open(self) -> bool {
        !self.is_terminal() && self != StageKind::Queued
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
        self.kind().is_terminal()
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

/// What the Simulator found on the current script.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationReport {
    /// Every gate held on every seed.
    pub passed: bool,
    /// The first failing gate's name, when one failed.
    pub failing_gate: Option<String>,
    /// The failures in words a person or a model can act on.
    pub summary: String,
    /// The whole validation report; `None` when the script could not even be compiled.
    pub report: Option<ValidationReport>,
    /// Folder holding `seed-<n>/…` artifacts (scene.json, scene.xml, renders, GIF, sheet).
    pub artifacts_dir: Option<String>,
    /// The physics settings the gates ran with (the config's `[gates]`), so the benchmark
    /// folder can reproduce every run.
    pub physics: Option<crate::physics::PhysicsSettings>,
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
    pub plan: Option<Plan>,
    /// The current script.
    pub script: Option<ScriptDraft>,
    /// The last simulation of the current script.
    pub report: Option<SimulationReport>,
    /// Feedback for the next Coder/Planner step (latest last).
    pub feedback: Vec<String>,
    /// Every review so far.
    pub reviews: Vec<Review>,
    /// The journal: the engine's entry per transition and the agents' own entries.
    pub journal: Vec<JournalEntry>,
    /// What the agents used.
    pub usage: Usage,
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
            usage: Usage::default(),
            attempts: Attempts::default(),
            created_unix_ms: now,
            updated_unix_ms: now,
        }
    }

    /// The validation report of the last simulation, when it got that far.
    pub fn validation(&self) -> Option<&ValidationReport> {
        self.report.as_ref().and_then(|r| r.report.as_ref())
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

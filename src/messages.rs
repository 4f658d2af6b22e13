//! Every message the actors exchange, in one place. Sessions travel as whole checkpoints; a
//! worker reports its step's result by session id and the revision it started from, so the
//! Persister can drop results computed from a checkpoint that has moved on. This module
//! depends on the session types only, never on the actors.

use actix::prelude::*;

use crate::session::{Session, StageKind, StepResult, ThemeSpec};
use crate::store::{QueueOutcome, StatusSnapshot, ThemeReconcile, WantedTheme};

/// To a worker (Planner, Coder, Simulator, Reviewer): run your step on this session.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct Work(pub Session);

/// To the Persister: the step of `session_id` (read at `revision`) produced `result`.
/// The Persister records it together with the advance, flushes, and only then routes the
/// session to its next actor.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct StepDone {
    /// The session.
    pub session_id: String,
    /// The checkpoint revision the step started from.
    pub revision: u64,
    /// What the step produced.
    pub result: StepResult,
}

/// To the Persister: the sessions waiting at a stage (asked by a (re)started worker).
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "Vec<Session>")]
pub struct WaitingAt(pub StageKind);

/// To the Persister: queue these themes (each once, by content).
#[derive(Debug, Clone, Message)]
#[rtype(result = "Result<Vec<QueueOutcome>, String>")]
pub struct QueueThemes(pub Vec<ThemeSpec>);

/// To the Persister: make the config's theme queue what these themes say, by intent (count
/// differences added or cancelled, unplanned sessions re-specified, removed themes'
/// unplanned sessions cancelled).
#[derive(Debug, Clone, Message)]
#[rtype(result = "Result<Vec<ThemeReconcile>, String>")]
pub struct ReconcileThemes(pub Vec<WantedTheme>);

/// Where the Persister sends a session waiting at each worker's stage (stable across
/// supervisor restarts).
#[derive(Clone)]
pub struct Routes {
    /// The Planner.
    pub planner: Recipient<Work>,
    /// The Coder.
    pub coder: Recipient<Work>,
    /// The Simulator.
    pub simulator: Recipient<Work>,
    /// The Reviewer.
    pub reviewer: Recipient<Work>,
}

impl Routes {
    /// The worker serving `kind`, if a worker does.
    pub fn to(&self, kind: StageKind) -> Option<&Recipient<Work>> {
        match kind {
            StageKind::Planning => Some(&self.planner),
            StageKind::Coding => Some(&self.coder),
            StageKind::Simulating => Some(&self.simulator),
            StageKind::Reviewing => Some(&self.reviewer),
            _ => None,
        }
    }
}

/// To the Persister: the workers' addresses, so it can route sessions; starts admission.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetRoutes(pub Routes);

/// To the Persister: admit queued sessions while fewer than `concurrency` are open.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct Admit;

/// To the Persister: write the benchmark of this approved session.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct PersistBenchmark(pub Session);

/// To the Persister: the current status (also written to the snapshot file).
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "Option<StatusSnapshot>")]
pub struct GetStatus;

/// From the Persister to the daemon loop: something it wants to hear about.
#[derive(Debug, Clone)]
pub enum SessionEvent {
    /// The session reached a terminal stage (accepted, rejected or failed).
    Finished(Session),
}

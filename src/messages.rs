//! Every message the actors exchange, in one place. Sessions travel as whole checkpoints; a
//! worker reports its step's result by session id and the revision it started from, so the
//! Persister can drop results computed from a checkpoint that has moved on.

use actix::prelude::*;

use crate::session::StepResult;
use crate::store::{QueueOutcome, Session, StageKind, StatusSnapshot, ThemeSpec};

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

/// To the Persister: the workers' addresses, so it can route sessions; starts admission.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetRoutes(pub crate::actors::Routes);

/// To the Persister: admit queued sessions while fewer than `concurrency` are open.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct Admit;

/// To the Persister: write the benchmark of this approved session.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct PersistBenchmark(pub Session);

/// To the Persister: record an error for `status`.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct RecordError(pub String);

/// To the Persister: the current status (also written to the snapshot file).
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "Option<StatusSnapshot>")]
pub struct GetStatus;

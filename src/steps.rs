//! The work behind each stage and the one dispatcher every driver uses. Plan, code and review
//! are async (an LLM may answer slowly); simulate and persist are blocking CPU and disk work
//! that [`spawn_step`] runs on the blocking pool behind `guard::catch_panic`. Every step takes
//! the session checkpoint and returns a [`StepResult`] for [`crate::session::advance`], so no
//! driver knows or cares which backend did the work.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use crate::fault::{self, FaultPoint};
use crate::role::Role;
use crate::session::{Session, StageKind, StepResult};

/// A step's result, later.
pub type StepFuture = Pin<Box<dyn Future<Output = StepResult> + Send + 'static>>;

/// The four kinds of agent work a session needs (persisting is the dataset's, see
/// [`spawn_step`]).
pub trait Steps: Send + Sync + 'static {
    /// Planner: the session's theme (and feedback) → a plan or a refusal.
    fn plan(&self, session: &Session) -> StepFuture;
    /// Coder: plan + feedback → a script.
    fn code(&self, session: &Session) -> StepFuture;
    /// Simulator: runs every gate on every seed of the session's script and writes the
    /// per-seed artifacts (`seed-<n>/…`) under `artifacts_dir`. Blocking.
    fn simulate(&self, session: &Session, artifacts_dir: &Path) -> StepResult;
    /// Reviewer: report + renders → a decision.
    fn review(&self, session: &Session) -> StepFuture;
}

/// A step that panicked, with the panic's message: the caller turns it into a failed step
/// (see [`panicked`]) and, in the daemon, restarts the actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepPanicked(pub String);

/// What a spawned step ended with.
pub type StepOutcome = Result<StepResult, StepPanicked>;

/// The role whose step a session waiting at `kind` needs; `None` for queued (admission is
/// the driver's) and finished sessions.
pub fn role_at(kind: StageKind) -> Option<Role> {
    match kind {
        StageKind::Planning => Some(Role::Planner),
        StageKind::Coding => Some(Role::Coder),
        StageKind::Simulating => Some(Role::Simulator),
        StageKind::Reviewing => Some(Role::Reviewer),
        StageKind::Persisting => Some(Role::Persister),
        StageKind::Queued | StageKind::Accepted | StageKind::Rejected | StageKind::Failed => None,
    }
}

/// The folder a session's step writes its artifacts into: one per checkpoint revision, so a
/// step abandoned by a restart never writes into the folder of its rerun.
pub fn work_dir(data_dir: &Path, session: &Session) -> PathBuf {
    data_dir
        .join("work")
        .join(&session.id)
        .join(format!("rev-{}", session.revision))
}

/// The failed step a panic becomes.
pub fn panicked(role: Role, panic: &StepPanicked) -> StepResult {
    StepResult::StepFailed {
        role,
        unreachable: false,
        message: format!("the {} panicked: {}", role.name(), panic.0),
    }
}

/// Starts the step that `session` waits for as a task on the current tokio runtime: agent
/// steps as async tasks, simulate and persist on the blocking pool. A panic inside becomes
/// `Err(StepPanicked)`. `None` when the session waits for no step (queued or finished).
pub fn spawn_step(
    steps: Arc<dyn Steps>,
    session: Session,
    data_dir: PathBuf,
) -> Option<tokio::task::JoinHandle<StepOutcome>> {
    let role = role_at(session.stage.kind())?;
    let handle = match role {
        Role::Planner | Role::Coder | Role::Reviewer => {
            let future = match role {
                Role::Planner => steps.plan(&session),
                Role::Coder => steps.code(&session),
                _ => steps.review(&session),
            };
            tokio::spawn(async move {
                let inner = tokio::spawn(async move {
                    fault::hit(FaultPoint::step(role)).map_err(|e| agent_fault(role, e))?;
                    Ok::<_, StepResult>(future.await)
                });
                match inner.await {
                    Ok(Ok(result)) | Ok(Err(result)) => Ok(result),
                    Err(e) if e.is_panic() => Err(StepPanicked(panic_message(e.into_panic()))),
                    Err(e) => Err(StepPanicked(format!("step task ended: {e}"))),
                }
            })
        }
        Role::Simulator | Role::Persister => tokio::task::spawn_blocking(move || {
            crate::guard::catch_panic(|| {
                if let Err(e) = fault::hit(FaultPoint::step(role)) {
                    return agent_fault(role, e);
                }
                if role == Role::Simulator {
                    steps.simulate(&session, &work_dir(&data_dir, &session))
                } else {
                    persist(&data_dir, &session)
                }
            })
            .map_err(StepPanicked)
        }),
    };
    Some(handle)
}

/// The Persister's step: writes the benchmark of an approved session. Below the free-space
/// floor it does not even try; a full disk met while writing is a wait, not a failure.
fn persist(data_dir: &Path, session: &Session) -> StepResult {
    let root = crate::dataset::benchmarks_dir(data_dir);
    if let Err(shortage) = crate::disk::check_current_floor(&root) {
        return resource_wait(Role::Persister, shortage);
    }
    match crate::dataset::write_benchmark(data_dir, session) {
        Ok(path) => StepResult::Persisted {
            path: path.display().to_string(),
        },
        Err(e @ crate::dataset::DatasetError::Duplicate { .. }) => StepResult::Duplicate {
            reason: e.to_string(),
        },
        Err(e @ crate::dataset::DatasetError::ArtifactsMissing { .. }) => {
            StepResult::ArtifactsMissing {
                reason: e.to_string(),
            }
        }
        Err(e) => match e.shortage() {
            Some(shortage) => resource_wait(Role::Persister, shortage),
            None => StepResult::StepFailed {
                role: Role::Persister,
                unreachable: false,
                message: e.to_string(),
            },
        },
    }
}

/// The wait a disk shortage met by `role`'s step becomes.
pub fn resource_wait(role: Role, shortage: crate::disk::Shortage) -> StepResult {
    StepResult::ResourceWait { role, shortage }
}

fn agent_fault(role: Role, message: String) -> StepResult {
    StepResult::StepFailed {
        role,
        unreachable: false,
        message,
    }
}

/// The message of a caught panic.
pub fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// How long a session waits before running a step again after its `waits`-th resource wait
/// in a row (1-based): 100 ms doubling to at most [`RESOURCE_WAIT_MAX`], so a disk freed
/// a moment ago is noticed soon and a disk full for hours is not hammered.
pub fn resource_delay(waits: u32) -> std::time::Duration {
    let ms = 100u64.saturating_mul(1u64 << waits.saturating_sub(1).min(16));
    std::time::Duration::from_millis(ms).min(RESOURCE_WAIT_MAX)
}

/// The longest backoff between two tries of a step waiting for disk space.
pub const RESOURCE_WAIT_MAX: std::time::Duration = std::time::Duration::from_secs(5);

/// How long a session waits before its failed step runs again: a little longer after each
/// consecutive failure, so an endpoint that is down is not hammered.
pub fn retry_delay(session: &Session) -> std::time::Duration {
    std::time::Duration::from_millis(200 * u64::from(session.attempts.consecutive_errors.min(25)))
}

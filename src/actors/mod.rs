//! The thin actor shell: five actix actors, each under an `actix::Supervisor` in its own
//! arbiter. The four workers (Planner, Coder, Simulator, Reviewer) share one shell,
//! [`Worker`], parameterised by their [`Job`] (one file each); the Persister is the single
//! writer of the store and the dataset and routes every recorded session to its next actor.
//!
//! Crash safety: a worker runs its step as a separate task (async agents on the runtime,
//! CPU-heavy simulation on the blocking pool behind `guard::catch_panic`); a panic there is
//! reported to the Persister as a failed step and the worker stops itself, so the supervisor
//! restarts it, and the restarted worker (in `started`) asks the Persister for the sessions
//! waiting at its stage and resumes them.

pub mod coder;
pub mod persister;
pub mod planner;
pub mod reviewer;
pub mod simulator;

use std::collections::{HashMap, HashSet};
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix::prelude::*;
use tracing::Instrument;

use crate::logging::session_span;
use crate::messages::{SetRoutes, StepDone, WaitingAt, Work};
use crate::session::{Limits, Role, StepResult};
use crate::steps::Steps;
use crate::store::{Session, StageKind, Store};

pub use coder::Coder;
pub use persister::{Persister, SessionEvent};
pub use planner::Planner;
pub use reviewer::Reviewer;
pub use simulator::Simulator;

/// What every actor shares: the step implementations, the store (read by workers only
/// through the Persister), settings that a config reload may change, and shutdown state.
pub struct Shared {
    /// The work behind each stage.
    pub steps: Arc<dyn Steps>,
    /// The data folder.
    pub data_dir: PathBuf,
    /// Attempt limits.
    pub limits: Mutex<Limits>,
    /// Sessions open at once.
    pub concurrency: AtomicU32,
    /// Set on the first Ctrl-C/SIGTERM: no new work is started or admitted.
    pub shutting_down: AtomicBool,
    /// Steps running right now, over all workers.
    pub steps_in_flight: AtomicUsize,
}

impl Shared {
    /// Shared state for a daemon.
    pub fn new(steps: Arc<dyn Steps>, data_dir: PathBuf, limits: Limits, concurrency: u32) -> Self {
        Self {
            steps,
            data_dir,
            limits: Mutex::new(limits),
            concurrency: AtomicU32::new(concurrency.max(1)),
            shutting_down: AtomicBool::new(false),
            steps_in_flight: AtomicUsize::new(0),
        }
    }

    /// The current limits.
    pub fn limits(&self) -> Limits {
        *self.limits.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// True once shutdown began.
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }
}

/// The workers' addresses (stable across supervisor restarts).
#[derive(Clone)]
pub struct Routes {
    /// The Planner.
    pub planner: Addr<Planner>,
    /// The Coder.
    pub coder: Addr<Coder>,
    /// The Simulator.
    pub simulator: Addr<Simulator>,
    /// The Reviewer.
    pub reviewer: Addr<Reviewer>,
}

/// The result of a step task: the step's result, or the message of a panic inside it.
pub type JobOutcome = Result<StepResult, String>;

/// One worker role: which stage it serves and how it runs its step.
pub trait Job: Unpin + 'static {
    /// The role.
    const ROLE: Role;
    /// The stage it takes sessions from.
    const STAGE: StageKind;
    /// Starts the step for `session` as a separate task (never on the actor's event loop).
    fn spawn(shared: &Arc<Shared>, session: Session) -> tokio::task::JoinHandle<JobOutcome>;
}

/// Runs an async step as a task; the test fault hook for `role` fires inside it.
pub(crate) fn spawn_async(
    role: Role,
    future: impl std::future::Future<Output = StepResult> + Send + 'static,
) -> tokio::task::JoinHandle<JobOutcome> {
    tokio::spawn(async move {
        // A panic here unwinds the task only; the JoinError carries it to the worker.
        crate::fault::hit(role.name()).map_err(|e| e.to_string())?;
        Ok(future.await)
    })
}

/// The shell shared by the four workers.
pub struct Worker<J: Job> {
    shared: Arc<Shared>,
    persister: Addr<Persister>,
    /// Sessions whose step runs now.
    running: HashSet<String>,
    /// Highest revision handled per session, so a duplicate hand-off is not run twice.
    handled: HashMap<String, u64>,
    _job: PhantomData<J>,
}

impl<J: Job> Worker<J> {
    /// A worker reporting to `persister`.
    pub fn new(shared: Arc<Shared>, persister: Addr<Persister>) -> Self {
        Self {
            shared,
            persister,
            running: HashSet::new(),
            handled: HashMap::new(),
            _job: PhantomData,
        }
    }

    fn start(&mut self, session: Session, ctx: &mut Context<Self>) {
        if session.stage.kind() != J::STAGE
            || self.running.contains(&session.id)
            || self
                .handled
                .get(&session.id)
                .is_some_and(|r| *r >= session.revision)
            || self.shared.is_shutting_down()
        {
            return;
        }
        self.running.insert(session.id.clone());
        self.handled.insert(session.id.clone(), session.revision);
        self.shared.steps_in_flight.fetch_add(1, Ordering::SeqCst);
        let span = session_span(&session);
        span.in_scope(|| tracing::info!(role = J::ROLE.name(), "step started"));
        let id = session.id.clone();
        let revision = session.revision;
        let handle = J::spawn(&self.shared, session);
        let wait = async move {
            match handle.await {
                Ok(outcome) => outcome,
                Err(e) if e.is_panic() => Err(panic_message(e.into_panic())),
                Err(e) => Err(format!("step task ended: {e}")),
            }
        }
        .instrument(span.clone());
        ctx.spawn(actix::fut::wrap_future::<_, Self>(wait).map(move |outcome, act, ctx| {
            act.running.remove(&id);
            act.shared.steps_in_flight.fetch_sub(1, Ordering::SeqCst);
            let _entered = span.enter();
            match outcome {
                Ok(result) => {
                    tracing::info!(role = J::ROLE.name(), result = %describe(&result), "step finished");
                    act.persister.do_send(StepDone {
                        session_id: id,
                        revision,
                        result,
                    });
                }
                Err(panic) => {
                    tracing::error!(role = J::ROLE.name(), %panic, "step panicked; restarting the actor");
                    act.persister.do_send(StepDone {
                        session_id: id,
                        revision,
                        result: StepResult::StepFailed {
                            role: J::ROLE,
                            unreachable: false,
                            message: format!("the {} panicked: {panic}", J::ROLE.name()),
                        },
                    });
                    ctx.stop();
                }
            }
        }));
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// A one-line description of a step result for the log.
pub fn describe(result: &StepResult) -> String {
    match result {
        StepResult::Admitted => "admitted".into(),
        StepResult::Planned { plan, .. } => format!(
            "plan written (difficulty {})",
            plan.difficulty
                .map(|d| format!("{d:.2}"))
                .unwrap_or_else(|| "?".into())
        ),
        StepResult::PlanRefused { reason, .. } => format!("plan refused: {reason}"),
        StepResult::Coded { script, .. } => {
            format!("script written ({} bytes)", script.source.len())
        }
        StepResult::Simulated { report } if report.passed => "every gate passed".into(),
        StepResult::Simulated { report } => format!(
            "gate {} failed: {}",
            report.failing_gate.as_deref().unwrap_or("?"),
            report.summary
        ),
        StepResult::Reviewed { review, .. } => format!(
            "review decision {:?}: {}",
            review.decision,
            review.comments.join("; ")
        ),
        StepResult::Persisted { path } => format!("benchmark written to {path}"),
        StepResult::StepFailed {
            role,
            unreachable,
            message,
        } => format!(
            "{} {}: {message}",
            role.name(),
            if *unreachable {
                "unreachable"
            } else {
                "failed"
            }
        ),
    }
}

impl<J: Job> Actor for Worker<J> {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        tracing::debug!(
            role = J::ROLE.name(),
            "actor started; asking for waiting sessions"
        );
        self.persister
            .send(WaitingAt(J::STAGE))
            .into_actor(self)
            .map(|waiting, act, ctx| {
                for session in waiting.unwrap_or_default() {
                    act.start(session, ctx);
                }
            })
            .spawn(ctx);
    }
}

impl<J: Job> Supervised for Worker<J> {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        tracing::warn!(
            role = J::ROLE.name(),
            "actor restarting; resuming its sessions from the store"
        );
        // Stopping dropped the futures of every running step; their sessions are still
        // waiting at this stage in the store and come back through `started`.
        self.shared
            .steps_in_flight
            .fetch_sub(self.running.len(), Ordering::SeqCst);
        self.running.clear();
        self.handled.clear();
    }
}

impl<J: Job> Handler<Work> for Worker<J> {
    type Result = ();

    fn handle(&mut self, msg: Work, ctx: &mut Context<Self>) {
        self.start(msg.0, ctx);
    }
}

/// The five running actors.
pub struct Actors {
    /// The Persister.
    pub persister: Addr<Persister>,
    /// The workers.
    pub routes: Routes,
    /// The arbiters (threads) they run in.
    pub arbiters: Vec<Arbiter>,
}

impl Actors {
    /// Stops every actor's arbiter and waits up to `wait` for the threads to end (which
    /// releases the store); a step still running on the blocking pool is left to the exit.
    pub fn stop(self, wait: std::time::Duration) {
        for arbiter in &self.arbiters {
            arbiter.stop();
        }
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let arbiters = self.arbiters;
        std::thread::spawn(move || {
            for arbiter in arbiters {
                let _ = arbiter.join();
            }
            let _ = done_tx.send(());
        });
        if done_rx.recv_timeout(wait).is_err() {
            tracing::warn!("an actor thread is still finishing a step; leaving it to the exit");
        }
    }
}

/// Starts the five actors, each under a Supervisor in its own arbiter, and wires them.
/// `events` receives every session that reaches a terminal stage. Call inside an actix System.
pub fn start(
    shared: Arc<Shared>,
    store: Arc<Store>,
    events: tokio::sync::mpsc::UnboundedSender<SessionEvent>,
) -> Actors {
    let mut arbiters = Vec::new();
    let persister = {
        let shared = shared.clone();
        let arbiter = Arbiter::new();
        let addr = Supervisor::start_in_arbiter(&arbiter.handle(), move |_| {
            Persister::new(shared, store, events)
        });
        arbiters.push(arbiter);
        addr
    };
    fn worker<J: Job>(
        shared: &Arc<Shared>,
        persister: &Addr<Persister>,
        arbiters: &mut Vec<Arbiter>,
    ) -> Addr<Worker<J>> {
        let (shared, persister) = (shared.clone(), persister.clone());
        let arbiter = Arbiter::new();
        let addr = Supervisor::start_in_arbiter(&arbiter.handle(), move |_| {
            Worker::<J>::new(shared, persister)
        });
        arbiters.push(arbiter);
        addr
    }
    let routes = Routes {
        planner: worker(&shared, &persister, &mut arbiters),
        coder: worker(&shared, &persister, &mut arbiters),
        simulator: worker(&shared, &persister, &mut arbiters),
        reviewer: worker(&shared, &persister, &mut arbiters),
    };
    persister.do_send(SetRoutes(routes.clone()));
    Actors {
        persister,
        routes,
        arbiters,
    }
}

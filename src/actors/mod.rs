//! The thin actor shell: five actix actors, each under an `actix::Supervisor` in its own
//! arbiter. The four workers (Planner, Coder, Simulator, Reviewer) share one shell,
//! [`Worker`], parameterised by their [`Job`] (one file each: the stage it serves); the
//! Persister is the single writer of the store and the dataset and routes every recorded
//! session to its next actor. Every step runs through [`crate::steps::spawn_step`] and every
//! transition through [`crate::session::advance`]: the actors add no rule, only threads.
//!
//! Crash safety: a step runs as a separate task (async agents on the runtime, CPU-heavy
//! simulation and benchmark writing on the blocking pool); a panic there is reported to the
//! Persister as a failed step and the worker stops itself, so the supervisor restarts it, and
//! the restarted worker (in `started`) asks the Persister for the sessions waiting at its
//! stage and resumes them.

pub mod coder;
pub mod persister;
pub mod planner;
pub mod reviewer;
pub mod simulator;

use std::collections::{HashMap, HashSet};
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use actix::prelude::*;
use tracing::Instrument;

use crate::logging::session_span;
use crate::messages::{Routes, SessionEvent, SetRoutes, StepDone, WaitingAt, Work};
use crate::role::Role;
use crate::session::{AttemptLimits, Session, StageKind, StepResult};
use crate::steps::{panicked, spawn_step, StepPanicked, Steps};
use crate::store::Store;

pub use coder::Coder;
pub use persister::Persister;
pub use planner::Planner;
pub use reviewer::Reviewer;
pub use simulator::Simulator;

/// What every actor shares: the step implementations, settings that a config reload may
/// change (for sessions' next steps), and shutdown state.
pub struct Shared {
    steps: RwLock<Arc<dyn Steps>>,
    /// The data folder.
    pub data_dir: PathBuf,
    limits: Mutex<AttemptLimits>,
    /// Sessions open at once.
    pub concurrency: AtomicU32,
    /// Set on the first Ctrl-C/SIGTERM: no new work is started or admitted.
    pub shutting_down: AtomicBool,
    /// Steps running right now, over all workers.
    pub steps_in_flight: AtomicUsize,
    /// The status file's writer: pause, errors, heartbeat.
    pub board: Arc<crate::status::StatusBoard>,
}

impl Shared {
    /// Shared state for a daemon.
    pub fn new(
        steps: Arc<dyn Steps>,
        data_dir: PathBuf,
        limits: AttemptLimits,
        concurrency: u32,
        board: Arc<crate::status::StatusBoard>,
    ) -> Self {
        Self {
            board,
            steps: RwLock::new(steps),
            data_dir,
            limits: Mutex::new(limits),
            concurrency: AtomicU32::new(concurrency.max(1)),
            shutting_down: AtomicBool::new(false),
            steps_in_flight: AtomicUsize::new(0),
        }
    }

    /// The current step implementations.
    pub fn steps(&self) -> Arc<dyn Steps> {
        self.steps.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Replaces the step implementations (a reload): steps already running finish with the
    /// old ones, every step started from now on uses the new ones.
    pub fn set_steps(&self, steps: Arc<dyn Steps>) {
        *self.steps.write().unwrap_or_else(|e| e.into_inner()) = steps;
    }

    /// The current attempt limits.
    pub fn attempt_limits(&self) -> AttemptLimits {
        *self.limits.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Replaces the attempt limits (a reload).
    pub fn set_attempt_limits(&self, limits: AttemptLimits) {
        *self.limits.lock().unwrap_or_else(|e| e.into_inner()) = limits;
    }

    /// True once shutdown began.
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }
}

/// How many handled revisions a worker remembers before forgetting those of sessions it is
/// not running.
const HANDLED_KEPT: usize = 4096;

/// One worker role: which stage it serves.
pub trait Job: Unpin + 'static {
    /// The role.
    const ROLE: Role;
    /// The stage it takes sessions from.
    const STAGE: StageKind;
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
        if self.handled.len() >= HANDLED_KEPT {
            // Bounded memory over weeks: forget what was handled for sessions not running. A
            // duplicate hand-off of one of them would rerun a step whose result the Persister
            // then drops as stale.
            let running = &self.running;
            self.handled.retain(|id, _| running.contains(id));
        }
        self.handled.insert(session.id.clone(), session.revision);
        self.shared.steps_in_flight.fetch_add(1, Ordering::SeqCst);
        let span = session_span(&session);
        span.in_scope(|| tracing::info!(role = J::ROLE.name(), "step started"));
        let id = session.id.clone();
        let revision = session.revision;
        let handle = spawn_step(self.shared.steps(), session, self.shared.data_dir.clone());
        let wait = async move {
            match handle {
                Some(handle) => match handle.await {
                    Ok(outcome) => outcome,
                    Err(e) => Err(StepPanicked(format!("step task ended: {e}"))),
                },
                None => Err(StepPanicked("no step for this stage".into())),
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
                    if matches!(result, StepResult::ResourceWait { .. }) {
                        // A wait records nothing, so the session comes back at the same
                        // revision: this worker must run it again, not drop it as handled.
                        act.handled.remove(&id);
                    }
                    act.persister.do_send(StepDone {
                        session_id: id,
                        revision,
                        result,
                    });
                }
                Err(panic) => {
                    tracing::error!(role = J::ROLE.name(), panic = %panic.0, "step panicked; restarting the actor");
                    act.persister.do_send(StepDone {
                        session_id: id,
                        revision,
                        result: panicked(J::ROLE, &panic),
                    });
                    ctx.stop();
                }
            }
        }));
    }
}

/// A one-line description of a step result for the log.
pub fn describe(result: &StepResult) -> String {
    match result {
        StepResult::Admitted => "admitted".into(),
        StepResult::Planned { plan, .. } => format!(
            "plan written: {} (difficulty {:.2})",
            plan.archetype, plan.difficulty.score
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
        StepResult::Duplicate { reason } => format!("benchmark not written: {reason}"),
        StepResult::ArtifactsMissing { reason } => {
            format!("benchmark not written, simulating again: {reason}")
        }
        StepResult::ResourceWait { role, shortage } => {
            format!("{} waits for disk space: {shortage}", role.name())
        }
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
    /// Where the workers are reached.
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
        planner: worker::<planner::PlannerJob>(&shared, &persister, &mut arbiters).recipient(),
        coder: worker::<coder::CoderJob>(&shared, &persister, &mut arbiters).recipient(),
        simulator: worker::<simulator::SimulatorJob>(&shared, &persister, &mut arbiters)
            .recipient(),
        reviewer: worker::<reviewer::ReviewerJob>(&shared, &persister, &mut arbiters).recipient(),
    };
    persister.do_send(SetRoutes(routes.clone()));
    Actors {
        persister,
        routes,
        arbiters,
    }
}

//! The Persister: the only writer of the store and the dataset. It records every step's
//! result together with the advance to the next stage (one transaction, flushed) and only
//! then routes the session on; it admits queued sessions up to the configured concurrency and
//! writes accepted benchmarks.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;

use super::{describe, Routes, Shared};
use crate::dataset;
use crate::logging::session_span;
use crate::messages::{
    Admit, GetStatus, PersistBenchmark, QueueThemes, RecordError, SetRoutes, StepDone, WaitingAt,
    Work,
};
use crate::session::{advance, Role, StepResult};
use crate::store::{QueueOutcome, Session, Stage, StageKind, Store, StoreError};

/// Something the daemon loop wants to hear about.
#[derive(Debug, Clone)]
pub enum SessionEvent {
    /// The session reached a terminal stage (accepted, rejected or failed).
    Finished(Session),
}

/// The Persister actor.
pub struct Persister {
    shared: Arc<Shared>,
    store: Arc<Store>,
    events: tokio::sync::mpsc::UnboundedSender<SessionEvent>,
    routes: Option<Routes>,
    /// Sessions recorded before the workers' routes were known (a worker resumed at start-up
    /// and finished its step first); sent on when `SetRoutes` arrives, never dropped.
    unrouted: Vec<Session>,
}

impl Persister {
    /// A Persister over `store`, reporting finished sessions on `events`.
    pub fn new(
        shared: Arc<Shared>,
        store: Arc<Store>,
        events: tokio::sync::mpsc::UnboundedSender<SessionEvent>,
    ) -> Self {
        Self {
            shared,
            store,
            events,
            routes: None,
            unrouted: Vec::new(),
        }
    }

    fn record_error(&self, message: &str) {
        if let Err(e) = self.store.set_last_error(message) {
            tracing::error!(error = %e, "could not record the last error");
        }
    }

    fn snapshot(&self) {
        if let Err(e) = self.store.write_snapshot() {
            tracing::warn!(error = %e, "status snapshot not written");
        }
    }

    /// Records `result` for the session at `revision`, advancing it; returns the stored
    /// checkpoint, or `None` when the result was stale or could not be stored.
    fn record(&mut self, id: &str, revision: u64, result: StepResult) -> Option<Session> {
        let current = match self.store.session(id) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(session = id, error = %e, "cannot read the session");
                return None;
            }
        };
        if current.revision != revision {
            tracing::debug!(
                session = id,
                revision,
                stored = current.revision,
                "stale step result dropped"
            );
            return None;
        }
        let next = advance(&current, result, &self.shared.limits());
        match self.store.commit(&next) {
            Ok(stored) => {
                let span = session_span(&stored);
                let _entered = span.enter();
                if stored.stage != current.stage {
                    tracing::info!(from = %current.stage, "stage changed");
                }
                match &stored.stage {
                    Stage::Accepted { path } => tracing::info!(%path, "benchmark accepted"),
                    Stage::Rejected { reason } => tracing::warn!(%reason, "theme rejected"),
                    Stage::Failed { reason } => {
                        tracing::warn!(%reason, "session failed");
                        self.record_error(&format!("session {id} failed: {reason}"));
                    }
                    _ => {}
                }
                self.snapshot();
                Some(stored)
            }
            Err(StoreError::Stale { .. }) => None,
            Err(e) => {
                tracing::error!(session = id, error = %e, "checkpoint not recorded; the step will rerun after a restart");
                self.record_error(&e.to_string());
                None
            }
        }
    }

    /// Sends a recorded session to the actor owning its stage.
    fn route(&mut self, session: Session, ctx: &mut Context<Self>, delay: Duration) {
        if session.stage.is_terminal() {
            let _ = self.events.send(super::SessionEvent::Finished(session));
            ctx.notify(Admit);
            return;
        }
        if self.shared.is_shutting_down() {
            return; // Recorded; a restart resumes it.
        }
        let Some(routes) = self.routes.clone() else {
            self.unrouted.push(session);
            return;
        };
        let send = move |session: Session, ctx: &mut Context<Self>| match session.stage.kind() {
            StageKind::Planning => routes.planner.do_send(Work(session)),
            StageKind::Coding => routes.coder.do_send(Work(session)),
            StageKind::Simulating => routes.simulator.do_send(Work(session)),
            StageKind::Reviewing => routes.reviewer.do_send(Work(session)),
            StageKind::Persisting => ctx.notify(PersistBenchmark(session)),
            _ => {}
        };
        if delay.is_zero() {
            send(session, ctx);
        } else {
            ctx.run_later(delay, move |_, ctx| send(session, ctx));
        }
    }

    fn record_and_route(
        &mut self,
        id: &str,
        revision: u64,
        result: StepResult,
        ctx: &mut Context<Self>,
    ) {
        let retry = matches!(result, StepResult::StepFailed { .. });
        if let Some(stored) = self.record(id, revision, result) {
            // A failed step that is retried waits a little longer each time.
            let delay = if retry {
                Duration::from_millis(200 * u64::from(stored.attempts.consecutive_errors))
            } else {
                Duration::ZERO
            };
            self.route(stored, ctx, delay);
        }
    }

    fn resume_own_stage(&self, ctx: &mut Context<Self>) {
        match self.store.waiting_at(StageKind::Persisting) {
            Ok(sessions) => {
                for s in sessions {
                    ctx.notify(PersistBenchmark(s));
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot list sessions waiting to be persisted"),
        }
        ctx.notify(Admit);
    }
}

impl Actor for Persister {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // After a supervisor restart the routes are known: resume at once. On the first start
        // `SetRoutes` does it.
        if self.routes.is_some() {
            self.resume_own_stage(ctx);
        }
    }
}

impl Supervised for Persister {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        tracing::warn!(
            role = "persister",
            "actor restarting; resuming from the store"
        );
    }
}

impl Handler<SetRoutes> for Persister {
    type Result = ();

    fn handle(&mut self, msg: SetRoutes, ctx: &mut Context<Self>) {
        self.routes = Some(msg.0);
        self.snapshot();
        for session in std::mem::take(&mut self.unrouted) {
            self.route(session, ctx, Duration::ZERO);
        }
        self.resume_own_stage(ctx);
    }
}

impl Handler<WaitingAt> for Persister {
    type Result = MessageResult<WaitingAt>;

    fn handle(&mut self, msg: WaitingAt, _ctx: &mut Context<Self>) -> Self::Result {
        MessageResult(self.store.waiting_at(msg.0).unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot list waiting sessions");
            Vec::new()
        }))
    }
}

impl Handler<QueueThemes> for Persister {
    type Result = Result<Vec<QueueOutcome>, String>;

    fn handle(&mut self, msg: QueueThemes, ctx: &mut Context<Self>) -> Self::Result {
        let mut out = Vec::new();
        for spec in msg.0 {
            let outcome = self.store.queue_theme(&spec).map_err(|e| e.to_string())?;
            if outcome.newly_queued {
                tracing::info!(theme = %spec.prompt, count = spec.count, key = %outcome.theme_key, "theme queued");
            }
            out.push(outcome);
        }
        self.snapshot();
        ctx.notify(Admit);
        Ok(out)
    }
}

impl Handler<StepDone> for Persister {
    type Result = ();

    fn handle(&mut self, msg: StepDone, ctx: &mut Context<Self>) {
        self.record_and_route(&msg.session_id, msg.revision, msg.result, ctx);
    }
}

impl Handler<Admit> for Persister {
    type Result = ();

    fn handle(&mut self, _msg: Admit, ctx: &mut Context<Self>) {
        if self.shared.is_shutting_down() || self.routes.is_none() {
            return;
        }
        let sessions = match self.store.sessions() {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "cannot list sessions for admission");
                return;
            }
        };
        let open = sessions
            .iter()
            .filter(|s| !s.stage.is_terminal() && s.stage != Stage::Queued)
            .count();
        let limit = self
            .shared
            .concurrency
            .load(std::sync::atomic::Ordering::SeqCst) as usize;
        let mut queued: Vec<&Session> = sessions
            .iter()
            .filter(|s| s.stage == Stage::Queued)
            .collect();
        queued.sort_by_key(|s| (s.created_unix_ms, s.id.clone()));
        for s in queued.into_iter().take(limit.saturating_sub(open)) {
            let (id, revision) = (s.id.clone(), s.revision);
            self.record_and_route(&id, revision, StepResult::Admitted, ctx);
        }
    }
}

impl Handler<PersistBenchmark> for Persister {
    type Result = ();

    fn handle(&mut self, msg: PersistBenchmark, ctx: &mut Context<Self>) {
        if self.shared.is_shutting_down() {
            return;
        }
        let session = match self.store.session(&msg.0.id) {
            Ok(s) if s.stage == Stage::Persisting => s,
            _ => return, // Already written by an earlier hand-off.
        };
        let span = session_span(&session);
        let data_dir = self.shared.data_dir.clone();
        let outcome = span.in_scope(|| {
            tracing::info!("writing the benchmark");
            crate::guard::catch_panic(|| {
                crate::fault::hit("persister").map_err(|e| e.to_string())?;
                dataset::write_benchmark(&data_dir, &session).map_err(|e| e.to_string())
            })
        });
        let result = match outcome {
            Ok(Ok(path)) => StepResult::Persisted {
                path: path.display().to_string(),
            },
            Ok(Err(message)) => StepResult::StepFailed {
                role: Role::Persister,
                unreachable: false,
                message,
            },
            Err(panic) => {
                span.in_scope(
                    || tracing::error!(%panic, "persister panicked; restarting the actor"),
                );
                self.record(
                    &session.id,
                    session.revision,
                    StepResult::StepFailed {
                        role: Role::Persister,
                        unreachable: false,
                        message: format!("the persister panicked: {panic}"),
                    },
                );
                ctx.stop();
                return;
            }
        };
        span.in_scope(|| tracing::debug!(result = %describe(&result), "persist step done"));
        self.record_and_route(&session.id, session.revision, result, ctx);
    }
}

impl Handler<RecordError> for Persister {
    type Result = ();

    fn handle(&mut self, msg: RecordError, _ctx: &mut Context<Self>) {
        self.record_error(&msg.0);
        self.snapshot();
    }
}

impl Handler<GetStatus> for Persister {
    type Result = MessageResult<GetStatus>;

    fn handle(&mut self, _msg: GetStatus, _ctx: &mut Context<Self>) -> Self::Result {
        MessageResult(self.store.write_snapshot().ok())
    }
}

//! The Persister: the only writer of the store and the dataset. It records every step's
//! result together with the advance to the next stage (one transaction, flushed) and only
//! then routes the session on; it admits queued sessions up to the configured concurrency and
//! writes accepted benchmarks.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;

use super::{describe, Shared};
use crate::logging::session_span;
use crate::messages::{
    Admit, GetStatus, PersistBenchmark, QueueThemes, ReconcileThemes, Routes, SessionEvent,
    SetRoutes, StepDone, WaitingAt, Work,
};
use crate::role::Role;
use crate::session::{advance, Session, Stage, StageKind, StepResult};
use crate::status::ErrorKind;
use crate::steps::{panicked, retry_delay, spawn_step, StepPanicked};
use crate::store::{QueueOutcome, Store, StoreError, ThemeReconcile};

/// Failed tries in a row of one checkpoint, with space on the disk, before the store is
/// judged stuck (about 13 s of backoff).
const STORE_WAITS_BEFORE_RESTART: u32 = 8;

/// The Persister actor.
pub struct Persister {
    shared: Arc<Shared>,
    store: Arc<Store>,
    events: tokio::sync::mpsc::UnboundedSender<SessionEvent>,
    routes: Option<Routes>,
    /// Sessions recorded before the workers' routes were known (a worker resumed at start-up
    /// and finished its step first); sent on when `SetRoutes` arrives, never dropped.
    unrouted: Vec<Session>,
    /// Sessions whose benchmark is being written right now (on the blocking pool).
    persisting: std::collections::HashSet<String>,
    /// Resource waits in a row per session (its step met a full disk): the backoff before
    /// its next try. Only sessions waiting now are kept.
    waits: std::collections::HashMap<String, u32>,
    /// When the current pause began, for the resume line.
    paused_at: Option<std::time::Instant>,
    /// The folder whose disk was short, for the resume line's free space.
    paused_path: Option<std::path::PathBuf>,
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
            persisting: std::collections::HashSet::new(),
            waits: std::collections::HashMap::new(),
            paused_at: None,
            paused_path: None,
        }
    }

    /// A disk is short: pause admission (logged once per pause, with the path and the free
    /// space), show it in `status`, and count the session's wait for its backoff.
    fn pause(&mut self, id: &str, shortage: &crate::disk::Shortage) -> Duration {
        let waits = self.waits.entry(id.to_string()).or_insert(0);
        *waits += 1;
        let delay = crate::steps::resource_delay(*waits);
        let reason = shortage.reason();
        if self.shared.board.paused().is_none() {
            tracing::warn!(
                path = %shortage.path.display(),
                free_bytes = shortage.free_bytes.map(|b| b.to_string()).unwrap_or_else(|| "unknown".into()),
                cause = %shortage.cause,
                "disk full: admission paused; sessions keep their place and retry with backoff"
            );
            self.paused_at.get_or_insert_with(std::time::Instant::now);
            self.paused_path = Some(shortage.path.clone());
            self.shared.board.set_paused(Some(reason));
            self.shared
                .board
                .error(ErrorKind::Disk, shortage.to_string());
            self.snapshot();
        }
        delay
    }

    /// The store refused a write for lack of space although its disk has space above the
    /// floor again, and reopening it (each commit does, see [`Store::reopen_if_stale`]) did
    /// not help: the disk is failing. Said once, in the log and in `status`, rather than
    /// waiting silently, after [`STORE_WAITS_BEFORE_RESTART`] failed tries in a row.
    fn store_still_failing(&mut self, id: &str, shortage: &crate::disk::Shortage) {
        if self.waits.get(id).copied().unwrap_or(0) < STORE_WAITS_BEFORE_RESTART {
            return;
        }
        let floor = crate::limits::current().min_free_bytes;
        let has_space = crate::disk::free_bytes(&shortage.path).is_ok_and(|free| free >= floor);
        let reason = format!(
            "the state store at {} keeps failing to write although its disk has room: check the disk (dmesg), then restart the daemon",
            shortage.path.display()
        );
        if has_space && self.shared.board.paused().as_deref() != Some(reason.as_str()) {
            tracing::error!(path = %shortage.path.display(), "{reason}");
            self.shared.board.set_paused(Some(reason));
            self.snapshot();
        }
    }

    /// `id`'s step went through: if it had waited for disk space, the space is back and the
    /// pause (if any) ends: logged once, cleared in `status`, admission resumed.
    fn unpause(&mut self, id: &str, ctx: &mut Context<Self>) {
        if self.waits.remove(id).is_none() || self.shared.board.paused().is_none() {
            return;
        }
        let paused_s = self
            .paused_at
            .take()
            .map(|t| t.elapsed().as_secs_f64())
            .unwrap_or_default();
        let short = self
            .paused_path
            .take()
            .unwrap_or_else(|| self.shared.data_dir.clone());
        let free_bytes = crate::disk::free_bytes(&short)
            .map(|b| b.to_string())
            .unwrap_or_else(|_| "unknown".into());
        tracing::info!(
            paused_s = format!("{paused_s:.1}"),
            path = %short.display(),
            free_bytes,
            "disk space back: resuming admission"
        );
        self.shared.board.set_paused(None);
        self.shared.board.succeeded(ErrorKind::Disk);
        self.snapshot();
        ctx.notify(Admit);
    }

    fn snapshot(&self) {
        if let Err(e) = self
            .shared
            .board
            .write(&self.store, crate::status::DaemonState::Running)
        {
            tracing::warn!(error = %e, "status snapshot not written");
        }
    }

    /// Records `result` for the session at `revision`, advancing it; returns the stored
    /// checkpoint (the current one when the rule changed nothing, as for a resource wait), or
    /// `None` when the result was stale or could not be stored. A checkpoint the store's disk
    /// had no room for is a wait too: admission pauses and the same result is recorded again
    /// after a backoff.
    fn record(
        &mut self,
        id: &str,
        revision: u64,
        result: StepResult,
        ctx: &mut Context<Self>,
    ) -> Option<Session> {
        // After a write that met a full disk, sled's memory may hold what never reached the
        // disk: nothing is read until the store is reopened from what is on disk.
        if let Err(e) = self.store.reopen_if_stale() {
            self.retry_checkpoint(id, revision, result, &e, ctx);
            return None;
        }
        let current = match self.store.session(id) {
            Ok(s) => s,
            Err(StoreError::UnknownSession(_)) => {
                tracing::info!(session = id, "result of a cancelled session dropped");
                return None;
            }
            Err(e) => {
                tracing::error!(session = id, error = %e, "cannot read the session");
                return None;
            }
        };
        if current.revision == revision + 1 && self.waits.contains_key(id) {
            // A checkpoint whose write met a full disk was retried, but sled had written it
            // to disk before reporting the error (the store was reopened from the disk since):
            // it is recorded, so it goes on from here.
            tracing::info!(
                session = id,
                "checkpoint found recorded after the store's disk filled"
            );
            return Some(current);
        }
        if current.revision != revision {
            tracing::debug!(
                session = id,
                revision,
                stored = current.revision,
                "stale step result dropped"
            );
            return None;
        }
        let retry_with = result.clone();
        let next = advance(&current, result, &self.shared.attempt_limits());
        if next == current && matches!(retry_with, StepResult::ResourceWait { .. }) {
            // The rule kept the session as it was: nothing to record on a disk that may be
            // full, and the same revision goes round again.
            return Some(current);
        }
        match self.store.commit(&next) {
            Ok(stored) => {
                self.shared.board.succeeded(ErrorKind::Checkpoint);
                let span = session_span(&stored);
                let _entered = span.enter();
                if stored.stage != current.stage {
                    tracing::info!(from = %current.stage.kind().name(), "stage changed");
                }
                match &stored.stage {
                    Stage::Accepted { path } => {
                        tracing::info!(%path, "benchmark accepted");
                        self.shared.board.succeeded(ErrorKind::Persist);
                        self.shared.board.succeeded(ErrorKind::Session);
                    }
                    Stage::Rejected { reason } => tracing::warn!(%reason, "theme rejected"),
                    Stage::Failed { reason } => {
                        tracing::warn!(%reason, "session failed");
                        self.shared
                            .board
                            .error(ErrorKind::Session, format!("session {id} failed: {reason}"));
                    }
                    _ => {}
                }
                self.snapshot();
                Some(stored)
            }
            Err(StoreError::Stale { .. }) => None,
            Err(e) => {
                self.retry_checkpoint(id, revision, retry_with, &e, ctx);
                None
            }
        }
    }

    /// A checkpoint could not be recorded: on a full disk it is recorded again after a
    /// backoff (admission paused meanwhile); any other store error is reported, and the step
    /// reruns after a restart.
    fn retry_checkpoint(
        &mut self,
        id: &str,
        revision: u64,
        result: StepResult,
        e: &StoreError,
        ctx: &mut Context<Self>,
    ) {
        match e.shortage() {
            Some(shortage) => {
                let delay = self.pause(id, &shortage);
                tracing::warn!(session = id, error = %e, delay_ms = delay.as_millis() as u64, "checkpoint not recorded: the store's disk is full; recording it again after a backoff");
                self.store_still_failing(id, &shortage);
                let id = id.to_string();
                ctx.run_later(delay, move |_, ctx| {
                    ctx.notify(StepDone {
                        session_id: id,
                        revision,
                        result,
                    })
                });
            }
            None => {
                tracing::error!(session = id, error = %e, "checkpoint not recorded; the step will rerun after a restart");
                self.shared
                    .board
                    .error(ErrorKind::Checkpoint, e.to_string());
            }
        }
    }

    /// Sends a recorded session to the actor owning its stage.
    fn route(&mut self, session: Session, ctx: &mut Context<Self>, delay: Duration) {
        if session.stage.is_terminal() {
            let data_dir = self.shared.data_dir.clone();
            let finished = session.clone();
            actix::spawn(async move { crate::engine::retire(&data_dir, &finished).await });
            let _ = self.events.send(SessionEvent::Finished(session));
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
        let send = move |session: Session, ctx: &mut Context<Self>| {
            if session.stage.kind() == StageKind::Persisting {
                ctx.notify(PersistBenchmark(session));
            } else if let Some(worker) = routes.to(session.stage.kind()) {
                worker.do_send(Work(session));
            }
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
        let waited = match &result {
            StepResult::ResourceWait { shortage, .. } => Some(shortage.clone()),
            _ => None,
        };
        if let StepResult::StepFailed {
            role: Role::Persister,
            message,
            ..
        } = &result
        {
            self.shared
                .board
                .error(ErrorKind::Persist, format!("session {id}: {message}"));
        }
        if let Some(stored) = self.record(id, revision, result, ctx) {
            let delay = match &waited {
                Some(shortage) => self.pause(id, shortage),
                None => {
                    self.unpause(id, ctx);
                    if retry {
                        retry_delay(&stored)
                    } else {
                        Duration::ZERO
                    }
                }
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
        // Stopping dropped the futures of the benchmark writes in flight; their sessions are
        // still at `persisting` in the store and are written again (idempotently) on resume.
        self.shared
            .steps_in_flight
            .fetch_sub(self.persisting.len(), std::sync::atomic::Ordering::SeqCst);
        self.persisting.clear();
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

impl Handler<ReconcileThemes> for Persister {
    type Result = Result<Vec<ThemeReconcile>, String>;

    fn handle(&mut self, msg: ReconcileThemes, ctx: &mut Context<Self>) -> Self::Result {
        let outcomes = self
            .store
            .reconcile_themes(&msg.0)
            .map_err(|e| e.to_string())?;
        for o in outcomes.iter().filter(|o| !o.is_noop()) {
            let line = format!(
                "{} session(s) added, {} cancelled before their plan, {} queued re-specified, {} past planning kept",
                o.added.len(),
                o.cancelled.len(),
                o.respecified,
                o.kept_past_planning
            );
            if o.new_theme {
                tracing::info!(theme = %o.key, prompt = %o.prompt, count = o.added.len(), "theme queued");
            } else if o.removed {
                tracing::info!(theme = %o.key, prompt = %o.prompt, cancelled = %o.cancelled.join(","), "theme removed from the config: {line}");
            } else {
                tracing::info!(theme = %o.key, prompt = %o.prompt, added = %o.added.join(","), cancelled = %o.cancelled.join(","), "theme edited: {line}");
            }
        }
        self.snapshot();
        ctx.notify(Admit);
        Ok(outcomes)
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

    /// Reads the open count and the oldest queued ids from the store's index and counters:
    /// never all of history.
    fn handle(&mut self, _msg: Admit, ctx: &mut Context<Self>) {
        if self.shared.is_shutting_down()
            || self.routes.is_none()
            || self.shared.board.paused().is_some()
        {
            return; // Paused on a full disk: the resume admits.
        }
        let limit = u64::from(
            self.shared
                .concurrency
                .load(std::sync::atomic::Ordering::SeqCst),
        );
        let queued = self.store.open_count().and_then(|open| {
            self.store
                .ids_at(StageKind::Queued, limit.saturating_sub(open) as usize)
        });
        let queued = match queued {
            Ok(ids) => ids,
            Err(e) => {
                tracing::error!(error = %e, "cannot list sessions for admission");
                return;
            }
        };
        for id in queued {
            let Ok(session) = self.store.session(&id) else {
                continue;
            };
            self.record_and_route(&id, session.revision, StepResult::Admitted, ctx);
        }
    }
}

impl Handler<PersistBenchmark> for Persister {
    type Result = ();

    /// Writes the benchmark on the blocking pool (never on this actor's thread, which keeps
    /// recording other sessions' checkpoints meanwhile) and records the result when done.
    fn handle(&mut self, msg: PersistBenchmark, ctx: &mut Context<Self>) {
        if self.shared.is_shutting_down() || self.persisting.contains(&msg.0.id) {
            return;
        }
        let session = match self.store.session(&msg.0.id) {
            Ok(s) if s.stage == Stage::Persisting => s,
            _ => return, // Already written by an earlier hand-off.
        };
        let span = session_span(&session);
        span.in_scope(|| tracing::info!("writing the benchmark"));
        let Some(handle) = spawn_step(
            self.shared.steps(),
            session.clone(),
            self.shared.data_dir.clone(),
        ) else {
            return;
        };
        self.persisting.insert(session.id.clone());
        self.shared
            .steps_in_flight
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let wait = async move {
            match handle.await {
                Ok(outcome) => outcome,
                Err(e) => Err(StepPanicked(format!("persist task ended: {e}"))),
            }
        };
        ctx.spawn(
            actix::fut::wrap_future::<_, Self>(wait).map(move |outcome, act, ctx| {
                act.persisting.remove(&session.id);
                act.shared
                    .steps_in_flight
                    .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                let _entered = span.enter();
                match outcome {
                    Ok(result) => {
                        tracing::debug!(result = %describe(&result), "persist step done");
                        act.record_and_route(&session.id, session.revision, result, ctx);
                    }
                    Err(panic) => {
                        tracing::error!(panic = %panic.0, "persister panicked; restarting the actor");
                        act.record(
                            &session.id,
                            session.revision,
                            panicked(Role::Persister, &panic),
                            ctx,
                        );
                        ctx.stop();
                    }
                }
            }),
        );
    }
}

impl Handler<GetStatus> for Persister {
    type Result = MessageResult<GetStatus>;

    fn handle(&mut self, _msg: GetStatus, _ctx: &mut Context<Self>) -> Self::Result {
        MessageResult(
            self.shared
                .board
                .write(&self.store, crate::status::DaemonState::Running)
                .ok(),
        )
    }
}

//! The in-process driver of the session engine: runs one session from where it is to its
//! end on the current tokio runtime — admit, then the step its stage needs
//! ([`crate::steps::spawn_step`]), then [`advance`] — with the same steps, rules, retry delays
//! and benchmark writing as the daemon's actors, which only spread this loop over threads.
//! Tests and benches drive sessions with it; `generate` and `run` drive them through the
//! actors. Neither adds a rule: every transition is [`advance`]'s.

use std::path::PathBuf;
use std::sync::Arc;

use crate::session::{advance, AttemptLimits, Session, Stage, StepResult, ThemeSpec};
use crate::steps::{panicked, retry_delay, role_at, spawn_step, Steps};
use crate::store::Store;

/// Sees every step result with the session it was computed from, before [`advance`] applies
/// it: how `eval` counts attempts and failed gates without adding a rule.
pub type StepObserver = Arc<dyn Fn(&Session, &StepResult) + Send + Sync>;

/// Runs sessions in-process.
pub struct Driver {
    steps: Arc<dyn Steps>,
    limits: AttemptLimits,
    data_dir: PathBuf,
    store: Option<Arc<Store>>,
    observer: Option<StepObserver>,
}

impl Driver {
    /// A driver running `steps` with `limits`, writing work folders and accepted benchmarks
    /// under `data_dir`.
    pub fn new(steps: Arc<dyn Steps>, limits: AttemptLimits, data_dir: PathBuf) -> Self {
        Self {
            steps,
            limits,
            data_dir,
            store: None,
            observer: None,
        }
    }

    /// Also shows every step result to `observer` (see [`StepObserver`]).
    pub fn with_observer(mut self, observer: StepObserver) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Also checkpoints every transition in `store` (as the Persister does), so a test can
    /// look at the stored state.
    pub fn with_store(mut self, store: Arc<Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// Runs a new session of `theme` (index 0) to its end.
    pub async fn run_theme(&self, theme: &ThemeSpec) -> Session {
        let session = match &self.store {
            Some(store) => match store.queue_theme(theme) {
                Ok(out) => match store.session(&out.sessions[0]) {
                    Ok(s) => s,
                    Err(e) => return failed(Session::new(theme, 0), &e.to_string()),
                },
                Err(e) => return failed(Session::new(theme, 0), &e.to_string()),
            },
            None => Session::new(theme, 0),
        };
        self.run(session).await
    }

    /// Runs `session` from its stage to a terminal one and returns the last checkpoint.
    pub async fn run(&self, mut session: Session) -> Session {
        let mut waits = 0;
        while !session.stage.is_terminal() {
            let result = match role_at(session.stage.kind()) {
                None => StepResult::Admitted,
                Some(role) => {
                    let handle =
                        spawn_step(self.steps.clone(), session.clone(), self.data_dir.clone())
                            .expect("a session at a working stage has a step");
                    match handle.await {
                        Ok(Ok(result)) => result,
                        Ok(Err(panic)) => panicked(role, &panic),
                        Err(e) => panicked(role, &crate::steps::StepPanicked(e.to_string())),
                    }
                }
            };
            let retry = matches!(result, StepResult::StepFailed { .. });
            if let StepResult::ResourceWait { shortage, .. } = &result {
                // A wait changes nothing (see `advance`): nothing to record, try again later.
                waits += 1;
                tracing::warn!(session = %session.id, %shortage, "waiting for disk space");
                tokio::time::sleep(crate::steps::resource_delay(waits)).await;
                continue;
            }
            waits = 0;
            if let Some(observe) = &self.observer {
                observe(&session, &result);
            }
            let next = advance(&session, result, &self.limits);
            session = match &self.store {
                Some(store) => match store.commit(&next) {
                    Ok(stored) => stored,
                    Err(e) => return failed(next, &format!("checkpoint not recorded: {e}")),
                },
                None => Session {
                    revision: next.revision + 1,
                    ..next
                },
            };
            if retry && !session.stage.is_terminal() {
                tokio::time::sleep(retry_delay(&session)).await;
            }
        }
        retire(&self.data_dir, &session).await;
        session
    }
}

/// Cleans up a finished session's work folder (see [`crate::dataset::retire_work`]) on the
/// blocking pool; a failure is logged, never fatal: the benchmark or the verdict stands.
pub async fn retire(data_dir: &std::path::Path, session: &Session) {
    let (data_dir, finished) = (data_dir.to_path_buf(), session.clone());
    let outcome =
        tokio::task::spawn_blocking(move || crate::dataset::retire_work(&data_dir, &finished))
            .await;
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(session = %session.id, error = %e, "work folder not cleaned up")
        }
        Err(e) => {
            tracing::warn!(session = %session.id, error = %e, "work folder clean-up did not run")
        }
    }
}

fn failed(mut session: Session, reason: &str) -> Session {
    session.stage = Stage::Failed {
        reason: reason.to_string(),
    };
    session
}

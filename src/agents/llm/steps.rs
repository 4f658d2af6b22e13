//! Wires the LLM agents into the daemon: [`SessionScopedSteps`] wraps the daemon's steps so
//! every plan, code and review call runs inside its session's scope (traces into
//! `<data_dir>/work/<session>/traces.jsonl`, caps per session), and [`LlmAgents`] builds the
//! three agents from the `[llm]` section.

use std::path::PathBuf;
use std::sync::Arc;

use super::{in_session, LlmCoder, LlmPlanner, LlmReviewer, LlmShared, SessionScope};
use crate::llm::{LlmConfig, LlmError};
use crate::session::StepResult;
use crate::steps::{StepFuture, Steps};
use crate::store::Session;

/// The session's work folder, where its `traces.jsonl` is written while it runs; the
/// dataset writer copies the file into the accepted benchmark.
pub fn session_work_dir(data_dir: &std::path::Path, session_id: &str) -> PathBuf {
    data_dir.join("work").join(session_id)
}

/// The three LLM agents, sharing one client (one connection pool and concurrency cap per
/// endpoint) and the prompts.
#[derive(Debug, Clone)]
pub struct LlmAgents {
    /// What the agents share.
    pub shared: Arc<LlmShared>,
    /// The Planner.
    pub planner: Arc<LlmPlanner>,
    /// The Coder.
    pub coder: Arc<LlmCoder>,
    /// The Reviewer.
    pub reviewer: Arc<LlmReviewer>,
}

impl LlmAgents {
    /// Builds the agents from `config` (reads the API key variable and the prompts).
    pub fn new(config: LlmConfig) -> Result<Self, LlmError> {
        let shared = LlmShared::new(config)?;
        Ok(Self {
            planner: Arc::new(LlmPlanner::new(shared.clone())),
            coder: Arc::new(LlmCoder::new(shared.clone())),
            reviewer: Arc::new(LlmReviewer::new(shared.clone())),
            shared,
        })
    }
}

/// Steps whose agent calls run in their session's scope.
pub struct SessionScopedSteps {
    inner: Arc<dyn Steps>,
    data_dir: PathBuf,
}

impl SessionScopedSteps {
    /// Wraps `inner`; traces go under `data_dir/work/<session>/`.
    pub fn new(inner: Arc<dyn Steps>, data_dir: PathBuf) -> Self {
        Self { inner, data_dir }
    }

    fn scoped(&self, session: &Session, future: StepFuture) -> StepFuture {
        let scope = SessionScope {
            id: session.id.clone(),
            dir: Some(session_work_dir(&self.data_dir, &session.id)),
        };
        Box::pin(in_session(scope, future))
    }
}

impl Steps for SessionScopedSteps {
    fn plan(&self, session: &Session) -> StepFuture {
        self.scoped(session, self.inner.plan(session))
    }

    fn code(&self, session: &Session) -> StepFuture {
        self.scoped(session, self.inner.code(session))
    }

    fn simulate(&self, session: &Session, artifacts_dir: &std::path::Path) -> StepResult {
        self.inner.simulate(session, artifacts_dir)
    }

    fn review(&self, session: &Session) -> StepFuture {
        self.scoped(session, self.inner.review(session))
    }
}

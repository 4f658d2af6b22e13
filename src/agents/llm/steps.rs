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

/// The daemon's steps for `config`: each role's backend as `agents.<role>.backend` selects
/// (procedural or llm, mixed freely), and — when any role uses the llm backend — every
/// agent call in its session's scope. `agents.<role>.model` overrides `llm.<role>.model`.
pub fn agent_steps(config: &crate::config::Config) -> Result<Arc<dyn Steps>, LlmError> {
    use crate::agents::procedural::{ProceduralCoder, ProceduralPlanner, ProceduralReviewer};
    use crate::agents::{Coder, Planner, Reviewer};
    use crate::config::Backend;

    let a = &config.agents;
    let any_llm = [&a.planner, &a.coder, &a.reviewer]
        .iter()
        .any(|r| r.backend == Backend::Llm);
    let llm = if any_llm {
        let mut llm_config = config.llm.clone().ok_or_else(|| {
            LlmError::Config(
                "a role uses the llm backend but the config has no [llm] section".into(),
            )
        })?;
        for (role, settings) in [
            (&a.planner, &mut llm_config.planner),
            (&a.coder, &mut llm_config.coder),
            (&a.reviewer, &mut llm_config.reviewer),
        ] {
            if let Some(model) = &role.model {
                settings.model = Some(model.clone());
            }
        }
        Some(LlmAgents::new(llm_config)?)
    } else {
        None
    };
    let planner: Arc<dyn Planner> = match (&llm, a.planner.backend) {
        (Some(l), Backend::Llm) => l.planner.clone(),
        _ => Arc::new(ProceduralPlanner),
    };
    let coder: Arc<dyn Coder> = match (&llm, a.coder.backend) {
        (Some(l), Backend::Llm) => l.coder.clone(),
        _ => Arc::new(ProceduralCoder),
    };
    let reviewer: Arc<dyn Reviewer> = match (&llm, a.reviewer.backend) {
        (Some(l), Backend::Llm) => l.reviewer.clone(),
        _ => Arc::new(ProceduralReviewer::default()),
    };
    let steps: Arc<dyn Steps> = Arc::new(crate::pipeline::AgentSteps::new(
        config, planner, coder, reviewer,
    ));
    Ok(if any_llm {
        Arc::new(SessionScopedSteps::new(steps, config.data_dir.clone()))
    } else {
        steps
    })
}

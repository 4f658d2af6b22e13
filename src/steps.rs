//! The work behind each stage, as the actors see it: plan, code and review are async (an LLM
//! may answer slowly), simulate is blocking CPU work the actors run off their event loop.
//! Every step takes the session checkpoint and returns a [`StepResult`] for the stage machine,
//! so the actor shell neither knows nor cares which backend did the work.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::time::Duration;

use crate::session::{Role, StepResult};
use crate::store::{
    Decision, PlanRecord, ReportSummary, ReviewRecord, ScriptRecord, Session, TokenUsage,
};

/// A step's result, later.
pub type StepFuture = Pin<Box<dyn Future<Output = StepResult> + Send + 'static>>;

/// The four kinds of work a session needs.
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

/// A small built-in stand-in for the agents and the gates, used by the daemon's own tests: it
/// plans, codes, "simulates" (writes a canonical scene file per seed) and approves, with a
/// configurable delay per step so crash tests have time to strike. Themes containing
/// `retry once` fail the first simulation so the feedback loop runs; themes containing
/// `impossible` are refused.
#[derive(Debug, Clone)]
pub struct ToySteps {
    /// Delay of each step.
    pub step_delay: Duration,
}

impl ToySteps {
    /// Toy steps with `BENCHFORGE_TOY_STEP_MS` (default 20 ms) per step.
    pub fn from_env() -> Self {
        let ms = std::env::var("BENCHFORGE_TOY_STEP_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20);
        Self {
            step_delay: Duration::from_millis(ms),
        }
    }
}

fn usage() -> TokenUsage {
    TokenUsage {
        prompt_tokens: 100,
        completion_tokens: 50,
        calls: 1,
    }
}

impl Steps for ToySteps {
    fn plan(&self, session: &Session) -> StepFuture {
        let delay = self.step_delay;
        let theme = session.theme.prompt.clone();
        Box::pin(async move {
            tokio::time::sleep(delay).await;
            if theme.contains("impossible") {
                return StepResult::PlanRefused {
                    reason: "unsolvable: the theme says it is impossible".into(),
                    usage: usage(),
                };
            }
            StepResult::Planned {
                plan: PlanRecord {
                    json: serde_json::json!({ "theme": theme, "archetype": "toy" }).to_string(),
                    markdown: format!("# Plan\n\n## Learning objective\n\n{theme}\n"),
                    todo_md: "- [ ] build the scene\n- [ ] solve it\n".into(),
                    difficulty: Some(0.5),
                },
                usage: usage(),
                journal: Vec::new(),
            }
        })
    }

    fn code(&self, session: &Session) -> StepFuture {
        let delay = self.step_delay;
        let attempt = session.attempts.scripts + 1;
        Box::pin(async move {
            tokio::time::sleep(delay).await;
            StepResult::Coded {
                script: ScriptRecord {
                    source: format!("// attempt {attempt}\nfn build(seed, scale) {{ scene() }}\n"),
                    solution: None,
                    draft_json: String::new(),
                },
                usage: usage(),
                journal: Vec::new(),
            }
        })
    }

    fn simulate(&self, session: &Session, artifacts_dir: &Path) -> StepResult {
        std::thread::sleep(self.step_delay);
        let fail_first =
            session.theme.prompt.contains("retry once") && session.attempts.simulations == 0;
        for seed in &session.theme.seeds {
            let dir = artifacts_dir.join(format!("seed-{seed}"));
            let scene = serde_json::json!({ "seed": seed, "session": session.id });
            if let Err(e) = std::fs::create_dir_all(&dir)
                .and_then(|_| std::fs::write(dir.join("scene.json"), scene.to_string()))
            {
                return StepResult::StepFailed {
                    role: Role::Simulator,
                    unreachable: false,
                    message: format!("cannot write artifacts under {}: {e}", dir.display()),
                };
            }
        }
        StepResult::Simulated {
            report: ReportSummary {
                passed: !fail_first,
                failing_gate: fail_first.then(|| "geometry".into()),
                summary: if fail_first {
                    "seed 0: fixture deck_a overlaps deck_b by 0.004 m".into()
                } else {
                    format!("all gates passed on {} seeds", session.theme.seeds.len())
                },
                report_json: serde_json::json!({ "passed": !fail_first }).to_string(),
                artifacts_dir: Some(artifacts_dir.display().to_string()),
            },
        }
    }

    fn review(&self, _session: &Session) -> StepFuture {
        let delay = self.step_delay;
        Box::pin(async move {
            tokio::time::sleep(delay).await;
            StepResult::Reviewed {
                review: ReviewRecord {
                    round: 0,
                    decision: Decision::Approve,
                    comments: vec!["every gate passed".into()],
                    markdown: String::new(),
                },
                usage: usage(),
                journal: Vec::new(),
            }
        })
    }
}

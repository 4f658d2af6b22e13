//! Running sessions through the one engine in-process (`benchforge::engine::Driver`), with the
//! real steps (procedural agents, real gates, real renders at a small size) or with the
//! stand-in steps below.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use benchforge::agents::procedural::{ProceduralCoder, ProceduralPlanner, ProceduralReviewer};
use benchforge::agents::{Coder, Planner, Reviewer, ScriptDraft};
use benchforge::config::Config;
use benchforge::engine::Driver;
use benchforge::pipeline::AgentSteps;
use benchforge::session::{AttemptLimits, Session, SimulationReport, StepResult, ThemeSpec};
use benchforge::steps::{StepFuture, Steps};

/// The config the engine tests run with: renders smaller than the dataset's, but large
/// enough that the Reviewer's visibility rubric sees a small payload.
pub fn test_config(data_dir: &Path) -> Config {
    let mut config = Config::with_data_dir(data_dir.to_path_buf());
    config.render.width_px = 160;
    config.render.height_px = 120;
    config
}

/// The real steps with the given agents.
pub fn agent_steps(
    data_dir: &Path,
    planner: Arc<dyn Planner>,
    coder: Arc<dyn Coder>,
    reviewer: Arc<dyn Reviewer>,
) -> Arc<dyn Steps> {
    Arc::new(AgentSteps::new(
        &test_config(data_dir),
        planner,
        coder,
        reviewer,
    ))
}

/// The real steps with the built-in procedural agents.
pub fn procedural_steps(data_dir: &Path) -> Arc<dyn Steps> {
    agent_steps(
        data_dir,
        Arc::new(ProceduralPlanner),
        Arc::new(ProceduralCoder),
        Arc::new(ProceduralReviewer::default()),
    )
}

/// The real Simulator step (`AgentSteps::simulate`, with `config`'s settings and themes) on
/// the script `source` for a session of `prompt` checked on `seeds`, its artifacts written
/// under `config.data_dir/work/<name>`: the simulation report and that folder.
pub fn simulate_source(
    config: &Config,
    prompt: &str,
    source: &str,
    seeds: Vec<u64>,
    name: &str,
) -> (SimulationReport, std::path::PathBuf) {
    let steps = AgentSteps::new(
        config,
        Arc::new(ProceduralPlanner),
        Arc::new(ProceduralCoder),
        Arc::new(ProceduralReviewer::default()),
    );
    let mut session = Session::new(
        &ThemeSpec {
            seeds,
            ..theme(prompt, 0)
        },
        0,
    );
    session.stage = benchforge::session::Stage::Simulating { attempt: 1 };
    session.script = Some(ScriptDraft {
        source: source.to_string(),
        attempt: 1,
        changes: Vec::new(),
        scale_ranges: Default::default(),
    });
    let artifacts = config.data_dir.join("work").join(name);
    match steps.simulate(&session, &artifacts) {
        StepResult::Simulated { report } => (report, artifacts),
        other => panic!("the Simulator step did not simulate: {other:?}"),
    }
}

/// A theme checked on seeds `0..seeds`.
pub fn theme(prompt: &str, seeds: u64) -> ThemeSpec {
    ThemeSpec {
        prompt: prompt.into(),
        count: 1,
        seeds: (0..seeds).collect(),
        scale: None,
        tier: None,
        origin: "test".into(),
    }
}

/// Runs one session of `prompt` (8 seeds) to its end with `steps` and the default limits.
pub fn run_session(steps: Arc<dyn Steps>, data_dir: &Path, prompt: &str) -> Session {
    run_session_on_seeds(steps, data_dir, prompt, 8)
}

/// Runs one session of `prompt` checked on seeds `0..seeds` to its end.
pub fn run_session_on_seeds(
    steps: Arc<dyn Steps>,
    data_dir: &Path,
    prompt: &str,
    seeds: u64,
) -> Session {
    let driver = Driver::new(steps, AttemptLimits::default(), data_dir.to_path_buf());
    let session = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(driver.run_theme(&theme(prompt, seeds)));
    // Every benchmark a test makes reproduces from its own folder.
    if let benchforge::session::Stage::Accepted { path } = &session.stage {
        super::revalidate::assert_reproduces(Path::new(path));
    }
    session
}

/// Stand-in steps for the tests that need a refusal or a retry on demand: they plan, code,
/// "simulate" (write a canonical scene file per seed) and approve after `step_delay`.
/// Themes containing `impossible` are refused; themes containing `retry once` fail their
/// first simulation (so the feedback loop runs).
#[derive(Debug, Clone)]
pub struct StandInSteps {
    /// Delay of each step.
    pub step_delay: Duration,
    /// The plan every session gets (a real procedural plan: the record holds a typed plan).
    pub plan: benchforge::plan::Plan,
}

impl StandInSteps {
    /// Stand-ins with `step_delay` per step.
    pub fn new(step_delay: Duration) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let plan = match rt
            .block_on(ProceduralPlanner.plan(benchforge::agents::PlanRequest::new(
                "a ball must cross a gap between two decks",
            )))
            .unwrap()
            .value
        {
            benchforge::plan::PlanOutcome::Planned(p) => p,
            other => panic!("{other:?}"),
        };
        Self { step_delay, plan }
    }
}

impl Steps for StandInSteps {
    fn plan(&self, session: &Session) -> StepFuture {
        let delay = self.step_delay;
        let theme = session.theme.prompt.clone();
        let plan = self.plan.clone();
        Box::pin(async move {
            tokio::time::sleep(delay).await;
            if theme.contains("impossible") {
                return StepResult::PlanRefused {
                    reason: "unsolvable: the theme says it is impossible".into(),
                    usage: Default::default(),
                    journal: Vec::new(),
                };
            }
            StepResult::Planned {
                plan,
                usage: Default::default(),
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
                script: ScriptDraft {
                    source: format!("// attempt {attempt}\nfn build(seed, scale) {{ scene() }}\n"),
                    attempt,
                    changes: Vec::new(),
                    scale_ranges: Default::default(),
                },
                usage: Default::default(),
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
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("scene.json"), format!("{{\"seed\":{seed}}}")).unwrap();
        }
        StepResult::Simulated {
            report: SimulationReport {
                passed: !fail_first,
                failing_gate: fail_first.then(|| "geometry".into()),
                summary: if fail_first {
                    "seed 0: fixture deck_a overlaps deck_b by 0.004 m".into()
                } else {
                    format!("all gates passed on {} seeds", session.theme.seeds.len())
                },
                report: None,
                artifacts_dir: Some(artifacts_dir.display().to_string()),
                physics: None,
            },
        }
    }

    fn review(&self, _session: &Session) -> StepFuture {
        let delay = self.step_delay;
        Box::pin(async move {
            tokio::time::sleep(delay).await;
            StepResult::Reviewed {
                review: benchforge::agents::Review {
                    round: 0,
                    decision: benchforge::agents::Decision::Approve,
                    comments: vec!["every gate passed".into()],
                    checklist: Vec::new(),
                },
                usage: Default::default(),
                journal: Vec::new(),
            }
        })
    }
}

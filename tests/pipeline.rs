//! The real Simulator step (gates + MJCF + renders + media) on an example script, and the
//! dataset written from it: every file of a variant in DESIGN.md's layout.

mod common;

use std::sync::Arc;

use async_trait::async_trait;
use benchforge::agents::{
    AgentError, Answer, CodeRequest, Coder, PlanRequest, Planner, Review, ReviewRequest, Reviewer,
    ScriptDraft,
};
use benchforge::plan::PlanOutcome;
use benchforge::role::Role;
use benchforge::session::{Session, Stage, StepResult, ThemeSpec};
use benchforge::steps::Steps;

struct Nobody;

fn unsupported(role: Role) -> AgentError {
    AgentError::Unsupported {
        role,
        message: "not used in this test".into(),
    }
}

#[async_trait]
impl Planner for Nobody {
    fn backend(&self) -> String {
        "none".into()
    }
    async fn plan(&self, _r: PlanRequest) -> Result<Answer<PlanOutcome>, AgentError> {
        Err(unsupported(Role::Planner))
    }
}

#[async_trait]
impl Coder for Nobody {
    fn backend(&self) -> String {
        "none".into()
    }
    async fn code(&self, _r: CodeRequest) -> Result<Answer<ScriptDraft>, AgentError> {
        Err(unsupported(Role::Coder))
    }
}

#[async_trait]
impl Reviewer for Nobody {
    fn backend(&self) -> String {
        "none".into()
    }
    async fn review(&self, _r: ReviewRequest) -> Result<Answer<Review>, AgentError> {
        Err(unsupported(Role::Reviewer))
    }
}

#[test]
fn the_simulator_step_writes_every_variant_file_and_the_dataset_keeps_them() {
    let data = common::temp_dir("pipeline");
    let mut config = benchforge::config::Config::with_data_dir(data.clone());
    config.render.width_px = 64;
    config.render.height_px = 48;
    let steps = benchforge::pipeline::AgentSteps::new(
        &config,
        Arc::new(Nobody),
        Arc::new(Nobody),
        Arc::new(Nobody),
    );
    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("actors/coder/examples/ball_gap_bridge.rhai"),
    )
    .unwrap();
    let mut session = Session::new(
        &ThemeSpec {
            prompt: "a ball must cross a gap between two decks".into(),
            count: 1,
            seeds: vec![0, 1],
            scale: None,
            tier: None,
            origin: "test".into(),
        },
        0,
    );
    session.stage = Stage::Simulating { attempt: 1 };
    session.script = Some(ScriptDraft {
        source,
        attempt: 1,
        changes: Vec::new(),
        scale_ranges: Default::default(),
    });
    let artifacts = data.join("work").join("sim");
    let report = match steps.simulate(&session, &artifacts) {
        StepResult::Simulated { report } => report,
        other => panic!("{other:?}"),
    };
    assert!(report.passed, "{}", report.summary);
    for seed in [0, 1] {
        let d = artifacts.join(format!("seed-{seed}"));
        for f in [
            "scene.json",
            "scene.xml",
            "sim.gif",
            "contact_sheet.png",
            "renders/views.json",
        ] {
            assert!(d.join(f).is_file(), "seed {seed}: {f} missing");
        }
        let pngs = std::fs::read_dir(d.join("renders"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "png")
            })
            .count();
        assert_eq!(pngs, 24, "seed {seed}: 24 views");
        let xml = std::fs::read_to_string(d.join("scene.xml")).unwrap();
        assert!(xml.contains("<mujoco"), "{}", &xml[..xml.len().min(200)]);
    }
    // The dataset copies them under variants/.
    session.report = Some(report);
    session.plan = Some(common::engine::StandInSteps::new(Default::default()).plan);
    let dir = benchforge::dataset::write_benchmark(&data, &session).unwrap();
    assert!(dir
        .join("variants/seed-1/renders/view_e45_a090.png")
        .is_file());
    assert!(dir.join("variants/seed-0/sim.gif").is_file());
    let _ = std::fs::remove_dir_all(&data);
}

/// A Coder and a Reviewer that keep the request they are given.
#[derive(Default)]
struct Keeper {
    code: std::sync::Mutex<Option<CodeRequest>>,
    review: std::sync::Mutex<Option<ReviewRequest>>,
}

#[async_trait]
impl Coder for Keeper {
    fn backend(&self) -> String {
        "keeper".into()
    }
    async fn code(&self, r: CodeRequest) -> Result<Answer<ScriptDraft>, AgentError> {
        *self.code.lock().unwrap() = Some(r);
        Err(unsupported(Role::Coder))
    }
}

#[async_trait]
impl Reviewer for Keeper {
    fn backend(&self) -> String {
        "keeper".into()
    }
    async fn review(&self, r: ReviewRequest) -> Result<Answer<Review>, AgentError> {
        *self.review.lock().unwrap() = Some(r);
        Err(unsupported(Role::Reviewer))
    }
}

/// A script that differs from its plan (the plan's deck is 0.4 m wider along y than the
/// script builds it, and it plans a post the script never builds) fails the Simulator's
/// check as gate `plan`, with one line naming the fixture and the dimension; the Coder's next
/// attempt gets those lines as feedback. The same script against its own plan passes and the
/// Reviewer is told there are no differences.
#[test]
fn a_script_that_differs_from_its_plan_gets_feedback_naming_the_fixture_and_the_dimension() {
    use benchforge::agents::procedural::{ProceduralCoder, ProceduralPlanner};
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let theme = "a ball must cross a gap between two decks";
    let plan = match rt
        .block_on(ProceduralPlanner.plan(PlanRequest::new(theme)))
        .unwrap()
        .value
    {
        PlanOutcome::Planned(p) => p,
        other => panic!("{other:?}"),
    };
    let draft = rt
        .block_on(ProceduralCoder.code(CodeRequest {
            plan: plan.clone(),
            attempt: 1,
            feedback: None,
            previous_script: None,
            budget: None,
        }))
        .unwrap()
        .value;
    let data = common::temp_dir("plan-match");
    let mut config = benchforge::config::Config::with_data_dir(data.clone());
    config.render.width_px = 64;
    config.render.height_px = 48;
    let keeper = Arc::new(Keeper::default());
    let steps = benchforge::pipeline::AgentSteps::new(
        &config,
        Arc::new(Nobody),
        keeper.clone(),
        keeper.clone(),
    );
    let mut session = Session::new(
        &ThemeSpec {
            prompt: theme.into(),
            count: 1,
            seeds: vec![0, 1],
            scale: None,
            tier: None,
            origin: "test".into(),
        },
        0,
    );
    session.stage = Stage::Simulating { attempt: 1 };
    session.script = Some(draft);

    // The plan as the script builds it: no differences, and the Reviewer is told so.
    session.plan = Some(plan.clone());
    let report = match steps.simulate(&session, &data.join("work").join("same")) {
        StepResult::Simulated { report } => report,
        other => panic!("{other:?}"),
    };
    assert!(report.passed, "{}", report.summary);
    let limits = benchforge::session::AttemptLimits::default();
    let reviewing =
        benchforge::session::advance(&session, StepResult::Simulated { report }, &limits);
    assert!(
        matches!(reviewing.stage, Stage::Reviewing { .. }),
        "{:?}",
        reviewing.stage
    );
    let _ = rt.block_on(steps.review(&reviewing));
    let asked = keeper
        .review
        .lock()
        .unwrap()
        .take()
        .expect("the reviewer was asked");
    assert_eq!(asked.plan_differences, Vec::<String>::new());

    // A plan the script does not follow.
    let mut other = plan.clone();
    let deck = other
        .fixtures
        .iter_mut()
        .find(|f| f.label.ends_with("deck"))
        .expect("a deck");
    let deck_label = deck.label.clone();
    deck.size_m[1] += 0.4;
    deck.pieces.clear();
    deck.rotation_deg = [0.0; 3];
    let mut post = other.fixtures[0].clone();
    post.label = "fence_post".into();
    other.fixtures.push(post);
    session.plan = Some(other);
    let report = match steps.simulate(&session, &data.join("work").join("differs")) {
        StepResult::Simulated { report } => report,
        other => panic!("{other:?}"),
    };
    assert!(!report.passed);
    assert_eq!(
        report.failing_gate.as_deref(),
        Some("plan"),
        "{}",
        report.summary
    );
    assert!(
        report.summary.contains(&format!(
            "plan: fixture \"{deck_label}\": full size along y is"
        )),
        "{}",
        report.summary
    );
    assert!(
        report
            .summary
            .contains("fixture \"fence_post\" of the plan is missing"),
        "{}",
        report.summary
    );
    let coding = benchforge::session::advance(&session, StepResult::Simulated { report }, &limits);
    assert_eq!(coding.stage, Stage::Coding { attempt: 2 });
    let _ = rt.block_on(steps.code(&coding));
    let asked = keeper
        .code
        .lock()
        .unwrap()
        .take()
        .expect("the coder was asked");
    let feedback = asked.feedback.expect("the second attempt has feedback");
    assert!(
        feedback
            .summary
            .contains(&format!("fixture \"{deck_label}\": full size along y")),
        "{}",
        feedback.summary
    );
    let _ = std::fs::remove_dir_all(data);
}

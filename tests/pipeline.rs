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

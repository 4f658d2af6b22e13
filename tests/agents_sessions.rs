//! Whole sessions in-process (plan → code → validate → render → review) with the procedural
//! agents, the real gates and the real renderer; and the Coder's answer to feedback.

use benchforge::agents::procedural::coder::{write_script, Tuning};
use benchforge::agents::procedural::{
    archetypes, ProceduralCoder, ProceduralPlanner, ProceduralReviewer,
};
use benchforge::agents::run::{run_session, SessionSettings, SessionStatus, Simulator};
use benchforge::agents::simulator::GateSimulator;
use benchforge::agents::{
    CodeRequest, Coder, Decision, Feedback, PlanRequest, Planner, ScriptDraft,
};
use benchforge::journal::render_journal;
use benchforge::plan::PlanOutcome;

/// The seven themes of issue 6's "Done when".
const DONE_WHEN: &[&str] = &[
    "a ball must cross a gap between two decks",
    "drop an ABS sphere from 120 mm onto a 30° deflector ramp so it ends in a side goal bin while avoiding a forbid zone below the spawn",
    "lift a 90 mm ABS ball onto a shelf 250 mm higher",
    "a gate in a wall that the ball must pass",
    "move a steel ball 40mm radius, 1m sideways",
    "a 60 mm HDPE cube must cross a 180 mm gap",
    "drop a ball into a lower bin past a shield",
];

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

#[test]
fn the_seven_done_when_themes_are_accepted_with_renders_reviewed() {
    let rt = rt();
    let sim = GateSimulator::with_renders(160, 120);
    for theme in DONE_WHEN {
        let out = rt.block_on(run_session(
            theme,
            &ProceduralPlanner,
            &ProceduralCoder,
            &ProceduralReviewer::default(),
            &sim,
            &SessionSettings::default(),
        ));
        assert_eq!(
            out.status,
            SessionStatus::Accepted,
            "{theme}: {:#?}\n{:#?}",
            out.attempts,
            out.reviews
        );
        let report = out.report.as_ref().unwrap();
        assert!(report.passed());
        assert_eq!(report.seeds.len(), 8);
        assert!(report
            .seeds
            .iter()
            .all(|s| s.solution.as_ref().is_some_and(|r| r.reached_goal)));
        let review = out.reviews.last().unwrap();
        assert_eq!(review.decision, Decision::Approve);
        let vis = review
            .checklist
            .iter()
            .find(|c| c.item.contains("visible"))
            .unwrap();
        assert!(
            vis.passed && vis.note.contains("/24"),
            "{theme}: {}",
            vis.note
        );
        let md = review.to_markdown();
        assert!(md.starts_with("---\nround: 1\ndecision: approve\n"));
        let journal = render_journal(theme, &out.journal);
        assert!(journal.contains("planner — plan attempt 1"));
        assert!(journal.contains("coder — code attempt 1"));
        assert!(journal.contains("reviewer — review round 1"));
    }
}

#[test]
fn the_coder_answers_an_overlap_by_widening_the_clearance() {
    let rt = rt();
    let plan = match rt
        .block_on(ProceduralPlanner.plan(PlanRequest::new(
            "a ball must cross a gap between two decks",
        )))
        .unwrap()
        .value
    {
        PlanOutcome::Planned(p) => p,
        PlanOutcome::Refused(r) => panic!("{r:?}"),
    };
    // A first draft whose chute cuts 1 cm into the start deck.
    let mut bad = Tuning::initial(&plan);
    bad.clear_m = -0.01;
    let archetype = archetypes::by_id(&plan.archetype).unwrap();
    let draft = ScriptDraft {
        source: write_script(&plan, archetype, &bad, 1),
        attempt: 1,
        changes: vec![],
        scale_ranges: plan.scale_ranges,
    };
    let sim = GateSimulator::gates_only();
    let report = sim.validate(&draft, 8).unwrap();
    assert!(!report.passed());
    let rules: Vec<String> = report
        .seeds
        .iter()
        .flat_map(|s| {
            s.failures()
                .flat_map(|g| g.findings.iter().map(|f| f.rule.clone()))
        })
        .collect();
    assert!(rules.iter().any(|r| r.contains("overlap")), "{rules:?}");
    let revised = rt
        .block_on(ProceduralCoder.code(CodeRequest {
            plan,
            attempt: 2,
            feedback: Some(Feedback {
                summary: "overlaps".into(),
                report: Some(report),
                review_comments: vec![],
            }),
            previous_script: Some(draft),
        }))
        .unwrap();
    let revised_draft = revised.value;
    assert!(
        revised_draft
            .changes
            .iter()
            .any(|c| c.contains("clearance")),
        "{:?}",
        revised_draft.changes
    );
    assert!(revised.journal[0].step.contains("attempt 2"));
    assert!(sim.validate(&revised_draft, 8).unwrap().passed());
}

#[test]
fn a_refused_theme_ends_the_session_with_the_refusal() {
    let out = rt().block_on(run_session(
        "a 2 m ball into a 10 cm cup",
        &ProceduralPlanner,
        &ProceduralCoder,
        &ProceduralReviewer::default(),
        &GateSimulator::gates_only(),
        &SessionSettings::default(),
    ));
    match out.status {
        SessionStatus::Refused(r) => assert_eq!(r.code.name(), "contradictory"),
        other => panic!("{other:?}"),
    }
    assert!(out.script.is_none());
}

#[test]
fn boxes_and_cylinders_are_accepted_too() {
    let rt = rt();
    for theme in [
        "an aluminium cylinder r 35 x 120 must pass under a low bar",
        "a 50 mm wooden cube through a window in a wall",
        "a rubber cube onto a shelf",
        "a glass puck over a speed bump",
    ] {
        let out = rt.block_on(run_session(
            theme,
            &ProceduralPlanner,
            &ProceduralCoder,
            &ProceduralReviewer::default(),
            &GateSimulator::gates_only(),
            &SessionSettings::default(),
        ));
        assert_eq!(
            out.status,
            SessionStatus::Accepted,
            "{theme}: {:#?}",
            out.attempts
        );
    }
}

/// A Planner that picks the wrong archetype on its first attempt, then plans properly.
struct WrongFirst;

#[async_trait::async_trait]
impl Planner for WrongFirst {
    fn backend(&self) -> String {
        "wrong-first".into()
    }
    async fn plan(
        &self,
        request: PlanRequest,
    ) -> Result<benchforge::agents::Answer<PlanOutcome>, benchforge::agents::AgentError> {
        if request.attempt > 1 {
            assert!(
                !request.comments.is_empty(),
                "re-plan carries the review comments"
            );
            return ProceduralPlanner.plan(request).await;
        }
        let read = benchforge::agents::procedural::theme::read(&request.theme);
        let wrong = archetypes::by_id("speed_bump").unwrap();
        let plan =
            benchforge::agents::procedural::planner::build_plan(&request.theme, &read, wrong, 1);
        Ok(benchforge::agents::Answer::free(
            PlanOutcome::Planned(plan),
            vec![],
        ))
    }
}

#[test]
fn a_plan_of_the_wrong_archetype_goes_back_to_the_planner() {
    let out = rt().block_on(run_session(
        "a ball must cross a gap between two decks",
        &WrongFirst,
        &ProceduralCoder,
        &ProceduralReviewer::default(),
        &GateSimulator::gates_only(),
        &SessionSettings::default(),
    ));
    assert_eq!(out.status, SessionStatus::Accepted, "{:#?}", out.reviews);
    assert_eq!(out.reviews.len(), 2);
    assert_eq!(out.reviews[0].decision, Decision::RejectToPlanner);
    assert!(out.reviews[0].comments[0].contains("gap_crossing"));
    assert_eq!(out.reviews[1].decision, Decision::Approve);
    assert_eq!(out.plan.unwrap().archetype, "gap_crossing");
}

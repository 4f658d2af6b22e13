//! The procedural Planner on its own: theme reading into plans, the generic fallback,
//! refusals with reason codes, and the plan's markdown renderers.

use benchforge::agents::procedural::ProceduralPlanner;
use benchforge::agents::{PlanRequest, Planner};
use benchforge::plan::{PayloadShape, Plan, PlanOutcome, RefusalCode};
use benchforge::scene::Material;

fn plan(theme: &str) -> PlanOutcome {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(ProceduralPlanner.plan(PlanRequest::new(theme)))
        .unwrap()
        .value
}

fn planned(theme: &str) -> Plan {
    match plan(theme) {
        PlanOutcome::Planned(p) => p,
        PlanOutcome::Refused(r) => panic!("{theme}: refused {r:?}"),
    }
}

#[test]
fn a_theme_that_fits_no_archetype_yields_a_generic_plan() {
    let p = planned("get the thing from here to there");
    assert_eq!(p.archetype, "generic");
    assert!(p.fixtures.iter().any(|f| f.label == "obstacle"));
    assert!(p.zones.goal.volume_m3() > 0.0);
}

#[test]
fn an_impossible_theme_is_refused_with_its_reason_code() {
    match plan("a 2 m ball into a 10 cm cup") {
        PlanOutcome::Refused(r) => {
            assert_eq!(r.code, RefusalCode::Contradictory);
            assert!(
                r.reason.contains("2.000 m") && r.reason.contains("0.100 m"),
                "{}",
                r.reason
            );
        }
        PlanOutcome::Planned(p) => panic!("planned {}", p.archetype),
    }
    match plan("move a steel ball 5 m sideways") {
        PlanOutcome::Refused(r) => assert_eq!(r.code, RefusalCode::Unsolvable, "{}", r.reason),
        PlanOutcome::Planned(p) => panic!("planned {}", p.archetype),
    }
    match plan("ball") {
        PlanOutcome::Refused(r) => assert_eq!(r.code, RefusalCode::Ambiguous),
        PlanOutcome::Planned(p) => panic!("planned {}", p.archetype),
    }
    match plan("roll a ball down an 89° ramp") {
        PlanOutcome::Refused(r) => assert_eq!(r.code, RefusalCode::Contradictory),
        PlanOutcome::Planned(p) => panic!("planned {}", p.archetype),
    }
}

#[test]
fn the_themes_numbers_reach_the_plan() {
    let p = planned("move a steel ball 40mm radius, 1m sideways");
    assert_eq!(p.archetype, "sideways_move");
    assert_eq!(p.payload.material, Material::Steel);
    assert_eq!(p.payload.shape, PayloadShape::Sphere { radius_m: 0.04 });
    let d = p.parameter("distance_m").unwrap();
    assert!((d.nominal - 1.0).abs() < 1e-9 && d.min < 1.0 && d.max > 1.0);
    // The theme pinned the horizontal distance, so the x scale is pinned too.
    assert_eq!(p.scale_ranges.x, [1.0, 1.0]);

    let c = planned("a 60 mm HDPE cube must cross a 180 mm gap");
    assert_eq!(c.archetype, "gap_crossing");
    assert_eq!(c.payload.shape, PayloadShape::Box { size_m: [0.06; 3] });
    assert!((c.parameter("gap_m").unwrap().nominal - 0.18).abs() < 1e-9);

    let s = planned("lift a 90 mm ABS ball onto a shelf 250 mm higher");
    assert_eq!(s.archetype, "shelf_lift");
    assert!((s.parameter("shelf_height_m").unwrap().nominal - 0.25).abs() < 1e-9);
    let shelf = s.fixtures.iter().find(|f| f.label == "shelf").unwrap();
    assert!(
        (shelf.size_m[2] - 0.25).abs() < 1e-6,
        "shelf {:?}",
        shelf.size_m
    );

    let d = planned("drop an ABS sphere from 120 mm onto a 30° deflector ramp so it ends in a side goal bin while avoiding a forbid zone below the spawn");
    assert_eq!(d.archetype, "deflector_side_bin");
    assert!((d.parameter("path_angle_deg").unwrap().nominal - 30.0).abs() < 1e-9);
    assert!((d.parameter("drop_m").unwrap().nominal - 0.12).abs() < 1e-9);
    assert_eq!(d.zones.forbid.len(), 1);

    let cyl = planned("an aluminium cylinder r 35 x 120 must pass under a low bar");
    assert_eq!(cyl.payload.material, Material::Aluminium);
    // Read as radius 35 mm and length 120 mm; a standing cylinder that tall topples off
    // its start support, so the plan caps the length and says so.
    assert_eq!(
        cyl.payload.shape,
        PayloadShape::Cylinder {
            radius_m: 0.035,
            length_m: 0.035 * 2.2
        }
    );
    assert!(cyl
        .difficulty
        .reasons
        .iter()
        .any(|r| r.contains("120 mm was capped to 77 mm")));
}

#[test]
fn difficulty_is_in_range_with_reasons_and_every_parameter_has_a_range() {
    for theme in [
        "a ball must cross a gap between two decks",
        "a 60 mm HDPE cube must cross a 180 mm gap",
        "a ball pushes through a hinged flap",
    ] {
        let p = planned(theme);
        assert!((0.0..=1.0).contains(&p.difficulty.score));
        assert!(!p.difficulty.reasons.is_empty());
        assert!(p.parameters.len() >= 3);
        for q in &p.parameters {
            assert!(q.min <= q.nominal && q.nominal <= q.max, "{q:?}");
        }
    }
    let ball = planned("a ball must cross a 180 mm gap");
    let cube = planned("a 60 mm HDPE cube must cross a 180 mm gap");
    assert!(
        cube.difficulty.score > ball.difficulty.score,
        "a sliding cube is harder"
    );
}

#[test]
fn plan_md_and_todo_md_have_their_sections() {
    let p = planned("a gate in a wall that the ball must pass");
    let md = p.to_markdown();
    for section in [
        "## Learning objective",
        "## Geometry",
        "## Payload",
        "## Objectives",
        "## Randomization",
        "## Difficulty",
    ] {
        assert!(md.contains(section), "missing {section}");
    }
    assert!(md.contains("`wall`"));
    assert!(md.contains("| `path_angle_deg` |"));
    let todo = p.todo_markdown(&[true]);
    assert!(todo.starts_with("# To do"));
    assert!(todo.contains("- [x] (coder)"));
    assert!(todo.contains("- [ ] (reviewer)"));
}

#[test]
fn plans_survive_a_bincode_round_trip() {
    let p = planned("a ball pushes through a hinged flap");
    let outcome = PlanOutcome::Planned(p);
    let bytes = bincode::serde::encode_to_vec(&outcome, bincode::config::standard()).unwrap();
    let (back, _): (PlanOutcome, usize) =
        bincode::serde::decode_from_slice(&bytes, bincode::config::standard()).unwrap();
    assert_eq!(back, outcome);
}

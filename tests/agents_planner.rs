//! The procedural Planner on its own: theme intents into plans with every stated number
//! pinned, honest refusals (no fallback scene) with reason codes, and the plan's markdown
//! renderers.

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
fn a_theme_no_archetype_embodies_is_refused_never_replaced() {
    match plan("get the thing from here to there") {
        PlanOutcome::Refused(r) => {
            assert_eq!(r.code, RefusalCode::Ambiguous);
            assert!(r.reason.contains("names no payload"), "{}", r.reason);
        }
        PlanOutcome::Planned(p) => panic!("planned {}", p.archetype),
    }
    match plan("a gear train must turn an output shaft by 90°") {
        PlanOutcome::Refused(r) => {
            assert_eq!(r.code, RefusalCode::NeedsCapability);
            assert!(
                r.line()
                    .starts_with("refused (needs_capability): needs a gear mechanism; available: "),
                "{}",
                r.line()
            );
        }
        PlanOutcome::Planned(p) => panic!("planned {}", p.archetype),
    }
    // The task is never inverted: a rise is the motorized lift, never a chute down; what
    // the lift cannot raise honestly is refused with the reason.
    match plan("lift a 90 mm ABS ball onto a shelf 250 mm higher") {
        PlanOutcome::Planned(p) => {
            assert_eq!(p.archetype, "motor_lift");
            let rise = p.parameter("rise_m").expect("the rise is a parameter");
            assert_eq!(
                (rise.min, rise.max),
                (0.25, 0.25),
                "the stated rise is exact"
            );
            assert!(
                p.parameter("path_angle_deg").is_none(),
                "a lift has no path angle"
            );
        }
        PlanOutcome::Refused(r) => panic!("refused {}", r.line()),
    }
    for (theme, reason) in [
        (
            "lift a 50 mm HDPE cube onto a shelf 200 mm higher",
            "needs a lift for a cube",
        ),
        (
            "lift a 90 mm ABS ball onto a shelf 900 mm higher",
            "a rise of 0.90 m is beyond the lift's reach",
        ),
        (
            "lift a 10 mm steel ball onto a shelf 200 mm higher",
            "at least 0.020 m in diameter",
        ),
        (
            "lift a ball 200 mm up over a speed bump",
            "needs a lift combined with",
        ),
    ] {
        match plan(theme) {
            PlanOutcome::Refused(r) => {
                assert!(r.reason.contains(reason), "{theme}: {}", r.line())
            }
            PlanOutcome::Planned(p) => panic!("{theme}: planned {}", p.archetype),
        }
    }
    assert!(benchforge::agents::procedural::archetypes::by_id("generic").is_none());
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
    // Stated: exact in every variant, and the x scale is pinned too.
    assert_eq!((d.nominal, d.min, d.max), (1.0, 1.0, 1.0));
    assert_eq!(p.scale_ranges.x, [1.0, 1.0]);
    assert_eq!(p.payload.size_factor_range, [1.0, 1.0]);

    let c = planned("a 60 mm HDPE ball must cross a 180 mm gap");
    assert_eq!(c.archetype, "gap_crossing");
    assert_eq!(c.payload.shape, PayloadShape::Sphere { radius_m: 0.03 });
    let gap = c.parameter("gap_m").unwrap();
    assert!((gap.nominal - 0.18).abs() < 1e-9 && gap.min == gap.max);

    let s = planned("a 90 mm ABS ball onto a shelf 250 mm high");
    assert_eq!(s.archetype, "shelf_lift");
    assert_eq!(s.payload.shape, PayloadShape::Sphere { radius_m: 0.045 });
    assert!((s.parameter("shelf_height_m").unwrap().nominal - 0.25).abs() < 1e-9);
    let shelf = s.fixtures.iter().find(|f| f.label == "shelf").unwrap();
    assert!(
        (shelf.size_m[2] - 0.25).abs() < 1e-6,
        "shelf {:?}",
        shelf.size_m
    );

    let d = planned("drop an ABS sphere from 120 mm onto a 30° deflector ramp so it ends in a side goal bin while avoiding a forbid zone below the spawn");
    assert_eq!(d.archetype, "deflector_side_bin");
    let angle = d.parameter("path_angle_deg").unwrap();
    assert_eq!((angle.min, angle.max), (30.0, 30.0));
    assert!((d.parameter("fall_m").unwrap().nominal - 0.12).abs() < 1e-9);
    assert_eq!(d.zones.forbid.len(), 1);

    // A number without a unit is never guessed.
    match plan("an aluminium cylinder r 35 x 120 must pass under a low bar") {
        PlanOutcome::Refused(r) => {
            assert_eq!(r.code, RefusalCode::UnplacedNumber);
            assert!(r.reason.contains("\"35\" has no unit"), "{}", r.reason);
        }
        PlanOutcome::Planned(p) => panic!("planned {:?}", p.payload.shape),
    }
}

#[test]
fn difficulty_is_in_range_with_reasons_and_every_parameter_has_a_range() {
    for theme in [
        "a ball must cross a gap between two decks",
        "a 60 mm HDPE ball must cross a 180 mm gap",
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
    let heavy = planned("a 60 mm steel ball must cross a 180 mm gap");
    assert!(
        heavy.difficulty.score > ball.difficulty.score,
        "a heavy ball carries momentum into the bin: harder"
    );
}

/// A box or cylinder on a bent path tumbles at the bend on many seeds: refused up front with
/// the reason, never planned into a benchmark that would be refused as fragile.
#[test]
fn a_box_on_a_bent_path_is_refused_with_the_reason() {
    for theme in [
        "a 60 mm HDPE cube must cross a 180 mm gap",
        "a glass puck over a speed bump",
    ] {
        match plan(theme) {
            PlanOutcome::Refused(r) => {
                assert_eq!(r.code, RefusalCode::NeedsCapability, "{theme}");
                assert!(
                    r.reason.contains("stays upright down the steep drop")
                        && r.reason.contains("ask for a ball"),
                    "{theme}: {}",
                    r.reason
                );
            }
            PlanOutcome::Planned(p) => panic!("{theme}: planned {}", p.archetype),
        }
    }
}

#[test]
fn plan_md_and_todo_md_have_their_sections() {
    let p = planned("a gate in a wall that the ball must pass");
    let md = p.to_markdown();
    for section in [
        "## Intent",
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
    assert!(
        md.contains("- goal: into the bin") || md.contains("- on the way: through the window"),
        "{md}"
    );
    assert!(md.contains("Deviations allowed: no"), "{md}");
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

/// The checks an LLM plan must pass before any code is written hold for every procedural plan
/// too, among them that no two planned fixtures interpenetrate; and a plan whose fixtures
/// overlap is refused naming both.
#[test]
fn procedural_plans_pass_the_plan_checks_and_an_overlap_is_named() {
    use benchforge::agents::llm::planner::validate_plan;
    for theme in [
        "a ball must cross a gap between two decks",
        "a 60 mm HDPE ball must cross a 180 mm gap",
        "a ball pushes through a hinged flap",
        "a gate in a wall that the ball must pass",
        "a ball onto a shelf",
        "a ball must roll over a speed bump into the bin",
    ] {
        let p = planned(theme);
        validate_plan(&p).unwrap_or_else(|e| panic!("{theme}: {e}"));
    }
    let mut p = planned("a ball must cross a gap between two decks");
    assert!(p.fixtures.len() >= 2, "{:?}", p.fixtures);
    let mut intruder = p.fixtures[0].clone();
    intruder.label = "intruder".into();
    p.fixtures.push(intruder);
    let err = validate_plan(&p).unwrap_err();
    assert!(
        err.contains(&format!(
            "{:?} and \"intruder\" overlap",
            p.fixtures[0].label
        )),
        "{err}"
    );
}

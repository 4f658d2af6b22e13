//! Gate 6 feedback that diagnoses: for a scene built to cause each class, the real rapier
//! run with the reference solution gives a `solution_misses_goal` finding that names the
//! cause with its numbers — the payload never moved; it stopped short because its centre
//! never rose to the goal (not enough energy); it rolled back and left the bounds — and the
//! failure summary keeps every failing seed, compacted rather than cut.

mod common;

use benchforge::gates::solvable::{check_solvable, diagnose_miss, MissCause, NEVER_MOVED_M};
use benchforge::physics::PhysicsSettings;
use benchforge::pipeline::summarize;
use benchforge::report::{Finding, GateId, GateResult, SeedReport, ValidationReport};
use benchforge::scene::{Aabb, BodyKind, Scene};
use common::scenes::*;

/// The gate-6 finding `rule` of a run, its message.
fn finding(gate: &GateResult, rule: &str) -> String {
    gate.findings
        .iter()
        .find(|f| f.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {gate:?}"))
        .message
        .clone()
}

/// The number right after `prefix` in `text`.
fn number_after(text: &str, prefix: &str) -> f64 {
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix:?} in {text}"))
        + prefix.len();
    let tail: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
        .collect();
    tail.parse()
        .unwrap_or_else(|_| panic!("no number after {prefix:?} in {text}"))
}

/// Gate 6 on `scene` with no solution parts and the default physics: the check, and the
/// message of its `solution_misses_goal` finding.
fn missed_without_parts(
    scene: &benchforge::scene::Scene,
) -> (benchforge::gates::solvable::SolutionCheck, String) {
    let check = check_solvable(scene, &spawn(scene), &[], &PhysicsSettings::default(), None);
    let message = finding(&check.gate, "solution_misses_goal");
    (check, message)
}

#[test]
fn a_payload_resting_on_the_solution_never_moved() {
    let scene = pit();
    // A plate 1 mm under the ball: it settles onto it and stays put.
    let plate = fixed_box("plate", [0.3, 0.3, 0.02], [-0.5, 0.0, 0.239]);
    let check = check_solvable(
        &scene,
        &spawn(&scene),
        &[plate],
        &PhysicsSettings::default(),
        None,
    );
    assert_eq!(check.gate.gate, GateId::Solvable);
    let message = finding(&check.gate, "solution_misses_goal");
    assert!(message.contains("the payload never moved"), "{message}");
    assert!(
        number_after(&message, "stayed within ") < NEVER_MOVED_M,
        "{message}"
    );
    assert!(
        message.contains("gravity, joint motors and springs are the only energy sources"),
        "{message}"
    );
    let outcome = check.outcome.unwrap();
    assert!(matches!(
        diagnose_miss(&scene, &outcome, &check.motions).cause,
        MissCause::NeverMoved { .. }
    ));
}

#[test]
fn a_goal_above_the_payloads_start_is_stopped_short_for_want_of_energy() {
    let mut scene = pit();
    // The goal floats 0.15 m above the ball's start (centre z = 0.3 m).
    scene.goal_zone = Aabb::new([0.3, -0.5, 0.45], [0.7, 0.5, 0.6]);
    let check = check_solvable(
        &scene,
        &spawn(&scene),
        &[ramp("ramp", true)],
        &PhysicsSettings::default(),
        None,
    );
    let message = finding(&check.gate, "solution_misses_goal");
    assert!(message.contains("stopped"), "{message}");
    assert!(message.contains("not enough energy"), "{message}");
    let highest = number_after(&message, "rose at most to z = ");
    assert!(
        (highest - 0.3).abs() < 0.01,
        "the start is the highest point: {message}"
    );
    assert_eq!(number_after(&message, "the goal zone starts at z = "), 0.45);
    let outcome = check.outcome.unwrap();
    let short = number_after(&message, "stopped ");
    assert!(
        (short - outcome.payload_distance_to_goal_m).abs() < 0.001,
        "{message}"
    );
}

/// A chute from which the ball shoots onto a long floor, an up-ramp toward a goal higher
/// than the ball can climb, and nothing at the floor's far (-x) end.
fn roll_back_scene() -> Scene {
    Scene {
        bounds: Aabb::new([-1.0, -0.6, -0.4], [1.2, 0.6, 1.0]),
        fixtures: vec![
            boxed(
                "chute",
                BodyKind::Fixed,
                [0.6, 0.3, 0.02],
                [-0.5, 0.0, 0.40],
                [0.0, 20.0, 0.0],
            ),
            fixed_box("floor", [1.25, 0.6, 0.1], [-0.325, 0.0, -0.05]),
            boxed(
                "climb",
                BodyKind::Fixed,
                [0.9, 0.6, 0.02],
                [0.69, 0.0, 0.215],
                [0.0, -30.0, 0.0],
            ),
        ],
        joints: vec![],
        springs: vec![],
        payload: ball([-0.65, 0.0, 0.53]),
        goal_zone: Aabb::new([0.95, -0.3, 0.5], [1.15, 0.3, 0.7]),
        forbid_zones: vec![],
        build_zone: Aabb::new([-0.9, -0.5, 0.0], [1.1, 0.5, 0.8]),
    }
}

#[test]
fn a_payload_that_rolls_back_out_of_the_bounds_is_told_so_not_to_add_a_rim() {
    let scene = roll_back_scene();
    let (check, message) = missed_without_parts(&scene);
    assert!(
        message.contains("then rolled back and left the bounds through"),
        "{message}"
    );
    assert!(message.contains("not enough energy"), "{message}");
    let toward = number_after(&message, "the payload got ");
    assert!(
        toward > 0.5,
        "it went a good way toward the goal first: {message}"
    );
    assert!(message.contains(" m/s"), "{message}");
    // The bounds finding keeps its rule but no longer asks for a rim.
    let exit = finding(&check.gate, "left_bounds");
    assert!(exit.contains("rolled back out of the bounds"), "{exit}");
    assert!(!exit.contains("add a floor, wall or rim"), "{exit}");
    let outcome = check.outcome.unwrap();
    match diagnose_miss(&scene, &outcome, &check.motions).cause {
        MissCause::RolledBack {
            best_progress_m,
            exit_speed_mps,
            ..
        } => {
            assert!((best_progress_m - toward).abs() < 0.001);
            assert!(
                exit_speed_mps > 0.1,
                "it was still rolling: {exit_speed_mps}"
            );
        }
        other => panic!("{other:?}: {message}"),
    }
}

fn failing_seed(seed: u64, message: &str) -> SeedReport {
    SeedReport {
        seed,
        scale: [1.0, 1.0, 1.0],
        scene_hash: None,
        payload_spawn: None,
        has_solution: true,
        gates: vec![GateResult::from_findings(
            GateId::Solvable,
            vec![Finding::new("solution_misses_goal", message)],
        )],
        passive: None,
        solution: None,
    }
}

fn report(seeds: Vec<SeedReport>) -> ValidationReport {
    ValidationReport {
        script_hash: "h".into(),
        seeds,
        randomized: GateResult::from_findings(GateId::Randomized, vec![]),
    }
}

#[test]
fn the_summary_keeps_every_failing_seed_with_its_numbers_and_the_advice_once() {
    let seeds: Vec<SeedReport> = (0..8)
        .map(|k| {
            failing_seed(
                k,
                &format!(
                    "with the reference solution the payload stopped 0.1{k} m short of the goal zone; not enough energy: start it higher"
                ),
            )
        })
        .collect();
    let (gate, summary) = summarize(&report(seeds));
    assert_eq!(gate.as_deref(), Some(GateId::Solvable.name()));
    let lines: Vec<&str> = summary.lines().collect();
    assert_eq!(lines.len(), 8, "{summary}");
    for (k, line) in lines.iter().enumerate() {
        assert!(
            line.starts_with(&format!("seed {k} ")) && line.contains(&format!("0.1{k} m short")),
            "{summary}"
        );
    }
    assert_eq!(summary.matches("start it higher").count(), 1, "{summary}");
}

#[test]
fn past_its_line_budget_the_summary_counts_the_rest_by_rule_and_seed() {
    let seeds: Vec<SeedReport> = (0..40)
        .map(|k| failing_seed(k, &format!("stopped 0.{k:02} m short; advice")))
        .collect();
    let (_, summary) = summarize(&report(seeds));
    let lines: Vec<&str> = summary.lines().collect();
    assert!(lines.len() <= 24, "{summary}");
    let last = lines.last().unwrap();
    assert!(
        last.starts_with("also: solution_misses_goal on seeds 23, 24"),
        "{last}"
    );
    assert!(last.ends_with("39"), "every seed is accounted for: {last}");
}

/// A tall wooden box (60 mm × 60 mm base, 300 mm tall) dropped upright onto the pit scene's
/// 20° ramp: it lands on its uphill edge, leans downhill and falls over (tan 20° > 60/300).
/// A dynamic marble on the same ramp rolls away beside it.
fn tipping_scene() -> Scene {
    let mut scene = pit();
    scene.payload = benchforge::scene::Payload {
        shape: benchforge::scene::Shape::Box {
            size_m: [0.06, 0.06, 0.3],
        },
        size_factor_range: [1.0, 1.0],
        material: benchforge::scene::Material::Wood,
        start_m: [-0.5, -0.05, 0.30],
        jitter_m: [0.0; 3],
    };
    scene.fixtures.push(ramp("ramp", true));
    let mut marble = dynamic_box("marble", [0.0; 3], [-0.6, 0.1, 0.195]);
    marble.parts[0].shape = benchforge::scene::Shape::Sphere { radius_m: 0.03 };
    scene.fixtures.push(marble);
    scene
}

#[test]
fn a_tall_box_that_falls_over_is_told_it_tipped_over_with_the_angle_and_the_other_parts_motion() {
    let scene = tipping_scene();
    let (check, message) = missed_without_parts(&scene);
    assert!(message.contains("the payload tipped over"), "{message}");
    let tilt = number_after(&message, "z axis tilted ");
    assert!(tilt > 45.0, "{message}");
    let payload = check
        .motions
        .iter()
        .find(|m| m.label == benchforge::physics::PAYLOAD_LABEL)
        .expect("the payload's motion");
    assert!((payload.tilt_deg - tilt).abs() < 0.5, "{message}");
    // The marble's motion is reported, in metres, with the number the run measured.
    let marble = check
        .motions
        .iter()
        .find(|m| m.label == "marble")
        .expect("the marble's motion");
    assert!(marble.moved_m > 0.05, "the marble rolled: {marble:?}");
    let reported = number_after(&message, "\"marble\" moved ");
    assert!((reported - marble.moved_m).abs() < 0.001, "{message}");
    assert!(matches!(
        diagnose_miss(&scene, check.outcome.as_ref().unwrap(), &check.motions).cause,
        MissCause::TippedOver { .. }
    ));

    // The same run with a ball for payload: a rolling ball turns, but it never tips over.
    let mut rolling = scene.clone();
    rolling.payload.shape = benchforge::scene::Shape::Sphere { radius_m: 0.03 };
    let check = check_solvable(
        &rolling,
        &spawn(&rolling),
        &[],
        &PhysicsSettings::default(),
        None,
    );
    if let Some(f) = check
        .gate
        .findings
        .iter()
        .find(|f| f.rule == "solution_misses_goal")
    {
        assert!(!f.message.contains("tipped over"), "{}", f.message);
    }
}

//! Gates 3–6 on hand-built scenes: one that passes everything, and for each rule a scene
//! built to break exactly it, checking the finding names the parts and carries the numbers.

mod common;

use benchforge::gates::geometry::check_geometry;
use benchforge::gates::physical::run_physical_gates;
use benchforge::gates::physics::{check_physics, stability_findings};
use benchforge::physics::{build_world, simulate, FixedDrift, PhysicsSettings};
use benchforge::report::{GateId, GateResult};
use benchforge::scene::{BodyKind, Material, Solution};
use common::scenes::*;

fn rules(gate: &GateResult) -> Vec<&str> {
    gate.findings.iter().map(|f| f.rule.as_str()).collect()
}

fn message<'a>(gate: &'a GateResult, rule: &str) -> &'a str {
    &gate
        .findings
        .iter()
        .find(|f| f.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {gate:?}"))
        .message
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

#[test]
fn the_pit_scene_with_a_ramp_passes_gates_3_to_6() {
    let scene = pit();
    let solution = vec![ramp("ramp", true)];
    let out = run_physical_gates(
        &scene,
        &spawn(&scene),
        Some(&Solution::of_parts(solution.clone())),
        &PhysicsSettings::default(),
        None,
    );
    let ids: Vec<GateId> = out.gates.iter().map(|g| g.gate).collect();
    assert_eq!(
        ids,
        vec![
            GateId::Geometry,
            GateId::Physics,
            GateId::NonTrivial,
            GateId::Solvable
        ]
    );
    assert!(out.passed(), "{:#?}", out.gates);
    let passive = out.passive.unwrap();
    assert!(passive.settle_time_s.unwrap() < 3.0, "{passive:?}");
    assert!(!passive.payload_in_goal);
    assert!(
        (passive.payload_final_m[2] - 0.05).abs() < 0.005,
        "{passive:?}"
    );
    let solution = out.solution.unwrap();
    assert!(
        solution.reached_goal && solution.time_to_goal_s.is_some(),
        "{solution:?}"
    );
    assert_eq!(solution.payload_distance_to_goal_m, 0.0);
}

#[test]
fn overlapping_fixtures_fail_geometry_with_the_pair_and_depth() {
    let scene = overlapping_pair(0.05);
    let gate = check_geometry(&scene, &spawn(&scene), &PhysicsSettings::default());
    assert_eq!(rules(&gate), vec!["fixtures_overlap"]);
    let msg = message(&gate, "fixtures_overlap");
    assert!(msg.contains("\"block_a\" and \"block_b\""), "{msg}");
    assert!(
        (number_after(msg, "interpenetrate by ") - 0.05).abs() < 1e-3,
        "{msg}"
    );
    // Touching is fine.
    let touching = overlapping_pair(0.0);
    assert!(check_geometry(&touching, &spawn(&touching), &PhysicsSettings::default()).passed);
}

#[test]
fn jointed_parts_may_overlap() {
    let mut scene = overlapping_pair(0.05);
    scene.fixtures[4].body = BodyKind::Dynamic;
    scene.joints.push(hinge(
        "block_a",
        "block_b",
        [0.0, 0.3, 0.1],
        Some([-10.0, 10.0]),
    ));
    let gate = check_geometry(&scene, &spawn(&scene), &PhysicsSettings::default());
    assert!(gate.passed, "{gate:?}");
}

#[test]
fn a_payload_spawning_inside_a_fixture_fails_geometry() {
    let mut scene = pit();
    scene.payload.start_m = [-0.5, 0.0, 0.02];
    let gate = check_geometry(&scene, &spawn(&scene), &PhysicsSettings::default());
    assert_eq!(rules(&gate), vec!["payload_overlaps_fixture"]);
    let msg = message(&gate, "payload_overlaps_fixture");
    assert!(msg.contains("\"floor\""), "{msg}");
    // Ball bottom at z = -0.03 in a floor whose top is z = 0.
    assert!((number_after(msg, "by ") - 0.03).abs() < 1e-3, "{msg}");
}

#[test]
fn a_fixture_outside_the_bounds_fails_geometry_with_side_and_distance() {
    let mut scene = pit();
    scene
        .fixtures
        .push(fixed_box("beam", [0.4, 0.1, 0.1], [1.1, 0.0, 0.5]));
    let gate = check_geometry(&scene, &spawn(&scene), &PhysicsSettings::default());
    assert_eq!(rules(&gate), vec!["fixture_outside_bounds"]);
    let msg = message(&gate, "fixture_outside_bounds");
    assert!(
        msg.contains("\"beam\"") && msg.contains("through +x by 0.1000 m"),
        "{msg}"
    );
}

#[test]
fn a_goal_filled_by_a_block_fails_geometry() {
    let mut scene = pit();
    scene
        .fixtures
        .push(fixed_box("plug", [0.38, 1.0, 0.15], [0.5, 0.0, -0.125]));
    let gate = check_geometry(&scene, &spawn(&scene), &PhysicsSettings::default());
    assert_eq!(rules(&gate), vec!["goal_obstructed"]);
    let msg = message(&gate, "goal_obstructed");
    assert!(msg.contains("\"plug\""), "{msg}");
    assert!(number_after(msg, "") > 50.0, "{msg}");
}

#[test]
fn a_joint_snapping_to_its_limits_explodes_and_the_energy_detector_says_so() {
    // A steel sled on a slider whose limits (0.3..0.5 m) exclude its start: the joint yanks
    // it 0.3 m sideways. Nothing falls, so every joule of that motion comes from nowhere —
    // caught by the energy balance while the speed stays far below 100 m/s. Gate 3 passes.
    let scene = sled_on_rail([0.3, 0.5], None);
    let settings = PhysicsSettings::default();
    assert!(check_geometry(&scene, &spawn(&scene), &settings).passed);
    let check = check_physics(&scene, &spawn(&scene), &settings, None);
    assert!(
        rules(&check.gate).contains(&"energy_explosion"),
        "{:?} {:?}",
        check.gate,
        check.outcome
    );
    let run = check.run.unwrap();
    assert!(
        run.max_energy_ratio > 1.25 && run.max_speed_mps < 100.0,
        "{run:?}"
    );
    let msg = message(&check.gate, "energy_explosion");
    assert!(number_after(msg, "J at t=") < 1.0, "{msg}");
}

/// The pit scene plus a steel sled (0.2 × 0.2 × 0.1 m, 31.4 kg) on a horizontal slider from
/// a fixed rail end, free over 0..0.5 m, driven at 1 m/s (max 400 N) from t = 0.2 s: every
/// joule of its motion is motor work; gravity releases none.
fn motorized_sled() -> benchforge::scene::Scene {
    use benchforge::scene::{Motor, MotorProfile, MotorTarget};
    sled_on_rail(
        [0.0, 0.5],
        Some(Motor {
            target: MotorTarget::Velocity { value: 1.0 },
            profile: MotorProfile::Constant,
            max_effort: 400.0,
            start_s: 0.2,
        }),
    )
}

/// The pit scene plus a steel sled (0.2 × 0.2 × 0.1 m) on a horizontal slider along +x from
/// a fixed rail end, limited to `limits_m` (metres from its start), with `motor` on the joint.
fn sled_on_rail(
    limits_m: [f64; 2],
    motor: Option<benchforge::scene::Motor>,
) -> benchforge::scene::Scene {
    let mut scene = pit();
    scene.fixtures.push(fixed_box(
        "rail_end",
        [0.05, 0.05, 0.05],
        [-0.9, 0.4, 0.025],
    ));
    let mut sled = dynamic_box("sled", [0.2, 0.2, 0.1], [-0.6, 0.35, 0.05]);
    sled.material = Material::Steel;
    scene.fixtures.push(sled);
    scene.joints.push(benchforge::scene::Joint {
        fixture_a: "rail_end".into(),
        fixture_b: "sled".into(),
        anchor_m: [-0.6, 0.35, 0.05],
        axis: [1.0, 0.0, 0.0],
        kind: benchforge::scene::JointKind::Prismatic {
            limits_m: Some(limits_m),
        },
        motor,
    });
    scene
}

#[test]
fn a_motorized_sled_passes_the_energy_gate_once_the_motor_work_is_counted() {
    let scene = motorized_sled();
    let settings = PhysicsSettings::default();
    let check = check_physics(&scene, &spawn(&scene), &settings, None);
    assert!(check.gate.passed, "{:?}", check.gate);
    let out = check.outcome.unwrap();
    // The sled at 1 m/s carries ½ · 31.4 kg · 1² ≈ 15.7 J; the gravity-only budget (nothing
    // falls but the ball's 0.25 m drop onto the floor, plus the 0.01 m margin) is far below
    // it, so only the motor's work can pay for it...
    let sled_ke_j = 0.5 * 7850.0 * 0.2 * 0.2 * 0.1 * 1.0;
    let ball_kg = 700.0 * 4.0 / 3.0 * std::f64::consts::PI * 0.05f64.powi(3);
    let gravity_budget_j = ball_kg * 9.81 * 0.26 + (ball_kg + 31.4) * 9.81 * 0.01;
    assert!(sled_ke_j > settings.max_energy_ratio * gravity_budget_j);
    // ...and it is counted: when the kinetic energy peaked the motor had worked about the
    // sled's kinetic energy, and the ratio stays within the limit.
    assert!(
        (out.max_energy_ratio_motor_j - sled_ke_j).abs() < 0.1 * sled_ke_j,
        "motor work {} J vs kinetic energy {sled_ke_j} J",
        out.max_energy_ratio_motor_j
    );
    assert!(out.max_energy_ratio <= settings.max_energy_ratio, "{out:?}");
}

#[test]
fn a_motorized_scene_gaining_energy_from_nowhere_still_fails() {
    // The motorized sled plus a second sled whose slider limits exclude its start (the
    // snapping joint above): the motor's work is counted, the snap's energy is not.
    let mut scene = motorized_sled();
    scene.fixtures.push(fixed_box(
        "rail_end_2",
        [0.05, 0.05, 0.05],
        [-0.9, -0.4, 0.025],
    ));
    let mut sled = dynamic_box("sled_2", [0.2, 0.2, 0.1], [-0.6, -0.35, 0.05]);
    sled.material = Material::Steel;
    scene.fixtures.push(sled);
    scene.joints.push(benchforge::scene::Joint {
        fixture_a: "rail_end_2".into(),
        fixture_b: "sled_2".into(),
        anchor_m: [-0.6, -0.35, 0.05],
        axis: [1.0, 0.0, 0.0],
        kind: benchforge::scene::JointKind::Prismatic {
            limits_m: Some([0.3, 0.5]),
        },
        motor: None,
    });
    let settings = PhysicsSettings::default();
    let check = check_physics(&scene, &spawn(&scene), &settings, None);
    assert!(
        rules(&check.gate).contains(&"energy_explosion"),
        "{:?}",
        check.gate
    );
}

#[test]
fn a_payload_rolling_off_the_world_fails_physics_with_side_and_time() {
    let mut scene = pit();
    // Tilt the floor 10° so the ball rolls towards -x and off the edge.
    scene.fixtures[0] = boxed(
        "floor",
        BodyKind::Fixed,
        [1.3, 1.0, 0.3],
        [-0.35, 0.0, -0.15],
        [0.0, -10.0, 0.0],
    );
    scene.payload.start_m = [-0.5, 0.0, 0.2];
    let check = check_physics(&scene, &spawn(&scene), &PhysicsSettings::default(), None);
    assert_eq!(rules(&check.gate), vec!["left_bounds"]);
    let msg = message(&check.gate, "left_bounds");
    assert!(
        msg.starts_with("the payload left the bounds through -"),
        "{msg}"
    );
    let t = number_after(msg, "at t=");
    assert!(t > 0.3 && t < 5.0, "{msg}");
    assert!((check.run.unwrap().simulated_s - t).abs() <= 0.005 + 1e-9);
}

#[test]
fn a_pendulum_that_keeps_swinging_fails_physics_as_not_settled() {
    let mut scene = pit();
    scene
        .fixtures
        .push(fixed_box("post", [0.05, 0.05, 0.05], [0.0, 0.3, 0.8]));
    let mut bob = dynamic_box("bob", [0.05, 0.05, 0.3], [0.0, 0.3, 0.6]);
    bob.pose.rotation_deg = [0.0, 40.0, 0.0];
    bob.pose.position_m = [
        0.3 * 40f64.to_radians().sin() / 2.0 * 1.0,
        0.3,
        0.8 - 0.15 * 40f64.to_radians().cos(),
    ];
    scene.fixtures.push(bob);
    scene
        .joints
        .push(hinge("post", "bob", [0.0, 0.3, 0.8], None));
    let settings = PhysicsSettings {
        duration_s: 3.0,
        ..PhysicsSettings::default()
    };
    let check = check_physics(&scene, &spawn(&scene), &settings, None);
    assert_eq!(rules(&check.gate), vec!["not_settled"], "{:?}", check.gate);
    let msg = message(&check.gate, "not_settled");
    assert!(
        msg.contains("after 3.00 s") && msg.contains("part \"bob\""),
        "{msg}"
    );
}

#[test]
fn a_very_long_fall_breaks_the_speed_limit() {
    let mut scene = pit();
    scene.bounds.max_m[2] = 800.0;
    scene.payload.start_m = [-0.5, 0.0, 700.0];
    let settings = PhysicsSettings {
        duration_s: 11.0,
        ..PhysicsSettings::default()
    };
    let check = check_physics(&scene, &spawn(&scene), &settings, None);
    let msg = message(&check.gate, "too_fast");
    assert!(msg.starts_with("the payload reached 10"), "{msg}");
    assert!(number_after(msg, "at t=") > 10.0, "{msg}");
}

#[test]
fn a_fixed_part_that_is_pushed_does_not_move_and_the_rule_reports_drift() {
    // rapier gives fixed bodies infinite mass: a 40 kg steel block slammed into a thin fixed
    // wall cannot move it. The run measures the wall's pose anyway.
    let mut scene = pit();
    scene
        .fixtures
        .push(fixed_box("thin_wall", [0.01, 0.4, 0.3], [0.2, 0.0, 0.15]));
    let mut block = dynamic_box("block", [0.2, 0.2, 0.13], [-0.3, 0.0, 0.066]);
    block.material = Material::Steel;
    scene.fixtures.push(block);
    let mut world = build_world(&scene, &spawn(&scene), &[]).unwrap();
    let handle = world.bodies[world.body_index("block").unwrap()].handle;
    world.world.bodies[handle].set_linvel(rapier3d::prelude::Vector::new(8.0, 0.0, 0.0), true);
    let settings = PhysicsSettings::default();
    let outcome = simulate(&mut world, &scene, &settings, None);
    let wall = outcome
        .fixed_drift
        .iter()
        .find(|d| d.label == "thin_wall")
        .unwrap();
    assert_eq!((wall.moved_m, wall.turned_deg), (0.0, 0.0));
    assert!(stability_findings(&outcome, &settings, "")
        .iter()
        .all(|f| f.rule != "fixed_part_moved"));

    // The rule itself, on a measured drift, names the part and the distance.
    let mut drifted = outcome.clone();
    drifted.fixed_drift = vec![FixedDrift {
        label: "thin_wall".into(),
        moved_m: 0.0123,
        turned_deg: 1.5,
    }];
    let findings = stability_findings(&drifted, &settings, "");
    let moved = findings
        .iter()
        .find(|f| f.rule == "fixed_part_moved")
        .unwrap();
    assert!(
        moved
            .message
            .contains("\"thin_wall\" moved 0.0123 m and turned 1.50°"),
        "{}",
        moved.message
    );
}

#[test]
fn a_payload_falling_into_the_goal_by_itself_fails_non_trivial() {
    let mut scene = pit();
    scene.payload.start_m = [0.5, 0.0, 0.3];
    scene.build_zone.max_m[0] = 0.7;
    let out = run_physical_gates(
        &scene,
        &spawn(&scene),
        None,
        &PhysicsSettings::default(),
        None,
    );
    let gate = out.gates.last().unwrap();
    assert_eq!(
        (gate.gate, rules(gate)),
        (GateId::NonTrivial, vec!["solves_itself"])
    );
    assert!(
        message(gate, "solves_itself").contains("entered at t=0."),
        "{gate:?}"
    );
}

#[test]
fn a_solution_that_misses_the_goal_fails_solvable_with_distance() {
    let scene = pit();
    let solution = vec![ramp("ramp", false)];
    let out = run_physical_gates(
        &scene,
        &spawn(&scene),
        Some(&Solution::of_parts(solution.clone())),
        &PhysicsSettings::default(),
        None,
    );
    let gate = out.gates.last().unwrap();
    assert_eq!(gate.gate, GateId::Solvable);
    assert!(rules(gate).contains(&"solution_misses_goal"), "{gate:?}");
    let run = out.solution.unwrap();
    assert!(
        !run.reached_goal && run.payload_distance_to_goal_m > 0.5,
        "{run:?}"
    );
}

#[test]
fn a_solution_part_outside_the_build_zone_or_inside_a_fixture_is_rejected_before_simulating() {
    let scene = pit();
    let mut high = ramp("ramp", true);
    high.pose.position_m[2] = 0.6;
    let mut sunk = fixed_box("shim", [0.2, 0.2, 0.1], [0.0, 0.0, 0.0]);
    sunk.material = Material::Steel;
    let out = run_physical_gates(
        &scene,
        &spawn(&scene),
        Some(&Solution::of_parts(vec![high, sunk])),
        &PhysicsSettings::default(),
        None,
    );
    let gate = out.gates.last().unwrap();
    assert_eq!(
        rules(gate),
        vec![
            "solution_outside_build_zone",
            "solution_outside_build_zone",
            "solution_overlaps_scene"
        ]
    );
    assert!(message(gate, "solution_outside_build_zone")
        .contains("\"ramp\" leaves the build zone through +z"));
    assert!(message(gate, "solution_overlaps_scene")
        .contains("\"shim\" overlaps scene part \"floor\" by 0.05"));
    assert!(out.solution.is_none());
}

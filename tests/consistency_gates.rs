//! Gates 1, 2 and 7: every rule has a failing fixture and a passing twin that differs from
//! it only in the one thing the rule is about.

mod common;

use benchforge::gates::{self, consistency, consistency::rule};
use benchforge::report::{GateId, SeedReport};
use benchforge::scene::{Aabb, ForbidZone, Joint, JointKind, Scene};
use benchforge::script::{Limit, SceneScript, ScriptError};
use benchforge::validate::{validate_script, ValidateOptions};
use common::{solution_box, valid_scene};

fn rules(scene: &Scene, solution: Option<&[benchforge::scene::Fixture]>) -> Vec<String> {
    consistency::check(scene, solution)
        .into_iter()
        .map(|f| f.rule)
        .collect()
}

/// Asserts the failing scene breaks exactly `rule` (among others allowed by `also`) and the
/// twin breaks nothing.
fn assert_pair(rule_id: &str, failing: &Scene, twin: &Scene) {
    let found = consistency::check(failing, None);
    assert!(
        found.iter().any(|f| f.rule == rule_id),
        "{rule_id} not found in {found:?}"
    );
    assert_eq!(rules(twin, None), Vec::<String>::new(), "twin of {rule_id}");
}

#[test]
fn the_base_scene_passes() {
    assert!(consistency::check(&valid_scene(), None).is_empty());
}

#[test]
fn zone_inverted() {
    let mut bad = valid_scene();
    bad.goal_zone = Aabb::new([0.4, -0.2, 0.3], [0.8, 0.2, 0.0]);
    let found = consistency::check(&bad, None);
    assert!(found[0].message.contains("goal zone"), "{found:?}");
    assert!(found[0]
        .message
        .contains("min z = 0.300 m is not below max z = 0.000 m"));
    let mut twin = valid_scene();
    twin.goal_zone = Aabb::new([0.4, -0.2, 0.0], [0.8, 0.2, 0.3]);
    assert_pair(rule::ZONE_INVERTED, &bad, &twin);
}

#[test]
fn size_invalid() {
    let mut bad = valid_scene();
    bad.payload.shape = benchforge::scene::Shape::Sphere { radius_m: f64::NAN };
    let mut twin = valid_scene();
    twin.payload.shape = benchforge::scene::Shape::Sphere { radius_m: 0.02 };
    assert_pair(rule::SIZE_INVALID, &bad, &twin);
}

#[test]
fn coordinate_invalid() {
    let mut bad = valid_scene();
    bad.fixtures[0].pose.position_m[0] = 1e30;
    let twin = valid_scene();
    assert_pair(rule::COORDINATE_INVALID, &bad, &twin);
}

#[test]
fn label_duplicate() {
    let mut bad = valid_scene();
    let mut second = bad.fixtures[0].clone();
    second.pose.position_m[2] = -0.075;
    bad.fixtures.push(second.clone());
    let mut twin = valid_scene();
    second.label = "subfloor".into();
    twin.fixtures.push(second);
    assert_pair(rule::LABEL_DUPLICATE, &bad, &twin);
    assert!(consistency::check(&bad, None)[0]
        .message
        .contains("\"floor\""));
}

#[test]
fn label_reserved() {
    let mut bad = valid_scene();
    bad.fixtures[0].label = "ground".into();
    let mut twin = valid_scene();
    twin.fixtures[0].label = "ground_slab".into();
    assert_pair(rule::LABEL_RESERVED, &bad, &twin);
}

#[test]
fn forbid_name_duplicate() {
    let mut bad = valid_scene();
    let other = ForbidZone {
        name: "pit".into(),
        zone: Aabb::new([-0.6, -0.8, 0.0], [-0.3, -0.5, 0.2]),
    };
    bad.forbid_zones.push(other.clone());
    let mut twin = valid_scene();
    twin.forbid_zones.push(ForbidZone {
        name: "second_pit".into(),
        ..other
    });
    assert_pair(rule::FORBID_NAME_DUPLICATE, &bad, &twin);
}

#[test]
fn joint_unknown_part() {
    let joint = |b: &str| Joint {
        fixture_a: "floor".into(),
        fixture_b: b.into(),
        anchor_m: [0.0; 3],
        axis: [0.0, 1.0, 0.0],
        kind: JointKind::Revolute {
            limits_deg: Some([-10.0, 10.0]),
        },
        motor: None,
    };
    let mut bad = valid_scene();
    bad.joints.push(joint("door"));
    let mut twin = valid_scene();
    let mut door = twin.fixtures[0].clone();
    door.label = "door".into();
    door.pose.position_m = [0.5, 0.5, 0.5];
    twin.fixtures.push(door);
    twin.joints.push(joint("door"));
    assert_pair(rule::JOINT_UNKNOWN_PART, &bad, &twin);
}

#[test]
fn motor_invalid() {
    use benchforge::scene::{Motor, MotorProfile, MotorTarget};
    let with_motor = |max_effort: f64| {
        let mut scene = valid_scene();
        let mut door = scene.fixtures[0].clone();
        door.label = "door".into();
        door.pose.position_m = [0.5, 0.5, 0.5];
        scene.fixtures.push(door);
        scene.joints.push(Joint {
            fixture_a: "floor".into(),
            fixture_b: "door".into(),
            anchor_m: [0.0; 3],
            axis: [0.0, 1.0, 0.0],
            kind: JointKind::Prismatic {
                limits_m: Some([0.0, 0.2]),
            },
            motor: Some(Motor {
                target: MotorTarget::Position { value: 0.1 },
                profile: MotorProfile::Step { at_s: 0.5 },
                max_effort,
                start_s: 0.0,
            }),
        });
        scene
    };
    assert_pair(
        rule::MOTOR_INVALID,
        &with_motor(f64::NAN),
        &with_motor(50.0),
    );
    let found = consistency::check(&with_motor(2e6), None);
    assert!(
        found[0]
            .message
            .contains("max force 2e6 N is beyond the limit of 10000 N"),
        "{found:?}"
    );
}

#[test]
fn goal_in_forbid_zone() {
    let mut bad = valid_scene();
    bad.forbid_zones[0].zone = Aabb::new([0.7, 0.1, 0.0], [0.9, 0.5, 0.2]);
    let mut twin = valid_scene();
    // Touching the goal's face is not overlapping it.
    twin.forbid_zones[0].zone = Aabb::new([0.8, 0.1, 0.0], [0.9, 0.5, 0.2]);
    assert_pair(rule::GOAL_IN_FORBID_ZONE, &bad, &twin);
    let message = &consistency::check(&bad, None)[0].message;
    assert!(
        message.contains("\"pit\"") && message.contains("0.100 × 0.100 × 0.200 m"),
        "{message}"
    );
}

#[test]
fn goal_outside_build_zone() {
    let mut bad = valid_scene();
    bad.build_zone.max_m[0] = 0.3;
    let mut twin = valid_scene();
    twin.build_zone.max_m[0] = 0.45;
    assert_pair(rule::GOAL_OUTSIDE_BUILD_ZONE, &bad, &twin);
    assert!(consistency::check(&bad, None)[0]
        .message
        .contains("gap 0.100 m"));
}

#[test]
fn build_zone_outside_bounds() {
    let mut bad = valid_scene();
    bad.build_zone.max_m[2] = 1.012;
    let mut twin = valid_scene();
    twin.build_zone.max_m[2] = 1.0;
    assert_pair(rule::BUILD_ZONE_OUTSIDE_BOUNDS, &bad, &twin);
    let message = &consistency::check(&bad, None)[0].message;
    assert!(message.contains("on +z by 0.012 m"), "{message}");
}

#[test]
fn spawn_outside_build_zone() {
    let mut bad = valid_scene();
    // Envelope top: 0.867 + 0.033 = 0.900 + 0.012 over.
    bad.payload.start_m[2] = 0.879;
    let mut twin = valid_scene();
    twin.payload.start_m[2] = 0.867;
    assert_pair(rule::SPAWN_OUTSIDE_BUILD_ZONE, &bad, &twin);
    let message = &consistency::check(&bad, None)[0].message;
    assert!(
        message.contains("payload spawn envelope") && message.contains("on +z by 0.012 m"),
        "{message}"
    );
}

#[test]
fn spawn_in_forbid_zone() {
    let mut bad = valid_scene();
    bad.forbid_zones[0].zone = Aabb::new([0.02, -0.1, 0.0], [0.2, 0.1, 0.2]);
    let mut twin = valid_scene();
    // The envelope reaches x = 0.01 + 0.033 = 0.043.
    twin.forbid_zones[0].zone = Aabb::new([0.05, -0.1, 0.0], [0.2, 0.1, 0.2]);
    assert_pair(rule::SPAWN_IN_FORBID_ZONE, &bad, &twin);
}

#[test]
fn payload_larger_than_goal() {
    let mut bad = valid_scene();
    bad.goal_zone = Aabb::new([0.4, -0.2, 0.0], [0.46, 0.2, 0.3]);
    let mut twin = valid_scene();
    twin.goal_zone = Aabb::new([0.4, -0.2, 0.0], [0.47, 0.2, 0.3]);
    assert_pair(rule::PAYLOAD_LARGER_THAN_GOAL, &bad, &twin);
    assert!(consistency::check(&bad, None)[0]
        .message
        .contains("along x by 0.006 m"));
}

#[test]
fn solution_outside_build_zone() {
    let scene = valid_scene();
    let bad = [solution_box("plank", [0.4, 0.1, 0.02], [0.7, 0.0, 0.5])];
    let twin = [solution_box("plank", [0.4, 0.1, 0.02], [0.6, 0.0, 0.5])];
    let found = consistency::check(&scene, Some(&bad));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].rule, rule::SOLUTION_OUTSIDE_BUILD_ZONE);
    assert!(
        found[0].message.contains("on +x by 0.100 m"),
        "{}",
        found[0].message
    );
    assert!(consistency::check(&scene, Some(&twin)).is_empty());
}

#[test]
fn solution_label_conflict() {
    let scene = valid_scene();
    let bad = [solution_box("floor", [0.2, 0.1, 0.02], [0.0, 0.3, 0.5])];
    let twin = [solution_box(
        "floor_patch",
        [0.2, 0.1, 0.02],
        [0.0, 0.3, 0.5],
    )];
    assert_eq!(
        rules(&scene, Some(&bad)),
        vec![rule::SOLUTION_LABEL_CONFLICT.to_string()]
    );
    assert!(consistency::check(&scene, Some(&twin)).is_empty());
}

#[test]
fn every_gate_2_rule_is_covered_here() {
    let covered = [
        rule::ZONE_INVERTED,
        rule::SIZE_INVALID,
        rule::COORDINATE_INVALID,
        rule::LABEL_DUPLICATE,
        rule::LABEL_RESERVED,
        rule::FORBID_NAME_DUPLICATE,
        rule::JOINT_UNKNOWN_PART,
        rule::GOAL_IN_FORBID_ZONE,
        rule::GOAL_OUTSIDE_BUILD_ZONE,
        rule::BUILD_ZONE_OUTSIDE_BOUNDS,
        rule::SPAWN_OUTSIDE_BUILD_ZONE,
        rule::SPAWN_IN_FORBID_ZONE,
        rule::PAYLOAD_LARGER_THAN_GOAL,
        rule::SOLUTION_OUTSIDE_BUILD_ZONE,
        rule::SOLUTION_LABEL_CONFLICT,
        rule::SCENE_TOO_LARGE,
        rule::JOINT_LIMIT_INVALID,
        rule::MOTOR_INVALID,
    ];
    assert_eq!(covered.len(), consistency::RULES.len());
    for r in consistency::RULES {
        assert!(covered.contains(r), "{r} has no test");
    }
}

// ---- gate 1 ----

const GOOD: &str = r#"
fn build(seed, scale) {
    let rng = generator(seed);
    let scene = new_scene([-1.0, -1.0, -0.1], [1.0, 1.0, 1.0]);
    let floor = scene.fixed_part("floor", "concrete");
    floor.box([2.0, 2.0, 0.05], [0.0, 0.0, -0.025]);
    scene.goal_zone([0.4, -0.2, 0.0], [0.8, 0.2, 0.3]);
    scene.build_zone([-0.8, -0.8, 0.0], [0.8, 0.8, 0.9]);
    scene.payload_sphere(0.03 * scale[2], "steel", [rng.uniform(-0.1, 0.1), 0.0, 0.07]);
    scene
}
"#;

fn with_build_body(body: &str) -> String {
    GOOD.replace("    scene\n}", &format!("{body}\n    scene\n}}"))
}

fn gate1(source: &str) -> Result<(), ScriptError> {
    SceneScript::compile(source)?.build(1, [1.0; 3]).map(|_| ())
}

#[test]
fn gate1_twin_passes() {
    gate1(GOOD).unwrap();
    let built = gates::script::check(&SceneScript::compile(GOOD).unwrap(), 1, [1.0; 3]).unwrap();
    assert!(built.solution.is_none());
}

#[test]
fn gate1_syntax_error() {
    let err = gate1(&GOOD.replace("let rng", "let = rng")).unwrap_err();
    assert!(
        matches!(err, ScriptError::Syntax { line: 3, .. }),
        "{err:?}"
    );
}

#[test]
fn gate1_missing_build() {
    let err = gate1(&GOOD.replace("fn build(", "fn make(")).unwrap_err();
    assert!(matches!(err, ScriptError::MissingBuild(_)), "{err:?}");
}

#[test]
fn gate1_wrong_return_type() {
    let err = gate1(&GOOD.replace("    scene\n}", "    [scene]\n}")).unwrap_err();
    assert!(
        err.to_string()
            .contains("build returned an array of 1 elements"),
        "{err}"
    );
}

#[test]
fn gate1_limits() {
    let err = gate1(&with_build_body(
        "    let n = 0;\n    while n >= 0 { n += 1; }",
    ))
    .unwrap_err();
    assert!(
        matches!(
            err,
            ScriptError::LimitExceeded {
                limit: Limit::Operations | Limit::WallClock,
                line: Some(11),
                ..
            }
        ),
        "{err:?}"
    );
    let err = gate1(&with_build_body(
        "    for i in 0..600 { let p = scene.fixed_part(\"p\" + i, \"wood\"); }",
    ))
    .unwrap_err();
    assert!(
        matches!(
            err,
            ScriptError::LimitExceeded {
                limit: Limit::Parts,
                ..
            }
        ),
        "{err:?}"
    );
    // The twin: 400 parts are fine.
    gate1(&with_build_body(
        "    for i in 0..400 { let p = scene.fixed_part(\"p\" + i, \"wood\"); p.box([0.01, 0.01, 0.01], [0.0, 0.0, 0.5]); }",
    ))
    .unwrap();
}

#[test]
fn gate1_api_misuse_and_bad_value() {
    let err = gate1(&with_build_body("    scene.add_box([1, 1, 1], [0, 0, 0]);")).unwrap_err();
    assert!(
        matches!(err, ScriptError::ApiMisuse { line: Some(10), .. }),
        "{err:?}"
    );
    let err = gate1(&with_build_body(
        "    floor.box([1, 1, 1], [0, 0, 0.0 / 0.0]);",
    ))
    .unwrap_err();
    assert!(
        matches!(err, ScriptError::BadValue { line: Some(10), .. }),
        "{err:?}"
    );
    let err = gate1(&with_build_body(
        "    let p = scene.fixed_part(\"x\", \"cheese\");",
    ))
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("valid materials: abs, steel, aluminium, wood, rubber, hdpe"),
        "{err}"
    );
    gate1(&with_build_body("    floor.box([1, 1, 1], [0, 0, 0.5]);")).unwrap();
}

#[test]
fn gate1_determinism_rule() {
    let a = valid_scene().canonical_json();
    let mut moved = valid_scene();
    moved.payload.start_m[0] = 0.001;
    let b = moved.canonical_json();
    let found = gates::script::determinism_findings("build", 3, &a, &b);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].rule, gates::script::RULE_NOT_DETERMINISTIC);
    assert!(found[0].message.contains("seed 3"), "{}", found[0].message);
    assert!(gates::script::determinism_findings("build", 3, &a, &a.clone()).is_empty());
    // A real script is deterministic: two builds, same bytes.
    let script = SceneScript::compile(GOOD).unwrap();
    assert_eq!(
        script.build(5, [1.2, 0.7, 1.9]).unwrap().canonical_json(),
        script.build(5, [1.2, 0.7, 1.9]).unwrap().canonical_json()
    );
}

// ---- gate 7 ----

#[test]
fn gate7_variants_identical_and_differ() {
    let constant = GOOD
        .replace("0.03 * scale[2]", "0.03")
        .replace("rng.uniform(-0.1, 0.1)", "0.0");
    let report = validate_script(&constant, &ValidateOptions::default()).unwrap();
    assert!(!report.passed());
    assert_eq!(report.randomized.gate, GateId::Randomized);
    assert_eq!(
        report.randomized.findings[0].rule,
        gates::RULE_VARIANTS_IDENTICAL
    );
    let report = validate_script(GOOD, &ValidateOptions::default()).unwrap();
    assert!(report.passed(), "{:?}", report.randomized);
    let seeds: Vec<SeedReport> = report.seeds;
    assert!(gates::randomized(&seeds).passed);
}

// ---- validate: the per-seed flow ----

#[test]
fn a_limit_on_seed_0_skips_the_other_seeds_with_a_reason() {
    let looping = with_build_body("    let n = 0;\n    while n >= 0 { n += 1; }");
    let report = validate_script(&looping, &ValidateOptions::default()).unwrap();
    assert_eq!(report.seeds.len(), 8);
    assert_eq!(report.seeds[0].gates[0].findings[0].rule, "limit_exceeded");
    for seed in &report.seeds[1..] {
        assert_eq!(
            seed.gates[0].findings[0].rule,
            benchforge::validate::RULE_SKIPPED_AFTER_LIMIT
        );
    }
    assert!(!report.passed());
}

#[test]
fn a_consistent_script_passes_gates_1_and_2_on_every_seed_with_sampled_scales() {
    let report = validate_script(
        GOOD,
        &ValidateOptions {
            seeds: (0..3).collect(),
            ..ValidateOptions::default()
        },
    )
    .unwrap();
    for (i, seed) in report.seeds.iter().enumerate() {
        assert_eq!(seed.seed, i as u64);
        assert_eq!(
            seed.scale,
            benchforge::variant::ScaleRanges::default().sample(i as u64)
        );
        // Gates 3-6 follow; this file is about the first two.
        let first_two: Vec<(GateId, bool)> = seed
            .gates
            .iter()
            .take(2)
            .map(|g| (g.gate, g.passed))
            .collect();
        assert_eq!(
            first_two,
            vec![(GateId::Script, true), (GateId::Consistency, true)]
        );
        assert!(seed.scene_hash.is_some() && seed.payload_spawn.is_some());
    }
}

#[test]
fn oversized_source_is_refused_before_parsing() {
    let huge = format!(
        "{GOOD}\n// {}",
        "x".repeat(benchforge::script::MAX_SOURCE_BYTES)
    );
    let err = SceneScript::compile(&huge).unwrap_err();
    assert!(
        matches!(
            err,
            ScriptError::LimitExceeded {
                limit: Limit::SourceSize,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_scene_beyond_the_joint_limit_is_refused_by_count_alone() {
    let mut scene = valid_scene();
    let label = scene.fixtures[0].label.clone();
    let joint = Joint {
        fixture_a: label.clone(),
        fixture_b: label,
        anchor_m: [0.0; 3],
        axis: [1.0, 0.0, 0.0],
        kind: JointKind::Revolute { limits_deg: None },
        motor: None,
    };
    scene.joints = vec![joint; 200_000];
    assert_eq!(rules(&scene, None), vec![rule::SCENE_TOO_LARGE.to_string()]);
}

#[test]
fn joint_limits_beyond_one_turn_are_refused() {
    let mut scene = valid_scene();
    let a = scene.fixtures[0].label.clone();
    let mut flap = scene.fixtures[0].clone();
    flap.label = "flap".into();
    scene.fixtures.push(flap);
    scene.joints.push(Joint {
        fixture_a: "flap".into(),
        fixture_b: a,
        anchor_m: scene.fixtures[0].pose.position_m,
        axis: [1.0, 0.0, 0.0],
        kind: JointKind::Revolute {
            limits_deg: Some([-1e308, 1e308]),
        },
        motor: None,
    });
    assert!(rules(&scene, None).contains(&rule::JOINT_LIMIT_INVALID.to_string()));
}

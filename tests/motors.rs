//! Joint motors through the script API and validation: a motor built by a script lands in
//! the scene, a scene without one keeps its JSON (and hash), and every motor parameter
//! beyond its limit is refused with one line naming the limit and the value.

use benchforge::gates::consistency::{self, rule};
use benchforge::scene::{JointKind, Motor, MotorProfile, MotorTarget};
use benchforge::script::{SceneScript, ScriptError};

/// A scene with a platform on a vertical slider from a fixed post; `motor` is the script
/// text that follows `let j = scene.prismatic_joint(..);`.
fn lift_script(motor: &str) -> String {
    format!(
        r#"
fn build(seed, scale) {{
    let scene = new_scene([-1.0, -1.0, -0.2], [1.0, 1.0, 1.0]);
    let floor = scene.fixed_part("floor", "concrete");
    floor.box([2.0, 2.0, 0.1], [0.0, 0.0, -0.05]);
    let post = scene.fixed_part("post", "steel");
    post.box([0.02, 0.02, 0.6], [-0.8, -0.8, 0.3]);
    let platform = scene.dynamic_part("platform", "steel");
    platform.box([0.2, 0.2, 0.02], [-0.5, -0.5, 0.2]);
    let j = scene.prismatic_joint("post", "platform", [-0.5, -0.5, 0.2], [0.0, 0.0, 1.0], 0.0, 0.3);
    {motor}
    scene.payload_sphere(0.05, "steel", [0.0, 0.0, 0.05]);
    scene.goal_zone([0.5, -0.2, 0.0], [0.9, 0.2, 0.3]);
    scene.build_zone([-0.5, -0.5, 0.0], [0.9, 0.5, 0.8]);
    scene
}}
"#
    )
}

fn build(motor: &str) -> Result<benchforge::scene::Scene, ScriptError> {
    SceneScript::compile(&lift_script(motor))?.build(0, [1.0; 3])
}

#[test]
fn a_scripted_motor_lands_in_the_scene_with_its_profile_and_start() {
    let scene =
        build("j.velocity_motor(0.2, 150.0);\n    j.motor_ramp(0.5);\n    j.motor_start(1.0);")
            .unwrap();
    assert_eq!(
        scene.joints[0].motor,
        Some(Motor {
            target: MotorTarget::Velocity { value: 0.2 },
            profile: MotorProfile::Ramp { duration_s: 0.5 },
            max_effort: 150.0,
            start_s: 1.0,
        })
    );
    let json = scene.canonical_json();
    assert!(json.contains(r#""motor":{"max_effort":150.0"#), "{json}");
    // Off before 1 s, half the speed at 1.25 s, full from 1.5 s.
    let motor = scene.joints[0].motor.unwrap();
    assert_eq!(motor.target_at(0.9), None);
    assert!((motor.target_at(1.25).unwrap() - 0.1).abs() < 1e-12);
    assert_eq!(motor.target_at(3.0), Some(0.2));
}

#[test]
fn a_joint_without_a_motor_keeps_the_json_it_had_before_motors() {
    let scene = build("").unwrap();
    assert_eq!(scene.joints[0].motor, None);
    let json = scene.canonical_json();
    assert!(!json.contains("motor"), "{json}");
    // The JSON of a joint written before motors existed reads back the same.
    let joint = serde_json::to_value(&scene.joints[0]).unwrap();
    assert_eq!(
        joint.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["anchor_m", "axis", "fixture_a", "fixture_b", "kind"]
    );
}

fn refused(motor: &str, expected: &[&str]) {
    let err = build(motor).unwrap_err();
    let text = err.to_string();
    assert_eq!(text.lines().count(), 1, "{text}");
    for part in expected {
        assert!(text.contains(part), "{part:?} missing from: {text}");
    }
}

#[test]
fn motor_parameters_beyond_their_limits_are_refused_naming_the_limit() {
    refused(
        "j.velocity_motor(0.2, 1e6);",
        &[
            "max force 1e6 N",
            "limit of 10000 N",
            "limits.motor_force_n",
            "\"post\" and \"platform\"",
        ],
    );
    refused(
        "j.velocity_motor(50.0, 100.0);",
        &["target speed 50 m/s", "limits.motor_speed_mps"],
    );
    refused("j.position_motor(0.2, -1.0);", &["max force -1 N"]);
    refused(
        "j.velocity_motor(0.2, 100.0);\n    j.motor_sine(0.0);",
        &["sine period_s = 0 s", "limits.motor_time_s"],
    );
    refused(
        "j.velocity_motor(0.2, 100.0);\n    j.motor_start(1e9);",
        &["start_s = 1e9 s", "limits.motor_time_s"],
    );
    refused(
        "j.motor_ramp(1.0);",
        &["`motor_ramp` needs a motor on the joint first"],
    );
}

#[test]
fn a_hinge_motor_of_a_million_newton_metres_is_refused_by_the_script_and_by_gate_2() {
    let script = lift_script("").replace(
        "let j = scene.prismatic_joint(\"post\", \"platform\", [-0.5, -0.5, 0.2], [0.0, 0.0, 1.0], 0.0, 0.3);",
        "let j = scene.revolute_joint(\"post\", \"platform\", [-0.5, -0.5, 0.2], [1.0, 0.0, 0.0], -45.0, 45.0);\n    j.velocity_motor(30.0, 1e6);",
    );
    let err = SceneScript::compile(&script)
        .unwrap()
        .build(0, [1.0; 3])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 11: velocity_motor on the joint between \"post\" and \"platform\": motor max torque 1e6 N·m is beyond the limit of 1000 N·m (limits.motor_torque_nm); give a value above 0 and at most 1000"
    );
    // A scene that carries such a motor some other way (a hand-edited scene) fails gate 2
    // with the same words; the same motor within the limit passes.
    let mut scene = build("").unwrap();
    scene.joints[0].kind = JointKind::Revolute {
        limits_deg: Some([-45.0, 45.0]),
    };
    scene.joints[0].motor = Some(Motor {
        target: MotorTarget::Velocity { value: 30.0 },
        profile: MotorProfile::Constant,
        max_effort: 1e6,
        start_s: 0.0,
    });
    let found = consistency::check(&scene, None);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].rule, rule::MOTOR_INVALID);
    assert!(
        found[0].message.contains(
            "motor max torque 1e6 N·m is beyond the limit of 1000 N·m (limits.motor_torque_nm)"
        ),
        "{}",
        found[0].message
    );
    scene.joints[0].motor.as_mut().unwrap().max_effort = 20.0;
    assert!(consistency::check(&scene, None).is_empty());
}

const LIFT_EXAMPLE: &str = include_str!("../actors/coder/examples/ball_motor_lift.rhai");

#[test]
fn solve_makes_a_motorized_slider_and_the_motor_is_what_lifts_the_ball() {
    use benchforge::validate::{validate_script, ValidateOptions};
    let script = SceneScript::compile(LIFT_EXAMPLE).unwrap();
    let solution = script.solve(0, [1.0; 3]).unwrap().unwrap();
    assert_eq!(solution.parts.len(), 1);
    assert_eq!(solution.joints.len(), 1);
    let joint = &solution.joints[0];
    assert_eq!(
        (joint.fixture_a.as_str(), joint.fixture_b.as_str()),
        ("floor", "lift")
    );
    let motor = joint.motor.unwrap();
    assert_eq!(motor.profile, MotorProfile::Ramp { duration_s: 2.0 });
    assert_eq!((motor.max_effort, motor.start_s), (40.0, 0.5));

    let options = ValidateOptions {
        seeds: vec![0, 1],
        ..ValidateOptions::default()
    };
    let report = validate_script(LIFT_EXAMPLE, &options).unwrap();
    assert!(report.passed(), "{:?}", report.seeds);
    // The ball ends on the shelf, 0.25 m above where it started.
    for seed in &report.seeds {
        let passive = seed.passive.as_ref().unwrap();
        let solved = seed.solution.as_ref().unwrap();
        let rise = solved.payload_final_m[2] - passive.payload_start_m[2];
        assert!(
            (rise - 0.25).abs() < 0.01,
            "seed {}: rise {rise} m",
            seed.seed
        );
    }

    // The same solution without its motor: the platform just sits there.
    let unpowered = LIFT_EXAMPLE
        .replace("    slider.position_motor(travel, 40.0);\n", "")
        .replace("    slider.motor_ramp(2.0);\n", "")
        .replace("    slider.motor_start(0.5);\n", "");
    assert_ne!(unpowered, LIFT_EXAMPLE);
    let report = validate_script(&unpowered, &options).unwrap();
    assert!(!report.passed());
    let failed: Vec<&str> = report
        .seeds
        .iter()
        .flat_map(|s| {
            s.failures()
                .flat_map(|g| g.findings.iter().map(|f| f.rule.as_str()))
        })
        .collect();
    assert!(
        failed.iter().all(|r| *r == "solution_misses_goal"),
        "{failed:?}"
    );
}

#[test]
fn a_solution_joint_names_the_solution_in_its_errors_and_holds_only_fixed_scene_parts() {
    let with_solve = |body: &str| {
        format!(
            "{}\nfn solve(seed, scale) {{\n    let solution = new_solution();\n{body}\n    solution\n}}\n",
            lift_script("")
        )
    };
    let script = SceneScript::compile(&with_solve(
        "    solution.revolute_joint(\"ghost\", \"spirit\", [0.0, 0.0, 0.1], [0.0, 1.0, 0.0], -10.0, 10.0);",
    ))
    .unwrap();
    let err = script.solve(0, [1.0; 3]).unwrap_err().to_string();
    assert!(
        err.contains("neither \"ghost\" nor \"spirit\" is a part of this solution")
            && err.contains("`solution.dynamic_part(label, material)`")
            && !err.contains("scene."),
        "{err}"
    );
    // Hinging a solution arm on the scene's dynamic platform is refused by gate 2; on the
    // fixed post it is fine.
    let on = |partner: &str| {
        with_solve(&format!(
            "    let arm = solution.dynamic_part(\"arm\", \"wood\");\n    arm.box([0.1, 0.02, 0.02], [0.3, 0.3, 0.3]);\n    solution.revolute_joint(\"{partner}\", \"arm\", [0.25, 0.3, 0.3], [0.0, 1.0, 0.0], -10.0, 10.0);"
        ))
    };
    for (partner, refused) in [("platform", true), ("post", false)] {
        let script = SceneScript::compile(&on(partner)).unwrap();
        let scene = script.build(0, [1.0; 3]).unwrap();
        let solution = script.solve(0, [1.0; 3]).unwrap().unwrap();
        let mut found = Vec::new();
        consistency::check_solution_joints(&scene, &solution, &mut found);
        assert_eq!(!found.is_empty(), refused, "{partner}: {found:?}");
        if refused {
            assert_eq!(found[0].rule, rule::JOINT_UNKNOWN_PART);
            assert!(
                found[0]
                    .message
                    .contains("scene part \"platform\" is dynamic"),
                "{}",
                found[0].message
            );
        }
    }
}

#[test]
fn the_api_reference_motor_example_passes_validate() {
    use benchforge::validate::{validate_script, ValidateOptions};
    let api = include_str!("../actors/coder/api.md");
    let section = &api[api.find("## Motors").expect("api.md has a Motors section")..];
    let start = section
        .find("```rhai\n")
        .expect("the Motors section has an example")
        + 8;
    let end = start + section[start..].find("```").unwrap();
    let example = &section[start..end];
    for call in [
        "solution.prismatic_joint(",
        ".position_motor(",
        ".motor_ramp(",
        ".motor_start(",
    ] {
        assert!(example.contains(call), "{call}");
    }
    let report = validate_script(example, &ValidateOptions::default()).unwrap();
    assert!(report.passed(), "{:?}", report.seeds);
}

/// The Reviewer's list of built parts names every joint and its motor, the solution's too,
/// with units.
#[test]
fn the_reviewers_parts_list_names_joints_and_motors() {
    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("actors/coder/examples/ball_motor_lift.rhai"),
    )
    .unwrap();
    let script = SceneScript::compile(&source).unwrap();
    let scene = script.build(0, [1.0; 3]).unwrap();
    let solution = script
        .solve(0, [1.0; 3])
        .unwrap()
        .expect("a reference solution");
    assert!(
        !solution.joints.is_empty(),
        "the lift's solution has a joint"
    );
    let lines = benchforge::agents::llm::reviewer::parts_in_words(&scene, &solution);
    let motorized: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("solution slider joint") && l.contains(", motor: position"))
        .collect();
    assert_eq!(motorized.len(), 1, "{lines:#?}");
    assert!(motorized[0].contains(" m, Ramp"), "{}", motorized[0]);
    assert!(
        motorized[0].contains("at most 40.000 N"),
        "{}",
        motorized[0]
    );
}

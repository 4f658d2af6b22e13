//! Springs: through the script API (in `build` and in `solve`) into the scene, validated
//! against `limits.spring_*` by the script and by gate 2, simulated by rapier with their
//! released elastic energy in gate 4's balance, exported to MJCF as spatial tendons and, when
//! MuJoCo is installed, agreeing with rapier.

mod common;
#[path = "common/mjcf_scenes.rs"]
mod mjcf_scenes;

use benchforge::export::mjcf::to_mjcf;
use benchforge::gates::consistency::{self, rule};
use benchforge::gates::physics::check_physics;
use benchforge::physics::PhysicsSettings;
use benchforge::scene::{JointKind, Material, Scene, Spring};
use benchforge::script::SceneScript;
use benchforge::validate::{validate_script, ValidateOptions};
use common::revalidate::mujoco_available;
use common::scenes::*;

/// A scene with a wooden block beside a fixed post; `spring` is the script line that joins
/// them (or nothing).
fn post_script(spring: &str) -> String {
    format!(
        r#"
fn build(seed, scale) {{
    let scene = new_scene([-1.0, -1.0, -0.2], [1.0, 1.0, 1.0]);
    let floor = scene.fixed_part("floor", "concrete");
    floor.box([2.0, 2.0, 0.1], [0.0, 0.0, -0.05]);
    let post = scene.fixed_part("post", "steel");
    post.box([0.02, 0.02, 0.6], [-0.8, -0.8, 0.3]);
    let block = scene.dynamic_part("block", "wood");
    block.box([0.1, 0.1, 0.1], [-0.5, -0.8, 0.05]);
    {spring}
    scene.payload_sphere(0.05, "steel", [0.0, 0.0, 0.05]);
    scene.goal_zone([0.5, -0.2, 0.0], [0.9, 0.2, 0.3]);
    scene.build_zone([-0.5, -0.5, 0.0], [0.9, 0.5, 0.8]);
    scene
}}
"#
    )
}

fn build(spring: &str) -> Result<Scene, benchforge::script::ScriptError> {
    SceneScript::compile(&post_script(spring))?.build(0, [1.0; 3])
}

#[test]
fn a_scripted_spring_lands_in_the_scene_and_a_scene_without_one_keeps_its_json() {
    // Without a rest length the spring is unloaded: its rest length is the anchors' distance.
    let scene = build(
        r#"scene.spring("post", "block", [-0.8, -0.8, 0.05], [-0.5, -0.8, 0.05], 200.0, 5.0);"#,
    )
    .unwrap();
    assert_eq!(scene.springs.len(), 1);
    let s = &scene.springs[0];
    assert_eq!(
        (s.fixture_a.as_str(), s.fixture_b.as_str()),
        ("post", "block")
    );
    assert_eq!((s.stiffness_n_per_m, s.damping_ns_per_m), (200.0, 5.0));
    assert!((s.rest_length_m - 0.3).abs() < 1e-12, "{s:?}");
    assert!(s.elastic_energy_j(s.start_length_m()) < 1e-12);
    // With one it is preloaded: ½ · 200 · (0.4 − 0.3)² = 1 J.
    let scene = build(
        r#"scene.spring("post", "block", [-0.8, -0.8, 0.05], [-0.5, -0.8, 0.05], 200.0, 5.0, 0.4);"#,
    )
    .unwrap();
    let s = &scene.springs[0];
    assert!((s.elastic_energy_j(s.start_length_m()) - 1.0).abs() < 1e-9);
    assert!(scene.canonical_json().contains(r#""springs":[{"#));

    // No spring: no "springs" key, so every scene written before springs keeps its hash.
    let plain = build("").unwrap();
    let json = plain.canonical_json();
    assert!(!json.contains("springs"), "{json}");
    let keys: Vec<String> = serde_json::from_str::<serde_json::Value>(&json)
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(
        keys,
        [
            "bounds",
            "build_zone",
            "fixtures",
            "forbid_zones",
            "goal_zone",
            "joints",
            "payload"
        ]
    );
    // And a scene JSON without the key reads back without springs.
    let back: Scene = serde_json::from_str(&json).unwrap();
    assert_eq!(back, plain);
}

fn refused(spring: &str, expected: &[&str]) {
    let err = build(spring).unwrap_err();
    let text = err.to_string();
    assert_eq!(text.lines().count(), 1, "{text}");
    for part in expected {
        assert!(text.contains(part), "{part:?} missing from: {text}");
    }
}

#[test]
fn spring_parameters_beyond_their_limits_are_refused_naming_the_limit() {
    let call = |k: &str, c: &str, rest: &str| {
        format!(
            r#"scene.spring("post", "block", [-0.8, -0.8, 0.05], [-0.5, -0.8, 0.05], {k}, {c}{rest});"#
        )
    };
    refused(
        &call("1e12", "5.0", ""),
        &[
            "spring between \"post\" and \"block\"",
            "spring stiffness 1e12 N/m is beyond the limit of 100000 N/m (limits.spring_stiffness_n_per_m)",
        ],
    );
    refused(
        &call("0.0", "5.0", ""),
        &["stiffness 0 N/m", "give a value above 0"],
    );
    refused(
        &call("200.0", "-1.0", ""),
        &["damping -1 N·s/m", "limits.spring_damping_ns_per_m"],
    );
    refused(
        &call("200.0", "1e9", ""),
        &["damping 1e9 N·s/m", "limit of 10000 N·s/m"],
    );
    refused(
        &call("200.0", "5.0", ", 50.0"),
        &["rest_length_m 50 m", "limits.spring_length_m"],
    );
    refused(&call("200.0", "5.0", ", -0.1"), &["rest_length_m -0.1 m"]);
    refused(
        r#"scene.spring("post", "ghost", [-0.8, -0.8, 0.05], [-0.5, -0.8, 0.05], 200.0, 5.0);"#,
        &["no part labelled \"ghost\" yet"],
    );
    refused(
        r#"scene.spring("block", "block", [-0.8, -0.8, 0.05], [-0.5, -0.8, 0.05], 200.0, 5.0);"#,
        &["a spring needs two different parts"],
    );
}

#[test]
fn gate_2_refuses_a_hand_edited_spring_of_1e12_n_per_m_and_a_spring_to_nowhere() {
    let mut scene = build(
        r#"scene.spring("post", "block", [-0.8, -0.8, 0.05], [-0.5, -0.8, 0.05], 200.0, 5.0);"#,
    )
    .unwrap();
    assert!(consistency::check(&scene, None).is_empty());
    scene.springs[0].stiffness_n_per_m = 1e12;
    let found = consistency::check(&scene, None);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].rule, rule::SPRING_INVALID);
    assert_eq!(
        found[0].message,
        "spring between \"post\" and \"block\": spring stiffness 1e12 N/m is beyond the limit of 100000 N/m (limits.spring_stiffness_n_per_m); give a value above 0 and at most 100000"
    );
    // rapier refuses to build it too, with the same words, rather than exploding.
    let err = benchforge::physics::build_world(&scene, &spawn(&scene), &[])
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains("limits.spring_stiffness_n_per_m"),
        "{err}"
    );
    scene.springs[0].stiffness_n_per_m = 200.0;
    scene.springs[0].fixture_b = "ghost".into();
    let found = consistency::check(&scene, None);
    assert!(
        found.iter().any(|f| f.rule == rule::JOINT_UNKNOWN_PART
            && f.message == "a spring names part \"ghost\", but no part has that label"),
        "{found:?}"
    );
}

/// The pit scene plus a steel sled (0.2 × 0.2 × 0.1 m, 31.4 kg) on a horizontal slider from
/// a fixed rail end (free over −0.5..0.8 m), pushed by a spring from the rail end whose
/// anchors start 0.2 m apart and whose rest length is 0.5 m: 2000 N/m compressed by 0.3 m
/// holds 90 J. Nothing falls: every joule of the sled's motion comes from the spring.
fn sprung_sled(damping_ns_per_m: f64) -> Scene {
    let mut scene = pit();
    scene.fixtures.push(fixed_box(
        "rail_end",
        [0.05, 0.05, 0.05],
        [-0.9, 0.4, 0.025],
    ));
    let mut sled = dynamic_box("sled", [0.2, 0.2, 0.1], [-0.6, 0.35, 0.052]);
    sled.material = Material::Steel;
    scene.fixtures.push(sled);
    scene.joints.push(benchforge::scene::Joint {
        fixture_a: "rail_end".into(),
        fixture_b: "sled".into(),
        anchor_m: [-0.6, 0.35, 0.052],
        axis: [1.0, 0.0, 0.0],
        kind: JointKind::Prismatic {
            limits_m: Some([-0.5, 0.8]),
        },
        motor: None,
    });
    scene.springs.push(Spring {
        fixture_a: "rail_end".into(),
        fixture_b: "sled".into(),
        anchor_a_m: [-0.8, 0.35, 0.052],
        anchor_b_m: [-0.6, 0.35, 0.052],
        stiffness_n_per_m: 2000.0,
        damping_ns_per_m,
        rest_length_m: 0.5,
    });
    scene
}

#[test]
fn a_preloaded_spring_passes_the_energy_gate_because_its_stored_energy_is_counted() {
    let scene = sprung_sled(200.0);
    let settings = PhysicsSettings::default();
    let check = check_physics(&scene, &spawn(&scene), &settings, None);
    let outcome = check.outcome.expect("simulated");
    assert!(check.gate.passed, "{:?} {outcome:?}", check.gate);
    assert!(
        (outcome.spring_energy_start_j - 90.0).abs() < 1e-3,
        "{}",
        outcome.spring_energy_start_j
    );
    // The spring really set the sled moving: tens of joules of kinetic energy.
    assert!(outcome.max_energy_ratio_kinetic_j > 10.0, "{outcome:?}");
    // Gate 4's margin is 1 cm of drop of every dynamic body.
    let world = benchforge::physics::build_world(&scene, &spawn(&scene), &[]).unwrap();
    let mass_kg: f64 = world
        .bodies
        .iter()
        .filter(|b| b.kind == benchforge::scene::BodyKind::Dynamic)
        .map(|b| world.world.bodies[b.handle].mass() as f64)
        .sum();
    let margin_j = mass_kg * 9.81 * settings.energy_margin_drop_m;
    // Counting only gravity, the same kinetic energy would be far beyond the gate's limit:
    // without the spring's share in the balance this scene would fail as energy from
    // nowhere.
    let gravity_only = outcome.max_energy_ratio_kinetic_j
        / (outcome.max_energy_ratio_released_j.max(0.0) + margin_j);
    assert!(
        gravity_only > 3.0 * settings.max_energy_ratio,
        "{gravity_only} {outcome:?}"
    );
    // Counted, the kinetic energy stays below what the spring released.
    assert!(outcome.max_energy_ratio <= 1.0, "{outcome:?}");
    assert!(
        outcome.max_energy_ratio_spring_j >= outcome.max_energy_ratio_kinetic_j,
        "{outcome:?}"
    );
}

#[test]
fn energy_from_nowhere_is_still_caught_beside_a_spring() {
    // The same sprung sled whose slider limits exclude its start (0.3..0.5 m): the joint
    // yanks it 0.3 m, energy the spring never held. The spring's share does not hide it.
    let mut scene = sprung_sled(200.0);
    scene.joints[0].kind = JointKind::Prismatic {
        limits_m: Some([0.3, 0.5]),
    };
    // An unloaded spring (rest length = start length): it holds nothing to release.
    scene.springs[0].rest_length_m = 0.2;
    let settings = PhysicsSettings::default();
    let check = check_physics(&scene, &spawn(&scene), &settings, None);
    assert!(
        check
            .gate
            .findings
            .iter()
            .any(|f| f.rule == "energy_explosion" && f.message.contains("the springs had released")),
        "{:?}",
        check.gate
    );
}

const PLUNGER_EXAMPLE: &str = include_str!("../actors/coder/examples/cube_spring_plunger.rhai");

#[test]
fn a_spring_in_solve_pushes_the_cube_into_the_bay_and_without_it_the_plate_never_moves() {
    let script = SceneScript::compile(PLUNGER_EXAMPLE).unwrap();
    let solution = script.solve(0, [1.0; 3]).unwrap().unwrap();
    assert_eq!(solution.springs.len(), 1);
    assert_eq!(solution.springs[0].fixture_a, "floor");
    let options = ValidateOptions {
        seeds: vec![0, 1, 2],
        ..ValidateOptions::default()
    };
    let report = validate_script(PLUNGER_EXAMPLE, &options).unwrap();
    assert!(report.passed(), "{:?}", report.seeds);
    for seed in &report.seeds {
        let passive = seed.passive.as_ref().unwrap();
        let solved = seed.solution.as_ref().unwrap();
        let pushed = solved.payload_final_m[0] - passive.payload_start_m[0];
        assert!(pushed > 0.2, "seed {}: pushed {pushed} m", seed.seed);
    }
    let unsprung = PLUNGER_EXAMPLE.replace(
        "    solution.spring(\"floor\", \"plate\", [l.plate_x - 0.1, 0.0, h], [l.plate_x, 0.0, h], 50.0, 12.0, 0.38);\n",
        "",
    );
    assert_ne!(unsprung, PLUNGER_EXAMPLE);
    let report = validate_script(&unsprung, &options).unwrap();
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
        !failed.is_empty() && failed.iter().all(|r| *r == "solution_misses_goal"),
        "{failed:?}"
    );
}

#[test]
fn a_solution_spring_may_hold_only_its_own_parts_or_fixed_scene_parts() {
    let with_solve = |body: &str| {
        format!(
            "{}\nfn solve(seed, scale) {{\n    let solution = new_solution();\n    let arm = solution.dynamic_part(\"arm\", \"wood\");\n    arm.box([0.1, 0.02, 0.02], [0.3, 0.3, 0.3]);\n{body}\n    solution\n}}\n",
            post_script("")
        )
    };
    for (partner, refused) in [("block", true), ("post", false)] {
        let script = SceneScript::compile(&with_solve(&format!(
            "    solution.spring(\"{partner}\", \"arm\", [0.2, 0.3, 0.3], [0.3, 0.3, 0.3], 100.0, 1.0);"
        )))
        .unwrap();
        let scene = script.build(0, [1.0; 3]).unwrap();
        let solution = script.solve(0, [1.0; 3]).unwrap().unwrap();
        let mut found = Vec::new();
        consistency::check_solution_joints(&scene, &solution, &mut found);
        assert_eq!(!found.is_empty(), refused, "{partner}: {found:?}");
        if refused {
            assert_eq!(
                found[0].message,
                "the solution's spring between \"block\" and \"arm\": scene part \"block\" is dynamic; a solution spring may only hold on to a fixed part of the scene"
            );
        }
    }
}

#[test]
fn a_spring_exports_as_a_spatial_tendon_between_two_sites_at_its_anchors() {
    let scene = sprung_sled(200.0);
    let xml = to_mjcf(&scene, &spawn(&scene), "sprung").unwrap();
    assert!(
        xml.contains(
            r#"<spatial name="spring_0" stiffness="2000" damping="200" springlength="0.5""#
        ),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<site site="spring_0_a"/><site site="spring_0_b"/>"#),
        "{xml}"
    );
    // The sled's anchor is its centre (the body origin); the rail end's is 0.1 m in front of
    // its centre along x, 0.05 m back along y and 0.027 m up.
    assert!(
        xml.contains(r#"<site name="spring_0_b" pos="0 0 0""#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<site name="spring_0_a" pos="0.1 -0.05 0.027""#),
        "{xml}"
    );
    assert!(xml.contains(r#"integrator="implicitfast""#));
}

#[test]
fn mujoco_agrees_with_rapier_on_a_preloaded_spring() {
    if !mujoco_available() {
        eprintln!("skipped: python3 cannot import mujoco (.ci/run installs it in .venv-ci)");
        return;
    }
    // Lightly damped, so the run still swings when it ends, and heavily damped, at rest.
    for damping in [60.0, 400.0] {
        let scene = sprung_sled(damping);
        let run = mjcf_scenes::both_engines(&scene, &[], &mjcf_scenes::run_for(3.0), 0.1);
        // The spring moved the sled in rapier: towards its rest length 0.3 m further on.
        let moved = run.rapier["sled"][0] - (-0.6);
        assert!(moved > 0.1, "damping {damping}: sled moved {moved} m");
        run.assert_agree(
            &format!("spring, damping {damping} N·s/m"),
            benchforge::export::crosscheck::PASSIVE_TOLERANCE_M,
        );
    }
}

#[test]
fn the_api_reference_spring_example_passes_validate() {
    let api = include_str!("../actors/coder/api.md");
    let section = &api[api
        .find("## Springs")
        .expect("api.md has a Springs section")..];
    let start = section
        .find("```rhai\n")
        .expect("the Springs section has an example")
        + 8;
    let end = start + section[start..].find("```").unwrap();
    let example = &section[start..end];
    assert!(example.contains("solution.spring("), "{example}");
    let report = validate_script(example, &ValidateOptions::default()).unwrap();
    assert!(report.passed(), "{:?}", report.seeds);
}

#[test]
fn locking_a_mechanism_for_gate_8_removes_the_springs_that_hold_it() {
    let scene = sprung_sled(200.0);
    let locked = benchforge::gates::fidelity::locked(&scene, &["sled"]);
    assert!(locked.springs.is_empty() && locked.joints.is_empty());
    assert_eq!(
        locked.fixture("sled").unwrap().body,
        benchforge::scene::BodyKind::Fixed
    );
    // Locking a part the spring does not hold keeps it.
    let other = benchforge::gates::fidelity::locked(&scene, &["pit_wall"]);
    assert_eq!(other.springs, scene.springs);
}

#[test]
fn mujoco_pushes_the_plunger_examples_cube_into_the_bay_as_rapier_does() {
    use benchforge::export::crosscheck::{crosscheck, CrosscheckOptions, Variant};
    use benchforge::variant::{PayloadSpawn, ScaleRanges};
    if !mujoco_available() {
        eprintln!("skipped: python3 cannot import mujoco (.ci/run installs it in .venv-ci)");
        return;
    }
    let script = SceneScript::compile(PLUNGER_EXAMPLE).unwrap();
    let variants: Vec<Variant> = (0..4)
        .map(|seed| {
            let scale = ScaleRanges::default().sample(seed);
            let scene = script.build(seed, scale).unwrap();
            Variant {
                name: format!("cube_spring_plunger seed {seed}"),
                spawn: PayloadSpawn::sample(&scene.payload, seed),
                solution: script.solve(seed, scale).unwrap(),
                scene,
            }
        })
        .collect();
    let report = crosscheck(&variants, &CrosscheckOptions::default()).unwrap();
    let (name, worst_m) = report.worst_solution().unwrap();
    eprintln!("cube_spring_plunger: worst with-solution distance {worst_m:.4} m ({name})");
    for v in &report.variants {
        let solved = v.solution.as_ref().unwrap();
        assert!(solved.rapier.in_goal && solved.mujoco.in_goal, "{}", v.name);
        assert!(!v.passive.mujoco.in_goal, "{}", v.name);
    }
    assert!(
        worst_m <= benchforge::export::crosscheck::SOLUTION_TOLERANCE_M,
        "{name}: {worst_m} m"
    );
}

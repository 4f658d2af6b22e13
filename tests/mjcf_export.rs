//! MJCF export: the XML matches the scene (bodies, geoms, joints, sites, positions), and when
//! the `mujoco` Python package is importable, MuJoCo loads and steps it without warnings and
//! agrees with rapier: on feature scenes (hinge and slider in both joint orientations, a part
//! with two joints, restitution, angular damping, friction combining), on every example
//! script's seeds (passive and with the reference solution), and on a benchmark folder.

#[path = "common/benchmark_folder.rs"]
mod benchmark_folder;
mod common;
#[path = "common/mjcf_scenes.rs"]
mod mjcf_scenes;

use std::process::Command;

use benchforge::export::mjcf::{
    contact_solref, restitution_dampratio, to_mjcf, to_mjcf_with_solution, MjcfOptions,
};
use benchforge::gates::physical::run_physical_gates;
use benchforge::physics::PhysicsSettings;
use common::scenes::*;

fn count(xml: &str, tag: &str) -> usize {
    xml.matches(tag).count()
}

/// The value of attribute `attr` on the element that has `name="<name>"`.
fn attr_of(xml: &str, element: &str, name: &str, attr: &str) -> String {
    let start = xml
        .find(&format!("<{element} name=\"{name}\""))
        .unwrap_or_else(|| panic!("no <{element} name=\"{name}\"> in\n{xml}"));
    let tail = &xml[start..];
    let tail = &tail[..tail.find('>').unwrap()];
    let key = format!(" {attr}=\"");
    let at = tail
        .find(&key)
        .unwrap_or_else(|| panic!("no {attr} in {tail}"))
        + key.len();
    tail[at..at + tail[at..].find('"').unwrap()].to_string()
}

fn numbers(text: &str) -> Vec<f64> {
    text.split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect()
}

#[test]
fn the_xml_has_one_body_per_part_one_geom_per_primitive_and_the_joints() {
    let scene = mechanism();
    let xml = to_mjcf(&scene, &spawn(&scene), "mechanism").unwrap();
    // 8 fixtures + payload.
    assert_eq!(count(&xml, "<body "), scene.fixtures.len() + 1, "{xml}");
    let primitives: usize = scene.fixtures.iter().map(|f| f.parts.len()).sum();
    assert_eq!(count(&xml, "<geom "), primitives + 1);
    // One hinge (flap on post); the crate and the payload move freely: three slides and a
    // damped ball joint each.
    assert_eq!(count(&xml, "type=\"hinge\""), 1);
    assert_eq!(count(&xml, "type=\"slide\""), 6);
    assert_eq!(count(&xml, "type=\"ball\""), 2);
    assert_eq!(attr_of(&xml, "joint", "post_flap", "type"), "hinge");
    let range = numbers(&attr_of(&xml, "joint", "post_flap", "range"));
    assert!(
        (range[0] + 30f64.to_radians()).abs() < 1e-6
            && (range[1] - 30f64.to_radians()).abs() < 1e-6
    );
    // The flap hangs in the post: its position is relative to the post (0, -0.4, 0.15).
    let flap = numbers(&attr_of(&xml, "body", "flap", "pos"));
    assert_eq!(flap, vec![0.0, 0.17, 0.05]);
    let joint_pos = numbers(&attr_of(&xml, "joint", "post_flap", "pos"));
    assert_eq!(joint_pos, vec![0.0, -0.15, 0.0]);
    // Root bodies are at their world pose; the payload at its spawn.
    assert_eq!(
        numbers(&attr_of(&xml, "body", "floor", "pos")),
        vec![-0.35, 0.0, -0.15]
    );
    assert_eq!(
        numbers(&attr_of(&xml, "body", "payload", "pos")),
        scene.payload.start_m.to_vec()
    );
    // Box sizes are half extents; the hull is a mesh; materials carry friction and density.
    assert_eq!(
        numbers(&attr_of(&xml, "geom", "floor_0", "size")),
        vec![0.65, 0.5, 0.15]
    );
    assert_eq!(attr_of(&xml, "geom", "wedge_0", "type"), "mesh");
    assert_eq!(count(&xml, "<mesh "), 1);
    assert_eq!(
        numbers(&attr_of(&xml, "geom", "floor_0", "friction"))[0],
        0.5
    );
    assert_eq!(attr_of(&xml, "geom", "payload_0", "density"), "700");
    // Zones are sites: goal, build, bounds.
    assert_eq!(count(&xml, "<site "), 3 + scene.forbid_zones.len());
    assert_eq!(
        numbers(&attr_of(&xml, "site", "goal_zone", "pos")),
        vec![0.5, 0.0, -0.1]
    );
    // The canonical scene hash is recorded.
    assert!(
        xml.contains(&format!("<!-- scene_hash: {} -->", scene.content_hash())),
        "{xml}"
    );
}

#[test]
fn every_jointed_pair_is_excluded_and_gets_no_contact_pair() {
    let scene = mechanism();
    let xml = to_mjcf(&scene, &spawn(&scene), "mechanism").unwrap();
    assert!(
        xml.contains("<exclude body1=\"post\" body2=\"flap\"/>"),
        "{xml}"
    );
    for line in xml.lines().filter(|l| l.contains("<pair ")) {
        assert!(
            !(line.contains("\"post_0\"") && line.contains("\"flap_")),
            "{line}"
        );
    }
    // Both fixed: no pair either (rapier makes no contacts between fixed bodies).
    assert!(!xml.lines().any(|l| l.contains("<pair ")
        && l.contains("\"floor_0\"")
        && l.contains("\"pit_wall_0\"")));
}

#[test]
fn friction_is_the_average_of_both_materials_in_every_pair_and_restitution_sets_solref() {
    let scene = mjcf_scenes::friction_scene();
    let xml = to_mjcf(&scene, &spawn(&scene), "friction").unwrap();
    let line = xml
        .lines()
        .find(|l| l.contains("<pair ") && l.contains("\"ramp_0\"") && l.contains("\"sled_0\""))
        .unwrap_or_else(|| panic!("no ramp/sled pair in\n{xml}"));
    // Concrete 0.7 and HDPE 0.25 average to 0.475 (MuJoCo alone would take 0.7).
    assert!(line.contains("friction=\"0.475 0.475 0 0 0\""), "{line}");
    let dampratio = restitution_dampratio(0.5 * (0.2 + 0.4));
    assert!(dampratio > 0.0 && dampratio < 1.0);
    let (stiffness, damping) = contact_solref(0.5 * (0.2 + 0.4));
    assert!(
        line.contains(&format!("solref=\"{} {}\"", fmt6(stiffness), fmt6(damping))),
        "{line}"
    );
    assert_eq!(restitution_dampratio(0.0), 1.0);
    assert!(restitution_dampratio(0.7) < restitution_dampratio(0.3));
}

fn fmt6(v: f64) -> String {
    let s = format!("{v:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[test]
fn the_timestep_is_the_simulators_step_over_its_substeps_and_damping_is_written() {
    let scene = pit();
    let physics = PhysicsSettings {
        timestep_s: 0.01,
        rolling_damping_per_s: 0.5,
        ..PhysicsSettings::default()
    };
    let options = MjcfOptions::from_physics(&physics);
    let xml = to_mjcf_with_solution(&scene, &spawn(&scene), &Default::default(), "pit", &options)
        .unwrap();
    let substeps = benchforge::physics::world::solver_substeps();
    assert!(substeps >= 1);
    let timestep: f64 = xml
        .split("timestep=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!((timestep - 0.01 / substeps as f64).abs() < 1e-9, "{xml}");
    // The ball (wood, radius 0.05 m): damping torque 0.5/s × I, I = 2/5 m r².
    let mass = 700.0 * 4.0 / 3.0 * std::f64::consts::PI * 0.05f64.powi(3);
    let inertia = 0.4 * mass * 0.05 * 0.05;
    let damping: f64 = attr_of(&xml, "joint", "payload_rot", "damping")
        .parse()
        .unwrap();
    assert!(
        (damping - 0.5 * inertia).abs() < 1e-3 * 0.5 * inertia,
        "{damping} vs {}",
        0.5 * inertia
    );
    // No damping: a plain free joint.
    let undamped = MjcfOptions {
        angular_damping_per_s: 0.0,
        ..options
    };
    let xml = to_mjcf_with_solution(
        &scene,
        &spawn(&scene),
        &Default::default(),
        "pit",
        &undamped,
    )
    .unwrap();
    assert!(xml.contains("<freejoint name=\"payload_free\"/>"), "{xml}");
}

#[test]
fn joint_limits_keep_rapiers_sign_whichever_fixture_the_joint_names_first() {
    for post_first in [true, false] {
        let scene = mjcf_scenes::hinge_scene(post_first);
        let xml = to_mjcf(&scene, &spawn(&scene), "hinge").unwrap();
        let name = if post_first { "post_flap" } else { "flap_post" };
        let range = numbers(&attr_of(&xml, "joint", name, "range"));
        // The flap hangs in the post either way; its free edge falls for positive angles.
        assert!(
            range[0].abs() < 1e-9 && (range[1] - 40f64.to_radians()).abs() < 1e-6,
            "{name}: {range:?}"
        );
    }
    for rail_first in [true, false] {
        let scene = mjcf_scenes::slider_scene(rail_first);
        let xml = to_mjcf(&scene, &spawn(&scene), "slider").unwrap();
        let name = if rail_first {
            "rail_block"
        } else {
            "block_rail"
        };
        let range = numbers(&attr_of(&xml, "joint", name, "range"));
        assert_eq!(range, vec![-0.3, 0.0], "{name}");
    }
}

#[test]
fn a_part_with_two_joints_exports_as_a_proxy_welded_to_it() {
    let scene = mjcf_scenes::two_joint_scene();
    let xml = to_mjcf(&scene, &spawn(&scene), "two_joints").unwrap();
    assert_eq!(count(&xml, "type=\"hinge\""), 2, "{xml}");
    assert!(xml.contains("<weld name=\"plate_post_right_loop\" body1=\"plate__plate_post_right_proxy\" body2=\"plate\""), "{xml}");
    let range = numbers(&attr_of(&xml, "joint", "plate_post_right", "range"));
    assert!((range[1] - 60f64.to_radians()).abs() < 1e-6 && range[0].abs() < 1e-9);
    // A loop between two dynamic parts exports too.
    let mut scene = mechanism();
    scene
        .joints
        .push(hinge("flap", "post", [0.0, -0.38, 0.3], None));
    scene
        .fixtures
        .iter_mut()
        .find(|f| f.label == "post")
        .unwrap()
        .body = benchforge::scene::BodyKind::Dynamic;
    let xml = to_mjcf(&scene, &spawn(&scene), "loop").unwrap();
    assert!(xml.contains("<weld "), "{xml}");
}

use common::revalidate::mujoco_available;

#[test]
fn mujoco_loads_and_steps_the_export_without_warnings() {
    if !mujoco_available() {
        eprintln!("skipped: python3 cannot import mujoco (.ci/run installs it in .venv-ci)");
        return;
    }
    let dir = std::env::temp_dir().join(format!("benchforge-mjcf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, scene) in [("pit", pit()), ("mechanism", mechanism())] {
        let path = dir.join(format!("{name}.xml"));
        std::fs::write(&path, to_mjcf(&scene, &spawn(&scene), name).unwrap()).unwrap();
        let out = Command::new("python3")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/scripts/mujoco_check.py"
            ))
            .arg(&path)
            .args(["--duration-s", "3", "--json"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {stderr}");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            report["bodies"].as_u64().unwrap() as usize,
            scene.fixtures.len() + 1
        );
        // MuJoCo agrees with rapier where the ball comes to rest: on the floor at x = -0.5.
        let rapier = run_physical_gates(
            &scene,
            &spawn(&scene),
            None,
            &PhysicsSettings::default(),
            None,
        );
        let rapier_final = rapier.passive.unwrap().payload_final_m;
        let mujoco_final: Vec<f64> = report["payload_final_m"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        for axis in 0..3 {
            assert!(
                (rapier_final[axis] - mujoco_final[axis]).abs() < 0.01,
                "{name}: rapier {rapier_final:?} vs MuJoCo {mujoco_final:?}"
            );
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_example_exports_through_the_cli_and_mujoco_steps_it_cleanly() {
    use benchforge::script::SceneScript;
    use benchforge::variant::ScaleRanges;
    let dir = std::env::temp_dir().join(format!("benchforge-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let check_mujoco = mujoco_available();
    for path in common::rhai_files("actors/coder/examples") {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let out_file = dir.join(format!("{name}.xml"));
        let out = common::run_benchforge(&[
            "export",
            &common::relative(&path),
            "--seed",
            "3",
            "--format",
            "mjcf",
            "--out",
            out_file.to_str().unwrap(),
        ]);
        assert_eq!(out.code, Some(0), "{name}: {}", out.stderr);
        let xml = std::fs::read_to_string(&out_file).unwrap();
        let script = SceneScript::compile(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let scene = script.build(3, ScaleRanges::default().sample(3)).unwrap();
        assert_eq!(count(&xml, "<body "), scene.fixtures.len() + 1, "{name}");
        let primitives: usize = scene.fixtures.iter().map(|f| f.parts.len()).sum();
        assert_eq!(count(&xml, "<geom "), primitives + 1, "{name}");
        if check_mujoco {
            let run = Command::new("python3")
                .arg(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/scripts/mujoco_check.py"
                ))
                .arg(&out_file)
                .args(["--duration-s", "2"])
                .output()
                .unwrap();
            assert!(
                run.status.success(),
                "{name}: {}",
                String::from_utf8_lossy(&run.stderr)
            );
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn export_of_a_missing_script_is_one_clear_line() {
    let out = common::run_benchforge(&[
        "export",
        "no/such.rhai",
        "--seed",
        "0",
        "--out",
        "/tmp/x.xml",
    ]);
    assert_ne!(out.code, Some(0));
    assert!(
        out.stderr.contains("no/such.rhai") && out.stderr.lines().count() == 1,
        "{}",
        out.stderr
    );
}

/// Feature scenes are held to the passive tolerance of the cross-check.
const FEATURE_TOLERANCE_M: f64 = benchforge::export::crosscheck::PASSIVE_TOLERANCE_M;

#[test]
fn mujoco_agrees_with_rapier_on_hinges_sliders_and_a_part_with_two_joints() {
    if !mujoco_available() {
        eprintln!("skipped: python3 cannot import mujoco (.ci/run installs it in .venv-ci)");
        return;
    }
    let scenes = [
        ("hinge, post first", mjcf_scenes::hinge_scene(true), "flap"),
        ("hinge, flap first", mjcf_scenes::hinge_scene(false), "flap"),
        (
            "slider, rail first",
            mjcf_scenes::slider_scene(true),
            "block",
        ),
        (
            "slider, block first",
            mjcf_scenes::slider_scene(false),
            "block",
        ),
        ("two joints", mjcf_scenes::two_joint_scene(), "plate"),
    ];
    for (name, scene, moving) in scenes {
        let run = mjcf_scenes::both_engines(&scene, &[], &mjcf_scenes::run_for(3.0), 0.1);
        // The part really moved in rapier: it fell to its limit.
        let start = scene.fixture(moving).unwrap().pose.position_m;
        let end = run.rapier[moving];
        assert!(
            start[2] - end[2] > 0.05,
            "{name}: {moving} did not fall: {end:?}"
        );
        run.assert_agree(name, FEATURE_TOLERANCE_M);
    }
}

#[test]
fn motors_export_as_actuators_and_mujoco_drives_them_as_rapier_does() {
    use benchforge::scene::{Motor, MotorProfile, MotorTarget};
    let motor = |target, profile, max_effort, start_s| Motor {
        target,
        profile,
        max_effort,
        start_s,
    };
    // Sliders lowered at 0.1 m/s from the start (the second held still until a step at
    // 0.3 s); hinges free until 0.5 s (the flap falls to its 40° stop), then turned to 20°
    // down over a 1 s ramp: each in both joint orientations, so the sign of the control
    // follows the joint's as MuJoCo measures it.
    let cases = [
        (
            "velocity slider, rail first",
            mjcf_scenes::slider_scene(true),
            "block",
            motor(
                MotorTarget::Velocity { value: -0.1 },
                MotorProfile::Constant,
                200.0,
                0.0,
            ),
            2,
            0.6 - 0.2,
        ),
        (
            "velocity slider with a step, block first",
            mjcf_scenes::slider_scene(false),
            "block",
            motor(
                MotorTarget::Velocity { value: 0.1 },
                MotorProfile::Step { at_s: 0.3 },
                200.0,
                0.0,
            ),
            2,
            0.6 - 0.17,
        ),
        (
            "position hinge, post first",
            mjcf_scenes::hinge_scene(true),
            "flap",
            motor(
                MotorTarget::Position { value: 20.0 },
                MotorProfile::Ramp { duration_s: 1.0 },
                50.0,
                0.5,
            ),
            2,
            0.7 - 0.15 * 20f64.to_radians().sin(),
        ),
        (
            "position hinge, flap first",
            mjcf_scenes::hinge_scene(false),
            "flap",
            motor(
                MotorTarget::Position { value: -20.0 },
                MotorProfile::Ramp { duration_s: 1.0 },
                50.0,
                0.5,
            ),
            2,
            0.7 - 0.15 * 20f64.to_radians().sin(),
        ),
    ];
    let check_mujoco = mujoco_available();
    for (name, mut scene, moving, motor, axis, expected_z) in cases {
        scene.joints[0].motor = Some(motor);
        let xml = to_mjcf(&scene, &spawn(&scene), "motor").unwrap();
        assert_eq!(count(&xml, "<actuator>"), 1, "{name}");
        let element = if matches!(motor.target, MotorTarget::Velocity { .. }) {
            "<velocity "
        } else {
            "<position "
        };
        assert_eq!(count(&xml, element), 1, "{name}:\n{xml}");
        let effort = motor.max_effort;
        assert!(
            xml.contains(&format!("forcerange=\"-{effort} {effort}\"")),
            "{name}:\n{xml}"
        );
        assert!(
            xml.contains("<numeric name=\"benchforge_motor:motor_"),
            "{name}"
        );
        assert!(xml.contains("integrator=\"implicitfast\""), "{name}");
        if !check_mujoco {
            continue;
        }
        let run = mjcf_scenes::both_engines(&scene, &[], &mjcf_scenes::run_for(2.0), 0.1);
        let rapier_z = run.rapier[moving][axis];
        // rapier followed the motor (the body origin of the flap is its centre)...
        assert!(
            (rapier_z - expected_z).abs() < 0.01,
            "{name}: {moving} at z = {rapier_z} m, expected {expected_z} m"
        );
        // ...and MuJoCo, driven by the exported profile, agrees.
        run.assert_agree(name, FEATURE_TOLERANCE_M);
    }
}

#[test]
fn mujoco_bounces_as_high_as_rapier_within_ten_percent() {
    if !mujoco_available() {
        eprintln!("skipped: python3 cannot import mujoco (.ci/run installs it in .venv-ci)");
        return;
    }
    use benchforge::scene::Material;
    for (ball, floor) in [
        (Material::Rubber, Material::Rubber),
        (Material::Steel, Material::Glass),
        (Material::Wood, Material::Wood),
    ] {
        let scene = mjcf_scenes::drop_scene(ball, floor);
        let settings = mjcf_scenes::run_for(1.5);
        let run = mjcf_scenes::both_engines(&scene, &[], &settings, 1.0 / 240.0);
        let rapier = mjcf_scenes::first_bounce_m(&run.rapier_path, 0.05);
        let mujoco = mjcf_scenes::first_bounce_m(&run.mujoco.payload_path_m, 0.05);
        eprintln!(
            "{} on {}: bounce {rapier:.4} m in rapier, {mujoco:.4} m in MuJoCo",
            ball.name(),
            floor.name()
        );
        assert!(rapier > 0.02, "rapier barely bounced: {rapier}");
        assert!(
            (mujoco - rapier).abs() <= 0.10 * rapier,
            "{} on {}: bounce {rapier:.4} m in rapier, {mujoco:.4} m in MuJoCo",
            ball.name(),
            floor.name()
        );
    }
}

#[test]
fn mujoco_damps_rolling_and_combines_friction_as_rapier_does() {
    if !mujoco_available() {
        eprintln!("skipped: python3 cannot import mujoco (.ci/run installs it in .venv-ci)");
        return;
    }
    // A rolling ball slowed only by angular damping.
    let scene = mjcf_scenes::rolling_scene();
    let run = mjcf_scenes::both_engines(&scene, &[], &mjcf_scenes::run_for(3.0), 0.1);
    // The same without damping: what damping takes off the distance rolled must match.
    let undamped = benchforge::physics::PhysicsSettings {
        rolling_damping_per_s: 0.0,
        ..mjcf_scenes::run_for(3.0)
    };
    let free = mjcf_scenes::both_engines(&scene, &[], &undamped, 0.1);
    let loss = |damped: [f64; 3], free: [f64; 3]| free[0] - damped[0];
    let rapier_loss = loss(run.rapier["payload"], free.rapier["payload"]);
    let mujoco_loss = loss(run.mujoco.payload_final_m, free.mujoco.payload_final_m);
    eprintln!(
        "rolling: damping shortens the roll by {rapier_loss:.4} m in rapier, {mujoco_loss:.4} m in MuJoCo; \
         damped ends {:.4} m apart, undamped {:.4} m apart",
        run.distance_m("payload"),
        free.distance_m("payload")
    );
    assert!(run.rapier["payload"][0] > 1.0, "the ball did not roll");
    assert!(
        rapier_loss > 0.1,
        "damping barely slowed the ball in rapier"
    );
    assert!(
        (mujoco_loss - rapier_loss).abs() <= 0.10 * rapier_loss,
        "damping shortens the roll by {rapier_loss:.4} m in rapier, {mujoco_loss:.4} m in MuJoCo"
    );
    // A sled that slides only with averaged friction.
    let scene = mjcf_scenes::friction_scene();
    let run = mjcf_scenes::both_engines(&scene, &[], &mjcf_scenes::run_for(1.0), 0.1);
    let start = scene.fixture("sled").unwrap().pose.position_m;
    let slid = start[0] - run.rapier["sled"][0];
    let d = run.distance_m("sled");
    eprintln!("friction: the sled slid {slid:.3} m in rapier; engines {d:.4} m apart");
    assert!(slid.abs() > 0.1, "the sled did not slide in rapier");
    assert!(d <= FEATURE_TOLERANCE_M, "friction: sled {d:.3} m apart");
}

#[test]
fn every_example_agrees_between_the_engines_on_every_seed_passive_and_solved() {
    use benchforge::export::crosscheck::{crosscheck, CrosscheckOptions, Variant};
    use benchforge::script::SceneScript;
    use benchforge::variant::{PayloadSpawn, ScaleRanges};
    if !mujoco_available() {
        eprintln!("skipped: python3 cannot import mujoco (.ci/run installs it in .venv-ci)");
        return;
    }
    let mut variants = Vec::new();
    for path in common::rhai_files("actors/coder/examples") {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let script = SceneScript::compile(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for seed in 0..8 {
            let scale = ScaleRanges::default().sample(seed);
            let scene = script.build(seed, scale).unwrap();
            let solution = script.solve(seed, scale).unwrap();
            assert!(solution.is_some(), "{name} has a reference solution");
            variants.push(Variant {
                name: format!("{name} seed {seed}"),
                spawn: PayloadSpawn::sample(&scene.payload, seed),
                scene,
                solution,
            });
        }
    }
    let report = crosscheck(&variants, &CrosscheckOptions::default()).unwrap();
    let (worst_passive, worst_solution) = (
        report.worst_passive().unwrap(),
        report.worst_solution().unwrap(),
    );
    eprintln!(
        "examples: worst passive distance {:.4} m ({}), worst with-solution distance {:.4} m ({})",
        worst_passive.1, worst_passive.0, worst_solution.1, worst_solution.0
    );
    for line in report.disagreements() {
        eprintln!("  {line}");
    }
    for v in &report.variants {
        let solution = v.solution.as_ref().unwrap();
        // The benchmarks are real: not solved by gravity, solved by their solution...
        assert!(!v.passive.rapier.in_goal, "{}", v.name);
        assert!(solution.rapier.in_goal, "{}", v.name);
        // ...and MuJoCo reaches the same outcomes, stepping cleanly.
        for (what, c) in [("passive", &v.passive), ("solution", solution)] {
            assert_eq!(
                c.rapier.in_goal, c.mujoco.in_goal,
                "{} ({what}): goal reached in rapier {} vs MuJoCo {}",
                v.name, c.rapier.in_goal, c.mujoco.in_goal
            );
            assert!(
                c.mujoco_warnings.is_empty(),
                "{} ({what}): {:?}",
                v.name,
                c.mujoco_warnings
            );
        }
    }
}

/// Ranges a draft might choose: the default ranges sample other scales for every seed.
fn draft_ranges() -> benchforge::variant::ScaleRanges {
    benchforge::variant::ScaleRanges {
        x: [0.9, 1.1],
        y: [0.9, 1.1],
        z: [0.9, 1.1],
    }
}

#[test]
fn export_from_a_benchmark_folder_rebuilds_the_variant_the_gates_checked() {
    let dir = std::env::temp_dir().join(format!("benchforge-folder-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let script = common::repo_root().join("actors/coder/examples/ball_gap_bridge.rhai");
    let folder = benchmark_folder::write(&dir.join("bench"), &script, 3, draft_ranges());
    let bench: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("benchmark.json")).unwrap())
            .unwrap();
    for seed in [1u64, 2] {
        let out_file = dir.join(format!("seed-{seed}.xml"));
        let out = common::run_benchforge(&[
            "export",
            folder.to_str().unwrap(),
            "--seed",
            &seed.to_string(),
            "--with-solution",
            "--out",
            out_file.to_str().unwrap(),
        ]);
        assert_eq!(out.code, Some(0), "{}", out.stderr);
        assert!(
            out.stdout.contains("matches benchmark.json and scene.json"),
            "{}",
            out.stdout
        );
        let xml = std::fs::read_to_string(&out_file).unwrap();
        let recorded = bench["gate_results"]["seeds"][seed as usize]["scene_hash"]
            .as_str()
            .unwrap();
        assert!(
            xml.contains(&format!("<!-- scene_hash: {recorded} -->")),
            "seed {seed}: {}",
            xml.lines().take(4).collect::<Vec<_>>().join("\n")
        );
        // The solution's plank, the named payload, the goal site.
        assert!(xml.contains("<body name=\"bridge_plank\""), "{xml}");
        assert!(xml.contains("<body name=\"payload\""));
        assert!(xml.contains("<site name=\"goal_zone\""));
    }
    // Without --with-solution, no plank; to stdout without --out.
    let out = common::run_benchforge(&["export", folder.to_str().unwrap(), "--seed", "0"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.starts_with("<mujoco ") && !out.stdout.contains("bridge_plank"));
    // A seed the benchmark does not have, and a scene.json that is not the script's scene,
    // are one clear line each.
    let out = common::run_benchforge(&["export", folder.to_str().unwrap(), "--seed", "7"]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("no seed 7") && out.stderr.lines().count() == 1,
        "{}",
        out.stderr
    );
    let scene_json = folder.join("variants/seed-1/scene.json");
    let tampered = std::fs::read_to_string(&scene_json)
        .unwrap()
        .replacen("0.", "0.0001", 1);
    std::fs::write(&scene_json, tampered).unwrap();
    // The folder no longer reproduces its variant: a failed check (exit 1), not bad input.
    let out = common::run_benchforge(&["export", folder.to_str().unwrap(), "--seed", "1"]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("seed 1: the rebuilt scene has hash")
            && out.stderr.lines().count() == 1,
        "{}",
        out.stderr
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn crosscheck_command_on_a_benchmark_folder_reports_the_worst_disagreement() {
    if !mujoco_available() {
        eprintln!("skipped: python3 cannot import mujoco (.ci/run installs it in .venv-ci)");
        return;
    }
    let dir = std::env::temp_dir().join(format!("benchforge-xcheck-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let script = common::repo_root().join("actors/coder/examples/ball_wall_gate.rhai");
    let folder = benchmark_folder::write(&dir.join("bench"), &script, 2, draft_ranges());
    let out = common::run_benchforge(&["crosscheck", folder.to_str().unwrap()]);
    assert!(
        matches!(out.code, Some(0 | 1)),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    assert!(
        out.stdout.contains("worst passive distance"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("worst with-solution distance"),
        "{}",
        out.stdout
    );
    let text = common::run_benchforge(&["crosscheck", folder.to_str().unwrap(), "--json"]);
    assert_eq!(text.code, out.code, "{}", text.stderr);
    let report: serde_json::Value = serde_json::from_str(&text.stdout).unwrap();
    let variants = report["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 2);
    // Exit 1 exactly when a comparison misses its tolerance or outcome, one line for each.
    let mut misses = 0;
    for v in variants {
        for c in [&v["passive"], &v["solution"]] {
            let agrees = c["rapier"]["in_goal"] == c["mujoco"]["in_goal"]
                && c["distance_m"].as_f64().unwrap() <= c["tolerance_m"].as_f64().unwrap()
                && c["mujoco_warnings"].as_array().unwrap().is_empty();
            if !agrees {
                misses += 1;
            }
        }
    }
    assert_eq!(out.code, Some(if misses == 0 { 0 } else { 1 }));
    assert_eq!(
        out.stderr.matches("disagreement:").count(),
        misses,
        "{}",
        out.stderr
    );
    // A tolerance nothing can meet turns agreement into a reported disagreement (exit 1).
    let out = common::run_benchforge(&[
        "crosscheck",
        folder.to_str().unwrap(),
        "--passive-tolerance-m",
        "0.0000000001",
    ]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("disagreement") && out.stderr.contains("apart"),
        "{}",
        out.stderr
    );
    std::fs::remove_dir_all(&dir).ok();
}

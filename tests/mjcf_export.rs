//! MJCF export: the XML matches the scene (bodies, geoms, joints, sites, positions), and when
//! the `mujoco` Python package is importable, MuJoCo loads and steps it without warnings.

mod common;

use std::process::Command;

use benchforge::export::mjcf::to_mjcf;
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
    // One hinge (flap on post); free joints for the crate and the payload.
    assert_eq!(count(&xml, "<joint "), 1);
    assert_eq!(count(&xml, "<freejoint "), 2);
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
}

#[test]
fn closed_joint_loops_are_a_clear_error() {
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
    let err = to_mjcf(&scene, &spawn(&scene), "loop")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("\"flap\" and \"post\"") && err.contains("tree"),
        "{err}"
    );
}

fn mujoco_available() -> bool {
    Command::new("python3")
        .args(["-c", "import mujoco"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

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

//! Unit tests of the runtime: building, shapes to fixtures, and error kinds.

use super::*;

const MINIMAL: &str = r#"
fn build(seed, scale) {
    let rng = generator(seed);
    let scene = new_scene([-1.0, -1.0, 0.0], [1.0, 1.0, 1.0]);
    let floor = scene.fixed_part("floor", "wood");
    floor.box([2.0, 2.0, 0.1], [0.0, 0.0, 0.05]);
    floor.box([0.1, 0.1, 0.1], [0.5, 0.0, 0.15], [0, 0, 45]);
    scene.goal_zone([0.4, -0.2, 0.1], [0.8, 0.2, 0.4]);
    scene.build_zone([-0.8, -0.8, 0.1], [0.8, 0.8, 0.9]);
    scene.payload_sphere(0.03 * scale[0], "steel", [rng.uniform(-0.1, 0.1), 0.0, 0.5]);
    scene
}
"#;

fn build_err(body: &str) -> ScriptError {
    let source = format!("fn build(seed, scale) {{\n{body}\n}}");
    SceneScript::compile(&source)
        .and_then(|s| s.build(0, [1.0; 3]))
        .unwrap_err()
}

#[test]
fn builds_a_scene_with_fixtures_relative_to_their_first_shape() {
    let script = SceneScript::compile(MINIMAL).unwrap();
    assert!(!script.has_solve());
    let scene = script.build(3, [1.0, 1.0, 1.0]).unwrap();
    let floor = scene.fixture("floor").unwrap();
    assert_eq!(floor.pose.position_m, [0.0, 0.0, 0.05]);
    let offset = floor.parts[1].local_pose.position_m;
    assert!(
        (offset[0] - 0.5).abs() < 1e-12 && (offset[2] - 0.1).abs() < 1e-12,
        "{offset:?}"
    );
    assert_eq!(floor.parts[1].local_pose.rotation_deg, [0.0, 0.0, 45.0]);
    assert_eq!(
        scene.canonical_json(),
        script.build(3, [1.0; 3]).unwrap().canonical_json()
    );
    assert_ne!(
        scene.payload.start_m,
        script.build(4, [1.0; 3]).unwrap().payload.start_m
    );
}

#[test]
fn script_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<SceneScript>();
}

#[test]
fn endless_loop_hits_a_time_limit_with_its_line() {
    let err = build_err("let x = 0;\nloop { x += 1; }");
    // Whichever time limit comes first on a loaded machine; both name the loop's line.
    assert!(
        matches!(
            err,
            ScriptError::LimitExceeded {
                limit: Limit::Operations | Limit::WallClock,
                line: Some(3),
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn add_box_suggests_parts() {
    let err = build_err(
        "let scene = new_scene([0,0,0],[1,1,1]);\nscene.add_box([1,1,1],[0,0,0]);\nscene",
    );
    assert!(
        matches!(err, ScriptError::ApiMisuse { line: Some(3), .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("fixed_part"), "{err}");
}

#[test]
fn negative_size_is_a_bad_value_with_line() {
    let err = build_err("let scene = new_scene([0,0,0],[1,1,1]);\nlet p = scene.fixed_part(\"a\", \"wood\");\np.box([1, -1, 1], [0,0,0]);\nscene");
    assert!(
        matches!(err, ScriptError::BadValue { line: Some(4), .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("negative"), "{err}");
}

#[test]
fn returning_a_number_says_what_to_write() {
    let err = build_err("42");
    assert!(err.to_string().contains("an integer (42)"), "{err}");
    assert!(err.to_string().contains("`scene`"), "{err}");
}

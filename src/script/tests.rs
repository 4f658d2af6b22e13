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

fn limit_of(err: &ScriptError) -> Option<Limit> {
    match err {
        ScriptError::LimitExceeded { limit, .. } => Some(*limit),
        _ => None,
    }
}

/// Limits whose operation count can never be the one that ends a script, so the wall-clock
/// watchdog must.
fn time_only(wall_time_s: f64) -> crate::limits::Limits {
    crate::limits::Limits {
        script_operations: crate::limits::Limits::maxima().script_operations,
        script_wall_time_s: wall_time_s,
        ..crate::limits::Limits::default()
    }
}

#[test]
fn sleep_and_other_blocking_or_escaping_functions_are_not_registered() {
    for call in [
        "sleep(100);",
        "sleep(1.5);",
        "exit(0);",
        "parse_json(\"{}\");",
    ] {
        let err = build_err(call);
        assert!(
            matches!(err, ScriptError::ApiMisuse { .. }),
            "{call}: {err:?}"
        );
        assert!(
            err.to_string().contains("is not available"),
            "{call}: {err}"
        );
    }
}

#[test]
fn the_watchdog_ends_callbacks_of_sort_map_filter_and_reduce() {
    for body in [
        "let a = []; for i in 0..2000 { a.push(i); } loop { a.sort(|x, y| y - x); }",
        "let a = []; for i in 0..2000 { a.push(i); } loop { a = a.map(|x| x + 1); }",
        "let a = []; for i in 0..2000 { a.push(i); } loop { let b = a.filter(|x| x > 3); }",
        "let a = []; for i in 0..2000 { a.push(i); } loop { let s = a.reduce(|s, x| s + x, 0); }",
        "let a = [1, 2, 3]; let b = a.map(|x| { loop { } });",
    ] {
        let started = std::time::Instant::now();
        let err = crate::limits::with_limits(time_only(0.2), || build_err(body));
        assert_eq!(limit_of(&err), Some(Limit::WallClock), "{body}: {err}");
        // Generous: a hang would never return at all.
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
    }
}

#[test]
fn equality_and_printing_of_deep_values_are_refused_by_the_nesting_limit() {
    for body in [
        "let a = []; for i in 0..40 { a = [a]; } a.to_string()",
        "let a = []; for i in 0..40 { a = [a]; } a == a",
        "let m = #{}; for i in 0..40 { m = #{ x: m }; } m != m",
        "let a = []; for i in 0..5000 { a = [a]; } 1",
    ] {
        let err = build_err(body);
        assert_eq!(limit_of(&err), Some(Limit::DataNesting), "{body}: {err}");
    }
}

#[test]
fn bounded_equality_and_printing_still_work_on_ordinary_values() {
    let source = r#"
fn build(seed, scale) {
    let a = [1, 2.0, "x", [true, ()], #{ k: 1 }];
    let b = [1.0, 2, "x", [true, ()], #{ k: 1 }];
    if a != b { throw "unequal"; }
    if #{ k: [1] } == #{ k: [2] } { throw "equal"; }
    if a.to_string() != "[1, 2.0, \"x\", [true, ()], #{\"k\": 1}]" { throw a.to_string(); }
    let scene = new_scene([-1.0, -1.0, 0.0], [1.0, 1.0, 1.0]);
    scene
}
"#;
    let err = SceneScript::compile(source)
        .unwrap()
        .build(0, [1.0; 3])
        .unwrap_err();
    // It got past the comparisons to the scene, which lacks its zones.
    assert!(err.to_string().contains("goal zone"), "{err}");
}

#[test]
fn joints_are_counted_against_the_joint_limit() {
    let err = crate::limits::with_limits(
        crate::limits::Limits {
            joints: 3,
            ..crate::limits::Limits::default()
        },
        || {
            build_err(
                "let scene = new_scene([-1.0, -1.0, 0.0], [1.0, 1.0, 1.0]);\n\
                 let a = scene.dynamic_part(\"a\", \"wood\"); a.box([0.1, 0.1, 0.1], [0.0, 0.0, 0.5]);\n\
                 let b = scene.dynamic_part(\"b\", \"wood\"); b.box([0.1, 0.1, 0.1], [0.0, 0.0, 0.7]);\n\
                 for i in 0..200000 { scene.revolute_joint(\"a\", \"b\", [0.0, 0.0, 0.6], [1.0, 0.0, 0.0], -10.0, 10.0); }\n\
                 scene",
            )
        },
    );
    assert_eq!(limit_of(&err), Some(Limit::Joints), "{err}");
    assert!(err.to_string().contains("limits.joints"), "{err}");
}

#[test]
fn a_thrown_message_cannot_span_lines_or_carry_escapes() {
    let err = build_err("throw \"one\\ntwo\\u001b[31m\";");
    let text = err.to_string();
    assert!(!text.contains('\n') && !text.contains('\u{1b}'), "{text:?}");
    assert!(text.contains("one\\ntwo"), "{text}");
}

//! The renderer on real scenes: the 24 view files, role visibility measured from the
//! segmentation, byte-identical output, and the simulation media.

use std::collections::BTreeMap;

use benchforge::physics::{build_world, simulate, PhysicsSettings};
use benchforge::render::{
    self, media, BodyPose, BodyPoses, MediaOptions, RenderOptions, Role, SimFrame, ViewAngle,
    Visibility,
};
use benchforge::scene::{BodyKind, Fixture, Material, Pose, Scene, Shape};
use benchforge::script::SceneScript;
use benchforge::variant::{PayloadSpawn, ScaleRanges};

mod render_scenes;
use render_scenes::{fixture, part, ramp_scene};

fn spawn(scene: &Scene) -> PayloadSpawn {
    PayloadSpawn::sample(&scene.payload, 3)
}

fn all_outputs() -> RenderOptions {
    RenderOptions {
        depth: true,
        segmentation: true,
        ..RenderOptions::default()
    }
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().expect("a valid PNG");
    let info = reader.info();
    (info.width, info.height)
}

#[test]
fn writes_24_views_of_the_asked_size_with_depth_and_segmentation() {
    let scene = ramp_scene();
    let options = RenderOptions {
        width_px: 320,
        height_px: 200,
        ..all_outputs()
    };
    let views = render::render_views(&scene, &spawn(&scene), &BodyPoses::new(), &options).unwrap();
    let dir = tempdir("views");
    let written = render::write_views(&dir, &views).unwrap();
    assert_eq!(written.len(), 24 * 3 + 1);
    for elevation in [15, 45, 75] {
        for azimuth in (0..360).step_by(45) {
            let view = ViewAngle {
                elevation_deg: elevation,
                azimuth_deg: azimuth,
            };
            for name in [
                format!("{}.png", view.name()),
                render::depth_file_name(view),
                render::segmentation_file_name(view),
            ] {
                let bytes =
                    std::fs::read(dir.join(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(png_size(&bytes), (320, 200), "{name}");
            }
        }
    }
    assert!(dir.join("view_e45_a090.png").exists());
    let table: Vec<render::SegmentLabel> =
        serde_json::from_slice(&std::fs::read(dir.join(render::SEGMENTATION_TABLE_FILE)).unwrap())
            .unwrap();
    assert!(table
        .iter()
        .any(|l| l.label == "forbid:pit" && l.role == Role::ForbidZone));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn payload_goal_and_forbid_are_visible_from_most_views() {
    let scene = ramp_scene();
    let views =
        render::render_views(&scene, &spawn(&scene), &BodyPoses::new(), &all_outputs()).unwrap();
    // Count from the segmentation image itself, not only the summary.
    for view in &views {
        let seg = view.segmentation.as_ref().unwrap();
        let payload_id = seg
            .labels
            .iter()
            .find(|l| l.role == Role::Payload)
            .unwrap()
            .id;
        let counted = seg.ids.iter().filter(|id| **id == payload_id).count() as u32;
        assert_eq!(counted, view.pixels.payload, "{}", view.name);
        let depth = view.depth.as_ref().unwrap();
        assert!(depth.depth_mm.iter().any(|d| *d > 0));
    }
    let vis = Visibility::measure(&views, scene.forbid_zones.len());
    assert!(vis.payload_fraction >= 0.75, "{vis:?}");
    assert!(vis.goal_zone_fraction >= 0.75, "{vis:?}");
    assert!(vis.forbid_zones_fraction.unwrap() >= 0.5, "{vis:?}");
}

#[test]
fn the_payload_shows_in_its_colour_and_follows_its_pose() {
    let scene = ramp_scene();
    let options = RenderOptions {
        views: vec![ViewAngle::hero()],
        segmentation: true,
        ..RenderOptions::default()
    };
    let at_start =
        render::render_views(&scene, &spawn(&scene), &BodyPoses::new(), &options).unwrap();
    let orange = count_orange(&at_start[0].png);
    assert!(
        orange as f64 >= 0.5 * at_start[0].pixels.payload as f64,
        "{orange} vs {:?}",
        at_start[0].pixels
    );

    // Moved below the floor, the payload disappears from view.
    let mut poses = BTreeMap::new();
    poses.insert(
        "payload".to_string(),
        BodyPose {
            position_m: [0.0, 0.0, -0.5],
            rotation_wxyz: [1.0, 0.0, 0.0, 0.0],
        },
    );
    let hidden = render::render_views(&scene, &spawn(&scene), &poses, &options).unwrap();
    assert_eq!(hidden[0].pixels.payload, 0);
    assert_ne!(hidden[0].png, at_start[0].png);
}

fn count_orange(png_bytes: &[u8]) -> usize {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf[..info.buffer_size()]
        .chunks_exact(3)
        .filter(|p| p[0] as i32 > p[1] as i32 + 50 && p[1] as i32 > p[2] as i32 + 20 && p[0] > 90)
        .count()
}

#[test]
fn the_same_scene_renders_to_the_same_bytes_twice() {
    let scene = ramp_scene();
    let a =
        render::render_views(&scene, &spawn(&scene), &BodyPoses::new(), &all_outputs()).unwrap();
    let b =
        render::render_views(&scene, &spawn(&scene), &BodyPoses::new(), &all_outputs()).unwrap();
    assert_eq!(a, b);
    let mut other = scene.clone();
    other.goal_zone.max_m[2] = 0.3;
    let c =
        render::render_views(&other, &spawn(&other), &BodyPoses::new(), &all_outputs()).unwrap();
    assert_ne!(a[0].png, c[0].png);
}

#[test]
fn bad_sizes_are_refused_with_a_reason() {
    let scene = ramp_scene();
    let options = RenderOptions {
        width_px: 0,
        ..RenderOptions::default()
    };
    let err =
        render::render_views(&scene, &spawn(&scene), &BodyPoses::new(), &options).unwrap_err();
    assert!(err.to_string().contains("width 0 px"), "{err}");
}

#[test]
fn odd_geometry_renders_without_failing() {
    let mut scene = ramp_scene();
    // A flat hull, a NaN pose and a zero-size box must not bring rendering down.
    scene.fixtures.push(fixture(
        "flat",
        BodyKind::Fixed,
        vec![part(
            Shape::ConvexHull {
                points_m: vec![
                    [0.0, 0.0, 0.5],
                    [0.1, 0.0, 0.5],
                    [0.0, 0.1, 0.5],
                    [0.1, 0.1, 0.5],
                ],
            },
            [0.0; 3],
            [0.0; 3],
        )],
    ));
    scene.fixtures.push(fixture(
        "nan",
        BodyKind::Dynamic,
        vec![part(
            Shape::Box { size_m: [0.1; 3] },
            [f64::NAN; 3],
            [0.0; 3],
        )],
    ));
    let views = render::render_views(
        &scene,
        &spawn(&scene),
        &BodyPoses::new(),
        &RenderOptions::default(),
    )
    .unwrap();
    assert_eq!(views.len(), 24);
}

fn falling_frames(scene: &Scene) -> Vec<SimFrame> {
    let start = spawn(scene).start_m;
    (0..=50)
        .map(|k| {
            let t = k as f64 * 0.02;
            let mut poses = BodyPoses::new();
            poses.insert(
                "payload".into(),
                BodyPose {
                    position_m: [
                        start[0] + 1.4 * t,
                        start[1],
                        (start[2] - 0.5 * 9.81 * t * t).max(0.05),
                    ],
                    rotation_wxyz: [1.0, 0.0, 0.0, 0.0],
                },
            );
            SimFrame { time_s: t, poses }
        })
        .collect()
}

#[test]
fn simulation_media_spread_frames_over_the_run_and_are_deterministic() {
    let scene = ramp_scene();
    let frames = falling_frames(&scene);
    let options = MediaOptions {
        gif_max_frames: 12,
        ..MediaOptions::default()
    };
    let a =
        render::render_simulation_media(&scene, &spawn(&scene), &[], &frames, &options).unwrap();
    assert_eq!(a.sheet_times_s.len(), 12);
    assert_eq!(a.sheet_times_s[0], 0.0);
    assert!((a.sheet_times_s[11] - 1.0).abs() < 1e-9);
    let (w, h) = png_size(&a.contact_sheet_png);
    assert_eq!(w, 3 * 256 + 4 * 2);
    assert!(h > 4 * 192);
    assert_eq!(&a.gif[..6], b"GIF89a");
    let decoder = gif::DecodeOptions::new()
        .read_info(std::io::Cursor::new(&a.gif))
        .unwrap();
    let frame_count = decoder.into_iter().count();
    assert_eq!(frame_count, 12);
    let b =
        render::render_simulation_media(&scene, &spawn(&scene), &[], &frames, &options).unwrap();
    assert_eq!(a, b);
    let dir = tempdir("media");
    let paths = a.write(&dir, "").unwrap();
    assert!(paths.iter().any(|p| p.ends_with(media::CONTACT_SHEET_FILE)));
    assert!(dir.join("sim.gif").exists());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_real_passive_run_and_a_solution_run_become_media() {
    let scene = ramp_scene();
    let spawn = spawn(&scene);
    let settings = PhysicsSettings {
        duration_s: 1.5,
        ..PhysicsSettings::default()
    };
    // The recorded trajectory really moves the payload: it rolls down the ramp.
    let mut world = build_world(&scene, &spawn, &[]).unwrap();
    let outcome = simulate(
        &mut world,
        &scene,
        &settings,
        Some(render::sim::RECORD_EVERY_S),
    );
    let frames = render::frames_from_trajectory(outcome.trajectory.as_ref().unwrap());
    assert!(frames.len() > 10);
    let first = frames[0].poses["payload"].position_m;
    let last = frames.last().unwrap().poses["payload"].position_m;
    assert!(last[2] < first[2] - 0.05, "{first:?} -> {last:?}");
    assert!(frames[0].poses.contains_key("floor"));

    let wall = Fixture {
        label: "stop_wall".into(),
        body: BodyKind::Fixed,
        material: Material::Wood,
        pose: Pose::default(),
        parts: vec![part(
            Shape::Box {
                size_m: [0.05, 0.4, 0.3],
            },
            [0.8, 0.0, 0.3],
            [0.0; 3],
        )],
    };
    let options = MediaOptions {
        gif_max_frames: 6,
        sheet_columns: 2,
        sheet_rows: 2,
        ..MediaOptions::default()
    };
    let media = render::simulate_media(&scene, &spawn, Some(&[wall]), &settings, &options).unwrap();
    let solution = media.solution.as_ref().expect("a solution run");
    assert_ne!(media.passive.contact_sheet_png, solution.contact_sheet_png);
    let dir = tempdir("runs");
    let paths = media.write(&dir).unwrap();
    assert_eq!(paths.len(), 4);
    assert!(dir.join("solution_sim.gif").exists());
    std::fs::remove_dir_all(dir).ok();
}

/// Every example script of the Coder, seed 0 and 1: the payload and the goal zone are
/// visible in most of the 24 views, measured from the segmentation images.
#[test]
fn every_example_shows_its_payload_and_goal_in_most_views() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("actors/coder/examples");
    let mut examples: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    examples.retain(|p| p.extension().is_some_and(|e| e == "rhai"));
    examples.sort();
    assert!(!examples.is_empty(), "no examples in {}", dir.display());
    let options = RenderOptions {
        width_px: 256,
        height_px: 192,
        segmentation: true,
        ..RenderOptions::default()
    };
    for path in &examples {
        let script = SceneScript::compile(&std::fs::read_to_string(path).unwrap()).unwrap();
        for seed in [0, 1] {
            let scene = script
                .build(seed, ScaleRanges::default().sample(seed))
                .unwrap();
            let spawn = PayloadSpawn::sample(&scene.payload, seed);
            let views = render::render_views(&scene, &spawn, &BodyPoses::new(), &options).unwrap();
            for view in &views {
                let seg = view.segmentation.as_ref().unwrap();
                let goal = seg
                    .labels
                    .iter()
                    .find(|l| l.role == Role::GoalZone)
                    .unwrap()
                    .id;
                let counted = seg.ids.iter().filter(|id| **id == goal).count() as u32;
                assert_eq!(counted, view.pixels.goal_zone);
            }
            let vis = Visibility::measure(&views, scene.forbid_zones.len());
            let name = path.file_name().unwrap().to_string_lossy();
            assert!(vis.payload_fraction >= 0.75, "{name} seed {seed}: {vis:?}");
            assert!(
                vis.goal_zone_fraction >= 0.75,
                "{name} seed {seed}: {vis:?}"
            );
        }
    }
}

fn tempdir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("benchforge-render-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Not a check: writes the renders of the test scene for a person to look at
/// (`cargo test --test render -- --ignored look`, files in `$BENCHFORGE_LOOK_DIR` or /tmp).
#[test]
#[ignore]
fn look() {
    let dir = std::env::var("BENCHFORGE_LOOK_DIR")
        .map(Into::into)
        .unwrap_or_else(|_| std::env::temp_dir().join("benchforge-look"));
    let scene = ramp_scene();
    let views =
        render::render_views(&scene, &spawn(&scene), &BodyPoses::new(), &all_outputs()).unwrap();
    render::write_views(&dir, &views).unwrap();
    let media = render::render_simulation_media(
        &scene,
        &spawn(&scene),
        &[],
        &falling_frames(&scene),
        &MediaOptions::default(),
    )
    .unwrap();
    media.write(&dir, "").unwrap();
    eprintln!("wrote {}", dir.display());
}

//! The views a Reviewer is shown are chosen by the task: for a scene whose goal lies above
//! the payload's start, the side view looks perpendicular to the displacement, at the
//! configured size, with the payload ringed so it is found even when small.

mod common;

use benchforge::config::RenderConfig;
use benchforge::render::{render_task_views, RenderOptions, ViewKind};
use benchforge::scene::Aabb;
use benchforge::variant::PayloadSpawn;

fn angle_deg(a: [f64; 3], b: [f64; 3]) -> f64 {
    let dot: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
    let n = (a.iter().map(|v| v * v).sum::<f64>() * b.iter().map(|v| v * v).sum::<f64>()).sqrt();
    (dot / n).clamp(-1.0, 1.0).acos().to_degrees()
}

#[test]
fn a_rise_onto_a_shelf_is_seen_from_the_side_perpendicular_to_the_displacement() {
    let mut scene = common::valid_scene();
    // The goal sits on a shelf 0.25 m above the ball, off to +x and +y.
    scene.goal_zone = Aabb::new([0.4, 0.2, 0.25], [0.6, 0.4, 0.35]);
    let spawn = PayloadSpawn::sample(&scene.payload, 0);
    let config = RenderConfig::default();
    let options = RenderOptions {
        width_px: config.width_px,
        height_px: config.height_px,
        ..RenderOptions::default()
    };
    let views = render_task_views(&scene, &spawn, &[], &options).expect("renders");
    let kinds: Vec<ViewKind> = views.iter().map(|(t, _)| t.kind).collect();
    assert_eq!(kinds, ViewKind::ALL);
    let goal = scene.goal_zone.center_m();
    let d = [
        goal[0] - spawn.start_m[0],
        goal[1] - spawn.start_m[1],
        goal[2] - spawn.start_m[2],
    ];
    assert!(d[2] > 0.2, "the task is a rise: {d:?}");
    let (side, image) = &views[0];
    let off = (angle_deg(side.angle.direction(), d) - 90.0).abs();
    assert!(
        off < 2.0,
        "side view {:?} is {off:.2}° off perpendicular",
        side.angle
    );
    // The other two are not side views: one looks down, one along the path.
    assert!(views[1].0.angle.direction()[2] < -0.99);
    assert!(angle_deg(views[2].0.angle.direction(), [d[0], d[1], 0.0]) < 35.0);
    // At the configured size (512×384 or more), the payload covers pixels in every view.
    let png = image.png.clone();
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let reader = decoder.read_info().expect("a PNG");
    let info = reader.info();
    assert!(
        info.width >= 512 && info.height >= 384,
        "{}×{}",
        info.width,
        info.height
    );
    for (task, view) in &views {
        assert!(
            view.pixels.payload > 0,
            "{:?}: payload not visible",
            task.kind
        );
        assert_eq!(view.name, task.kind.name());
    }
}

#[test]
fn the_payload_is_ringed_so_a_small_payload_is_found() {
    let mut scene = common::valid_scene();
    scene.payload.shape = benchforge::scene::Shape::Sphere { radius_m: 0.005 };
    let spawn = PayloadSpawn::sample(&scene.payload, 0);
    let options = RenderOptions::default();
    let views = render_task_views(&scene, &spawn, &[], &options).expect("renders");
    let (_, side) = &views[0];
    let decoder = png::Decoder::new(std::io::Cursor::new(side.png.clone()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).unwrap();
    let rgb = &buf[..frame.buffer_size()];
    // The payload's orange (255, 118, 0): the ring makes far more of it than a 10 mm ball
    // alone would cover.
    let orange = rgb
        .chunks(3)
        .filter(|p| p[0] == 255 && p[1] == 118 && p[2] == 0)
        .count() as u32;
    assert!(
        orange > 4 * side.pixels.payload.max(1) && orange >= 60,
        "{orange} orange pixels for {} payload pixels",
        side.pixels.payload
    );
}

/// Zone captions never overlap: a forbid zone whose top centre is the build zone's (and a
/// goal zone there too) gets its FORBID, BUILD and GOAL captions moved apart, in the top
/// view and every other task view.
#[test]
fn zone_captions_whose_anchors_coincide_are_placed_apart() {
    let mut scene = common::valid_scene();
    let build = scene.build_zone;
    let c = build.center_m();
    let top = build.max_m[2];
    // Same x-y centre and the same top as the build zone: all three anchors coincide.
    scene.forbid_zones = vec![benchforge::scene::ForbidZone {
        name: "shadow".into(),
        zone: Aabb::new(
            [c[0] - 0.05, c[1] - 0.05, top - 0.1],
            [c[0] + 0.05, c[1] + 0.05, top],
        ),
    }];
    scene.goal_zone = Aabb::new(
        [c[0] - 0.1, c[1] - 0.1, top - 0.3],
        [c[0] + 0.1, c[1] + 0.1, top],
    );
    let spawn = PayloadSpawn::sample(&scene.payload, 0);
    let options = RenderOptions {
        width_px: 512,
        height_px: 384,
        ..RenderOptions::default()
    };
    let views = render_task_views(&scene, &spawn, &[], &options).expect("renders");
    let (top_view, _) = views
        .iter()
        .find(|(t, _)| t.kind == ViewKind::Top)
        .expect("a top view");
    assert!(top_view.angle.direction()[2] < -0.99);
    for (task, view) in &views {
        let texts: Vec<&str> = view.captions.iter().map(|b| b.text.as_str()).collect();
        for want in ["GOAL", "FORBID", "BUILD"] {
            assert!(texts.contains(&want), "{:?}: {texts:?}", task.kind);
        }
        for (i, a) in view.captions.iter().enumerate() {
            for b in &view.captions[i + 1..] {
                assert!(!a.overlaps(b, 0), "{:?}: {a:?} overlaps {b:?}", task.kind);
            }
        }
    }
    // Without the placement they would have been drawn on top of each other: the anchors
    // do coincide (the captions share a centre x within a pixel in the top view).
    let top_captions = &views
        .iter()
        .find(|(t, _)| t.kind == ViewKind::Top)
        .unwrap()
        .1
        .captions;
    let centres: Vec<i32> = top_captions
        .iter()
        .map(|b| b.x_px + b.width_px / 2)
        .collect();
    assert!(
        centres.iter().all(|x| (x - centres[0]).abs() <= 1),
        "{top_captions:?}"
    );
}

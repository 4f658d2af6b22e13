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

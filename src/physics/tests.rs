//! Unit tests of the world builder and the stepping loop on small hand-built scenes.

use super::*;
use crate::scene::{Aabb, BodyKind, Fixture, Material, Part, Payload, Pose, Scene, Shape};
use crate::variant::PayloadSpawn;

/// A 2 m × 2 m floor (top at z = 0), a steel ball 0.5 m above it, goal to the side.
pub(crate) fn ball_on_floor() -> Scene {
    Scene {
        bounds: Aabb::new([-1.0, -1.0, -0.2], [1.0, 1.0, 1.0]),
        fixtures: vec![Fixture {
            label: "floor".into(),
            body: BodyKind::Fixed,
            material: Material::Concrete,
            pose: Pose::at([0.0, 0.0, -0.05]),
            parts: vec![Part {
                shape: Shape::Box {
                    size_m: [2.0, 2.0, 0.1],
                },
                local_pose: Pose::default(),
            }],
        }],
        joints: vec![],
        payload: Payload {
            shape: Shape::Sphere { radius_m: 0.05 },
            size_factor_range: [1.0, 1.0],
            material: Material::Steel,
            start_m: [0.0, 0.0, 0.5],
            jitter_m: [0.0; 3],
        },
        goal_zone: Aabb::new([0.5, -0.2, 0.0], [0.9, 0.2, 0.3]),
        forbid_zones: vec![],
        build_zone: Aabb::new([-0.5, -0.5, 0.0], [0.9, 0.5, 0.8]),
    }
}

fn spawn(scene: &Scene) -> PayloadSpawn {
    PayloadSpawn::sample(&scene.payload, 0)
}

#[test]
fn a_dropped_ball_lands_on_the_floor_and_settles() {
    let scene = ball_on_floor();
    let mut world = build_world(&scene, &spawn(&scene), &[]).unwrap();
    let out = simulate(&mut world, &scene, &PhysicsSettings::default(), None);
    assert!(out.settle_time_s.is_some(), "{out:?}");
    assert!(
        out.simulated_s < 10.0,
        "should stop early once settled: {}",
        out.simulated_s
    );
    // Resting on the floor top (z = 0) with its 5 cm radius, within a few mm of sag.
    assert!(
        (out.payload_final_m[2] - 0.05).abs() < 0.005,
        "{:?}",
        out.payload_final_m
    );
    // Free fall from 0.45 m: v = sqrt(2 g h) ≈ 2.97 m/s.
    assert!(
        (out.max_speed_mps - (2.0 * 9.81 * 0.45f64).sqrt()).abs() < 0.15,
        "{}",
        out.max_speed_mps
    );
    assert!(out.max_energy_ratio < 1.05, "{}", out.max_energy_ratio);
    assert!(out.exits.is_empty() && out.non_finite.is_none());
    assert_eq!(out.fixed_drift.len(), 1);
    assert!(out.fixed_drift[0].moved_m < 1e-9);
}

#[test]
fn a_ball_without_floor_leaves_through_minus_z() {
    let mut scene = ball_on_floor();
    scene.fixtures.clear();
    let mut world = build_world(&scene, &spawn(&scene), &[]).unwrap();
    let out = simulate(&mut world, &scene, &PhysicsSettings::default(), None);
    let exit = &out.exits[0];
    assert_eq!(
        (exit.label.as_str(), exit.side),
        ("payload", BoundsSide::MinZ)
    );
    // z: 0.5 → -0.2 takes sqrt(2 · 0.7 / 9.81) ≈ 0.378 s.
    assert!((exit.time_s - 0.378).abs() < 0.03, "{}", exit.time_s);
}

#[test]
fn a_cylinder_runs_along_z_and_a_rotated_one_along_y() {
    let mut scene = ball_on_floor();
    scene.fixtures.push(Fixture {
        label: "post".into(),
        body: BodyKind::Fixed,
        material: Material::Steel,
        pose: Pose::at([0.5, 0.5, 0.3]),
        parts: vec![
            Part {
                shape: Shape::Cylinder {
                    radius_m: 0.02,
                    length_m: 0.4,
                },
                local_pose: Pose::default(),
            },
            Part {
                shape: Shape::Cylinder {
                    radius_m: 0.02,
                    length_m: 0.4,
                },
                local_pose: Pose {
                    position_m: [0.0, 0.0, 0.3],
                    rotation_deg: [90.0, 0.0, 0.0],
                },
            },
        ],
    });
    let world = build_world(&scene, &spawn(&scene), &[]).unwrap();
    let post = world.body_index("post").unwrap();
    let mut aabbs: Vec<_> = world
        .colliders_in_order()
        .into_iter()
        .filter(|(_, o)| o.body == post)
        .map(|(h, _)| world.world.colliders[h].compute_aabb())
        .collect();
    let upright = aabbs.remove(0);
    assert!(
        (upright.maxs.z - upright.mins.z - 0.4).abs() < 1e-4,
        "{upright:?}"
    );
    assert!(
        (upright.maxs.x - upright.mins.x - 0.04).abs() < 1e-3,
        "{upright:?}"
    );
    let lying = aabbs.remove(0);
    assert!(
        (lying.maxs.y - lying.mins.y - 0.4).abs() < 1e-4,
        "{lying:?}"
    );
    assert!(
        (lying.maxs.z - lying.mins.z - 0.04).abs() < 1e-3,
        "{lying:?}"
    );
    let (role, label) = world.owner_of(world.colliders_in_order()[1].0).unwrap();
    assert_eq!((role, label), (BodyRole::Fixture, "post"));
}

#[test]
fn recording_gives_frames_at_the_interval_with_every_body() {
    let scene = ball_on_floor();
    let mut world = build_world(&scene, &spawn(&scene), &[]).unwrap();
    let settings = PhysicsSettings {
        duration_s: 1.0,
        stop_when_settled: false,
        ..PhysicsSettings::default()
    };
    let out = simulate(&mut world, &scene, &settings, Some(0.25));
    let frames = &out.trajectory.unwrap().frames;
    let times: Vec<f64> = frames
        .iter()
        .map(|f| (f.time_s * 100.0).round() / 100.0)
        .collect();
    assert_eq!(times, vec![0.0, 0.25, 0.5, 0.75, 1.0]);
    let labels: Vec<&str> = frames[0].poses.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, vec!["floor", "payload"]);
    assert!(frames[1].poses[1].1.position_m[2] < 0.5);
}

#[test]
fn trajectory_pose_converts_back_to_scene_euler_angles() {
    let rotation_deg = [30.0, -20.0, 75.0];
    let q = crate::scene::rotation::quaternion_from_euler_deg(rotation_deg);
    let pose = TrajectoryPose {
        position_m: [1.0, 2.0, 3.0],
        rotation_wxyz: q,
    }
    .to_scene_pose();
    for (got, want) in pose.rotation_deg.iter().zip(rotation_deg) {
        assert!((got - want).abs() < 1e-9, "{pose:?}");
    }
}

#[test]
fn a_degenerate_hull_is_a_clear_error() {
    let mut scene = ball_on_floor();
    scene.fixtures[0].parts[0].shape = Shape::ConvexHull {
        points_m: vec![
            [0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [1.0, 1.0, 0.0],
        ],
    };
    let err = build_world(&scene, &spawn(&scene), &[])
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("\"floor\"") && err.contains("no volume"),
        "{err}"
    );
}

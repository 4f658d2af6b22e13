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
        springs: vec![],
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

/// The ball-on-floor scene plus a 0.2 m × 0.2 m × 0.02 m steel platform on a vertical slider
/// (limits 0..`travel_m`) from a fixed post, driven by `motor`.
pub(crate) fn motorized_lift(motor: crate::scene::Motor, travel_m: f64) -> Scene {
    use crate::scene::{Joint, JointKind};
    let mut scene = ball_on_floor();
    let boxed = |label: &str, body, size_m: [f64; 3], at: [f64; 3]| {
        Fixture::one_box(label, body, Material::Steel, size_m, at)
    };
    scene.fixtures.push(boxed(
        "post",
        BodyKind::Fixed,
        [0.02, 0.02, 0.6],
        [-0.8, -0.8, 0.3],
    ));
    scene.fixtures.push(boxed(
        "platform",
        BodyKind::Dynamic,
        [0.2, 0.2, 0.02],
        [-0.5, -0.5, 0.2],
    ));
    scene.joints.push(Joint {
        fixture_a: "post".into(),
        fixture_b: "platform".into(),
        anchor_m: [-0.5, -0.5, 0.2],
        axis: [0.0, 0.0, 1.0],
        kind: JointKind::Prismatic {
            limits_m: Some([0.0, travel_m]),
        },
        motor: Some(motor),
    });
    scene
}

/// A velocity motor driving at 0.2 m/s with at most 200 N, from `start_s` on.
fn lift_at_0_2_mps(start_s: f64) -> crate::scene::Motor {
    use crate::scene::{Motor, MotorProfile, MotorTarget};
    Motor {
        target: MotorTarget::Velocity { value: 0.2 },
        profile: MotorProfile::Constant,
        max_effort: 200.0,
        start_s,
    }
}

#[test]
fn a_velocity_motor_lifts_its_platform_and_its_work_is_the_energy_it_gave() {
    let scene = motorized_lift(lift_at_0_2_mps(0.5), 0.3);
    let mut world = build_world(&scene, &spawn(&scene), &[]).unwrap();
    let platform = world.body_index("platform").unwrap();
    let handle = world.bodies[platform].handle;
    let mass = world.world.bodies[handle].mass() as f64;
    let settings = PhysicsSettings::default();
    let out = simulate(&mut world, &scene, &settings, None);
    let z = world.world.bodies[handle].translation().z as f64;
    let gained_j = mass * 9.81 * (z - 0.2);
    eprintln!(
        "platform {mass:.3} kg rose to z={z:.4} m: gained {gained_j:.3} J, motor work {:.3} J, ratio {:.3}",
        out.motor_work_j, out.max_energy_ratio
    );
    assert!(
        (z - 0.5).abs() < 0.005,
        "the platform ends at its upper limit: z={z}"
    );
    assert!(
        (out.motor_work_j - gained_j).abs() < 0.05 * gained_j,
        "motor work {} J vs potential energy gained {gained_j} J",
        out.motor_work_j
    );
    assert!(out.max_energy_ratio < settings.max_energy_ratio, "{out:?}");
}

#[test]
fn a_position_motor_raises_an_arm_and_its_work_is_the_energy_it_gave() {
    use crate::scene::{Joint, JointKind, Motor, MotorProfile, MotorTarget};
    let mut scene = ball_on_floor();
    // A 0.4 m steel arm hinged at its left end on a fixed post, turned 60° up about -y
    // (which lifts +x) over a 1 s ramp.
    scene.fixtures.push(Fixture::one_box(
        "post",
        BodyKind::Fixed,
        Material::Steel,
        [0.04, 0.04, 0.3],
        [-0.7, -0.6, 0.15],
    ));
    scene.fixtures.push(Fixture::one_box(
        "arm",
        BodyKind::Dynamic,
        Material::Steel,
        [0.4, 0.03, 0.03],
        [-0.5, -0.6, 0.32],
    ));
    scene.joints.push(Joint {
        fixture_a: "post".into(),
        fixture_b: "arm".into(),
        anchor_m: [-0.7, -0.6, 0.32],
        axis: [0.0, -1.0, 0.0],
        kind: JointKind::Revolute {
            limits_deg: Some([-90.0, 90.0]),
        },
        motor: Some(Motor {
            target: MotorTarget::Position { value: 60.0 },
            profile: MotorProfile::Ramp { duration_s: 1.0 },
            max_effort: 50.0,
            start_s: 0.0,
        }),
    });
    let mut world = build_world(&scene, &spawn(&scene), &[]).unwrap();
    let arm = world.bodies[world.body_index("arm").unwrap()].handle;
    let mass = world.world.bodies[arm].mass() as f64;
    let settings = PhysicsSettings::default();
    let out = simulate(&mut world, &scene, &settings, None);
    let com = world.world.bodies[arm].center_of_mass();
    let raised_m = com.z as f64 - 0.32;
    let gained_j = mass * 9.81 * raised_m;
    eprintln!(
        "arm {mass:.3} kg, centre raised {raised_m:.4} m: gained {gained_j:.3} J, motor work {:.3} J",
        out.motor_work_j
    );
    // 60° up: the centre (0.2 m from the hinge) rises 0.2 sin 60° ≈ 0.173 m, less the
    // servo's sag under the arm's weight.
    assert!((raised_m - 0.173).abs() < 0.01, "raised {raised_m} m");
    assert!(
        (out.motor_work_j - gained_j).abs() < 0.05 * gained_j,
        "motor work {} J vs potential energy gained {gained_j} J",
        out.motor_work_j
    );
    assert!(out.max_energy_ratio < settings.max_energy_ratio, "{out:?}");
}

#[test]
fn a_scene_at_rest_waits_for_a_motor_that_starts_later_before_it_counts_as_settled() {
    // Everything is at rest from the start; the motor only starts at 2 s.
    let scene = motorized_lift(lift_at_0_2_mps(2.0), 0.3);
    let mut world = build_world(&scene, &spawn(&scene), &[]).unwrap();
    let platform = world.bodies[world.body_index("platform").unwrap()].handle;
    let out = simulate(&mut world, &scene, &PhysicsSettings::default(), None);
    let z = world.world.bodies[platform].translation().z as f64;
    assert!(
        (z - 0.5).abs() < 0.005,
        "the platform rose to its limit: z={z}"
    );
    assert!(out.settle_time_s.unwrap() > 2.0, "{:?}", out.settle_time_s);
}

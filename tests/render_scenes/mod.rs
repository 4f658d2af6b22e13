//! Hand-built scenes shared by the render tests and the render benchmark.
#![allow(dead_code)]

use benchforge::scene::{
    Aabb, BodyKind, Fixture, ForbidZone, Material, Part, Payload, Pose, Scene, Shape,
};

pub fn part(shape: Shape, at: [f64; 3], rotation_deg: [f64; 3]) -> Part {
    Part {
        shape,
        local_pose: Pose {
            position_m: at,
            rotation_deg,
        },
    }
}

pub fn fixture(label: &str, body: BodyKind, parts: Vec<Part>) -> Fixture {
    Fixture {
        label: label.into(),
        body,
        material: Material::Wood,
        pose: Pose::default(),
        parts,
    }
}

/// A ball on a ramp above a floor, a bin as the goal, a pit to avoid: every primitive kind.
pub fn ramp_scene() -> Scene {
    Scene {
        bounds: Aabb::new([-1.0, -0.6, -0.05], [1.0, 0.6, 1.0]),
        fixtures: vec![
            fixture(
                "floor",
                BodyKind::Fixed,
                vec![part(
                    Shape::Box {
                        size_m: [2.0, 1.2, 0.05],
                    },
                    [0.0, 0.0, -0.025],
                    [0.0; 3],
                )],
            ),
            fixture(
                "ramp",
                BodyKind::Fixed,
                vec![part(
                    Shape::Box {
                        size_m: [0.8, 0.3, 0.03],
                    },
                    [-0.45, 0.0, 0.35],
                    [0.0, 20.0, 0.0],
                )],
            ),
            fixture(
                "post",
                BodyKind::Fixed,
                vec![part(
                    Shape::Cylinder {
                        radius_m: 0.04,
                        length_m: 0.2,
                    },
                    [-0.45, 0.0, 0.1],
                    [0.0; 3],
                )],
            ),
            fixture(
                "roller",
                BodyKind::Dynamic,
                vec![part(
                    Shape::Capsule {
                        radius_m: 0.03,
                        length_m: 0.2,
                    },
                    [0.1, -0.35, 0.03],
                    [90.0, 0.0, 0.0],
                )],
            ),
            fixture(
                "wedge",
                BodyKind::Dynamic,
                vec![part(
                    Shape::ConvexHull {
                        points_m: vec![
                            [0.3, 0.3, 0.0],
                            [0.5, 0.3, 0.0],
                            [0.3, 0.5, 0.0],
                            [0.5, 0.5, 0.0],
                            [0.3, 0.3, 0.15],
                            [0.3, 0.5, 0.15],
                        ],
                    },
                    [0.0; 3],
                    [0.0; 3],
                )],
            ),
        ],
        joints: vec![],
        springs: vec![],
        payload: Payload {
            shape: Shape::Sphere { radius_m: 0.05 },
            size_factor_range: [0.9, 1.1],
            material: Material::Steel,
            start_m: [-0.7, 0.0, 0.55],
            jitter_m: [0.02, 0.02, 0.0],
        },
        goal_zone: Aabb::new([0.45, -0.2, 0.0], [0.85, 0.2, 0.25]),
        forbid_zones: vec![ForbidZone {
            name: "pit".into(),
            zone: Aabb::new([0.0, -0.25, 0.0], [0.3, 0.25, 0.15]),
        }],
        build_zone: Aabb::new([-0.9, -0.5, 0.0], [0.9, 0.5, 0.8]),
    }
}

/// The ramp scene plus a field of `n` extra parts of every round kind: a heavy scene for
/// timing the renderer.
pub fn busy_scene(n: usize) -> Scene {
    let mut scene = ramp_scene();
    for k in 0..n {
        let (i, j) = ((k % 10) as f64, (k / 10) as f64);
        let at = [-0.9 + 0.18 * i, -0.55 + 0.1 * (j % 10.0), 0.85];
        let shape = match k % 4 {
            0 => Shape::Sphere { radius_m: 0.03 },
            1 => Shape::Cylinder {
                radius_m: 0.03,
                length_m: 0.05,
            },
            2 => Shape::Capsule {
                radius_m: 0.02,
                length_m: 0.04,
            },
            _ => Shape::Box {
                size_m: [0.05, 0.05, 0.05],
            },
        };
        let body = if k % 2 == 0 {
            BodyKind::Fixed
        } else {
            BodyKind::Dynamic
        };
        scene.fixtures.push(fixture(
            &format!("extra_{k}"),
            body,
            vec![part(shape, at, [0.0, 30.0, 0.0])],
        ));
    }
    scene
}

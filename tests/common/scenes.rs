//! Small hand-built scenes, each meant to pass every gate or to break exactly one.

use benchforge::scene::{
    Aabb, BodyKind, Fixture, Joint, JointKind, Material, Part, Payload, Pose, Scene, Shape,
};
use benchforge::variant::PayloadSpawn;

/// A one-box fixture.
pub fn boxed(
    label: &str,
    body: BodyKind,
    size_m: [f64; 3],
    center_m: [f64; 3],
    rotation_deg: [f64; 3],
) -> Fixture {
    let mut fixture = Fixture::one_box(label, body, Material::Wood, size_m, center_m);
    fixture.pose.rotation_deg = rotation_deg;
    fixture
}

/// A fixed one-box fixture, unrotated.
pub fn fixed_box(label: &str, size_m: [f64; 3], center_m: [f64; 3]) -> Fixture {
    boxed(label, BodyKind::Fixed, size_m, center_m, [0.0; 3])
}

/// A dynamic one-box fixture, unrotated.
pub fn dynamic_box(label: &str, size_m: [f64; 3], center_m: [f64; 3]) -> Fixture {
    boxed(label, BodyKind::Dynamic, size_m, center_m, [0.0; 3])
}

/// A wooden ball of radius 0.05 m as payload.
pub fn ball(start_m: [f64; 3]) -> Payload {
    Payload {
        shape: Shape::Sphere { radius_m: 0.05 },
        size_factor_range: [1.0, 1.0],
        material: Material::Wood,
        start_m,
        jitter_m: [0.0; 3],
    }
}

/// A pit scene that passes gates 3–5: a floor (top z = 0) from x = -1 to 0.3, a pit from
/// x = 0.3 to 0.7 with its floor at z = -0.2 and a wall at x = 0.7..0.8; the goal is the pit.
/// The ball falls from 0.3 m onto the floor at x = -0.5 and stays there.
pub fn pit() -> Scene {
    Scene {
        bounds: Aabb::new([-1.2, -0.6, -0.4], [1.2, 0.6, 1.0]),
        fixtures: vec![
            fixed_box("floor", [1.3, 1.0, 0.3], [-0.35, 0.0, -0.15]),
            fixed_box("pit_floor", [0.4, 1.0, 0.1], [0.5, 0.0, -0.25]),
            fixed_box("pit_wall", [0.1, 1.0, 0.4], [0.75, 0.0, -0.1]),
        ],
        joints: vec![],
        springs: vec![],
        payload: ball([-0.5, 0.0, 0.3]),
        goal_zone: Aabb::new([0.3, -0.5, -0.2], [0.7, 0.5, 0.0]),
        forbid_zones: vec![],
        build_zone: Aabb::new([-0.9, -0.5, 0.0], [0.5, 0.5, 0.6]),
    }
}

/// A ramp under the pit scene's ball, sloping down towards +x (or -x), ending on the floor.
pub fn ramp(label: &str, towards_plus_x: bool) -> Fixture {
    // 0.6 m long, tilted 20°: it spans x ≈ -0.78..-0.22, top surface from z ≈ 0.21 to 0.01.
    let angle = if towards_plus_x { 20.0 } else { -20.0 };
    boxed(
        label,
        BodyKind::Fixed,
        [0.6, 0.3, 0.02],
        [-0.5, 0.0, 0.115],
        [0.0, angle, 0.0],
    )
}

/// A scene whose two named fixtures interpenetrate by `depth_m` along x.
pub fn overlapping_pair(depth_m: f64) -> Scene {
    let mut scene = pit();
    scene
        .fixtures
        .push(fixed_box("block_a", [0.2, 0.2, 0.2], [-0.1, 0.3, 0.1]));
    scene.fixtures.push(fixed_box(
        "block_b",
        [0.2, 0.2, 0.2],
        [0.1 - depth_m, 0.3, 0.1],
    ));
    scene
}

/// A revolute joint about y through `anchor_m` with the given limits.
pub fn hinge(a: &str, b: &str, anchor_m: [f64; 3], limits_deg: Option<[f64; 2]>) -> Joint {
    Joint {
        fixture_a: a.into(),
        fixture_b: b.into(),
        anchor_m,
        axis: [0.0, 1.0, 0.0],
        kind: JointKind::Revolute { limits_deg },
        motor: None,
    }
}

/// The payload as it spawns for seed 0.
pub fn spawn(scene: &Scene) -> PayloadSpawn {
    PayloadSpawn::sample(&scene.payload, 0)
}

/// The pit scene plus a hinged flap (dynamic, on a fixed post), a fixed wedge made as a convex
/// hull and a loose dynamic crate: every body kind, joint and shape the MJCF export handles.
pub fn mechanism() -> Scene {
    let mut scene = pit();
    scene
        .fixtures
        .push(fixed_box("post", [0.04, 0.04, 0.3], [0.0, -0.4, 0.15]));
    let mut flap = dynamic_box("flap", [0.02, 0.3, 0.2], [0.0, -0.23, 0.2]);
    flap.parts.push(Part {
        shape: Shape::Cylinder {
            radius_m: 0.02,
            length_m: 0.3,
        },
        local_pose: Pose {
            position_m: [0.0, 0.0, 0.1],
            rotation_deg: [90.0, 0.0, 0.0],
        },
    });
    scene.fixtures.push(flap);
    scene.joints.push(Joint {
        fixture_a: "post".into(),
        fixture_b: "flap".into(),
        anchor_m: [0.0, -0.38, 0.2],
        axis: [0.0, 1.0, 0.0],
        kind: JointKind::Revolute {
            limits_deg: Some([-30.0, 30.0]),
        },
        motor: None,
    });
    scene.fixtures.push(Fixture {
        label: "wedge".into(),
        body: BodyKind::Fixed,
        material: Material::Concrete,
        pose: Pose::at([-0.8, 0.3, 0.0]),
        parts: vec![Part {
            shape: Shape::ConvexHull {
                points_m: vec![
                    [-0.1, -0.1, 0.0],
                    [0.1, -0.1, 0.0],
                    [-0.1, 0.1, 0.0],
                    [0.1, 0.1, 0.0],
                    [-0.1, -0.1, 0.1],
                    [-0.1, 0.1, 0.1],
                ],
            },
            local_pose: Pose::default(),
        }],
    });
    let mut crate_ = dynamic_box("crate", [0.1, 0.1, 0.1], [-0.3, 0.3, 0.05]);
    crate_.pose.rotation_deg = [0.0, 0.0, 30.0];
    scene.fixtures.push(crate_);
    scene
}

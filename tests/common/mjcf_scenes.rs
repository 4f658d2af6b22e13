//! Scenes that exercise one MJCF export feature each (hinge and slider in both joint
//! orientations, a part with two joints, restitution, angular damping, friction combining),
//! and running one scene in both engines.

#![allow(dead_code)]

use std::collections::BTreeMap;

use benchforge::export::crosscheck::{run_mujoco, work_dir, MujocoCase, MujocoRun};
use benchforge::export::mjcf::{to_mjcf_with_solution, MjcfOptions};
use benchforge::physics::{build_world, simulate, PhysicsSettings};
use benchforge::scene::{
    Aabb, BodyKind, Fixture, Joint, JointKind, Material, Part, Payload, Pose, Scene, Shape, Vec3,
};

use crate::common::scenes::{dynamic_box, fixed_box, spawn};

/// A fixed floor (top at z = 0) from x = -1 to 1 and a ball resting on it at x = -0.8.
pub fn floor_scene() -> Scene {
    Scene {
        bounds: Aabb::new([-1.2, -0.6, -0.4], [1.2, 0.6, 1.5]),
        fixtures: vec![fixed_box("floor", [2.0, 1.2, 0.2], [0.0, 0.0, -0.1])],
        joints: vec![],
        springs: vec![],
        payload: Payload {
            shape: Shape::Sphere { radius_m: 0.05 },
            size_factor_range: [1.0, 1.0],
            material: Material::Wood,
            start_m: [-0.8, 0.0, 0.05],
            jitter_m: [0.0; 3],
        },
        goal_zone: Aabb::new([0.6, -0.3, 0.0], [0.9, 0.3, 0.2]),
        forbid_zones: vec![],
        build_zone: Aabb::new([-1.0, -0.5, 0.0], [1.0, 0.5, 1.0]),
    }
}

fn joint(a: &str, b: &str, anchor_m: Vec3, axis: Vec3, kind: JointKind) -> Joint {
    Joint {
        fixture_a: a.into(),
        fixture_b: b.into(),
        anchor_m,
        axis,
        kind,
        motor: None,
    }
}

/// A horizontal flap hinged at its edge to a fixed post (overlapping it at the hinge), free
/// to fall 40° under gravity. `post_first` says which fixture the joint names first; the
/// limits are written for that orientation (rapier measures the second relative to the
/// first), so in both the flap stops 40° down.
pub fn hinge_scene(post_first: bool) -> Scene {
    let mut scene = floor_scene();
    scene
        .fixtures
        .push(fixed_box("post", [0.04, 0.04, 0.8], [0.0, 0.3, 0.4]));
    scene
        .fixtures
        .push(dynamic_box("flap", [0.3, 0.2, 0.02], [0.15, 0.3, 0.7]));
    // About +y, the flap's free edge (+x) goes down for positive angles.
    let (a, b, limits) = if post_first {
        ("post", "flap", [0.0, 40.0])
    } else {
        ("flap", "post", [-40.0, 0.0])
    };
    scene.joints.push(joint(
        a,
        b,
        [0.0, 0.3, 0.7],
        [0.0, 1.0, 0.0],
        JointKind::Revolute {
            limits_deg: Some(limits),
        },
    ));
    scene
}

/// A block threaded on a vertical fixed rail, free to slide 0.3 m down. `rail_first` as
/// for [`hinge_scene`].
pub fn slider_scene(rail_first: bool) -> Scene {
    let mut scene = floor_scene();
    scene
        .fixtures
        .push(fixed_box("rail", [0.04, 0.04, 0.6], [-0.3, -0.3, 0.4]));
    scene
        .fixtures
        .push(dynamic_box("block", [0.1, 0.1, 0.1], [-0.3, -0.3, 0.6]));
    let (a, b, limits) = if rail_first {
        ("rail", "block", [-0.3, 0.0])
    } else {
        ("block", "rail", [0.0, 0.3])
    };
    scene.joints.push(joint(
        a,
        b,
        [-0.3, -0.3, 0.6],
        [0.0, 0.0, 1.0],
        JointKind::Prismatic {
            limits_m: Some(limits),
        },
    ));
    scene
}

/// A plate hinged to two fixed posts, one joint naming the post first and the other the
/// plate first: a part with two joints, a closed loop in MJCF. It falls 60° and stops.
pub fn two_joint_scene() -> Scene {
    let mut scene = floor_scene();
    for (label, y) in [("post_left", -0.25), ("post_right", 0.25)] {
        scene
            .fixtures
            .push(fixed_box(label, [0.04, 0.12, 0.8], [-0.5, y, 0.4]));
    }
    scene
        .fixtures
        .push(dynamic_box("plate", [0.3, 0.4, 0.03], [-0.35, 0.0, 0.7]));
    scene.joints.push(joint(
        "post_left",
        "plate",
        [-0.5, -0.25, 0.7],
        [0.0, 1.0, 0.0],
        JointKind::Revolute {
            limits_deg: Some([0.0, 60.0]),
        },
    ));
    scene.joints.push(joint(
        "plate",
        "post_right",
        [-0.5, 0.25, 0.7],
        [0.0, 1.0, 0.0],
        JointKind::Revolute {
            limits_deg: Some([-60.0, 0.0]),
        },
    ));
    scene
}

/// A ball of `material` dropped from 0.3 m onto a floor of `floor`.
pub fn drop_scene(material: Material, floor: Material) -> Scene {
    let mut scene = floor_scene();
    scene.fixtures[0].material = floor;
    scene.payload.material = material;
    scene.payload.start_m = [0.0, 0.0, 0.35];
    scene
}

/// A ball that rolls down a 15° ramp onto a long flat floor, where only angular damping
/// slows it (for 3 s it stays on the floor).
pub fn rolling_scene() -> Scene {
    let mut scene = floor_scene();
    scene.bounds = Aabb::new([-1.2, -0.6, -0.4], [8.0, 0.6, 1.5]);
    scene.fixtures[0] = fixed_box("floor", [9.0, 1.2, 0.2], [3.3, 0.0, -0.1]);
    let mut ramp = fixed_box("ramp", [0.8, 0.4, 0.04], [-0.6, 0.0, 0.08]);
    ramp.pose.rotation_deg = [0.0, 15.0, 0.0];
    scene.fixtures.push(ramp);
    // On the ramp's top surface near its upper end.
    scene.payload.start_m = [-0.85, 0.0, 0.225];
    scene.payload.material = Material::Rubber;
    scene
}

/// An HDPE sled resting on a 30° concrete ramp: with averaged friction (0.475 < tan 30°) it
/// slides, with MuJoCo's default maximum (0.7) it would stick.
pub fn friction_scene() -> Scene {
    let mut scene = floor_scene();
    let angle_deg: f64 = 30.0;
    let mut ramp = fixed_box("ramp", [1.2, 0.4, 0.04], [0.0, 0.0, 0.4]);
    ramp.material = Material::Concrete;
    ramp.pose.rotation_deg = [0.0, angle_deg, 0.0];
    scene.fixtures.push(ramp);
    // The sled sits on the ramp's top face, near its upper (-x) end.
    let (s, c) = angle_deg.to_radians().sin_cos();
    let along = -0.3; // metres along the ramp from its centre
    let up = 0.02 + 0.05; // ramp half thickness + sled half height
    let center = [along * c + up * s, 0.0, 0.4 - along * s + up * c];
    scene.fixtures.push(Fixture {
        label: "sled".into(),
        body: BodyKind::Dynamic,
        material: Material::Hdpe,
        pose: Pose {
            position_m: center,
            rotation_deg: [0.0, angle_deg, 0.0],
        },
        parts: vec![Part {
            shape: Shape::Box {
                size_m: [0.2, 0.2, 0.1],
            },
            local_pose: Pose::default(),
        }],
    });
    scene
}

/// Settings for a feature run of `duration_s` that does not stop when settled.
pub fn run_for(duration_s: f64) -> PhysicsSettings {
    PhysicsSettings {
        duration_s,
        stop_when_settled: false,
        ..PhysicsSettings::default()
    }
}

/// One scene in both engines.
pub struct BothEngines {
    /// rapier's final body origins by label (the payload as "payload").
    pub rapier: BTreeMap<String, Vec3>,
    /// rapier's payload centre every `sample_every_s` (time s, position m).
    pub rapier_path: Vec<(f64, Vec3)>,
    /// MuJoCo's run.
    pub mujoco: MujocoRun,
    /// The exported XML.
    pub xml: String,
}

impl BothEngines {
    /// Distance in metres between the engines' final origins of body `label`.
    pub fn distance_m(&self, label: &str) -> f64 {
        let r = self.rapier[label];
        let m = self.mujoco.bodies_final_m[label];
        (0..3).map(|k| (r[k] - m[k]).powi(2)).sum::<f64>().sqrt()
    }

    /// The largest such distance over every body rapier moved, with its label.
    pub fn worst(&self) -> (String, f64) {
        self.rapier
            .keys()
            .map(|l| (l.clone(), self.distance_m(l)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap()
    }

    /// Asserts that every body ends within `tolerance_m` of rapier's in MuJoCo and that
    /// MuJoCo warned of nothing; prints the worst distance.
    pub fn assert_agree(&self, name: &str, tolerance_m: f64) {
        let (label, d) = self.worst();
        eprintln!("{name}: worst body distance {d:.4} m ({label})");
        assert!(
            d <= tolerance_m,
            "{name}: {label} ends {d:.3} m apart: rapier {:?}, MuJoCo {:?}\n{}",
            self.rapier[&label],
            self.mujoco.bodies_final_m[&label],
            self.xml
        );
        assert!(
            self.mujoco.warnings.is_empty(),
            "{name}: {:?}",
            self.mujoco.warnings
        );
    }
}

/// Simulates `scene` (with `solution` parts) in rapier and in MuJoCo for the same time,
/// sampling the payload every `sample_every_s`.
pub fn both_engines(
    scene: &Scene,
    solution: &[Fixture],
    settings: &PhysicsSettings,
    sample_every_s: f64,
) -> BothEngines {
    let spawn = spawn(scene);
    let mut world = build_world(scene, &spawn, solution).expect("the scene builds in rapier");
    let outcome = simulate(&mut world, scene, settings, Some(sample_every_s));
    let frames = outcome.trajectory.expect("recorded").frames;
    let rapier: BTreeMap<String, Vec3> = frames
        .last()
        .unwrap()
        .poses
        .iter()
        .map(|(l, p)| (l.clone(), p.position_m))
        .collect();
    let rapier_path = frames
        .iter()
        .map(|f| {
            let p = f.poses.iter().find(|(l, _)| l == "payload").unwrap().1;
            (f.time_s, p.position_m)
        })
        .collect();
    let xml = to_mjcf_with_solution(
        scene,
        &spawn,
        &benchforge::scene::Solution::of_parts(solution.to_vec()),
        "feature",
        &MjcfOptions::from_physics(settings),
    )
    .expect("the scene exports");
    let dir = work_dir().unwrap();
    let path = dir.join("feature.xml");
    std::fs::write(&path, &xml).unwrap();
    let mut runs = run_mujoco(
        &[MujocoCase {
            name: "feature".into(),
            xml: path,
            duration_s: outcome.simulated_s,
            sample_every_s,
        }],
        "python3",
        &dir,
    )
    .unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let _ = std::fs::remove_dir_all(&dir);
    BothEngines {
        rapier,
        rapier_path,
        mujoco: runs.remove(0),
        xml,
    }
}

/// Height in metres of the first bounce's peak above the rest height `rest_z_m`, from a
/// payload path: the highest point after the first contact (lowest point of the first fall).
pub fn first_bounce_m(path: &[(f64, Vec3)], rest_z_m: f64) -> f64 {
    let z: Vec<f64> = path.iter().map(|(_, p)| p[2]).collect();
    let first_low = (1..z.len().saturating_sub(1))
        .find(|&i| z[i] <= z[i - 1] && z[i] < z[i + 1])
        .expect("the ball bounces");
    let next_low = (first_low + 2..z.len().saturating_sub(1))
        .find(|&i| z[i] <= z[i - 1] && z[i] < z[i + 1])
        .unwrap_or(z.len() - 1);
    z[first_low..next_low]
        .iter()
        .cloned()
        .fold(f64::MIN, f64::max)
        - rest_z_m
}

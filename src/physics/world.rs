//! Scene → rapier3d world. Every primitive becomes a collider carrying its material, every
//! fixture one rigid body (compound fixtures get several colliders), joints keep the scene's
//! start pose as their zero, and the payload is a dynamic body at its sampled start and size.
//!
//! Cylinders and capsules run along local Z in the scene model but along Y in rapier, so a
//! cylinder's collider is turned by +90° about X (which takes Y onto Z); capsules use
//! rapier's Z-aligned constructor directly.

use std::collections::HashMap;

use rapier3d::prelude::*;
use serde::{Deserialize, Serialize};

use super::PhysicsError;
use crate::scene::{self, BodyKind, Fixture, JointKind, Scene, Shape, Vec3};
use crate::variant::PayloadSpawn;

/// What a rigid body stands for in the scene.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyRole {
    /// A fixture the scene script built.
    Fixture,
    /// A part the reference solution added.
    Solution,
    /// The payload.
    Payload,
}

/// The label a trajectory and the collider lookup use for the payload.
pub const PAYLOAD_LABEL: &str = "payload";

/// One rigid body of the scene world.
#[derive(Debug, Clone)]
pub struct SceneBody {
    /// The fixture's label, or [`PAYLOAD_LABEL`].
    pub label: String,
    /// Fixture, solution part or payload.
    pub role: BodyRole,
    /// Fixed or dynamic.
    pub kind: BodyKind,
    /// The rapier handle.
    pub handle: RigidBodyHandle,
    /// The body's pose at t = 0.
    pub start_pose: Pose,
    /// The smallest half extent in metres of any of the body's primitives (its thinnest
    /// dimension), used to decide which bodies are thin enough to need CCD.
    pub smallest_half_extent_m: f64,
}

/// Who owns a collider: the body (index into [`SceneWorld::bodies`]) and which part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColliderOwner {
    /// Index into [`SceneWorld::bodies`].
    pub body: usize,
    /// Index of the primitive within the fixture's `parts` (0 for the payload).
    pub part: usize,
}

/// A scene turned into a rapier world, with the lookups from rapier handles back to the
/// scene's labels and roles.
pub struct SceneWorld {
    /// The rapier world (gravity −9.81 m/s² along z).
    pub world: PhysicsWorld,
    /// Every body, fixtures first (in scene order), then solution parts, then the payload.
    pub bodies: Vec<SceneBody>,
    /// Collider handle → owning body and part.
    pub colliders: HashMap<ColliderHandle, ColliderOwner>,
    /// Index of the payload in [`Self::bodies`].
    pub payload: usize,
    /// Pairs of body indices joined by a joint (their overlap is allowed).
    pub jointed_pairs: Vec<(usize, usize)>,
    /// Every motorized joint, driven each step by [`SceneWorld::drive_motors`].
    pub motors: Vec<MotorDrive>,
    /// Every spring (a rapier spring joint), with what measuring its length needs.
    pub springs: Vec<WorldSpring>,
}

/// A spring of the world: the scene's spring and its anchors in its two bodies' frames.
#[derive(Debug, Clone)]
pub struct WorldSpring {
    /// The scene's spring (stiffness, damping, rest length).
    pub spring: scene::Spring,
    /// The first body.
    pub body_a: RigidBodyHandle,
    /// The second body.
    pub body_b: RigidBodyHandle,
    /// The anchor on the first body, in its local frame.
    pub local_a: Vector,
    /// The anchor on the second body, in its local frame.
    pub local_b: Vector,
}

/// A motorized joint of the world: what drives it and how to read its motion back.
#[derive(Debug, Clone)]
pub struct MotorDrive {
    /// The rapier joint.
    pub joint: ImpulseJointHandle,
    /// The scene's motor (targets in deg, deg/s, m or m/s; effort in N·m or N).
    pub motor: scene::Motor,
    /// True on a revolute joint (angles), false on a prismatic one (lengths).
    pub revolute: bool,
    /// Who the joint joins, e.g. "\"post\" and \"arm\"", for messages.
    pub between: String,
    /// True for a joint of the solution, false for one of the scene.
    pub of_solution: bool,
}

impl MotorDrive {
    /// The rapier axis the motor drives.
    fn axis(&self) -> JointAxis {
        if self.revolute {
            JointAxis::AngX
        } else {
            JointAxis::LinX
        }
    }

    /// The target at `time_s` in rapier's units (rad, rad/s, m, m/s), or None while off.
    fn target_si(&self, time_s: f64) -> Option<f64> {
        let t = self.motor.target_at(time_s)?;
        Some(if self.revolute { t.to_radians() } else { t })
    }
}

impl SceneWorld {
    /// The payload body.
    pub fn payload_body(&self) -> &RigidBody {
        &self.world.bodies[self.bodies[self.payload].handle]
    }

    /// The body and role of a collider, e.g. for a ray hit: `(role, label)`.
    pub fn owner_of(&self, collider: ColliderHandle) -> Option<(BodyRole, &str)> {
        let owner = self.colliders.get(&collider)?;
        let body = &self.bodies[owner.body];
        Some((body.role, body.label.as_str()))
    }

    /// Index of the body with this label, if any.
    pub fn body_index(&self, label: &str) -> Option<usize> {
        self.bodies.iter().position(|b| b.label == label)
    }

    /// True when the two body indices are joined by a joint.
    pub fn are_jointed(&self, a: usize, b: usize) -> bool {
        self.jointed_pairs
            .iter()
            .any(|&(x, y)| (x, y) == (a, b) || (x, y) == (b, a))
    }

    /// Every collider handle with its owner, in a stable order (by body, then part).
    pub fn colliders_in_order(&self) -> Vec<(ColliderHandle, ColliderOwner)> {
        let mut all: Vec<_> = self.colliders.iter().map(|(h, o)| (*h, *o)).collect();
        all.sort_by_key(|(_, o)| (o.body, o.part));
        all
    }
}

impl SceneWorld {
    /// Sets every motor's target for the step that starts at `time_s`: a motor before its
    /// start time is off (no effort, the joint is free); after it, a velocity target drives
    /// at [`scene::MOTOR_VELOCITY_GAIN_PER_S`] and a position target through a critically
    /// damped servo of [`scene::MOTOR_POSITION_SERVO_HZ`], both capped at the motor's
    /// maximum effort.
    pub fn drive_motors(&mut self, time_s: f64) {
        let omega = std::f64::consts::TAU * scene::MOTOR_POSITION_SERVO_HZ;
        for drive in &self.motors {
            let Some(joint) = self.world.impulse_joints.get_mut(drive.joint, true) else {
                continue;
            };
            let axis = drive.axis();
            let data = &mut joint.data;
            match drive.target_si(time_s) {
                None => {
                    data.set_motor(axis, 0.0, 0.0, 0.0, 0.0);
                    data.set_motor_max_force(axis, 0.0);
                }
                Some(target) => {
                    match drive.motor.target {
                        scene::MotorTarget::Velocity { .. } => {
                            data.set_motor_velocity(
                                axis,
                                target as Real,
                                scene::MOTOR_VELOCITY_GAIN_PER_S as Real,
                            );
                        }
                        scene::MotorTarget::Position { .. } => {
                            data.set_motor_position(
                                axis,
                                target as Real,
                                (omega * omega) as Real,
                                (2.0 * omega) as Real,
                            );
                        }
                    }
                    data.set_motor_max_force(axis, drive.motor.max_effort as Real);
                }
            }
        }
    }

    /// The joint's coordinate right now, from the two bodies' poses: the angle in radians
    /// of body 2's joint frame about the axis relative to body 1's on a hinge, the
    /// displacement in metres along the axis on a slider (0 at the start pose). Differences
    /// of it over a step are what the motor's impulse worked through.
    pub fn joint_coordinate(&self, drive: &MotorDrive) -> f64 {
        let Some(joint) = self.world.impulse_joints.get(drive.joint) else {
            return 0.0;
        };
        let (Some(b1), Some(b2)) = (
            self.world.bodies.get(joint.body1()),
            self.world.bodies.get(joint.body2()),
        ) else {
            return 0.0;
        };
        let frame1 = *b1.position() * joint.data.local_frame1;
        let frame2 = *b2.position() * joint.data.local_frame2;
        let q = if drive.revolute {
            // The relative rotation's twist about the joint's X axis.
            let rel = frame1.rotation.inverse() * frame2.rotation;
            2.0 * rel.x.atan2(rel.w)
        } else {
            (frame2.translation - frame1.translation).dot(frame1.rotation * Vector::X)
        };
        q as f64
    }

    /// The spring's length right now (anchor to anchor), in metres.
    pub fn spring_length_m(&self, spring: &WorldSpring) -> f64 {
        let (Some(a), Some(b)) = (
            self.world.bodies.get(spring.body_a),
            self.world.bodies.get(spring.body_b),
        ) else {
            return spring.spring.rest_length_m;
        };
        let pa = *a.position() * spring.local_a;
        let pb = *b.position() * spring.local_b;
        (pb - pa).length() as f64
    }

    /// The elastic energy every spring holds right now, in joules: the sum of
    /// ½·k·(length − rest length)².
    pub fn elastic_energy_j(&self) -> f64 {
        self.springs
            .iter()
            .map(|s| s.spring.elastic_energy_j(self.spring_length_m(s)))
            .sum()
    }

    /// The impulse the motor of `drive` applied in the last step (N·m·s on a hinge, N·s on a
    /// slider), as rapier wrote it back.
    pub fn motor_impulse(&self, drive: &MotorDrive) -> f64 {
        self.world
            .impulse_joints
            .get(drive.joint)
            .map_or(0.0, |j| j.data.motors[drive.axis() as usize].impulse as f64)
    }
}

/// Converts a scene pose (metres, extrinsic X→Y→Z Euler degrees) into a rapier pose.
pub fn to_rapier_pose(pose: &scene::Pose) -> Pose {
    Pose::from_parts(to_vector(pose.position_m), to_rotation(pose.rotation_deg))
}

/// Converts a scene rotation (extrinsic X→Y→Z Euler degrees) into a rapier rotation.
pub fn to_rotation(rotation_deg: Vec3) -> Rotation {
    let [w, x, y, z] = scene::rotation::quaternion_from_euler_deg(rotation_deg);
    Rotation::from_xyzw(x as Real, y as Real, z as Real, w as Real).normalize()
}

/// A scene vector as a rapier vector.
pub fn to_vector(v: Vec3) -> Vector {
    Vector::new(v[0] as Real, v[1] as Real, v[2] as Real)
}

/// A rapier vector as a scene vector.
pub fn from_vector(v: Vector) -> Vec3 {
    [v.x as f64, v.y as f64, v.z as f64]
}

/// The collider shape of a scene primitive and the extra local rotation it needs to run
/// along Z like the scene model says.
fn collider_builder(shape: &Shape, owner: &str) -> Result<ColliderBuilder, PhysicsError> {
    let bad = |why: String| PhysicsError::BadShape {
        owner: owner.to_string(),
        why,
    };
    let positive = |name: &str, v: f64| {
        if v.is_finite() && v > 0.0 {
            Ok(v as Real)
        } else {
            Err(bad(format!(
                "{} {name} must be a positive finite number, got {v}",
                shape.kind_name()
            )))
        }
    };
    Ok(match shape {
        Shape::Box { size_m } => ColliderBuilder::cuboid(
            positive("size x (m)", size_m[0])? * 0.5,
            positive("size y (m)", size_m[1])? * 0.5,
            positive("size z (m)", size_m[2])? * 0.5,
        ),
        Shape::Sphere { radius_m } => ColliderBuilder::ball(positive("radius_m", *radius_m)?),
        Shape::Cylinder { radius_m, length_m } => ColliderBuilder::cylinder(
            positive("length_m", *length_m)? * 0.5,
            positive("radius_m", *radius_m)?,
        ),
        Shape::Capsule { radius_m, length_m } => {
            let radius = positive("radius_m", *radius_m)?;
            if !(length_m.is_finite() && *length_m >= 0.0) {
                return Err(bad(format!("capsule length_m must be ≥ 0, got {length_m}")));
            }
            ColliderBuilder::capsule_z(*length_m as Real * 0.5, radius)
        }
        Shape::ConvexHull { points_m } => {
            if points_m.iter().flatten().any(|v| !v.is_finite()) {
                return Err(bad("convex hull has a non-finite point".into()));
            }
            let points: Vec<Vector> = points_m.iter().map(|p| to_vector(*p)).collect();
            let no_volume = || {
                bad(format!(
                    "the {} hull points span no volume (need at least four points not in one plane)",
                    points_m.len()
                ))
            };
            let builder = ColliderBuilder::convex_hull(&points).ok_or_else(no_volume)?;
            // Parry accepts a flat hull; a body needs a volume to have a mass.
            if builder.shape.mass_properties(1.0).mass() <= 1e-12 {
                return Err(no_volume());
            }
            builder
        }
    })
}

/// The pose of a primitive relative to its body, including the Y→Z turn of cylinders.
fn collider_local_pose(shape: &Shape, local_pose: &scene::Pose) -> Pose {
    let pose = to_rapier_pose(local_pose);
    match shape {
        Shape::Cylinder { .. } => {
            pose * Pose::from_rotation(Rotation::from_rotation_x(std::f32::consts::FRAC_PI_2))
        }
        _ => pose,
    }
}

/// How two colliders' friction coefficients combine: their average. The MJCF export writes
/// the same average into every contact pair (MuJoCo's own default would take the larger).
pub const FRICTION_COMBINE_RULE: CoefficientCombineRule = CoefficientCombineRule::Average;

/// How two colliders' restitutions combine: their average (the MJCF export matches it).
pub const RESTITUTION_COMBINE_RULE: CoefficientCombineRule = CoefficientCombineRule::Average;

/// rapier's substeps per step (solver iterations, each integrating positions): the MJCF
/// export divides the step by this to get MuJoCo's timestep.
pub fn solver_substeps() -> usize {
    IntegrationParameters::default().num_solver_iterations
}

/// Bodies whose thinnest half extent is below this get CCD: rapier only sweeps a body when
/// it moves further than its own thickness within one step, so this is cheap for slow ones.
const CCD_THIN_HALF_EXTENT_M: f64 = 0.05;

/// Builds the rapier world of `scene`, with the payload at `spawn` and the reference
/// solution's parts (`solution`, possibly empty) added as bodies of role
/// [`BodyRole::Solution`]. Same as [`build_world_with_solution`] with parts only.
pub fn build_world(
    scene: &Scene,
    spawn: &PayloadSpawn,
    solution: &[Fixture],
) -> Result<SceneWorld, PhysicsError> {
    build(scene, spawn, solution, &[], &[])
}

/// [`build_world`] with the whole reference solution: its parts, and its joints and springs,
/// each joining two solution parts, or a solution part and a fixed part of the scene.
pub fn build_world_with_solution(
    scene: &Scene,
    spawn: &PayloadSpawn,
    solution: &scene::Solution,
) -> Result<SceneWorld, PhysicsError> {
    build(
        scene,
        spawn,
        &solution.parts,
        &solution.joints,
        &solution.springs,
    )
}

fn build(
    scene: &Scene,
    spawn: &PayloadSpawn,
    solution: &[Fixture],
    solution_joints: &[scene::Joint],
    solution_springs: &[scene::Spring],
) -> Result<SceneWorld, PhysicsError> {
    let mut world = PhysicsWorld::new();
    world.gravity = Vector::new(0.0, 0.0, scene::GRAVITY_Z_MPS2 as Real);
    let mut out = SceneWorld {
        world,
        bodies: Vec::new(),
        colliders: HashMap::new(),
        payload: 0,
        jointed_pairs: Vec::new(),
        motors: Vec::new(),
        springs: Vec::new(),
    };

    for fixture in &scene.fixtures {
        add_fixture(&mut out, fixture, BodyRole::Fixture)?;
    }
    for part in solution {
        add_fixture(&mut out, part, BodyRole::Solution)?;
    }

    // The payload: unrotated, at its sampled size and start.
    let payload_shape = scene.payload.shape.scaled(spawn.size_factor);
    let start = scene::Pose::at(spawn.start_m);
    let payload_fixture = Fixture {
        label: PAYLOAD_LABEL.into(),
        body: BodyKind::Dynamic,
        material: scene.payload.material,
        pose: start,
        parts: vec![scene::Part {
            shape: payload_shape,
            local_pose: scene::Pose::default(),
        }],
    };
    out.payload = add_fixture(&mut out, &payload_fixture, BodyRole::Payload)?;
    // The payload always gets CCD, whatever its size.
    let handle = out.bodies[out.payload].handle;
    out.world.bodies[handle].enable_ccd(true);

    for joint in &scene.joints {
        add_joint(&mut out, joint, false)?;
    }
    for joint in solution_joints {
        add_joint(&mut out, joint, true)?;
    }
    for spring in &scene.springs {
        add_spring(&mut out, spring, false)?;
    }
    for spring in solution_springs {
        add_spring(&mut out, spring, true)?;
    }
    Ok(out)
}

fn add_fixture(
    out: &mut SceneWorld,
    fixture: &Fixture,
    role: BodyRole,
) -> Result<usize, PhysicsError> {
    if fixture.parts.is_empty() {
        return Err(PhysicsError::BadShape {
            owner: fixture.label.clone(),
            why: "the part has no shapes; add at least one box, sphere, cylinder, capsule or hull"
                .into(),
        });
    }
    let pose = to_rapier_pose(&fixture.pose);
    if !pose.is_finite() {
        return Err(PhysicsError::BadShape {
            owner: fixture.label.clone(),
            why: "its pose is not finite".into(),
        });
    }
    let builder = match fixture.body {
        BodyKind::Fixed => RigidBodyBuilder::fixed(),
        BodyKind::Dynamic => RigidBodyBuilder::dynamic(),
    };
    let index = out.bodies.len();
    let handle = out
        .world
        .insert_body(builder.pose(pose).user_data(index as u128));
    let props = fixture.material.properties();
    let mut smallest = f64::INFINITY;
    for (part_index, part) in fixture.parts.iter().enumerate() {
        let collider = collider_builder(&part.shape, &fixture.label)?
            .position(collider_local_pose(&part.shape, &part.local_pose))
            .density(props.density_kg_per_m3 as Real)
            .friction(props.friction as Real)
            .restitution(props.restitution as Real)
            // Explicit, so the MJCF export's per-pair coefficients stay equal to rapier's.
            .friction_combine_rule(FRICTION_COMBINE_RULE)
            .restitution_combine_rule(RESTITUTION_COMBINE_RULE)
            .user_data(((index as u128) << 32) | part_index as u128);
        let ch = out.world.insert_collider(collider, Some(handle));
        out.colliders.insert(
            ch,
            ColliderOwner {
                body: index,
                part: part_index,
            },
        );
        let h = part.shape.local_half_extents_m();
        smallest = smallest.min(h[0].min(h[1]).min(h[2]));
    }
    if fixture.body == BodyKind::Dynamic && smallest < CCD_THIN_HALF_EXTENT_M {
        out.world.bodies[handle].enable_ccd(true);
    }
    out.bodies.push(SceneBody {
        label: fixture.label.clone(),
        role,
        kind: fixture.body,
        handle,
        start_pose: pose,
        smallest_half_extent_m: smallest,
    });
    Ok(index)
}

/// Adds one joint. A scene joint joins two scene fixtures; a solution joint (`of_solution`)
/// joins two solution parts, or a solution part and a fixed scene fixture.
fn add_joint(
    out: &mut SceneWorld,
    joint: &scene::Joint,
    of_solution: bool,
) -> Result<(), PhysicsError> {
    let owner = if of_solution { "solution " } else { "" };
    let find = |label: &str| {
        out.bodies
            .iter()
            .position(|b| {
                b.label == label
                    && match b.role {
                        BodyRole::Fixture => !of_solution || b.kind == BodyKind::Fixed,
                        BodyRole::Solution => of_solution,
                        BodyRole::Payload => false,
                    }
            })
            .ok_or_else(|| PhysicsError::BadJoint {
                why: format!(
                    "{owner}joint between \"{}\" and \"{}\": there is no part labelled \"{label}\"{}",
                    joint.fixture_a,
                    joint.fixture_b,
                    if of_solution {
                        " among the solution's parts and the scene's fixed parts"
                    } else {
                        ""
                    }
                ),
            })
    };
    let a = find(&joint.fixture_a)?;
    let b = find(&joint.fixture_b)?;
    if of_solution
        && out.bodies[a].role != BodyRole::Solution
        && out.bodies[b].role != BodyRole::Solution
    {
        return Err(PhysicsError::BadJoint {
            why: format!(
                "solution joint between \"{}\" and \"{}\": both are scene parts; a solution joint must join at least one of the solution's own parts",
                joint.fixture_a, joint.fixture_b
            ),
        });
    }
    let axis = to_vector(joint.axis);
    if !axis.is_finite() || axis.length() < 1e-6 {
        return Err(PhysicsError::BadJoint {
            why: format!(
                "joint between \"{}\" and \"{}\": axis {:?} has no direction; give a non-zero [x, y, z]",
                joint.fixture_a, joint.fixture_b, joint.axis
            ),
        });
    }
    // The joint frame in the world: origin at the anchor, local X along the axis. Each body
    // gets that frame expressed in its own start pose, so the joint's zero is the start pose.
    let frame = Pose::from_parts(
        to_vector(joint.anchor_m),
        Rotation::from_rotation_arc(Vector::X, axis.normalize()),
    );
    let frame_a = out.bodies[a].start_pose.inverse() * frame;
    let frame_b = out.bodies[b].start_pose.inverse() * frame;
    let (mask, limit_axis, limits) = match &joint.kind {
        JointKind::Revolute { limits_deg } => (
            JointAxesMask::LOCKED_REVOLUTE_AXES,
            JointAxis::AngX,
            limits_deg.map(|[lo, hi]| [lo.to_radians() as Real, hi.to_radians() as Real]),
        ),
        JointKind::Prismatic { limits_m } => (
            JointAxesMask::LOCKED_PRISMATIC_AXES,
            JointAxis::LinX,
            limits_m.map(|[lo, hi]| [lo as Real, hi as Real]),
        ),
    };
    // Jointed parts may overlap at the hinge; contacts between them would fight the joint.
    let mut builder = GenericJointBuilder::new(mask)
        .local_frame1(frame_a)
        .local_frame2(frame_b)
        .contacts_enabled(false);
    if let Some(limits) = limits {
        builder = builder.limits(limit_axis, limits);
    }
    let (ha, hb) = (out.bodies[a].handle, out.bodies[b].handle);
    let handle = out.world.insert_impulse_joint(ha, hb, builder.build());
    out.jointed_pairs.push((a, b));
    if let Some(motor) = joint.motor {
        let drive = MotorDrive {
            joint: handle,
            motor,
            revolute: matches!(joint.kind, JointKind::Revolute { .. }),
            between: format!("\"{}\" and \"{}\"", joint.fixture_a, joint.fixture_b),
            of_solution,
        };
        out.motors.push(drive);
    }
    out.drive_motors(0.0);
    Ok(())
}

/// Adds one spring as a rapier spring joint (force-based, so the stiffness is in N/m and the
/// damping in N·s/m whatever the masses), with contacts between its two bodies left on. A
/// scene spring joins two scene fixtures; a solution spring (`of_solution`) joins two
/// solution parts, or a solution part and a fixed scene fixture.
fn add_spring(
    out: &mut SceneWorld,
    spring: &scene::Spring,
    of_solution: bool,
) -> Result<(), PhysicsError> {
    let owner = if of_solution { "solution " } else { "" };
    let find = |label: &str| {
        out.bodies
            .iter()
            .position(|b| {
                b.label == label
                    && match b.role {
                        BodyRole::Fixture => !of_solution || b.kind == BodyKind::Fixed,
                        BodyRole::Solution => of_solution,
                        BodyRole::Payload => false,
                    }
            })
            .ok_or_else(|| PhysicsError::BadJoint {
                why: format!(
                    "{owner}{}: there is no part labelled \"{label}\"{}",
                    spring.between(),
                    if of_solution {
                        " among the solution's parts and the scene's fixed parts"
                    } else {
                        ""
                    }
                ),
            })
    };
    let a = find(&spring.fixture_a)?;
    let b = find(&spring.fixture_b)?;
    if let Some(problem) = spring.problem(&crate::limits::current()) {
        return Err(PhysicsError::BadJoint {
            why: format!("{owner}{}: {problem}", spring.between()),
        });
    }
    let local_a = out.bodies[a].start_pose.inverse() * to_vector(spring.anchor_a_m);
    let local_b = out.bodies[b].start_pose.inverse() * to_vector(spring.anchor_b_m);
    let joint = SpringJointBuilder::new(
        spring.rest_length_m as Real,
        spring.stiffness_n_per_m as Real,
        spring.damping_ns_per_m as Real,
    )
    .local_anchor1(local_a)
    .local_anchor2(local_b);
    let (ha, hb) = (out.bodies[a].handle, out.bodies[b].handle);
    out.world.insert_impulse_joint(ha, hb, joint.build());
    out.springs.push(WorldSpring {
        spring: spring.clone(),
        body_a: ha,
        body_b: hb,
        local_a,
        local_b,
    });
    Ok(())
}

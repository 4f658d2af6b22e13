//! MJCF (MuJoCo XML) export of one variant, so MuJoCo users get the same benchmark.
//!
//! The correspondence (the README's "MJCF export" section has it as a table):
//! - Each fixture, reference-solution part and the payload is a `<body>` named by its label
//!   (the payload is `payload`), one `<geom>` per primitive (box, sphere, cylinder, capsule,
//!   or a `<mesh>` for a convex hull), with an explicit `<inertial>` copied from rapier's
//!   mass properties, so both engines move the same masses.
//! - Fixed bodies have no joint (welded to the world). Free dynamic bodies get three slides
//!   and a ball joint whose damping stands for rapier's angular damping (a `<freejoint>` when
//!   the damping is zero). A jointed part hangs in its partner with a `hinge` or `slide`
//!   whose zero is the start pose and whose range has the sign of rapier's joint, whichever
//!   of the two fixtures moves. A joint that would close a loop (a part with two joints)
//!   becomes a massless proxy body carrying that joint plus a `<weld>` equality to the part.
//! - Contacts: scene geoms do not collide among themselves by MuJoCo's default rule
//!   (`contype="2" conaffinity="1"`); instead every pair rapier lets touch is an explicit
//!   `<pair>` with rapier's combined friction (the average, [`crate::physics::world`] sets it
//!   explicitly) and a `solref` damping ratio matching the averaged restitution. Jointed
//!   pairs get no pair and an `<exclude>`. A user's own geoms (default contype/conaffinity)
//!   still collide with the scene.
//! - `<option timestep>` is rapier's step divided by its substeps.
//! - Zones (goal, forbid, build, bounds) are transparent sites, which never collide.
//! - A comment records the canonical scene hash, so the file can be traced to the scene the
//!   gates checked.
//!
//! - The reference solution's joints are written like the scene's (a solution part hangs in
//!   its partner).
//! - A joint motor is an `<actuator>`: `<velocity>` or `<position>` on the joint, its
//!   `forcerange` the motor's maximum effort, its gains the servo's of
//!   [`crate::physics::world::SceneWorld::drive_motors`] times the moving part's mass (or
//!   moment of inertia about the hinge), `ctrlrange` ± the target. A time profile cannot be
//!   static in MJCF: each motor's profile is a `<numeric name="benchforge_motor:NAME">` in
//!   `<custom>` ([`MOTOR_PROFILE_FIELDS`]), and whoever steps the model sets `data.ctrl` (and
//!   zeroes the force range before the motor starts) each step, as `scripts/crosscheck.py`
//!   does. With motors the integrator is `implicitfast`, which treats the stiff velocity
//!   servos implicitly as rapier does.
//!
//! - A spring is a spatial `<tendon>` between two sites (`spring_N_a`, `spring_N_b`) at its
//!   anchors, with the spring's stiffness, damping and `springlength` (its rest length):
//!   MuJoCo's tendon spring-damper is the same law as rapier's force-based spring joint. With
//!   springs the integrator is `implicitfast` too (the tendon damping is then implicit).
//!   Contacts between the two bodies stay on, as in rapier.
//!
//! Kinematic movers do not exist in the scene model yet, so there is nothing to write as
//! mocap bodies.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::physics::{build_world, PhysicsSettings, PAYLOAD_LABEL};
use crate::scene::{
    rotation, Aabb, BodyKind, Fixture, Joint, JointKind, MotorProfile, MotorTarget, Part, Pose,
    Scene, Shape, Spring, Vec3,
};
use crate::variant::PayloadSpawn;

/// A scene that MJCF cannot express.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MjcfError {
    /// A joint names a part that does not exist.
    #[error("joint names part \"{0}\", which the scene does not have")]
    UnknownPart(String),
    /// rapier cannot build the scene (so there are no mass properties to export).
    #[error("the scene cannot be built for export: {0}")]
    NotBuildable(String),
}

/// How the physics settings of the simulator become MuJoCo options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MjcfOptions {
    /// rapier's step, in seconds.
    pub timestep_s: f64,
    /// rapier's substeps per step (its solver iterations, each integrating positions).
    pub substeps: usize,
    /// Angular damping on every dynamic body, in 1/s.
    pub angular_damping_per_s: f64,
}

impl MjcfOptions {
    /// The options that reproduce a run of the simulator with `physics`.
    pub fn from_physics(physics: &PhysicsSettings) -> Self {
        Self {
            timestep_s: physics.timestep_s,
            substeps: crate::physics::world::solver_substeps(),
            angular_damping_per_s: physics.rolling_damping_per_s.max(0.0),
        }
    }

    /// MuJoCo's timestep, in seconds: rapier's step over its substeps.
    pub fn mujoco_timestep_s(&self) -> f64 {
        self.timestep_s / self.substeps.max(1) as f64
    }
}

impl Default for MjcfOptions {
    /// The simulator's default physics settings (what the gates use).
    fn default() -> Self {
        Self::from_physics(&PhysicsSettings::default())
    }
}

/// The MuJoCo contact's natural period over 2π, in seconds: every `<pair>` gets the
/// stiffness 1/τ² (per unit mass) and a damping 2ζ/τ from the restitution. Measured at
/// MuJoCo's 1/240 s step: stiffer contacts gain energy on impact, softer ones sink in.
pub const CONTACT_TIMECONST_S: f64 = 0.01;

/// The `solref` of a contact with coefficient of restitution `e`, in MuJoCo's direct form
/// `-stiffness -damping` (so the stiffness does not grow as the damping ratio falls, which
/// made bouncy contacts gain energy in the positive `timeconst dampratio` form).
pub fn contact_solref(e: f64) -> (f64, f64) {
    let tau = CONTACT_TIMECONST_S;
    (-1.0 / (tau * tau), -2.0 * restitution_dampratio(e) / tau)
}

/// The `solref` damping ratio that makes a MuJoCo contact bounce back with coefficient of
/// restitution `e`: a damped spring released at zero penetration returns a fraction
/// `exp(-ζπ/√(1-ζ²))` of its speed, so ζ = −ln e / √(π² + ln² e), times a gain measured
/// against rapier's bounce heights (the bounce test in tests/mjcf_export.rs holds it).
pub fn restitution_dampratio(e: f64) -> f64 {
    if e <= 0.0 {
        return 1.0;
    }
    let l = e.clamp(1e-3, 0.99).ln();
    let gain = RESTITUTION_GAIN_AT_0 + RESTITUTION_GAIN_SLOPE * e;
    (gain * -l / (std::f64::consts::PI.powi(2) + l * l).sqrt()).min(1.0)
}

/// The measured correction of the ideal damping ratio is `GAIN_AT_0 + GAIN_SLOPE × e`: fitted
/// so MuJoCo's first bounce after a 0.3 m drop matches rapier's at e = 0.35, 0.525 and 0.7
/// (rapier returns a little less than e² of the height, less so for small e).
pub const RESTITUTION_GAIN_AT_0: f64 = 1.124;
/// See [`RESTITUTION_GAIN_AT_0`].
pub const RESTITUTION_GAIN_SLOPE: f64 = -0.234;

/// One body of the export: a scene fixture, a solution part or the payload.
struct Item<'a> {
    fixture: &'a Fixture,
    role: Role,
}

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Fixture,
    Solution,
    Payload,
}

/// Mass properties of one dynamic body in its own frame, from rapier.
#[derive(Clone, Copy)]
struct Inertial {
    mass_kg: f64,
    com_m: Vec3,
    /// Principal axes frame as a quaternion `[w, x, y, z]`.
    frame: [f64; 4],
    principal_kg_m2: Vec3,
}

/// One joint as MJCF nests it: the child hangs in `parent`'s body.
struct Nesting<'a> {
    parent: usize,
    joint: &'a crate::scene::Joint,
    /// True when the child is the joint's `fixture_a`, so MuJoCo's angle is rapier's negated.
    flipped: bool,
}

/// A joint that closes a loop: a proxy body in `parent` carries it, welded to `child`.
struct LoopJoint<'a> {
    parent: usize,
    child: usize,
    joint: &'a crate::scene::Joint,
    flipped: bool,
}

/// Writes `scene` with the payload at `spawn` as an MJCF document named `model`, with the
/// simulator's default physics settings. Same as [`to_mjcf_with_solution`] without parts.
pub fn to_mjcf(scene: &Scene, spawn: &PayloadSpawn, model: &str) -> Result<String, MjcfError> {
    to_mjcf_with_solution(
        scene,
        spawn,
        &crate::scene::Solution::default(),
        model,
        &MjcfOptions::default(),
    )
}

/// The fields of a motor's `<numeric name="benchforge_motor:NAME">` in `<custom>`, in order:
/// what the stepping loop needs to set the actuator's control at time t.
pub const MOTOR_PROFILE_FIELDS: &str = "target kind (0 velocity, 1 position), full target in MuJoCo's joint units (rad/s, m/s, rad or m, sign as MuJoCo measures the joint), profile (0 constant, 1 ramp, 2 step, 3 sine), profile time (ramp duration_s, step at_s or sine period_s; 0 for constant), start_s, max effort (N·m or N)";

/// Writes `scene` with the payload at `spawn` and the reference solution (`solution`, as
/// `SceneScript::solve` returns it; empty for the passive scene) as an MJCF document named
/// `model`, with MuJoCo options matching `options`.
pub fn to_mjcf_with_solution(
    scene: &Scene,
    spawn: &PayloadSpawn,
    solution: &crate::scene::Solution,
    model: &str,
    options: &MjcfOptions,
) -> Result<String, MjcfError> {
    let payload_fixture = payload_as_fixture(scene, spawn);
    // Same order as `build_world`: fixtures, solution parts, payload.
    let items: Vec<Item> = scene
        .fixtures
        .iter()
        .map(|f| Item {
            fixture: f,
            role: Role::Fixture,
        })
        .chain(solution.parts.iter().map(|f| Item {
            fixture: f,
            role: Role::Solution,
        }))
        .chain(std::iter::once(Item {
            fixture: &payload_fixture,
            role: Role::Payload,
        }))
        .collect();
    let inertials = inertials(scene, spawn, solution)?;
    // Scene fixtures and solution parts by label (the labels are unique across both).
    let index: HashMap<&str, usize> = items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.role != Role::Payload)
        .map(|(i, item)| (item.fixture.label.as_str(), i))
        .collect();
    let joints: Vec<&Joint> = scene.joints.iter().chain(&solution.joints).collect();
    let springs: Vec<&Spring> = scene.springs.iter().chain(&solution.springs).collect();
    for spring in &springs {
        for label in [&spring.fixture_a, &spring.fixture_b] {
            if !index.contains_key(label.as_str()) {
                return Err(MjcfError::UnknownPart(label.clone()));
            }
        }
    }
    let (nesting, loops) = nest(&items, &joints, &index)?;

    let mut x = String::new();
    let _ = writeln!(x, "<mujoco model=\"{}\">", esc(model));
    let _ = writeln!(
        x,
        "  <!-- exported by benchforge {}: SI units (m, kg, s), Z up -->",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(x, "  <!-- scene_hash: {} -->", scene.content_hash());
    let _ = writeln!(
        x,
        "  <!-- rapier step {} s in {} substeps; angular damping {} 1/s; reference solution parts: {} -->",
        f(options.timestep_s),
        options.substeps,
        f(options.angular_damping_per_s),
        solution.parts.len()
    );
    x.push_str(
        "  <compiler angle=\"radian\" autolimits=\"true\" balanceinertia=\"true\" inertiafromgeom=\"auto\"/>\n",
    );
    let motorized: Vec<(&Joint, bool, usize)> = joints
        .iter()
        .filter(|j| j.motor.is_some())
        .filter_map(|j| {
            nesting
                .iter()
                .find(|(_, n)| std::ptr::eq(n.joint, *j))
                .map(|(c, n)| (*j, n.flipped, *c))
                .or_else(|| {
                    loops
                        .iter()
                        .find(|l| std::ptr::eq(l.joint, *j))
                        .map(|l| (*j, l.flipped, l.child))
                })
        })
        .collect();
    let _ = writeln!(
        x,
        "  <option timestep=\"{}\" gravity=\"0 0 {}\"{}/>",
        f(options.mujoco_timestep_s()),
        crate::scene::GRAVITY_Z_MPS2,
        if motorized.is_empty() && springs.is_empty() {
            ""
        } else {
            " integrator=\"implicitfast\""
        }
    );
    x.push_str("  <visual><global offwidth=\"640\" offheight=\"480\"/></visual>\n");

    let mut assets = String::new();
    for item in &items {
        for (i, part) in item.fixture.parts.iter().enumerate() {
            if let Shape::ConvexHull { points_m } = &part.shape {
                let vertices: Vec<String> = points_m.iter().map(|p| v3(*p)).collect();
                let _ = writeln!(
                    assets,
                    "    <mesh name=\"{}\" vertex=\"{}\"/>",
                    esc(&geom_name(&item.fixture.label, i)),
                    vertices.join("  ")
                );
            }
        }
    }
    if !assets.is_empty() {
        let _ = write!(x, "  <asset>\n{assets}  </asset>\n");
    }

    let writer = BodyWriter {
        items: &items,
        inertials: &inertials,
        nesting: &nesting,
        loops: &loops,
        springs: &springs,
        damping_per_s: options.angular_damping_per_s,
    };
    x.push_str("  <worldbody>\n");
    zone_site(&mut x, "goal_zone", &scene.goal_zone, "0 0.8 0 0.25");
    zone_site(&mut x, "build_zone", &scene.build_zone, "0.2 0.4 1 0.08");
    zone_site(&mut x, "bounds", &scene.bounds, "0.5 0.5 0.5 0.03");
    for zone in &scene.forbid_zones {
        zone_site(
            &mut x,
            &format!("forbid_{}", zone.name),
            &zone.zone,
            "0.9 0 0 0.25",
        );
    }
    for root in (0..items.len()).filter(|i| !nesting.contains_key(i)) {
        writer.body(&mut x, root, None, 2);
    }
    x.push_str("  </worldbody>\n");

    // Contacts: an explicit pair for everything rapier lets touch, an exclude per joint.
    x.push_str("  <contact>\n");
    let jointed = |a: usize, b: usize| {
        joints.iter().any(|j| {
            let (ja, jb) = (
                index.get(j.fixture_a.as_str()),
                index.get(j.fixture_b.as_str()),
            );
            (ja, jb) == (Some(&a), Some(&b)) || (ja, jb) == (Some(&b), Some(&a))
        })
    };
    let mut excluded: Vec<(usize, usize)> = Vec::new();
    for j in &joints {
        let (a, b) = (index[j.fixture_a.as_str()], index[j.fixture_b.as_str()]);
        if a != b && !excluded.contains(&(a.min(b), a.max(b))) {
            excluded.push((a.min(b), a.max(b)));
            let _ = writeln!(
                x,
                "    <exclude body1=\"{}\" body2=\"{}\"/>",
                esc(&items[a].fixture.label),
                esc(&items[b].fixture.label)
            );
        }
    }
    for a in 0..items.len() {
        for b in a + 1..items.len() {
            let (fa, fb) = (items[a].fixture, items[b].fixture);
            if fa.body == BodyKind::Fixed && fb.body == BodyKind::Fixed {
                continue; // rapier never makes contacts between two fixed bodies
            }
            if jointed(a, b) {
                continue;
            }
            let (pa, pb) = (fa.material.properties(), fb.material.properties());
            let friction = 0.5 * (pa.friction + pb.friction);
            let restitution = 0.5 * (pa.restitution + pb.restitution);
            for i in 0..fa.parts.len() {
                for k in 0..fb.parts.len() {
                    let (stiffness, damping) = contact_solref(restitution);
                    let _ = writeln!(
                        x,
                        "    <pair geom1=\"{}\" geom2=\"{}\" condim=\"3\" friction=\"{} {} 0 0 0\" solref=\"{} {}\"/>",
                        esc(&geom_name(&fa.label, i)),
                        esc(&geom_name(&fb.label, k)),
                        f(friction),
                        f(friction),
                        f(stiffness),
                        f(damping)
                    );
                }
            }
        }
    }
    x.push_str("  </contact>\n");
    if !loops.is_empty() {
        x.push_str("  <equality>\n");
        for l in &loops {
            let _ = writeln!(
                x,
                "    <weld name=\"{}\" body1=\"{}\" body2=\"{}\" solref=\"0.01 1\"/>",
                esc(&format!("{}_loop", joint_name(l.joint))),
                esc(&proxy_name(items[l.child].fixture, l.joint)),
                esc(&items[l.child].fixture.label)
            );
        }
        x.push_str("  </equality>\n");
    }
    if !springs.is_empty() {
        x.push_str("  <tendon>\n");
        for (n, spring) in springs.iter().enumerate() {
            let _ = writeln!(
                x,
                "    <spatial name=\"spring_{n}\" stiffness=\"{}\" damping=\"{}\" springlength=\"{}\" width=\"0.003\" rgba=\"0.9 0.7 0.1 1\"><site site=\"spring_{n}_a\"/><site site=\"spring_{n}_b\"/></spatial>",
                g(spring.stiffness_n_per_m),
                g(spring.damping_ns_per_m),
                g(spring.rest_length_m)
            );
        }
        x.push_str("  </tendon>\n");
    }
    if !motorized.is_empty() {
        write_motors(&mut x, &motorized, &items, &inertials);
    }
    x.push_str("</mujoco>\n");
    Ok(x)
}

/// The `<actuator>` and `<custom>` elements of the motorized joints: (joint, flipped, index
/// of the part that hangs on it).
fn write_motors(
    x: &mut String,
    motorized: &[(&Joint, bool, usize)],
    items: &[Item],
    inertials: &[Inertial],
) {
    let omega = std::f64::consts::TAU * crate::scene::MOTOR_POSITION_SERVO_HZ;
    let mut actuators = String::new();
    let mut custom = String::new();
    for (joint, flipped, child) in motorized {
        let Some(motor) = joint.motor else { continue };
        let revolute = matches!(joint.kind, JointKind::Revolute { .. });
        // MuJoCo's joint units (radians) and sign (the child relative to its parent).
        let sign = if *flipped { -1.0 } else { 1.0 };
        let to_mujoco = |v: f64| sign * if revolute { v.to_radians() } else { v };
        let target = to_mujoco(motor.target.value());
        let inertia = joint_inertia(items[*child].fixture, &inertials[*child], joint, revolute);
        let name = format!("motor_{}", joint_name(joint));
        let effort = motor.max_effort;
        let common = format!(
            "name=\"{}\" joint=\"{}\" forcerange=\"{} {}\" ctrlrange=\"{} {}\"",
            esc(&name),
            esc(&joint_name(joint)),
            g(-effort),
            g(effort),
            g(-target.abs()),
            g(target.abs())
        );
        let kind = match motor.target {
            MotorTarget::Velocity { .. } => {
                let kv = inertia * crate::scene::MOTOR_VELOCITY_GAIN_PER_S;
                let _ = writeln!(actuators, "    <velocity {common} kv=\"{}\"/>", g(kv));
                0
            }
            MotorTarget::Position { .. } => {
                let (kp, kv) = (inertia * omega * omega, inertia * 2.0 * omega);
                let _ = writeln!(
                    actuators,
                    "    <position {common} kp=\"{}\" kv=\"{}\"/>",
                    g(kp),
                    g(kv)
                );
                1
            }
        };
        let (profile, time) = match motor.profile {
            MotorProfile::Constant => (0, 0.0),
            MotorProfile::Ramp { duration_s } => (1, duration_s),
            MotorProfile::Step { at_s } => (2, at_s),
            MotorProfile::Sine { period_s } => (3, period_s),
        };
        let _ = writeln!(
            custom,
            "    <numeric name=\"benchforge_motor:{}\" data=\"{kind} {} {profile} {} {} {}\"/>",
            esc(&name),
            g(target),
            g(time),
            g(motor.start_s),
            g(effort)
        );
    }
    let _ = write!(x, "  <actuator>\n{actuators}  </actuator>\n");
    let _ = writeln!(
        x,
        "  <!-- each motor's time profile: {MOTOR_PROFILE_FIELDS}; set data.ctrl from it every step (scripts/crosscheck.py does) -->"
    );
    let _ = write!(x, "  <custom>\n{custom}  </custom>\n");
}

/// The mass (slider) or moment of inertia about the hinge axis through the anchor (hinge) of
/// the part that moves on `joint`, so a servo's gains give it the same response as in rapier.
fn joint_inertia(fixture: &Fixture, m: &Inertial, joint: &Joint, revolute: bool) -> f64 {
    if !revolute {
        return m.mass_kg;
    }
    let axis = inverse_rotate(fixture.pose.rotation_deg, normalize(joint.axis));
    let a = rotate(quat_conj(m.frame), axis);
    let about_com: f64 = (0..3).map(|k| m.principal_kg_m2[k] * a[k] * a[k]).sum();
    // Parallel axes: the centre of mass's distance from the hinge line.
    let anchor = inverse_transform_point(&fixture.pose, joint.anchor_m);
    let d = [
        m.com_m[0] - anchor[0],
        m.com_m[1] - anchor[1],
        m.com_m[2] - anchor[2],
    ];
    let along = d[0] * axis[0] + d[1] * axis[1] + d[2] * axis[2];
    let off2 = d.iter().map(|v| v * v).sum::<f64>() - along * along;
    about_com + m.mass_kg * off2.max(0.0)
}

/// The payload as a one-part dynamic fixture at its sampled size and start.
fn payload_as_fixture(scene: &Scene, spawn: &PayloadSpawn) -> Fixture {
    Fixture {
        label: PAYLOAD_LABEL.into(),
        body: BodyKind::Dynamic,
        material: scene.payload.material,
        pose: Pose::at(spawn.start_m),
        parts: vec![Part {
            shape: scene.payload.shape.scaled(spawn.size_factor),
            local_pose: Pose::default(),
        }],
    }
}

/// rapier's mass properties of every body, in export order.
fn inertials(
    scene: &Scene,
    spawn: &PayloadSpawn,
    solution: &[Fixture],
) -> Result<Vec<Inertial>, MjcfError> {
    // Mass properties only: the joints do not change them.
    let world =
        build_world(scene, spawn, solution).map_err(|e| MjcfError::NotBuildable(e.to_string()))?;
    Ok(world
        .bodies
        .iter()
        .map(|b| {
            let rb = &world.world.bodies[b.handle];
            let m = &rb.mass_properties().local_mprops;
            let q = m.principal_inertia_local_frame;
            let p = m.principal_inertia();
            Inertial {
                mass_kg: m.mass() as f64,
                com_m: crate::physics::world::from_vector(m.local_com),
                frame: [q.w as f64, q.x as f64, q.y as f64, q.z as f64],
                principal_kg_m2: [p.x as f64, p.y as f64, p.z as f64],
            }
        })
        .collect())
}

/// Decides, for every jointed pair, which part hangs in which (child index → nesting); the
/// joints that would close a loop come back separately.
#[allow(clippy::type_complexity)]
fn nest<'a>(
    items: &[Item],
    joints: &[&'a Joint],
    index: &HashMap<&str, usize>,
) -> Result<(HashMap<usize, Nesting<'a>>, Vec<LoopJoint<'a>>), MjcfError> {
    let mut nesting: HashMap<usize, Nesting<'a>> = HashMap::new();
    let mut loops = Vec::new();
    for &joint in joints {
        let a = *index
            .get(joint.fixture_a.as_str())
            .ok_or_else(|| MjcfError::UnknownPart(joint.fixture_a.clone()))?;
        let b = *index
            .get(joint.fixture_b.as_str())
            .ok_or_else(|| MjcfError::UnknownPart(joint.fixture_b.clone()))?;
        let dynamic = |i: usize| items[i].fixture.body == BodyKind::Dynamic;
        if !dynamic(a) && !dynamic(b) {
            continue; // two welded parts: the joint has nothing to move
        }
        let is_ancestor = |maybe: usize, of: usize, nesting: &HashMap<usize, Nesting<'a>>| {
            let mut at = of;
            while let Some(n) = nesting.get(&at) {
                if n.parent == maybe {
                    return true;
                }
                at = n.parent;
            }
            maybe == of
        };
        let child = [b, a].into_iter().find(|&c| {
            dynamic(c)
                && !nesting.contains_key(&c)
                && !is_ancestor(c, if c == a { b } else { a }, &nesting)
        });
        match child {
            Some(child) => {
                let parent = if child == a { b } else { a };
                nesting.insert(
                    child,
                    Nesting {
                        parent,
                        joint,
                        flipped: child == a && a != b,
                    },
                );
            }
            None => {
                // Both already hang somewhere (or the other is fixed): close the loop with a
                // proxy body in the other part and a weld.
                let child = if dynamic(b) { b } else { a };
                let parent = if child == a { b } else { a };
                loops.push(LoopJoint {
                    parent,
                    child,
                    joint,
                    flipped: child == a,
                });
            }
        }
    }
    Ok((nesting, loops))
}

fn joint_name(j: &crate::scene::Joint) -> String {
    format!("{}_{}", j.fixture_a, j.fixture_b)
}

fn proxy_name(child: &Fixture, j: &crate::scene::Joint) -> String {
    format!("{}__{}_proxy", child.label, joint_name(j))
}

struct BodyWriter<'a> {
    items: &'a [Item<'a>],
    inertials: &'a [Inertial],
    nesting: &'a HashMap<usize, Nesting<'a>>,
    loops: &'a [LoopJoint<'a>],
    springs: &'a [&'a Spring],
    damping_per_s: f64,
}

impl BodyWriter<'_> {
    fn body(&self, x: &mut String, i: usize, parent: Option<&Pose>, depth: usize) {
        let item = &self.items[i];
        let fixture = item.fixture;
        let pad = "  ".repeat(depth);
        let (pos, quat) = relative(parent, &fixture.pose);
        let _ = writeln!(
            x,
            "{pad}<body name=\"{}\" pos=\"{}\" quat=\"{}\">",
            esc(&fixture.label),
            v3(pos),
            q4(quat)
        );
        if fixture.body == BodyKind::Dynamic {
            let m = &self.inertials[i];
            let _ = writeln!(
                x,
                "{pad}  <inertial pos=\"{}\" quat=\"{}\" mass=\"{}\" diaginertia=\"{}\"/>",
                v3(m.com_m),
                q4(m.frame),
                g(m.mass_kg),
                v3g(m.principal_kg_m2)
            );
        }
        match (self.nesting.get(&i), fixture.body) {
            (Some(n), _) => {
                let damping = self.axis_damping(i, n.joint);
                joint_element(x, &pad, fixture, n.joint, n.flipped, damping);
            }
            (None, BodyKind::Dynamic) => {
                let label = esc(&fixture.label);
                let m = &self.inertials[i];
                let mean_inertia = m.principal_kg_m2.iter().sum::<f64>() / 3.0;
                let damping = self.damping_per_s * mean_inertia;
                if damping > 0.0 {
                    // A free joint would damp translation too; rapier damps only rotation.
                    for (axis, v) in ["x", "y", "z"].iter().zip(["1 0 0", "0 1 0", "0 0 1"]) {
                        let _ = writeln!(
                            x,
                            "{pad}  <joint name=\"{label}_{axis}\" type=\"slide\" axis=\"{v}\"/>"
                        );
                    }
                    let _ = writeln!(
                        x,
                        "{pad}  <joint name=\"{label}_rot\" type=\"ball\" damping=\"{}\"/>",
                        g(damping)
                    );
                } else {
                    let _ = writeln!(x, "{pad}  <freejoint name=\"{label}_free\"/>");
                }
            }
            (None, BodyKind::Fixed) => {}
        }
        let rgba = match (item.role, fixture.body) {
            (Role::Payload, _) => "0.95 0.6 0.1 1",
            (Role::Solution, _) => "0.2 0.8 0.3 1",
            (Role::Fixture, BodyKind::Fixed) => "0.6 0.6 0.65 1",
            (Role::Fixture, BodyKind::Dynamic) => "0.3 0.5 0.8 1",
        };
        let props = fixture.material.properties();
        for (k, part) in fixture.parts.iter().enumerate() {
            let q = rotation::quaternion_from_euler_deg(part.local_pose.rotation_deg);
            let (kind, size) = match &part.shape {
                Shape::Box { size_m } => {
                    ("box", format!(" size=\"{}\"", v3(size_m.map(|s| 0.5 * s))))
                }
                Shape::Sphere { radius_m } => ("sphere", format!(" size=\"{}\"", f(*radius_m))),
                Shape::Cylinder { radius_m, length_m } => (
                    "cylinder",
                    format!(" size=\"{} {}\"", f(*radius_m), f(0.5 * length_m)),
                ),
                Shape::Capsule { radius_m, length_m } => (
                    "capsule",
                    format!(" size=\"{} {}\"", f(*radius_m), f(0.5 * length_m)),
                ),
                Shape::ConvexHull { .. } => (
                    "mesh",
                    format!(" mesh=\"{}\"", esc(&geom_name(&fixture.label, k))),
                ),
            };
            let _ = writeln!(
                x,
                "{pad}  <geom name=\"{}\" type=\"{kind}\"{size} pos=\"{}\" quat=\"{}\" contype=\"2\" conaffinity=\"1\" friction=\"{} 0.005 0.0001\" density=\"{}\" rgba=\"{rgba}\"/>",
                esc(&geom_name(&fixture.label, k)),
                v3(part.local_pose.position_m),
                q4(q),
                f(props.friction),
                f(props.density_kg_per_m3),
            );
        }
        // The anchors of the springs that hold on to this body.
        for (n, spring) in self.springs.iter().enumerate() {
            let ends = [
                ("a", &spring.fixture_a, spring.anchor_a_m),
                ("b", &spring.fixture_b, spring.anchor_b_m),
            ];
            for (end, label, anchor_m) in ends {
                if *label == fixture.label && item.role != Role::Payload {
                    let _ = writeln!(
                        x,
                        "{pad}  <site name=\"spring_{n}_{end}\" pos=\"{}\" size=\"0.004\"/>",
                        v3(inverse_transform_point(&fixture.pose, anchor_m))
                    );
                }
            }
        }
        // Proxies of loop-closing joints that hang in this body.
        for l in self.loops.iter().filter(|l| l.parent == i) {
            let child = self.items[l.child].fixture;
            let (pos, quat) = relative(Some(&fixture.pose), &child.pose);
            let _ = writeln!(
                x,
                "{pad}  <body name=\"{}\" pos=\"{}\" quat=\"{}\">",
                esc(&proxy_name(child, l.joint)),
                v3(pos),
                q4(quat)
            );
            // Massless stand-in: only the weld to the real part gives it dynamics.
            let _ = writeln!(
                x,
                "{pad}    <inertial pos=\"0 0 0\" mass=\"1e-6\" diaginertia=\"1e-9 1e-9 1e-9\"/>"
            );
            joint_element(x, &format!("{pad}  "), child, l.joint, l.flipped, 0.0);
            let _ = writeln!(x, "{pad}  </body>");
        }
        let mut children: Vec<usize> = self
            .nesting
            .iter()
            .filter(|(_, n)| n.parent == i)
            .map(|(c, _)| *c)
            .collect();
        children.sort_unstable();
        for child in children {
            self.body(x, child, Some(&fixture.pose), depth + 1);
        }
        let _ = writeln!(x, "{pad}</body>");
    }

    /// rapier damps a body's angular velocity; about a hinge that is a torque of
    /// damping × the moment of inertia about the axis through the centre of mass.
    fn axis_damping(&self, i: usize, joint: &crate::scene::Joint) -> f64 {
        if !matches!(joint.kind, JointKind::Revolute { .. }) || self.damping_per_s <= 0.0 {
            return 0.0;
        }
        let fixture = self.items[i].fixture;
        let m = &self.inertials[i];
        let axis = inverse_rotate(fixture.pose.rotation_deg, normalize(joint.axis));
        // Axis in the principal frame.
        let a = rotate(quat_conj(m.frame), axis);
        let moment: f64 = (0..3).map(|k| m.principal_kg_m2[k] * a[k] * a[k]).sum();
        self.damping_per_s * moment
    }
}

/// The `<joint>` of `joint` inside `fixture`'s body (or a proxy at the same pose).
fn joint_element(
    x: &mut String,
    pad: &str,
    fixture: &Fixture,
    joint: &crate::scene::Joint,
    flipped: bool,
    damping: f64,
) {
    // Anchor and axis in this body's frame.
    let anchor = inverse_transform_point(&fixture.pose, joint.anchor_m);
    let axis = inverse_rotate(fixture.pose.rotation_deg, normalize(joint.axis));
    // rapier measures the second fixture relative to the first; MuJoCo measures the child
    // relative to its parent, the opposite sign when the child is the first fixture.
    let range = |lo: f64, hi: f64| {
        let (lo, hi) = if flipped { (-hi, -lo) } else { (lo, hi) };
        format!(" range=\"{} {}\"", f(lo), f(hi))
    };
    let (kind, range) = match &joint.kind {
        JointKind::Revolute { limits_deg } => (
            "hinge",
            limits_deg.map(|[lo, hi]| range(lo.to_radians(), hi.to_radians())),
        ),
        JointKind::Prismatic { limits_m } => ("slide", limits_m.map(|[lo, hi]| range(lo, hi))),
    };
    let damping = if damping > 0.0 {
        format!(" damping=\"{}\"", g(damping))
    } else {
        String::new()
    };
    let _ = writeln!(
        x,
        "{pad}  <joint name=\"{}\" type=\"{kind}\" pos=\"{}\" axis=\"{}\"{}{damping}/>",
        esc(&joint_name(joint)),
        v3(anchor),
        v3(axis),
        range.unwrap_or_default()
    );
}

fn zone_site(x: &mut String, name: &str, zone: &Aabb, rgba: &str) {
    let half = zone.size_m().map(|s| 0.5 * s);
    let _ = writeln!(
        x,
        "    <site name=\"{}\" type=\"box\" pos=\"{}\" size=\"{}\" rgba=\"{rgba}\" group=\"4\"/>",
        esc(name),
        v3(zone.center_m()),
        v3(half)
    );
}

/// The name of a fixture's i-th geom (and mesh).
pub fn geom_name(label: &str, part: usize) -> String {
    format!("{label}_{part}")
}

/// `child` expressed in `parent`'s frame (or in the world when there is no parent).
fn relative(parent: Option<&Pose>, child: &Pose) -> (Vec3, [f64; 4]) {
    let qc = rotation::quaternion_from_euler_deg(child.rotation_deg);
    match parent {
        None => (child.position_m, qc),
        Some(p) => {
            let qp = rotation::quaternion_from_euler_deg(p.rotation_deg);
            let pos = inverse_transform_point(p, child.position_m);
            (pos, quat_mul(quat_conj(qp), qc))
        }
    }
}

fn inverse_transform_point(pose: &Pose, point: Vec3) -> Vec3 {
    let d = [
        point[0] - pose.position_m[0],
        point[1] - pose.position_m[1],
        point[2] - pose.position_m[2],
    ];
    inverse_rotate(pose.rotation_deg, d)
}

fn inverse_rotate(rotation_deg: Vec3, v: Vec3) -> Vec3 {
    let q = quat_conj(rotation::quaternion_from_euler_deg(rotation_deg));
    let p = quat_mul(quat_mul(q, [0.0, v[0], v[1], v[2]]), quat_conj(q));
    [p[1], p[2], p[3]]
}

fn quat_conj(q: [f64; 4]) -> [f64; 4] {
    [q[0], -q[1], -q[2], -q[3]]
}

fn quat_mul(a: [f64; 4], b: [f64; 4]) -> [f64; 4] {
    [
        a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
        a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
        a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
        a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0],
    ]
}

fn normalize(v: Vec3) -> Vec3 {
    let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    if n > 0.0 {
        v.map(|c| c / n)
    } else {
        [1.0, 0.0, 0.0]
    }
}

fn f(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".into()
    } else {
        s.into()
    }
}

fn v3(v: Vec3) -> String {
    format!("{} {} {}", f(v[0]), f(v[1]), f(v[2]))
}

fn q4(q: [f64; 4]) -> String {
    format!("{} {} {} {}", f(q[0]), f(q[1]), f(q[2]), f(q[3]))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn rotate(q: [f64; 4], v: Vec3) -> Vec3 {
    let p = quat_mul(quat_mul(q, [0.0, v[0], v[1], v[2]]), quat_conj(q));
    [p[1], p[2], p[3]]
}

/// A number in scientific notation where six decimals would lose it (masses, inertias).
fn g(v: f64) -> String {
    if v != 0.0 && v.abs() < 1e-3 {
        format!("{v:.6e}")
    } else {
        f(v)
    }
}

fn v3g(v: Vec3) -> String {
    format!("{} {} {}", g(v[0]), g(v[1]), g(v[2]))
}

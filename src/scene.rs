//! The scene model: what a scene script builds and every gate checks.
//!
//! SI units everywhere (metres, kilograms, seconds), Z up, gravity -9.81 m/s² along z.
//! Every length-valued field says its unit in its name (`_m`), every angle says degrees
//! (`_deg`). Rotations are extrinsic Euler angles in degrees applied about X, then Y, then Z.
//!
//! A scene has one canonical JSON form ([`Scene::canonical_json`]): the same scene always
//! serializes to the same bytes, and [`Scene::content_hash`] is a stable hash over them.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A point or vector in metres (or a unitless direction, where a field says so), Z up.
pub type Vec3 = [f64; 3];

/// Gravity along z in m/s².
pub const GRAVITY_Z_MPS2: f64 = -9.81;

/// Labels the scene reserves for its own roles; a fixture may not use them.
pub const RESERVED_LABELS: &[&str] = &[
    "payload",
    "goal",
    "goal_zone",
    "build",
    "build_zone",
    "forbid",
    "bounds",
    "world",
    "ground",
];

/// An axis-aligned box given by its minimum and maximum corners, in metres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Aabb {
    /// The corner with the smallest x, y and z, in metres.
    pub min_m: Vec3,
    /// The corner with the largest x, y and z, in metres.
    pub max_m: Vec3,
}

impl Aabb {
    /// A box from its two corners.
    pub fn new(min_m: Vec3, max_m: Vec3) -> Self {
        Self { min_m, max_m }
    }

    /// A box centred on `center_m` with the given half extents.
    pub fn from_center_half_extents(center_m: Vec3, half_m: Vec3) -> Self {
        Self {
            min_m: [
                center_m[0] - half_m[0],
                center_m[1] - half_m[1],
                center_m[2] - half_m[2],
            ],
            max_m: [
                center_m[0] + half_m[0],
                center_m[1] + half_m[1],
                center_m[2] + half_m[2],
            ],
        }
    }

    /// The centre point.
    pub fn center_m(&self) -> Vec3 {
        [
            0.5 * (self.min_m[0] + self.max_m[0]),
            0.5 * (self.min_m[1] + self.max_m[1]),
            0.5 * (self.min_m[2] + self.max_m[2]),
        ]
    }

    /// The full size along each axis.
    pub fn size_m(&self) -> Vec3 {
        [
            self.max_m[0] - self.min_m[0],
            self.max_m[1] - self.min_m[1],
            self.max_m[2] - self.min_m[2],
        ]
    }

    /// Volume in m³ (zero for an inverted box).
    pub fn volume_m3(&self) -> f64 {
        let s = self.size_m();
        s[0].max(0.0) * s[1].max(0.0) * s[2].max(0.0)
    }

    /// True when every min is strictly below its max.
    pub fn is_proper(&self) -> bool {
        (0..3).all(|i| self.min_m[i] < self.max_m[i])
    }

    /// True when the two boxes share a volume (touching faces do not count).
    pub fn intersects(&self, other: &Aabb) -> bool {
        (0..3).all(|i| self.min_m[i] < other.max_m[i] && other.min_m[i] < self.max_m[i])
    }

    /// The shared box, if the two intersect.
    pub fn intersection(&self, other: &Aabb) -> Option<Aabb> {
        if !self.intersects(other) {
            return None;
        }
        let mut out = *self;
        for i in 0..3 {
            out.min_m[i] = self.min_m[i].max(other.min_m[i]);
            out.max_m[i] = self.max_m[i].min(other.max_m[i]);
        }
        Some(out)
    }

    /// True when `other` lies wholly inside this box (faces may touch).
    pub fn contains_box(&self, other: &Aabb) -> bool {
        (0..3).all(|i| self.min_m[i] <= other.min_m[i] && other.max_m[i] <= self.max_m[i])
    }

    /// True when the point lies inside or on this box.
    pub fn contains_point(&self, p: Vec3) -> bool {
        (0..3).all(|i| self.min_m[i] <= p[i] && p[i] <= self.max_m[i])
    }

    /// The smallest box containing both.
    pub fn union(&self, other: &Aabb) -> Aabb {
        let mut out = *self;
        for i in 0..3 {
            out.min_m[i] = self.min_m[i].min(other.min_m[i]);
            out.max_m[i] = self.max_m[i].max(other.max_m[i]);
        }
        out
    }

    /// Distance in metres from a point to this box (0 inside).
    pub fn distance_to_point_m(&self, p: Vec3) -> f64 {
        let mut d2 = 0.0;
        for (i, v) in p.iter().enumerate() {
            let d = (self.min_m[i] - v).max(0.0).max(v - self.max_m[i]);
            d2 += d * d;
        }
        d2.sqrt()
    }
}

/// A rigid transform: position in metres and rotation as extrinsic X→Y→Z Euler angles in
/// degrees.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Pose {
    /// Translation in metres.
    pub position_m: Vec3,
    /// Rotation in degrees about the X, then Y, then Z axis (extrinsic).
    pub rotation_deg: Vec3,
}

impl Pose {
    /// A pose with no rotation.
    pub fn at(position_m: Vec3) -> Self {
        Self {
            position_m,
            rotation_deg: [0.0; 3],
        }
    }
}

/// A primitive shape in its own local frame. Cylinders and capsules run along local Z.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shape {
    /// A box given by its full size along x, y, z in metres.
    Box {
        /// Full size (not half extents) along x, y and z, in metres.
        size_m: Vec3,
    },
    /// A sphere.
    Sphere {
        /// Radius in metres.
        radius_m: f64,
    },
    /// A cylinder along local Z.
    Cylinder {
        /// Radius in metres.
        radius_m: f64,
        /// Full length along local Z, in metres.
        length_m: f64,
    },
    /// A capsule along local Z: a cylinder of `length_m` capped by two hemispheres, so its
    /// total length end to end is `length_m + 2 * radius_m`.
    Capsule {
        /// Radius in metres.
        radius_m: f64,
        /// Length of the straight middle section (between the two cap centres), in metres.
        length_m: f64,
    },
    /// The convex hull of a set of points given in the local frame, in metres.
    ConvexHull {
        /// Points in metres; at least four, not all in one plane.
        points_m: Vec<Vec3>,
    },
}

impl Shape {
    /// Half extents in metres of the shape's axis-aligned bounding box in its local frame.
    pub fn local_half_extents_m(&self) -> Vec3 {
        match self {
            Shape::Box { size_m } => [0.5 * size_m[0], 0.5 * size_m[1], 0.5 * size_m[2]],
            Shape::Sphere { radius_m } => [*radius_m; 3],
            Shape::Cylinder { radius_m, length_m } => [*radius_m, *radius_m, 0.5 * length_m],
            Shape::Capsule { radius_m, length_m } => {
                [*radius_m, *radius_m, 0.5 * length_m + radius_m]
            }
            Shape::ConvexHull { points_m } => {
                let mut h = [0.0f64; 3];
                for p in points_m {
                    for i in 0..3 {
                        h[i] = h[i].max(p[i].abs());
                    }
                }
                h
            }
        }
    }

    /// The shape scaled uniformly by `factor`.
    pub fn scaled(&self, factor: f64) -> Shape {
        match self {
            Shape::Box { size_m } => Shape::Box {
                size_m: size_m.map(|v| v * factor),
            },
            Shape::Sphere { radius_m } => Shape::Sphere {
                radius_m: radius_m * factor,
            },
            Shape::Cylinder { radius_m, length_m } => Shape::Cylinder {
                radius_m: radius_m * factor,
                length_m: length_m * factor,
            },
            Shape::Capsule { radius_m, length_m } => Shape::Capsule {
                radius_m: radius_m * factor,
                length_m: length_m * factor,
            },
            Shape::ConvexHull { points_m } => Shape::ConvexHull {
                points_m: points_m.iter().map(|p| p.map(|v| v * factor)).collect(),
            },
        }
    }

    /// A short human name of the shape kind.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Shape::Box { .. } => "box",
            Shape::Sphere { .. } => "sphere",
            Shape::Cylinder { .. } => "cylinder",
            Shape::Capsule { .. } => "capsule",
            Shape::ConvexHull { .. } => "convex hull",
        }
    }
}

/// One primitive of a fixture, placed relative to the fixture's body pose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    /// The primitive.
    pub shape: Shape,
    /// Where the primitive sits in the fixture's body frame.
    pub local_pose: Pose,
}

/// A named material from the built-in table of real densities, frictions and restitutions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Material {
    /// ABS plastic.
    Abs,
    /// Structural steel.
    Steel,
    /// Aluminium alloy.
    Aluminium,
    /// Dry wood (pine-like).
    Wood,
    /// Natural rubber.
    Rubber,
    /// High-density polyethylene.
    Hdpe,
    /// Soda-lime glass.
    Glass,
    /// Concrete.
    Concrete,
}

/// Physical properties of a [`Material`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MaterialProperties {
    /// Density in kg/m³.
    pub density_kg_per_m3: f64,
    /// Coulomb friction coefficient (dimensionless).
    pub friction: f64,
    /// Coefficient of restitution (dimensionless, 0 = no bounce).
    pub restitution: f64,
}

impl Material {
    /// Every material, in table order.
    pub const ALL: [Material; 8] = [
        Material::Abs,
        Material::Steel,
        Material::Aluminium,
        Material::Wood,
        Material::Rubber,
        Material::Hdpe,
        Material::Glass,
        Material::Concrete,
    ];

    /// The name scripts and JSON use.
    pub fn name(self) -> &'static str {
        match self {
            Material::Abs => "abs",
            Material::Steel => "steel",
            Material::Aluminium => "aluminium",
            Material::Wood => "wood",
            Material::Rubber => "rubber",
            Material::Hdpe => "hdpe",
            Material::Glass => "glass",
            Material::Concrete => "concrete",
        }
    }

    /// Looks a material up by its name (case-insensitive; "aluminum" is accepted).
    pub fn from_name(name: &str) -> Option<Material> {
        let lower = name.trim().to_ascii_lowercase();
        if lower == "aluminum" {
            return Some(Material::Aluminium);
        }
        Material::ALL.into_iter().find(|m| m.name() == lower)
    }

    /// Real-world properties of the material.
    pub fn properties(self) -> MaterialProperties {
        let (density_kg_per_m3, friction, restitution) = match self {
            Material::Abs => (1050.0, 0.5, 0.45),
            Material::Steel => (7850.0, 0.55, 0.5),
            Material::Aluminium => (2700.0, 0.6, 0.45),
            Material::Wood => (700.0, 0.5, 0.35),
            Material::Rubber => (1100.0, 0.9, 0.7),
            Material::Hdpe => (950.0, 0.25, 0.4),
            Material::Glass => (2500.0, 0.4, 0.55),
            Material::Concrete => (2400.0, 0.7, 0.2),
        };
        MaterialProperties {
            density_kg_per_m3,
            friction,
            restitution,
        }
    }

    /// A comma-separated list of every material name, for error messages.
    pub fn names_list() -> String {
        Material::ALL.map(|m| m.name()).join(", ")
    }
}

/// Whether a body is held in place or moved by physics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    /// Never moves (infinite mass).
    Fixed,
    /// Moved by gravity, contacts and joints.
    Dynamic,
}

/// A labelled rigid part of the scene, made of one or more primitives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fixture {
    /// Unique, non-reserved label.
    pub label: String,
    /// Fixed or dynamic.
    pub body: BodyKind,
    /// Material of every primitive of the fixture.
    pub material: Material,
    /// The body's pose in the world.
    pub pose: Pose,
    /// The primitives, each placed in the body frame.
    pub parts: Vec<Part>,
}

impl Fixture {
    /// A fixture of one unrotated box of full size `size_m` (metres) centred at `center_m`.
    pub fn one_box(
        label: &str,
        body: BodyKind,
        material: Material,
        size_m: Vec3,
        center_m: Vec3,
    ) -> Self {
        Self {
            label: label.into(),
            body,
            material,
            pose: Pose::at(center_m),
            parts: vec![Part {
                shape: Shape::Box { size_m },
                local_pose: Pose::default(),
            }],
        }
    }
}

/// The kind of a joint, with its limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JointKind {
    /// A hinge about `axis`; the limits are angles in degrees relative to the start pose.
    Revolute {
        /// Lower and upper angle in degrees, if limited.
        limits_deg: Option<[f64; 2]>,
    },
    /// A slider along `axis`; the limits are displacements in metres from the start pose.
    Prismatic {
        /// Lower and upper displacement in metres, if limited.
        limits_m: Option<[f64; 2]>,
    },
}

/// A joint between two fixtures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Joint {
    /// Label of the first fixture.
    pub fixture_a: String,
    /// Label of the second fixture.
    pub fixture_b: String,
    /// The joint's anchor point in world coordinates, in metres.
    pub anchor_m: Vec3,
    /// The hinge or slide axis in world coordinates (unit vector, unitless).
    pub axis: Vec3,
    /// Revolute or prismatic, with limits.
    pub kind: JointKind,
    /// The motor driving the joint, if any. Absent from the JSON when there is none, so a
    /// scene without motors keeps the hash it had before motors existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motor: Option<Motor>,
}

/// What a joint motor drives toward. The units follow the joint: on a revolute joint a
/// velocity is in degrees per second and a position in degrees (from the start pose); on a
/// prismatic joint metres per second and metres (from the start pose).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MotorTarget {
    /// Drive the joint at a speed: deg/s (revolute) or m/s (prismatic).
    Velocity {
        /// The target speed at full profile: deg/s on a hinge, m/s on a slider.
        value: f64,
    },
    /// Drive the joint to a position: deg (revolute) or m (prismatic) from the start pose.
    Position {
        /// The target position at full profile: deg on a hinge, m on a slider.
        value: f64,
    },
}

impl MotorTarget {
    /// The target's value at full profile (deg/s, m/s, deg or m: see the variant).
    pub fn value(&self) -> f64 {
        match self {
            MotorTarget::Velocity { value } | MotorTarget::Position { value } => *value,
        }
    }

    /// "velocity" or "position".
    pub fn kind_name(&self) -> &'static str {
        match self {
            MotorTarget::Velocity { .. } => "velocity",
            MotorTarget::Position { .. } => "position",
        }
    }
}

/// How a motor's target changes over time, counted from the motor's activation
/// (`t' = t − start_s`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MotorProfile {
    /// The full target from activation on.
    Constant,
    /// From 0 to the full target linearly over `duration_s`, then held.
    Ramp {
        /// Seconds from activation to the full target.
        duration_s: f64,
    },
    /// 0 until `at_s` after activation, then the full target.
    Step {
        /// Seconds after activation at which the target jumps to its full value.
        at_s: f64,
    },
    /// The full target times `sin(2π t' / period_s)`.
    Sine {
        /// The period in seconds.
        period_s: f64,
    },
}

impl MotorProfile {
    /// The fraction (−1..=1) of the full target at `t_since_start_s` seconds after activation.
    pub fn factor(&self, t_since_start_s: f64) -> f64 {
        let t = t_since_start_s.max(0.0);
        match *self {
            MotorProfile::Constant => 1.0,
            MotorProfile::Ramp { duration_s } => (t / duration_s).min(1.0),
            MotorProfile::Step { at_s } => {
                if t >= at_s {
                    1.0
                } else {
                    0.0
                }
            }
            MotorProfile::Sine { period_s } => (std::f64::consts::TAU * t / period_s).sin(),
        }
    }

    /// "constant", "ramp", "step" or "sine".
    pub fn kind_name(&self) -> &'static str {
        match self {
            MotorProfile::Constant => "constant",
            MotorProfile::Ramp { .. } => "ramp",
            MotorProfile::Step { .. } => "step",
            MotorProfile::Sine { .. } => "sine",
        }
    }
}

/// A motor on a revolute or prismatic joint: a velocity or position servo whose effort is
/// capped at `max_effort` (N·m on a hinge, N on a slider). Before `start_s` it is off and the
/// joint is free. Position targets use a critically damped servo of
/// [`MOTOR_POSITION_SERVO_HZ`]; velocity targets reach the speed with a time constant of
/// 1 / [`MOTOR_VELOCITY_GAIN_PER_S`] seconds; the cap always wins.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Motor {
    /// Velocity or position target, at full profile.
    pub target: MotorTarget,
    /// How the target changes with time after activation.
    pub profile: MotorProfile,
    /// The largest torque (N·m, revolute) or force (N, prismatic) the motor applies.
    pub max_effort: f64,
    /// When the motor switches on, in seconds from the start of the run (0: at once).
    #[serde(default)]
    pub start_s: f64,
}

/// Natural frequency in Hz of a position-target motor's servo (critically damped).
pub const MOTOR_POSITION_SERVO_HZ: f64 = 50.0;
/// Gain in 1/s of a velocity-target motor: the speed error decays as `exp(−gain · t)` while
/// the motor is below its effort cap.
pub const MOTOR_VELOCITY_GAIN_PER_S: f64 = 10_000.0;

impl Motor {
    /// The target at `time_s` seconds from the start of the run (deg/s, m/s, deg or m like
    /// [`MotorTarget`]), or None while the motor is still off.
    pub fn target_at(&self, time_s: f64) -> Option<f64> {
        (time_s >= self.start_s)
            .then(|| self.target.value() * self.profile.factor(time_s - self.start_s))
    }
}

impl Motor {
    /// The first parameter of the motor on a joint of `kind` that is not finite or is
    /// beyond its physical limit in `limits` (`motor_torque_nm`, `motor_force_n`,
    /// `motor_speed_degps`, `motor_speed_mps`, `motor_time_s`, and for a position target
    /// the joint-limit range), as one line naming the parameter, its value and the limit.
    pub fn problem(&self, kind: &JointKind, limits: &crate::limits::Limits) -> Option<String> {
        let fmt = crate::limits::fmt_number;
        let (pos_unit, vel_unit, effort_unit) = kind.motor_units();
        let (effort_name, effort_key, effort_max) = match kind {
            JointKind::Revolute { .. } => ("max torque", "motor_torque_nm", limits.motor_torque_nm),
            JointKind::Prismatic { .. } => ("max force", "motor_force_n", limits.motor_force_n),
        };
        let e = self.max_effort;
        if !(e.is_finite() && e > 0.0 && e <= effort_max) {
            return Some(format!(
                "motor {effort_name} {} {effort_unit} is beyond the limit of {} {effort_unit} (limits.{effort_key}); give a value above 0 and at most {}",
                fmt(e),
                fmt(effort_max),
                fmt(effort_max)
            ));
        }
        let v = self.target.value();
        match self.target {
            MotorTarget::Velocity { .. } => {
                let (key, max) = match kind {
                    JointKind::Revolute { .. } => ("motor_speed_degps", limits.motor_speed_degps),
                    JointKind::Prismatic { .. } => ("motor_speed_mps", limits.motor_speed_mps),
                };
                if !(v.is_finite() && v.abs() <= max) {
                    return Some(format!(
                        "motor target speed {} {vel_unit} is beyond the limit of ±{} {vel_unit} (limits.{key})",
                        fmt(v),
                        fmt(max)
                    ));
                }
            }
            MotorTarget::Position { .. } => {
                let (bound, meaning) = crate::script::limits::joint_limit_range(pos_unit);
                if !(v.is_finite() && v.abs() <= bound) {
                    return Some(format!(
                        "motor target position {} {pos_unit} is beyond ±{bound} {pos_unit} ({meaning})",
                        fmt(v)
                    ));
                }
            }
        }
        let times: [(&str, Option<f64>); 4] = [
            ("start_s", Some(self.start_s)),
            (
                "ramp duration_s",
                match self.profile {
                    MotorProfile::Ramp { duration_s } => Some(duration_s),
                    _ => None,
                },
            ),
            (
                "step at_s",
                match self.profile {
                    MotorProfile::Step { at_s } => Some(at_s),
                    _ => None,
                },
            ),
            (
                "sine period_s",
                match self.profile {
                    MotorProfile::Sine { period_s } => Some(period_s),
                    _ => None,
                },
            ),
        ];
        for (name, t) in times {
            let Some(t) = t else { continue };
            // A ramp or a period of zero would divide by zero; a start or step at 0 is fine.
            let must_be_positive = name.starts_with("ramp") || name.starts_with("sine");
            let low_ok = if must_be_positive { t > 0.0 } else { t >= 0.0 };
            if !(t.is_finite() && low_ok && t <= limits.motor_time_s) {
                return Some(format!(
                    "motor {name} = {} s is out of range; give {} and at most {} s (limits.motor_time_s)",
                    fmt(t),
                    if must_be_positive { "a value above 0" } else { "0 or more" },
                    fmt(limits.motor_time_s)
                ));
            }
        }
        None
    }
}

impl JointKind {
    /// The units of a motor on this joint: (position, velocity, effort), e.g.
    /// ("deg", "deg/s", "N·m") on a hinge.
    pub fn motor_units(&self) -> (&'static str, &'static str, &'static str) {
        match self {
            JointKind::Revolute { .. } => ("deg", "deg/s", "N·m"),
            JointKind::Prismatic { .. } => ("m", "m/s", "N"),
        }
    }
}

/// A linear spring-damper between two bodies: it pulls (or pushes) the two anchor points
/// toward `rest_length_m` apart with `stiffness_n_per_m` × (length − rest length) newtons,
/// plus `damping_ns_per_m` × the rate the length changes. Anchors are world points at the
/// start pose, each fixed to its body from then on. Contacts between the two bodies stay on.
///
/// A spring that starts away from its rest length holds elastic energy
/// ½·k·(length − rest length)²; gate 4 counts what it releases as a source beside gravity and
/// the motors (see `physics::simulate`), so a preloaded spring is a declared store of energy,
/// never energy from nowhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spring {
    /// Label of the first body.
    pub fixture_a: String,
    /// Label of the second body.
    pub fixture_b: String,
    /// Where the spring holds on to the first body, in world coordinates at the start, in
    /// metres.
    pub anchor_a_m: Vec3,
    /// Where the spring holds on to the second body, in world coordinates at the start, in
    /// metres.
    pub anchor_b_m: Vec3,
    /// Stiffness in N/m.
    pub stiffness_n_per_m: f64,
    /// Damping in N·s/m (0: undamped).
    pub damping_ns_per_m: f64,
    /// The length (anchor to anchor) at which the spring exerts no force, in metres.
    pub rest_length_m: f64,
}

impl Spring {
    /// The distance between the two anchors at the start, in metres.
    pub fn start_length_m(&self) -> f64 {
        let d = [
            self.anchor_b_m[0] - self.anchor_a_m[0],
            self.anchor_b_m[1] - self.anchor_a_m[1],
            self.anchor_b_m[2] - self.anchor_a_m[2],
        ];
        (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt()
    }

    /// The elastic energy in joules the spring holds at `length_m`: ½·k·(length − rest)².
    pub fn elastic_energy_j(&self, length_m: f64) -> f64 {
        let stretch = length_m - self.rest_length_m;
        0.5 * self.stiffness_n_per_m * stretch * stretch
    }

    /// Who the spring joins, e.g. "spring between \"post\" and \"plate\"", for messages.
    pub fn between(&self) -> String {
        format!(
            "spring between \"{}\" and \"{}\"",
            self.fixture_a, self.fixture_b
        )
    }

    /// The first parameter that is not finite or is beyond its physical limit in `limits`
    /// (`spring_stiffness_n_per_m`, `spring_damping_ns_per_m`, `spring_length_m` for the
    /// rest length and the anchors' start distance), as one line naming the parameter, its
    /// value and the limit.
    pub fn problem(&self, limits: &crate::limits::Limits) -> Option<String> {
        let fmt = crate::limits::fmt_number;
        let k = self.stiffness_n_per_m;
        if !(k.is_finite() && k > 0.0 && k <= limits.spring_stiffness_n_per_m) {
            return Some(format!(
                "spring stiffness {} N/m is beyond the limit of {} N/m (limits.spring_stiffness_n_per_m); give a value above 0 and at most {}",
                fmt(k),
                fmt(limits.spring_stiffness_n_per_m),
                fmt(limits.spring_stiffness_n_per_m)
            ));
        }
        let c = self.damping_ns_per_m;
        if !(c.is_finite() && c >= 0.0 && c <= limits.spring_damping_ns_per_m) {
            return Some(format!(
                "spring damping {} N·s/m is beyond the limit of {} N·s/m (limits.spring_damping_ns_per_m); give 0 or more and at most {}",
                fmt(c),
                fmt(limits.spring_damping_ns_per_m),
                fmt(limits.spring_damping_ns_per_m)
            ));
        }
        for (name, v) in [
            ("rest_length_m", self.rest_length_m),
            ("anchor-to-anchor start length", self.start_length_m()),
        ] {
            if !(v.is_finite() && v >= 0.0 && v <= limits.spring_length_m) {
                return Some(format!(
                    "spring {name} {} m is beyond the limit of {} m (limits.spring_length_m); give 0 or more and at most {}",
                    fmt(v),
                    fmt(limits.spring_length_m),
                    fmt(limits.spring_length_m)
                ));
            }
        }
        None
    }
}

/// What a script's `solve` returns: the reference solution's parts and the joints it makes
/// between its own parts, or between one of its parts and a fixed part of the scene. It
/// reads as its parts (`&solution[..]`, `solution.iter()`), so code that only needs the parts
/// takes a `&[Fixture]`; the physics world takes the joints too.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Solution {
    /// The parts, in the order the script added them.
    pub parts: Vec<Fixture>,
    /// The joints, in the order the script made them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joints: Vec<Joint>,
    /// The springs, in the order the script made them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub springs: Vec<Spring>,
}

impl Solution {
    /// A solution of parts only.
    pub fn of_parts(parts: Vec<Fixture>) -> Self {
        Self {
            parts,
            joints: Vec::new(),
            springs: Vec::new(),
        }
    }
}

impl<'a> IntoIterator for &'a Solution {
    type Item = &'a Fixture;
    type IntoIter = std::slice::Iter<'a, Fixture>;

    fn into_iter(self) -> Self::IntoIter {
        self.parts.iter()
    }
}

impl std::ops::Deref for Solution {
    type Target = [Fixture];

    fn deref(&self) -> &[Fixture] {
        &self.parts
    }
}

/// The object the benchmark's agent must bring into the goal zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payload {
    /// Nominal shape (unrotated at spawn).
    pub shape: Shape,
    /// Range of the uniform size factor the runtime samples per seed, `[min, max]`.
    pub size_factor_range: [f64; 2],
    /// Material.
    pub material: Material,
    /// Nominal start position of the payload's centre, in metres.
    pub start_m: Vec3,
    /// Half-range of the uniform start jitter the runtime samples per seed, in metres per
    /// axis (the start varies within `start_m ± jitter_m`).
    pub jitter_m: Vec3,
}

impl Payload {
    /// Half extents of the payload's bounding box at its largest size, in metres.
    pub fn max_half_extents_m(&self) -> Vec3 {
        self.shape
            .scaled(self.size_factor_range[1])
            .local_half_extents_m()
    }

    /// The box every possible spawn of the payload stays inside: start ± jitter ± max size.
    pub fn spawn_envelope(&self) -> Aabb {
        let h = self.max_half_extents_m();
        Aabb::from_center_half_extents(
            self.start_m,
            [
                self.jitter_m[0].abs() + h[0],
                self.jitter_m[1].abs() + h[1],
                self.jitter_m[2].abs() + h[2],
            ],
        )
    }
}

/// A named zone the payload must never enter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForbidZone {
    /// The zone's name, unique among forbid zones.
    pub name: String,
    /// Where it is.
    pub zone: Aabb,
}

/// A complete benchmark scene as one seed of a script builds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scene {
    /// The simulation bounds: bodies that leave them have failed.
    pub bounds: Aabb,
    /// Every fixture, in the order the script added them.
    pub fixtures: Vec<Fixture>,
    /// Joints between fixtures.
    pub joints: Vec<Joint>,
    /// Springs between fixtures. Absent from the JSON when there are none, so a scene
    /// without springs keeps the hash it had before springs existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub springs: Vec<Spring>,
    /// The payload.
    pub payload: Payload,
    /// Where the payload must end.
    pub goal_zone: Aabb,
    /// Where the payload must never be.
    pub forbid_zones: Vec<ForbidZone>,
    /// Where the solver may build.
    pub build_zone: Aabb,
}

impl Scene {
    /// The canonical JSON bytes: fixed field order, `-0.0` written as `0.0`, no whitespace.
    pub fn canonical_json(&self) -> String {
        let mut value = serde_json::to_value(self).expect("scene types always serialize");
        normalize_negative_zero(&mut value);
        serde_json::to_string(&value).expect("a JSON value always serializes")
    }

    /// A stable hash of the canonical JSON: 16 lowercase hex digits of its SHA-256.
    pub fn content_hash(&self) -> String {
        short_hash(self.canonical_json().as_bytes())
    }

    /// The fixture with this label, if any.
    pub fn fixture(&self, label: &str) -> Option<&Fixture> {
        self.fixtures.iter().find(|f| f.label == label)
    }
}

/// 16 lowercase hex digits of the SHA-256 of `bytes`.
pub fn short_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

fn normalize_negative_zero(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(n)
            if n.as_f64() == Some(0.0) && n.to_string().starts_with('-') =>
        {
            *n = serde_json::Number::from_f64(0.0).expect("0.0 is finite");
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(normalize_negative_zero),
        serde_json::Value::Object(map) => map.values_mut().for_each(normalize_negative_zero),
        _ => {}
    }
}

/// Rotation helpers shared by physics, rendering and export.
pub mod rotation {
    use super::Vec3;

    /// A unit quaternion `[w, x, y, z]` for extrinsic X→Y→Z Euler angles in degrees.
    pub fn quaternion_from_euler_deg(rotation_deg: Vec3) -> [f64; 4] {
        let [rx, ry, rz] = rotation_deg.map(f64::to_radians);
        let (sx, cx) = (0.5 * rx).sin_cos();
        let (sy, cy) = (0.5 * ry).sin_cos();
        let (sz, cz) = (0.5 * rz).sin_cos();
        // q = qz * qy * qx (extrinsic X then Y then Z).
        [
            cz * cy * cx + sz * sy * sx,
            cz * cy * sx - sz * sy * cx,
            cz * sy * cx + sz * cy * sx,
            sz * cy * cx - cz * sy * sx,
        ]
    }

    /// Rotates a vector by extrinsic X→Y→Z Euler angles in degrees.
    pub fn rotate(rotation_deg: Vec3, v: Vec3) -> Vec3 {
        let [w, x, y, z] = quaternion_from_euler_deg(rotation_deg);
        // v' = q v q*, expanded.
        let t = [
            2.0 * (y * v[2] - z * v[1]),
            2.0 * (z * v[0] - x * v[2]),
            2.0 * (x * v[1] - y * v[0]),
        ];
        [
            v[0] + w * t[0] + (y * t[2] - z * t[1]),
            v[1] + w * t[1] + (z * t[0] - x * t[2]),
            v[2] + w * t[2] + (x * t[1] - y * t[0]),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_scene() -> Scene {
        Scene {
            bounds: Aabb::new([-1.0, -1.0, 0.0], [1.0, 1.0, 1.0]),
            fixtures: vec![Fixture {
                label: "deck".into(),
                body: BodyKind::Fixed,
                material: Material::Wood,
                pose: Pose::at([0.0, 0.0, 0.1]),
                parts: vec![Part {
                    shape: Shape::Box {
                        size_m: [0.4, 0.3, 0.05],
                    },
                    local_pose: Pose {
                        position_m: [-0.0, 0.0, 0.0],
                        rotation_deg: [0.0; 3],
                    },
                }],
            }],
            joints: vec![],
            springs: vec![],
            payload: Payload {
                shape: Shape::Sphere { radius_m: 0.04 },
                size_factor_range: [0.9, 1.1],
                material: Material::Steel,
                start_m: [0.0, 0.0, 0.3],
                jitter_m: [0.01, 0.01, 0.0],
            },
            goal_zone: Aabb::new([0.5, -0.2, 0.0], [0.9, 0.2, 0.3]),
            forbid_zones: vec![],
            build_zone: Aabb::new([-0.5, -0.5, 0.0], [0.6, 0.5, 0.8]),
        }
    }

    #[test]
    fn canonical_json_is_stable_and_folds_negative_zero() {
        let scene = sample_scene();
        let json = scene.canonical_json();
        assert_eq!(json, scene.clone().canonical_json());
        assert!(!json.contains("-0.0"), "{json}");
        let mut moved = scene.clone();
        moved.payload.start_m[2] = 0.31;
        assert_ne!(scene.content_hash(), moved.content_hash());
        assert_eq!(scene.content_hash().len(), 16);
    }

    #[test]
    fn rotation_about_z_by_90_deg_turns_x_into_y() {
        let v = rotation::rotate([0.0, 0.0, 90.0], [1.0, 0.0, 0.0]);
        assert!((v[0]).abs() < 1e-12 && (v[1] - 1.0).abs() < 1e-12, "{v:?}");
        // Extrinsic X then Z: the X rotation is applied first.
        let v = rotation::rotate([90.0, 0.0, 90.0], [0.0, 1.0, 0.0]);
        assert!((v[2] - 1.0).abs() < 1e-12, "{v:?}");
    }

    #[test]
    fn spawn_envelope_adds_jitter_and_largest_size() {
        let env = sample_scene().payload.spawn_envelope();
        assert!((env.max_m[0] - (0.0 + 0.01 + 0.044)).abs() < 1e-12);
        assert!((env.min_m[2] - (0.3 - 0.044)).abs() < 1e-12);
    }
}

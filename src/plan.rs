//! The typed plan: what the Planner hands the Coder. Both agent backends (procedural and
//! LLM) produce exactly these types, and the daemon checkpoints them with bincode 2 via serde,
//! so they use only plain structs, externally tagged enums and `Option` (no flatten, no
//! untagged enums, no skipped fields).

#![warn(missing_docs)]

use serde::{Deserialize, Serialize};

use crate::intent::Intent;
use crate::scene::{Aabb, Material, Vec3};
use crate::variant::ScaleRanges;

/// What the Planner answers: a plan, or a reasoned refusal.
#[allow(clippy::large_enum_variant)] // a plan is the common case; boxing buys nothing
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanOutcome {
    /// The theme can be built; here is how.
    Planned(Plan),
    /// The theme cannot be built as asked.
    Refused(Refusal),
}

impl PlanOutcome {
    /// The plan, when there is one.
    pub fn plan(&self) -> Option<&Plan> {
        match self {
            PlanOutcome::Planned(plan) => Some(plan),
            PlanOutcome::Refused(_) => None,
        }
    }
}

/// Why a theme was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalCode {
    /// The theme's constraints contradict each other (e.g. a 2 m ball into a 10 cm cup).
    Contradictory,
    /// The task cannot be solved under gravity alone within the sandbox's limits.
    Unsolvable,
    /// The theme is too vague or self-cancelling to pick a task from.
    Ambiguous,
    /// The theme needs a mechanism, payload or layout the available archetypes cannot
    /// embody as stated (the reason names it and what is available).
    NeedsCapability,
    /// A number of the theme has no unit or cannot be placed in the intent.
    UnplacedNumber,
}

impl RefusalCode {
    /// The code's stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            RefusalCode::Contradictory => "contradictory",
            RefusalCode::Unsolvable => "unsolvable",
            RefusalCode::Ambiguous => "ambiguous",
            RefusalCode::NeedsCapability => "needs_capability",
            RefusalCode::UnplacedNumber => "unplaced_number",
        }
    }
}

impl std::fmt::Display for RefusalCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A refusal with its reason code and the reason in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refusal {
    /// The theme that was refused.
    pub theme: String,
    /// The reason code.
    pub code: RefusalCode,
    /// What exactly cannot be built, with the numbers.
    pub reason: String,
}

impl Refusal {
    /// The one line a user sees: `refused (needs_capability): needs a gear mechanism; available: ...`.
    pub fn line(&self) -> String {
        format!("refused ({}): {}", self.code, self.reason)
    }
}

/// The payload's shape with its nominal size, in metres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayloadShape {
    /// A ball.
    Sphere {
        /// Radius in metres.
        radius_m: f64,
    },
    /// A box.
    Box {
        /// Full size along x, y, z in metres.
        size_m: Vec3,
    },
    /// A cylinder standing along Z.
    Cylinder {
        /// Radius in metres.
        radius_m: f64,
        /// Full length in metres.
        length_m: f64,
    },
}

impl PayloadShape {
    /// Half extents of the shape's bounding box in metres.
    pub fn half_extents_m(&self) -> Vec3 {
        match *self {
            PayloadShape::Sphere { radius_m } => [radius_m; 3],
            PayloadShape::Box { size_m } => size_m.map(|s| s / 2.0),
            PayloadShape::Cylinder { radius_m, length_m } => [radius_m, radius_m, length_m / 2.0],
        }
    }

    /// The largest half extent in metres (a conservative "radius").
    pub fn max_half_extent_m(&self) -> f64 {
        let h = self.half_extents_m();
        h[0].max(h[1]).max(h[2])
    }

    /// A short name: `ball`, `cube`/`box`, `cylinder`.
    pub fn noun(&self) -> &'static str {
        match *self {
            PayloadShape::Sphere { .. } => "ball",
            PayloadShape::Box { size_m } if size_m[0] == size_m[1] && size_m[1] == size_m[2] => {
                "cube"
            }
            PayloadShape::Box { .. } => "box",
            PayloadShape::Cylinder { .. } => "cylinder",
        }
    }

    /// The size in words with millimetres, e.g. "radius 40 mm".
    pub fn describe(&self) -> String {
        match *self {
            PayloadShape::Sphere { radius_m } => format!("ball, radius {:.0} mm", radius_m * 1e3),
            PayloadShape::Box { size_m } => format!(
                "{}, {:.0} × {:.0} × {:.0} mm",
                self.noun(),
                size_m[0] * 1e3,
                size_m[1] * 1e3,
                size_m[2] * 1e3
            ),
            PayloadShape::Cylinder { radius_m, length_m } => format!(
                "cylinder, radius {:.0} mm, length {:.0} mm",
                radius_m * 1e3,
                length_m * 1e3
            ),
        }
    }
}

/// The payload as planned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayloadPlan {
    /// Shape and nominal size.
    pub shape: PayloadShape,
    /// Material.
    pub material: Material,
    /// Range of the per-seed uniform size factor, `[min, max]`.
    pub size_factor_range: [f64; 2],
    /// Nominal start of the payload's centre at scale 1, in metres.
    pub start_m: Vec3,
    /// Half-range of the per-seed start jitter, in metres per axis.
    pub jitter_m: Vec3,
}

/// Whether a planned fixture is held in place or moved by physics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FixtureBody {
    /// Never moves.
    Fixed,
    /// Moved by gravity, contacts and joints.
    Dynamic,
}

impl FixtureBody {
    /// The scene's body kind of this plan word.
    pub fn kind(self) -> crate::scene::BodyKind {
        match self {
            FixtureBody::Fixed => crate::scene::BodyKind::Fixed,
            FixtureBody::Dynamic => crate::scene::BodyKind::Dynamic,
        }
    }

    /// The plan word of a scene body kind.
    pub fn of(kind: crate::scene::BodyKind) -> Self {
        match kind {
            crate::scene::BodyKind::Fixed => FixtureBody::Fixed,
            crate::scene::BodyKind::Dynamic => FixtureBody::Dynamic,
        }
    }
}

/// One fixture as planned, at scale 1: a rigid body whose frame sits at `center_m`, turned by
/// `rotation_deg`, made of `pieces` (or, with no pieces, one unrotated box filling
/// `size_m`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixturePlan {
    /// The label the script will use.
    pub label: String,
    /// What the fixture is for, in words.
    pub purpose: String,
    /// Material.
    pub material: Material,
    /// Fixed or dynamic.
    pub body: FixtureBody,
    /// Full size (not half extents) of the fixture's world axis-aligned bounding box at
    /// scale 1, after its rotation, in metres.
    pub size_m: Vec3,
    /// Centre of that bounding box at scale 1, in metres; also the origin of the fixture's
    /// frame (its pieces are placed from it, it turns about it).
    pub center_m: Vec3,
    /// The fixture's rotation about `center_m`, in degrees about the world X, then Y, then Z
    /// axis (extrinsic; `[roll, pitch, yaw]`, the scene API's `rotation_deg`). `[0, 0, 0]`
    /// when it is not turned.
    #[serde(default)]
    pub rotation_deg: Vec3,
    /// The primitives the fixture is made of, in its frame; empty for one box of full size
    /// `size_m` (then `rotation_deg` must be zero).
    #[serde(default)]
    pub pieces: Vec<PiecePlan>,
}

impl FixturePlan {
    /// The fixture as the scene types describe it (pose at `center_m` turned by
    /// `rotation_deg`, one part per piece, or one box of `size_m` when there are no pieces).
    pub fn to_fixture(&self) -> crate::scene::Fixture {
        use crate::scene::{Fixture, Part, Pose};
        let parts = if self.pieces.is_empty() {
            vec![Part {
                shape: crate::scene::Shape::Box {
                    size_m: self.size_m,
                },
                local_pose: Pose::default(),
            }]
        } else {
            self.pieces
                .iter()
                .map(|p| Part {
                    shape: p.shape.to_shape(),
                    local_pose: Pose {
                        position_m: p.offset_m,
                        rotation_deg: p.rotation_deg,
                    },
                })
                .collect()
        };
        Fixture {
            label: self.label.clone(),
            body: self.body.kind(),
            material: self.material,
            pose: Pose {
                position_m: self.center_m,
                rotation_deg: self.rotation_deg,
            },
            parts,
        }
    }

    /// The planned bounding box, `center_m ± size_m / 2`.
    pub fn bounding_box(&self) -> Aabb {
        Aabb::from_center_half_extents(self.center_m, self.size_m.map(|s| 0.5 * s))
    }

    /// The plan of a scene fixture, truthfully: its world bounding box, its rotation and its
    /// parts re-expressed from the bounding box's centre.
    pub fn of_fixture(fixture: &crate::scene::Fixture, purpose: String) -> Self {
        let b = crate::gates::fixture_world_aabb(fixture);
        let center = b.center_m();
        let r = fixture.pose.rotation_deg;
        let shift = unrotate(r, [0, 1, 2].map(|i| fixture.pose.position_m[i] - center[i]));
        let pieces = fixture
            .parts
            .iter()
            .map(|p| PiecePlan {
                shape: PieceShape::of(&p.shape),
                offset_m: [0, 1, 2].map(|i| p.local_pose.position_m[i] + shift[i]),
                rotation_deg: p.local_pose.rotation_deg,
            })
            .collect();
        FixturePlan {
            label: fixture.label.clone(),
            purpose,
            material: fixture.material,
            body: FixtureBody::of(fixture.body),
            size_m: b.size_m(),
            center_m: center,
            rotation_deg: r,
            pieces,
        }
    }
}

/// `v` turned back by the inverse of the extrinsic X→Y→Z rotation `rotation_deg`
/// (the transpose: the dot products with the rotated unit axes).
fn unrotate(rotation_deg: Vec3, v: Vec3) -> Vec3 {
    use crate::scene::rotation::rotate;
    let axes = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]].map(|e| rotate(rotation_deg, e));
    axes.map(|a| a[0] * v[0] + a[1] * v[1] + a[2] * v[2])
}

/// The shape of one planned piece, in its own frame (cylinders and capsules run along its
/// local Z). The plan's copy of `scene::Shape`, externally tagged so the plan stays bincode
/// storable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PieceShape {
    /// A box.
    Box {
        /// Full size (edge lengths, twice the half extents) along x, y, z in metres.
        size_m: Vec3,
    },
    /// A ball.
    Sphere {
        /// Radius (half the diameter) in metres.
        radius_m: f64,
    },
    /// A cylinder along local Z.
    Cylinder {
        /// Radius (half the diameter) in metres.
        radius_m: f64,
        /// Full length end to end in metres.
        length_m: f64,
    },
    /// A capsule along local Z.
    Capsule {
        /// Radius (half the diameter) in metres.
        radius_m: f64,
        /// Length of the straight middle section in metres (end to end it is
        /// `length_m + 2 × radius_m`).
        length_m: f64,
    },
    /// The convex hull of points given in the piece's frame, in metres.
    ConvexHull {
        /// At least four points, not all in one plane, in metres.
        points_m: Vec<Vec3>,
    },
}

impl PieceShape {
    /// The scene's shape.
    pub fn to_shape(&self) -> crate::scene::Shape {
        use crate::scene::Shape;
        match self.clone() {
            PieceShape::Box { size_m } => Shape::Box { size_m },
            PieceShape::Sphere { radius_m } => Shape::Sphere { radius_m },
            PieceShape::Cylinder { radius_m, length_m } => Shape::Cylinder { radius_m, length_m },
            PieceShape::Capsule { radius_m, length_m } => Shape::Capsule { radius_m, length_m },
            PieceShape::ConvexHull { points_m } => Shape::ConvexHull { points_m },
        }
    }

    /// The plan's copy of a scene shape.
    pub fn of(shape: &crate::scene::Shape) -> Self {
        use crate::scene::Shape;
        match shape.clone() {
            Shape::Box { size_m } => PieceShape::Box { size_m },
            Shape::Sphere { radius_m } => PieceShape::Sphere { radius_m },
            Shape::Cylinder { radius_m, length_m } => PieceShape::Cylinder { radius_m, length_m },
            Shape::Capsule { radius_m, length_m } => PieceShape::Capsule { radius_m, length_m },
            Shape::ConvexHull { points_m } => PieceShape::ConvexHull { points_m },
        }
    }

    /// Each size of the shape with its field name, in metres (hull points excluded).
    pub fn sizes_m(&self) -> Vec<(&'static str, f64)> {
        match self {
            PieceShape::Box { size_m } => vec![
                ("size_m x", size_m[0]),
                ("size_m y", size_m[1]),
                ("size_m z", size_m[2]),
            ],
            PieceShape::Sphere { radius_m } => vec![("radius_m", *radius_m)],
            PieceShape::Cylinder { radius_m, length_m }
            | PieceShape::Capsule { radius_m, length_m } => {
                vec![("radius_m", *radius_m), ("length_m", *length_m)]
            }
            PieceShape::ConvexHull { .. } => Vec::new(),
        }
    }
}

/// One primitive of a planned fixture, placed in the fixture's frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PiecePlan {
    /// The primitive and its sizes.
    pub shape: PieceShape,
    /// The piece's centre from the fixture's `center_m`, in the fixture's frame (before the
    /// fixture's rotation), in metres.
    pub offset_m: Vec3,
    /// The piece's own rotation in the fixture's frame, degrees about X, then Y, then Z.
    #[serde(default)]
    pub rotation_deg: Vec3,
}

/// The kind of a planned joint, with its limits (the plan's copy of `scene::JointKind`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JointPlanKind {
    /// A hinge about the axis.
    Revolute {
        /// Lower and upper angle in degrees from the start pose, if limited.
        limits_deg: Option<[f64; 2]>,
    },
    /// A slider along the axis.
    Prismatic {
        /// Lower and upper displacement in metres from the start pose, if limited.
        limits_m: Option<[f64; 2]>,
    },
}

impl JointPlanKind {
    /// The scene's joint kind.
    pub fn to_kind(self) -> crate::scene::JointKind {
        match self {
            JointPlanKind::Revolute { limits_deg } => {
                crate::scene::JointKind::Revolute { limits_deg }
            }
            JointPlanKind::Prismatic { limits_m } => {
                crate::scene::JointKind::Prismatic { limits_m }
            }
        }
    }

    /// The plan's copy of a scene joint kind.
    pub fn of(kind: &crate::scene::JointKind) -> Self {
        match *kind {
            crate::scene::JointKind::Revolute { limits_deg } => {
                JointPlanKind::Revolute { limits_deg }
            }
            crate::scene::JointKind::Prismatic { limits_m } => {
                JointPlanKind::Prismatic { limits_m }
            }
        }
    }
}

/// What a planned motor drives toward (the plan's copy of `scene::MotorTarget`): deg/s or
/// deg on a revolute joint, m/s or m on a prismatic one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MotorTargetPlan {
    /// A speed: deg/s (revolute) or m/s (prismatic).
    Velocity {
        /// The target speed at full profile.
        value: f64,
    },
    /// A position from the start pose: deg (revolute) or m (prismatic).
    Position {
        /// The target position at full profile.
        value: f64,
    },
}

/// How a planned motor's target changes after it starts (the plan's copy of
/// `scene::MotorProfile`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MotorProfilePlan {
    /// The full target at once.
    Constant,
    /// From 0 to full over `duration_s`.
    Ramp {
        /// Seconds to the full target.
        duration_s: f64,
    },
    /// 0 until `at_s`, then full.
    Step {
        /// Seconds after the start.
        at_s: f64,
    },
    /// Full × sin(2π t / `period_s`).
    Sine {
        /// The period in seconds.
        period_s: f64,
    },
}

/// A planned joint motor (the plan's copy of `scene::Motor`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MotorPlan {
    /// Velocity or position target.
    pub target: MotorTargetPlan,
    /// How the target changes with time.
    pub profile: MotorProfilePlan,
    /// The largest torque (N·m, revolute) or force (N, prismatic).
    pub max_effort: f64,
    /// When the motor switches on, in seconds from the start of the run.
    #[serde(default)]
    pub start_s: f64,
}

impl MotorPlan {
    /// The scene's motor.
    pub fn to_motor(&self) -> crate::scene::Motor {
        use crate::scene::{Motor, MotorProfile, MotorTarget};
        Motor {
            target: match self.target {
                MotorTargetPlan::Velocity { value } => MotorTarget::Velocity { value },
                MotorTargetPlan::Position { value } => MotorTarget::Position { value },
            },
            profile: match self.profile {
                MotorProfilePlan::Constant => MotorProfile::Constant,
                MotorProfilePlan::Ramp { duration_s } => MotorProfile::Ramp { duration_s },
                MotorProfilePlan::Step { at_s } => MotorProfile::Step { at_s },
                MotorProfilePlan::Sine { period_s } => MotorProfile::Sine { period_s },
            },
            max_effort: self.max_effort,
            start_s: self.start_s,
        }
    }

    /// The plan's copy of a scene motor.
    pub fn of(motor: &crate::scene::Motor) -> Self {
        use crate::scene::{MotorProfile, MotorTarget};
        MotorPlan {
            target: match motor.target {
                MotorTarget::Velocity { value } => MotorTargetPlan::Velocity { value },
                MotorTarget::Position { value } => MotorTargetPlan::Position { value },
            },
            profile: match motor.profile {
                MotorProfile::Constant => MotorProfilePlan::Constant,
                MotorProfile::Ramp { duration_s } => MotorProfilePlan::Ramp { duration_s },
                MotorProfile::Step { at_s } => MotorProfilePlan::Step { at_s },
                MotorProfile::Sine { period_s } => MotorProfilePlan::Sine { period_s },
            },
            max_effort: motor.max_effort,
            start_s: motor.start_s,
        }
    }
}

/// A joint between two planned fixtures, at scale 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JointPlan {
    /// Label of the first fixture.
    pub fixture_a: String,
    /// Label of the second fixture.
    pub fixture_b: String,
    /// The anchor point in world coordinates at scale 1, in metres.
    pub anchor_m: Vec3,
    /// The hinge or slide axis in world coordinates: a unit vector (unitless).
    pub axis: Vec3,
    /// Revolute or prismatic, with limits.
    pub kind: JointPlanKind,
    /// The motor driving the joint, if any.
    #[serde(default)]
    pub motor: Option<MotorPlan>,
}

impl JointPlan {
    /// The scene's joint.
    pub fn to_joint(&self) -> crate::scene::Joint {
        crate::scene::Joint {
            fixture_a: self.fixture_a.clone(),
            fixture_b: self.fixture_b.clone(),
            anchor_m: self.anchor_m,
            axis: self.axis,
            kind: self.kind.to_kind(),
            motor: self.motor.as_ref().map(MotorPlan::to_motor),
        }
    }

    /// The plan's copy of a scene joint.
    pub fn of(joint: &crate::scene::Joint) -> Self {
        JointPlan {
            fixture_a: joint.fixture_a.clone(),
            fixture_b: joint.fixture_b.clone(),
            anchor_m: joint.anchor_m,
            axis: joint.axis,
            kind: JointPlanKind::of(&joint.kind),
            motor: joint.motor.as_ref().map(MotorPlan::of),
        }
    }

    /// "revolute" or "prismatic".
    pub fn kind_name(&self) -> &'static str {
        crate::world_rules::joint_rule(&self.kind.to_kind()).name
    }
}

/// A named forbid zone as planned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForbidPlan {
    /// The zone's name.
    pub name: String,
    /// Why the payload must avoid it.
    pub purpose: String,
    /// Where it is at scale 1.
    pub zone: Aabb,
}

/// The zones at scale 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZonesPlan {
    /// Simulation bounds.
    pub bounds: Aabb,
    /// Where the payload must end.
    pub goal: Aabb,
    /// Where a solver may build.
    pub build: Aabb,
    /// Where the payload must never go.
    pub forbid: Vec<ForbidPlan>,
}

/// One randomized parameter: the script draws it per seed in `[min, max]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterRange {
    /// snake_case name ending in its unit, e.g. `gap_m`, `ramp_angle_deg`.
    pub name: String,
    /// What it controls.
    pub description: String,
    /// The unit in words (`m`, `deg`, `1`).
    pub unit: String,
    /// The value the theme asked for (or the archetype's default).
    pub nominal: f64,
    /// Lowest value drawn.
    pub min: f64,
    /// Highest value drawn.
    pub max: f64,
}

impl ParameterRange {
    /// A parameter drawn in `nominal × [1 - spread, 1 + spread]`.
    pub fn around(name: &str, description: &str, unit: &str, nominal: f64, spread: f64) -> Self {
        let (a, b) = (nominal * (1.0 - spread), nominal * (1.0 + spread));
        Self {
            name: name.to_string(),
            description: description.to_string(),
            unit: unit.to_string(),
            nominal,
            min: a.min(b),
            max: a.max(b),
        }
    }
}

/// How hard the benchmark is, with the reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difficulty {
    /// 0 = trivial, 1 = very hard.
    pub score: f64,
    /// What makes it easier or harder, one reason per line.
    pub reasons: Vec<String>,
}

pub use crate::role::Role;

/// One item of `todo.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TodoItem {
    /// Who ticks it off.
    pub owner: Role,
    /// What must be true.
    pub text: String,
}

/// What the Planner read from the theme (kept for the journal and the plan's provenance).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ThemeReading {
    /// The payload shape named, if any.
    pub shape: Option<String>,
    /// The payload size read, in metres (radius for balls, edge for cubes), if any.
    pub size_m: Option<f64>,
    /// The material named, if any.
    pub material: Option<Material>,
    /// Task verbs and directions found (across, over, up, into...).
    pub verbs: Vec<String>,
    /// Obstacle words found (gap, wall, shelf...).
    pub obstacles: Vec<String>,
    /// Distances and heights found, in metres, with the word they went with.
    pub quantities: Vec<Quantity>,
    /// Angles found, in degrees.
    pub angles_deg: Vec<f64>,
}

/// A length the theme mentioned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quantity {
    /// The length in metres.
    pub value_m: f64,
    /// The word it qualifies (`gap`, `higher`, `sideways`, `from`...), or empty.
    pub context: String,
}

/// The Planner's plan: everything the Coder needs to write the script, at scale 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The theme as the user wrote it.
    pub theme: String,
    /// The archetype's id (see `agents::procedural::archetypes`).
    pub archetype: String,
    /// A short title, e.g. "Cross the gap between two decks".
    pub title: String,
    /// What an agent solving this benchmark must learn to do.
    pub learning_objective: String,
    /// Every fact the theme states, typed: what gate 8 checks on every seed.
    pub intent: Intent,
    /// True when the plan may deviate from a stated fact (false by default).
    pub allow_deviations: bool,
    /// Each stated fact the plan changed, in words (empty unless deviations are allowed).
    pub deviations: Vec<String>,
    /// What the Planner read from the theme.
    pub reading: ThemeReading,
    /// The payload.
    pub payload: PayloadPlan,
    /// The fixtures at scale 1.
    pub fixtures: Vec<FixturePlan>,
    /// The joints between planned fixtures, at scale 1 (empty when there are none).
    #[serde(default)]
    pub joints: Vec<JointPlan>,
    /// The zones at scale 1.
    pub zones: ZonesPlan,
    /// The objectives in words (reach the goal, avoid the forbid zones, build only here...).
    pub objectives: Vec<String>,
    /// The randomized parameters; the script draws each per seed in its range.
    pub parameters: Vec<ParameterRange>,
    /// Per-axis ranges of the scale the runtime hands to `build(seed, scale)`.
    pub scale_ranges: ScaleRanges,
    /// How the reference solution should work.
    pub solution_idea: String,
    /// How hard it is and why.
    pub difficulty: Difficulty,
    /// The checklist of `todo.md`.
    pub todo: Vec<TodoItem>,
}

impl Plan {
    /// The parameter called `name`, if the plan has it.
    pub fn parameter(&self, name: &str) -> Option<&ParameterRange> {
        self.parameters.iter().find(|p| p.name == name)
    }

    /// Renders `plan.md` with its fixed sections: Intent (the theme's facts in words, and the
    /// deviations), Learning objective, Geometry, Payload, Objectives, Randomization,
    /// Difficulty.
    pub fn to_markdown(&self) -> String {
        use std::fmt::Write;
        let mut md = String::new();
        let _ = writeln!(md, "# Plan: {}\n", self.title);
        let _ = writeln!(
            md,
            "Theme: \"{}\"  \nArchetype: `{}`\n",
            self.theme, self.archetype
        );
        let _ = writeln!(md, "## Intent\n");
        for line in self.intent.describe() {
            let _ = writeln!(md, "- {line}");
        }
        let _ = writeln!(
            md,
            "\nDeviations allowed: {}",
            if self.allow_deviations { "yes" } else { "no" }
        );
        for d in &self.deviations {
            let _ = writeln!(md, "- deviation: {d}");
        }
        let _ = writeln!(md);
        let _ = writeln!(md, "## Learning objective\n\n{}\n", self.learning_objective);
        let _ = writeln!(md, "## Geometry\n");
        let z = &self.zones;
        let _ = writeln!(md, "- bounds: {}", fmt_box(&z.bounds));
        for f in &self.fixtures {
            let _ = writeln!(
                md,
                "- `{}` ({}, {}): {}; size {} m at {} m",
                f.label,
                f.material.name(),
                crate::world_rules::body_rule(f.body.kind()).plan_word,
                f.purpose,
                fmt_vec(f.size_m),
                fmt_vec(f.center_m)
            );
            if f.rotation_deg != [0.0; 3] {
                let _ = writeln!(
                    md,
                    "  - turned by {} deg (about X, then Y, then Z)",
                    fmt_vec(f.rotation_deg)
                );
            }
            if f.pieces.len() > 1 || f.rotation_deg != [0.0; 3] {
                for p in &f.pieces {
                    let sizes: Vec<String> = p
                        .shape
                        .sizes_m()
                        .iter()
                        .map(|(k, v)| format!("{k} {v:.3}"))
                        .collect();
                    let _ = writeln!(
                        md,
                        "  - piece: {} ({}) at {} m from the centre",
                        p.shape.to_shape().kind_name(),
                        sizes.join(", "),
                        fmt_vec(p.offset_m)
                    );
                }
            }
        }
        for j in &self.joints {
            let limits = match j.kind {
                JointPlanKind::Revolute {
                    limits_deg: Some([lo, hi]),
                } => format!(", {lo:.1}–{hi:.1} deg"),
                JointPlanKind::Prismatic {
                    limits_m: Some([lo, hi]),
                } => format!(", {lo:.3}–{hi:.3} m"),
                _ => String::new(),
            };
            let motor = j.motor.map_or(String::new(), |m| {
                let (_, _, unit) = j.kind.to_kind().motor_units();
                format!(
                    ", motor {} at most {:.1} {unit}",
                    m.to_motor().target.kind_name(),
                    m.max_effort
                )
            });
            let _ = writeln!(
                md,
                "- {} joint `{}`–`{}` at {} m, axis {}{limits}{motor}",
                j.kind_name(),
                j.fixture_a,
                j.fixture_b,
                fmt_vec(j.anchor_m),
                fmt_vec(j.axis)
            );
        }
        let _ = writeln!(md, "\nReference solution: {}\n", self.solution_idea);
        let p = &self.payload;
        let _ = writeln!(md, "## Payload\n");
        let _ = writeln!(md, "- {} {}", p.material.name(), p.shape.describe());
        let _ = writeln!(
            md,
            "- size factor {:.2}–{:.2} per seed",
            p.size_factor_range[0], p.size_factor_range[1]
        );
        let _ = writeln!(
            md,
            "- starts at {} m, jitter ±{} m\n",
            fmt_vec(p.start_m),
            fmt_vec(p.jitter_m)
        );
        let _ = writeln!(md, "## Objectives\n");
        for o in &self.objectives {
            let _ = writeln!(md, "- {o}");
        }
        let _ = writeln!(md, "- goal zone: {}", fmt_box(&z.goal));
        let _ = writeln!(md, "- build zone: {}", fmt_box(&z.build));
        for f in &z.forbid {
            let _ = writeln!(
                md,
                "- forbid zone `{}`: {} ({})",
                f.name,
                fmt_box(&f.zone),
                f.purpose
            );
        }
        let _ = writeln!(md, "\n## Randomization\n");
        let _ = writeln!(md, "| parameter | unit | nominal | min | max | controls |");
        let _ = writeln!(md, "|---|---|---|---|---|---|");
        for q in &self.parameters {
            let _ = writeln!(
                md,
                "| `{}` | {} | {:.4} | {:.4} | {:.4} | {} |",
                q.name, q.unit, q.nominal, q.min, q.max, q.description
            );
        }
        let s = &self.scale_ranges;
        let _ = writeln!(
            md,
            "\nScale per axis: x {:.2}–{:.2}, y {:.2}–{:.2}, z {:.2}–{:.2}\n",
            s.x[0], s.x[1], s.y[0], s.y[1], s.z[0], s.z[1]
        );
        let _ = writeln!(md, "## Difficulty\n");
        let _ = writeln!(
            md,
            "Score: {:.2} (0 = trivial, 1 = very hard)\n",
            self.difficulty.score
        );
        for r in &self.difficulty.reasons {
            let _ = writeln!(md, "- {r}");
        }
        md
    }

    /// Makes the plan's layout the one `scene` has: payload start, fixtures (bounding boxes,
    /// rotations and pieces), joints (with their motors), zones. A part's purpose comes from `purpose_of(label)`, else from the plan's own part
    /// of that label, else from a generic name; so a plan written before the script keeps its
    /// words and shows the layout actually built.
    pub fn take_layout(
        &mut self,
        scene: &crate::scene::Scene,
        purpose_of: &dyn Fn(&str) -> Option<String>,
    ) {
        let fixture_purpose = |label: &str| {
            purpose_of(label)
                .or_else(|| {
                    self.fixtures
                        .iter()
                        .find(|f| f.label == label)
                        .map(|f| f.purpose.clone())
                })
                .unwrap_or_else(|| match label {
                    "floor" => "the floor everything stands on".to_string(),
                    "start_pad" => "the support the payload starts above".to_string(),
                    "goal_bin" => "the three-walled bin around the goal zone".to_string(),
                    other => other.replace('_', " "),
                })
        };
        let fixtures = scene
            .fixtures
            .iter()
            .map(|f| FixturePlan::of_fixture(f, fixture_purpose(&f.label)))
            .collect();
        let forbid_purpose = |name: &str| {
            self.zones
                .forbid
                .iter()
                .find(|z| z.name == name)
                .map(|z| z.purpose.clone())
                .unwrap_or_else(|| {
                    match name {
                        "gap_pit" => "the pit between the decks",
                        "below_spawn" => "the space right under the payload's start",
                        "floor_below_shelf" => "the floor in front of the shelf",
                        "on_shield" => "the top of the shield",
                        "over_gate" => "the space over the gate bar",
                        _ => "a place the payload must not go",
                    }
                    .to_string()
                })
        };
        let zones = ZonesPlan {
            bounds: scene.bounds,
            goal: scene.goal_zone,
            build: scene.build_zone,
            forbid: scene
                .forbid_zones
                .iter()
                .map(|z| ForbidPlan {
                    name: z.name.clone(),
                    purpose: forbid_purpose(&z.name),
                    zone: z.zone,
                })
                .collect(),
        };
        self.payload.start_m = scene.payload.start_m;
        self.fixtures = fixtures;
        self.joints = scene.joints.iter().map(JointPlan::of).collect();
        self.zones = zones;
    }

    /// Renders `todo.md`: the checklist the Coder and Reviewer tick off. `done` says which
    /// items (by index) are ticked.
    pub fn todo_markdown(&self, done: &[bool]) -> String {
        use std::fmt::Write;
        let mut md = format!("# To do: {}\n\n", self.title);
        for (i, item) in self.todo.iter().enumerate() {
            let tick = if done.get(i).copied().unwrap_or(false) {
                "x"
            } else {
                " "
            };
            let _ = writeln!(md, "- [{tick}] ({}) {}", item.owner.name(), item.text);
        }
        md
    }
}

fn fmt_vec(v: Vec3) -> String {
    format!("[{:.3}, {:.3}, {:.3}]", v[0], v[1], v[2])
}

fn fmt_box(b: &Aabb) -> String {
    format!("{} → {} m", fmt_vec(b.min_m), fmt_vec(b.max_m))
}

//! The scene API of `actors/coder/api.md`, registered into the Rhai engine: the generator,
//! the scene and solution builders, parts and their shapes, zones, joints and the payload.
//!
//! Handles share their state (`Arc<Mutex<..>>`) because Rhai copies values on assignment:
//! `let p = scene.fixed_part(..); p.box(..)` must change the scene that `scene` names.

use std::sync::{Arc, Mutex, MutexGuard};

use rhai::{Array, Dynamic, Engine, INT};

use super::error::{misuse, over_limit, ApiResult};
use super::limits::{self, Limit, MIN_SIZE_M};
use super::values;
use crate::rng::{stream, SeededRng};
use crate::scene::{
    Aabb, BodyKind, Fixture, ForbidZone, Joint, JointKind, Material, Motor, MotorProfile,
    MotorTarget, Part, Payload, Pose, Scene, Shape, Spring, Vec3,
};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The script's seeded random generator.
#[derive(Clone)]
pub(crate) struct Generator(Arc<Mutex<SeededRng>>);

/// One shape as the script gave it: in world coordinates.
#[derive(Debug, Clone)]
struct WorldShape {
    shape: Shape,
    center_m: Vec3,
    rotation_deg: Vec3,
}

#[derive(Debug, Clone)]
struct PartDraft {
    label: String,
    body: BodyKind,
    material: Material,
    shapes: Vec<WorldShape>,
}

/// The parts of a scene or of a solution, in creation order.
#[derive(Debug, Default)]
pub(crate) struct PartList {
    parts: Vec<PartDraft>,
}

impl PartList {
    fn add(&mut self, label: String, body: BodyKind, material: Material) -> ApiResult<usize> {
        if self.parts.iter().any(|p| p.label == label) {
            return super::error::bad_value(format!(
                "duplicate label \"{label}\": every part needs its own label (e.g. \"{label}_2\")"
            ));
        }
        if !limits::take_part() {
            return over_limit(
                Limit::Parts,
                format!("while adding part \"{label}\"; merge shapes into fewer parts"),
            );
        }
        self.parts.push(PartDraft {
            label,
            body,
            material,
            shapes: Vec::new(),
        });
        Ok(self.parts.len() - 1)
    }

    /// The parts as fixtures: body pose at the first shape's centre, shapes relative to it.
    pub fn to_fixtures(&self) -> Result<Vec<Fixture>, String> {
        self.parts.iter().map(PartDraft::to_fixture).collect()
    }

    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().map(|p| p.label.as_str())
    }
}

impl PartDraft {
    fn to_fixture(&self) -> Result<Fixture, String> {
        let Some(first) = self.shapes.first() else {
            return Err(format!(
                "part \"{}\" has no shapes; add one with `p.box(size_m, center_m)` (or sphere, cylinder, capsule, hull)",
                self.label
            ));
        };
        let origin = first.center_m;
        let parts = self
            .shapes
            .iter()
            .map(|s| Part {
                shape: s.shape.clone(),
                local_pose: Pose {
                    position_m: [
                        s.center_m[0] - origin[0],
                        s.center_m[1] - origin[1],
                        s.center_m[2] - origin[2],
                    ],
                    rotation_deg: s.rotation_deg,
                },
            })
            .collect();
        Ok(Fixture {
            label: self.label.clone(),
            body: self.body,
            material: self.material,
            pose: Pose::at(origin),
            parts,
        })
    }
}

/// A handle on one part, for adding shapes.
#[derive(Clone)]
pub(crate) struct PartHandle {
    list: Arc<Mutex<PartList>>,
    index: usize,
}

impl PartHandle {
    fn add_shape(&mut self, shape: Shape, center_m: Vec3, rotation_deg: Vec3) -> ApiResult<()> {
        let mut list = lock(&self.list);
        let part = &mut list.parts[self.index];
        if part.shapes.len() as u64 >= limits::call_limits().shapes_per_part {
            return over_limit(
                Limit::ShapesPerPart,
                format!("on part \"{}\"; split it into several parts", part.label),
            );
        }
        if !limits::take_shape() {
            return over_limit(
                Limit::ShapesTotal,
                format!("while adding a shape to part \"{}\"", part.label),
            );
        }
        part.shapes.push(WorldShape {
            shape,
            center_m,
            rotation_deg,
        });
        Ok(())
    }
}

/// The payload as the script describes it.
#[derive(Debug, Clone)]
struct PayloadDraft {
    shape: Shape,
    material: Material,
    start_m: Vec3,
}

/// Everything `new_scene` collects.
#[derive(Debug)]
pub(crate) struct SceneDraft {
    bounds: Aabb,
    parts: Arc<Mutex<PartList>>,
    joints: Arc<Mutex<Vec<Joint>>>,
    springs: Arc<Mutex<Vec<Spring>>>,
    payload: Option<PayloadDraft>,
    jitter_m: Vec3,
    size_factor_range: [f64; 2],
    goal_zone: Option<Aabb>,
    build_zone: Option<Aabb>,
    forbid_zones: Vec<ForbidZone>,
}

/// A handle on a scene under construction.
#[derive(Clone)]
pub(crate) struct SceneHandle(Arc<Mutex<SceneDraft>>);

impl SceneHandle {
    /// The finished scene, or what is still missing.
    pub fn finish(&self) -> Result<Scene, String> {
        let draft = lock(&self.0);
        let goal_zone = draft
            .goal_zone
            .ok_or("the scene has no goal zone; add `scene.goal_zone(min_m, max_m)` in build")?;
        let build_zone = draft
            .build_zone
            .ok_or("the scene has no build zone; add `scene.build_zone(min_m, max_m)` in build")?;
        let payload = draft.payload.clone().ok_or(
            "the scene has no payload; add `scene.payload_sphere(radius_m, material, start_m)` (or payload_box, payload_cylinder) in build",
        )?;
        let fixtures = lock(&draft.parts).to_fixtures()?;
        let joints = lock(&draft.joints).clone();
        let springs = lock(&draft.springs).clone();
        Ok(Scene {
            bounds: draft.bounds,
            fixtures,
            joints,
            springs,
            payload: Payload {
                shape: payload.shape,
                size_factor_range: draft.size_factor_range,
                material: payload.material,
                start_m: payload.start_m,
                jitter_m: draft.jitter_m,
            },
            goal_zone,
            forbid_zones: draft.forbid_zones.clone(),
            build_zone,
        })
    }

    fn new_part(
        &mut self,
        label: &Dynamic,
        material: &Dynamic,
        body: BodyKind,
    ) -> ApiResult<PartHandle> {
        let label = values::label(label, "part label")?;
        let material = values::material(material)?;
        let list = lock(&self.0).parts.clone();
        let index = lock(&list).add(label, body, material)?;
        Ok(PartHandle { list, index })
    }

    fn set_payload(&mut self, shape: Shape, material: &Dynamic, start: &Dynamic) -> ApiResult<()> {
        let material = values::material(material)?;
        let start_m = values::position(start, "payload start_m")?;
        let mut draft = lock(&self.0);
        if draft.payload.is_some() {
            return misuse(
                "the scene already has a payload; a scene has exactly one (call payload_sphere, payload_box or payload_cylinder once)",
            );
        }
        draft.payload = Some(PayloadDraft {
            shape,
            material,
            start_m,
        });
        Ok(())
    }
}

/// Where a joint or spring call adds its joint: the joints, springs and parts of a scene or
/// of a solution. `scope` is the variable the script calls it on (`scene`, `solution`), for
/// messages.
struct JointTarget<'a> {
    parts: &'a Arc<Mutex<PartList>>,
    joints: &'a Arc<Mutex<Vec<Joint>>>,
    springs: &'a Arc<Mutex<Vec<Spring>>>,
    scope: &'static str,
    /// Labels outside `parts` a joint may name (none for a scene; for a solution, any
    /// fixed part of the scene, checked when the solution meets the scene).
    outside_labels_allowed: bool,
}

impl JointTarget<'_> {
    /// Both labels name parts a joint or spring of this scope may join: for a scene, two of
    /// its parts; for a solution, at least one of its own parts.
    fn check_labels(&self, fixture_a: &str, fixture_b: &str) -> ApiResult<()> {
        let parts = lock(self.parts);
        let known = |label: &str| parts.labels().any(|l| l == label);
        let scope = self.scope;
        if self.outside_labels_allowed {
            // A solution's joint may name one fixed part of the scene, never two.
            if !known(fixture_a) && !known(fixture_b) {
                return misuse(format!(
                    "neither \"{fixture_a}\" nor \"{fixture_b}\" is a part of this {scope}; a {scope} joint or spring joins two of its own parts, or one of its parts to a fixed part of the scene: create it first with `{scope}.dynamic_part(label, material)`"
                ));
            }
        } else {
            for label in [fixture_a, fixture_b] {
                if !known(label) {
                    return misuse(format!(
                        "no part labelled \"{label}\" yet; create it first with `{scope}.fixed_part(\"{label}\", material)` or `{scope}.dynamic_part(..)`"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Adds a joint between two labelled parts; the one implementation behind `revolute_joint`
/// and `prismatic_joint` on a scene and on a solution.
fn add_joint(
    target: JointTarget<'_>,
    a: &Dynamic,
    b: &Dynamic,
    anchor: &Dynamic,
    axis: &Dynamic,
    kind: JointKind,
) -> ApiResult<JointHandle> {
    let fixture_a = values::label(a, "joint label_a")?;
    let fixture_b = values::label(b, "joint label_b")?;
    if fixture_a == fixture_b {
        return misuse(format!(
            "a joint needs two different parts, got \"{fixture_a}\" twice"
        ));
    }
    let anchor_m = values::position(anchor, "joint anchor_m")?;
    let axis = values::direction(axis, "joint axis")?;
    if !limits::take_joint() {
        return over_limit(
            Limit::Joints,
            format!("while joining \"{fixture_a}\" and \"{fixture_b}\"; use fewer joints"),
        );
    }
    target.check_labels(&fixture_a, &fixture_b)?;
    let mut joints = lock(target.joints);
    joints.push(Joint {
        fixture_a,
        fixture_b,
        anchor_m,
        axis,
        kind,
        motor: None,
    });
    Ok(JointHandle {
        joints: target.joints.clone(),
        index: joints.len() - 1,
    })
}

impl SceneDraft {
    /// Where the scene's joint and spring calls add to: its own parts only.
    fn joint_target(&self) -> JointTarget<'_> {
        JointTarget {
            parts: &self.parts,
            joints: &self.joints,
            springs: &self.springs,
            scope: "scene",
            outside_labels_allowed: false,
        }
    }
}

impl SolutionHandle {
    /// Where the solution's joint and spring calls add to: its parts, and fixed scene parts.
    fn joint_target(&self) -> JointTarget<'_> {
        JointTarget {
            parts: &self.parts,
            joints: &self.joints,
            springs: &self.springs,
            scope: "solution",
            outside_labels_allowed: true,
        }
    }
}

/// The numbers of a spring call as the script gave them, before they are checked.
struct SpringArgs<'a> {
    a: &'a Dynamic,
    b: &'a Dynamic,
    anchor_a: &'a Dynamic,
    anchor_b: &'a Dynamic,
    stiffness: &'a Dynamic,
    damping: &'a Dynamic,
    /// None: the rest length is the anchors' distance at the start (an unloaded spring).
    rest_length: Option<&'a Dynamic>,
}

/// Adds a spring between two labelled parts, the one implementation behind `spring` on a
/// scene and on a solution; checked against `limits.spring_*` at once.
fn add_spring(target: JointTarget<'_>, args: SpringArgs<'_>) -> ApiResult<()> {
    let fixture_a = values::label(args.a, "spring label_a")?;
    let fixture_b = values::label(args.b, "spring label_b")?;
    if fixture_a == fixture_b {
        return misuse(format!(
            "a spring needs two different parts, got \"{fixture_a}\" twice"
        ));
    }
    let anchor_a_m = values::position(args.anchor_a, "spring anchor_a_m")?;
    let anchor_b_m = values::position(args.anchor_b, "spring anchor_b_m")?;
    let stiffness_n_per_m = values::number(args.stiffness, "spring stiffness_n_per_m")?;
    let damping_ns_per_m = values::number(args.damping, "spring damping_ns_per_m")?;
    let mut spring = Spring {
        fixture_a,
        fixture_b,
        anchor_a_m,
        anchor_b_m,
        stiffness_n_per_m,
        damping_ns_per_m,
        rest_length_m: 0.0,
    };
    spring.rest_length_m = match args.rest_length {
        Some(rest) => values::number(rest, "spring rest_length_m")?,
        None => spring.start_length_m(),
    };
    if let Some(problem) = spring.problem(&limits::call_limits()) {
        return super::error::bad_value(format!("{}: {problem}", spring.between()));
    }
    if !limits::take_joint() {
        return over_limit(
            Limit::Joints,
            format!(
                "while adding the {}; use fewer joints and springs",
                spring.between()
            ),
        );
    }
    target.check_labels(&spring.fixture_a, &spring.fixture_b)?;
    lock(target.springs).push(spring);
    Ok(())
}

/// A handle on one joint, for giving it a motor.
#[derive(Clone)]
pub(crate) struct JointHandle {
    joints: Arc<Mutex<Vec<Joint>>>,
    index: usize,
}

impl JointHandle {
    /// Changes the joint's motor with `change` (given the motor, or None when it has none
    /// yet) and checks the result against `limits.motor_*`.
    fn set_motor(
        &mut self,
        what: &str,
        change: impl FnOnce(Option<Motor>) -> ApiResult<Motor>,
    ) -> ApiResult<()> {
        let mut joints = lock(&self.joints);
        let joint = &mut joints[self.index];
        let motor = change(joint.motor)?;
        if let Some(problem) = motor.problem(&joint.kind, &limits::call_limits()) {
            return super::error::bad_value(format!(
                "{what} on the joint between \"{}\" and \"{}\": {problem}",
                joint.fixture_a, joint.fixture_b
            ));
        }
        joint.motor = Some(motor);
        Ok(())
    }

    /// Sets the target (replacing any earlier one) with a constant profile, starting at 0 s.
    fn drive(&mut self, target: MotorTarget, what: &str, max_effort: &Dynamic) -> ApiResult<()> {
        let max_effort = values::number(max_effort, &format!("{what} max_effort"))?;
        self.set_motor(what, |old| {
            Ok(Motor {
                target,
                max_effort,
                profile: old.map_or(MotorProfile::Constant, |m| m.profile),
                start_s: old.map_or(0.0, |m| m.start_s),
            })
        })
    }

    /// Changes the profile or start of an existing motor.
    fn shape(&mut self, call: &str, change: impl FnOnce(&mut Motor)) -> ApiResult<()> {
        self.set_motor(call, |old| {
            let Some(mut motor) = old else {
                return misuse(format!(
                    "`{call}` needs a motor on the joint first: call `joint.velocity_motor(speed, max_effort)` or `joint.position_motor(position, max_effort)` before it"
                ));
            };
            change(&mut motor);
            Ok(motor)
        })
    }
}

/// A handle on a reference solution under construction.
#[derive(Clone)]
pub(crate) struct SolutionHandle {
    pub(crate) parts: Arc<Mutex<PartList>>,
    pub(crate) joints: Arc<Mutex<Vec<Joint>>>,
    pub(crate) springs: Arc<Mutex<Vec<Spring>>>,
}

impl SolutionHandle {
    /// The solution's joints, in the order the script made them.
    pub(crate) fn joints(&self) -> Vec<Joint> {
        lock(&self.joints).clone()
    }

    /// The solution's springs, in the order the script made them.
    pub(crate) fn springs(&self) -> Vec<Spring> {
        lock(&self.springs).clone()
    }
}

fn zone(min: &Dynamic, max: &Dynamic, what: &str) -> ApiResult<Aabb> {
    Ok(Aabb::new(
        values::position(min, &format!("{what} min_m"))?,
        values::position(max, &format!("{what} max_m"))?,
    ))
}

fn limits_pair(lower: &Dynamic, upper: &Dynamic, unit: &str) -> ApiResult<[f64; 2]> {
    let lo = values::number(lower, &format!("lower_{unit}"))?;
    let hi = values::number(upper, &format!("upper_{unit}"))?;
    let (bound, meaning) = limits::joint_limit_range(unit);
    for (name, v) in [("lower", lo), ("upper", hi)] {
        if v.abs() > bound {
            return super::error::bad_value(format!(
                "joint limit {name}_{unit} = {} is beyond ±{bound} {unit} ({meaning})",
                limits::fmt_number(v)
            ));
        }
    }
    if lo > hi {
        return super::error::bad_value(format!(
            "joint limits lower_{unit} = {lo} is above upper_{unit} = {hi}; give the smaller first"
        ));
    }
    Ok([lo, hi])
}

fn hull_shape(points: &Dynamic) -> ApiResult<(Shape, Vec3)> {
    let Some(array) = points.read_lock::<Array>() else {
        return misuse(format!(
            "hull points_m must be an array of [x, y, z] points, got {}",
            values::describe(points)
        ));
    };
    if array.len() < 4 {
        return super::error::bad_value(format!(
            "a hull needs at least four points, got {}",
            array.len()
        ));
    }
    if array.len() as u64 > limits::call_limits().hull_points {
        return over_limit(Limit::HullPoints, format!("got {} points", array.len()));
    }
    let world: Vec<Vec3> = array
        .iter()
        .enumerate()
        .map(|(i, p)| values::position(p, &format!("hull point {i}")))
        .collect::<ApiResult<_>>()?;
    if hull_thickness_m(&world) < MIN_SIZE_M {
        return super::error::bad_value(
            "the hull points all lie in one plane (or on one line); a hull needs volume",
        );
    }
    let n = world.len() as f64;
    let mut center = [0.0; 3];
    for p in &world {
        for i in 0..3 {
            center[i] += p[i] / n;
        }
    }
    let local = world
        .iter()
        .map(|p| [p[0] - center[0], p[1] - center[1], p[2] - center[2]])
        .collect();
    Ok((Shape::ConvexHull { points_m: local }, center))
}

/// The distance of the point farthest from the plane through three well-spread points: zero
/// when all points are coplanar.
fn hull_thickness_m(points: &[Vec3]) -> f64 {
    let sub = |a: Vec3, b: Vec3| [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    let dot = |a: Vec3, b: Vec3| a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    let cross = |a: Vec3, b: Vec3| {
        [
            a[1] * b[2] - a[2] * b[1],
            a[2] * b[0] - a[0] * b[2],
            a[0] * b[1] - a[1] * b[0],
        ]
    };
    let p0 = points[0];
    let farthest = |score: &dyn Fn(Vec3) -> f64| {
        points
            .iter()
            .copied()
            .max_by(|a, b| score(*a).total_cmp(&score(*b)))
            .unwrap_or(p0)
    };
    let p1 = farthest(&|p| dot(sub(p, p0), sub(p, p0)));
    let d01 = sub(p1, p0);
    let p2 = farthest(&|p| {
        let c = cross(d01, sub(p, p0));
        dot(c, c)
    });
    let normal = cross(d01, sub(p2, p0));
    let norm = dot(normal, normal).sqrt();
    if norm == 0.0 {
        return 0.0;
    }
    points
        .iter()
        .map(|p| (dot(normal, sub(*p, p0)) / norm).abs())
        .fold(0.0, f64::max)
}

/// Registers every function of the scene API.
pub(crate) fn register(engine: &mut Engine) {
    engine
        .register_type_with_name::<Generator>("Generator")
        .register_type_with_name::<SceneHandle>("Scene")
        .register_type_with_name::<PartHandle>("Part")
        .register_type_with_name::<SolutionHandle>("Solution")
        .register_type_with_name::<JointHandle>("Joint");

    register_generator(engine);
    register_scene(engine);
    register_shapes(engine);
}

fn register_generator(engine: &mut Engine) {
    engine.register_fn("generator", |seed: Dynamic| -> ApiResult<Generator> {
        let seed = values::integer(&seed, "the generator's seed")?;
        Ok(Generator(Arc::new(Mutex::new(SeededRng::new(
            seed as u64,
            stream::SCRIPT,
        )))))
    });
    engine.register_fn(
        "uniform",
        |rng: &mut Generator, min: Dynamic, max: Dynamic| -> ApiResult<f64> {
            let lo = values::number(&min, "uniform min")?;
            let hi = values::number(&max, "uniform max")?;
            Ok(lock(&rng.0).uniform(lo, hi))
        },
    );
    engine.register_fn(
        "integer",
        |rng: &mut Generator, min: Dynamic, max: Dynamic| -> ApiResult<INT> {
            let lo = values::integer(&min, "integer min")?;
            let hi = values::integer(&max, "integer max")?;
            Ok(lock(&rng.0).integer(lo, hi))
        },
    );
    engine.register_fn(
        "pick",
        |rng: &mut Generator, items: Dynamic| -> ApiResult<Dynamic> {
            let Some(array) = items.read_lock::<Array>() else {
                return misuse(format!(
                    "pick takes an array, got {}",
                    values::describe(&items)
                ));
            };
            if array.is_empty() {
                return super::error::bad_value("pick needs a non-empty array");
            }
            let i = lock(&rng.0).index(array.len());
            Ok(array[i].clone())
        },
    );
}

fn register_scene(engine: &mut Engine) {
    engine.register_fn(
        "new_scene",
        |min: Dynamic, max: Dynamic| -> ApiResult<SceneHandle> {
            let bounds = zone(&min, &max, "bounds")?;
            Ok(SceneHandle(Arc::new(Mutex::new(SceneDraft {
                bounds,
                parts: Arc::default(),
                joints: Arc::default(),
                springs: Arc::default(),
                payload: None,
                jitter_m: [0.0; 3],
                size_factor_range: [1.0, 1.0],
                goal_zone: None,
                build_zone: None,
                forbid_zones: Vec::new(),
            }))))
        },
    );
    engine.register_fn("new_solution", || SolutionHandle {
        parts: Arc::default(),
        joints: Arc::default(),
        springs: Arc::default(),
    });
    // The two single zones: set once each, with the same checks.
    type ZoneSlot = fn(&mut SceneDraft) -> &mut Option<Aabb>;
    let single_zones: [(&str, &str, ZoneSlot); 2] = [
        ("goal_zone", "goal zone", |d| &mut d.goal_zone),
        ("build_zone", "build zone", |d| &mut d.build_zone),
    ];
    for (function, what, slot) in single_zones {
        engine.register_fn(
            function,
            move |scene: &mut SceneHandle, min: Dynamic, max: Dynamic| -> ApiResult<()> {
                let z = zone(&min, &max, what)?;
                let mut draft = lock(&scene.0);
                let stored = slot(&mut draft);
                if stored.is_some() {
                    return misuse(format!(
                        "the scene already has a {what}; call `scene.{function}` once"
                    ));
                }
                *stored = Some(z);
                Ok(())
            },
        );
    }
    engine.register_fn(
        "forbid_zone",
        |scene: &mut SceneHandle, name: Dynamic, min: Dynamic, max: Dynamic| -> ApiResult<()> {
            let name = values::label(&name, "forbid zone name")?;
            let z = zone(&min, &max, &format!("forbid zone \"{name}\""))?;
            let mut draft = lock(&scene.0);
            if draft.forbid_zones.iter().any(|f| f.name == name) {
                return super::error::bad_value(format!(
                    "duplicate forbid zone name \"{name}\"; every forbid zone needs its own name"
                ));
            }
            draft.forbid_zones.push(ForbidZone { name, zone: z });
            Ok(())
        },
    );
    engine.register_fn(
        "fixed_part",
        |scene: &mut SceneHandle, label: Dynamic, material: Dynamic| {
            scene.new_part(&label, &material, BodyKind::Fixed)
        },
    );
    engine.register_fn(
        "dynamic_part",
        |scene: &mut SceneHandle, label: Dynamic, material: Dynamic| {
            scene.new_part(&label, &material, BodyKind::Dynamic)
        },
    );
    for (name, kind) in [
        ("fixed_part", BodyKind::Fixed),
        ("dynamic_part", BodyKind::Dynamic),
    ] {
        engine.register_fn(
            name,
            move |solution: &mut SolutionHandle,
                  label: Dynamic,
                  material: Dynamic|
                  -> ApiResult<PartHandle> {
                let label = values::label(&label, "part label")?;
                let material = values::material(&material)?;
                let index = lock(&solution.parts).add(label, kind, material)?;
                Ok(PartHandle {
                    list: solution.parts.clone(),
                    index,
                })
            },
        );
    }
    register_joints(engine);
    register_springs(engine);
    engine.register_fn(
        "payload_sphere",
        |scene: &mut SceneHandle,
         radius: Dynamic,
         material: Dynamic,
         start: Dynamic|
         -> ApiResult<()> {
            let radius_m = values::length(&radius, "payload radius_m")?;
            scene.set_payload(Shape::Sphere { radius_m }, &material, &start)
        },
    );
    engine.register_fn(
        "payload_box",
        |scene: &mut SceneHandle,
         size: Dynamic,
         material: Dynamic,
         start: Dynamic|
         -> ApiResult<()> {
            let size_m = values::size(&size, "payload size_m")?;
            scene.set_payload(Shape::Box { size_m }, &material, &start)
        },
    );
    engine.register_fn(
        "payload_cylinder",
        |scene: &mut SceneHandle,
         radius: Dynamic,
         length: Dynamic,
         material: Dynamic,
         start: Dynamic|
         -> ApiResult<()> {
            let radius_m = values::length(&radius, "payload radius_m")?;
            let length_m = values::length(&length, "payload length_m")?;
            scene.set_payload(Shape::Cylinder { radius_m, length_m }, &material, &start)
        },
    );
    engine.register_fn(
        "payload_jitter",
        |scene: &mut SceneHandle, jitter: Dynamic| -> ApiResult<()> {
            let j = values::triple(&jitter, "payload jitter_m")?;
            for v in j {
                if v < 0.0 {
                    return super::error::bad_value(format!(
                        "payload jitter_m has {v} m; jitter is a half-range, write a positive number (or 0.0)"
                    ));
                }
                if v > super::limits::MAX_MAGNITUDE_M {
                    return super::error::bad_value(format!(
                        "payload jitter_m has {v} m, beyond 1 km"
                    ));
                }
            }
            lock(&scene.0).jitter_m = j;
            Ok(())
        },
    );
    engine.register_fn(
        "payload_size_range",
        |scene: &mut SceneHandle, min: Dynamic, max: Dynamic| -> ApiResult<()> {
            let lo = values::number(&min, "payload min_factor")?;
            let hi = values::number(&max, "payload max_factor")?;
            if lo <= 0.0 || lo > hi || hi > 100.0 {
                return super::error::bad_value(format!(
                    "payload size range [{lo}, {hi}] is invalid; give 0 < min_factor <= max_factor <= 100, e.g. (0.8, 1.2)"
                ));
            }
            lock(&scene.0).size_factor_range = [lo, hi];
            Ok(())
        },
    );
}

/// The joint calls, the same on a scene (in `build`) and on a solution (in `solve`), and the
/// motor calls on the joint they return.
fn register_joints(engine: &mut Engine) {
    type Kind = fn([f64; 2]) -> JointKind;
    let kinds: [(&str, &str, Kind); 2] = [
        ("revolute_joint", "deg", |l| JointKind::Revolute {
            limits_deg: Some(l),
        }),
        ("prismatic_joint", "m", |l| JointKind::Prismatic {
            limits_m: Some(l),
        }),
    ];
    for (name, unit, kind) in kinds {
        engine.register_fn(
            name,
            move |scene: &mut SceneHandle,
                  a: Dynamic,
                  b: Dynamic,
                  anchor: Dynamic,
                  axis: Dynamic,
                  lower: Dynamic,
                  upper: Dynamic|
                  -> ApiResult<JointHandle> {
                let limits = limits_pair(&lower, &upper, unit)?;
                let draft = lock(&scene.0);
                add_joint(draft.joint_target(), &a, &b, &anchor, &axis, kind(limits))
            },
        );
        engine.register_fn(
            name,
            move |solution: &mut SolutionHandle,
                  a: Dynamic,
                  b: Dynamic,
                  anchor: Dynamic,
                  axis: Dynamic,
                  lower: Dynamic,
                  upper: Dynamic|
                  -> ApiResult<JointHandle> {
                let limits = limits_pair(&lower, &upper, unit)?;
                add_joint(
                    solution.joint_target(),
                    &a,
                    &b,
                    &anchor,
                    &axis,
                    kind(limits),
                )
            },
        );
    }
    engine.register_fn(
        "velocity_motor",
        |j: &mut JointHandle, speed: Dynamic, max_effort: Dynamic| -> ApiResult<()> {
            let value = values::number(&speed, "velocity_motor speed")?;
            j.drive(
                MotorTarget::Velocity { value },
                "velocity_motor",
                &max_effort,
            )
        },
    );
    engine.register_fn(
        "position_motor",
        |j: &mut JointHandle, position: Dynamic, max_effort: Dynamic| -> ApiResult<()> {
            let value = values::number(&position, "position_motor position")?;
            j.drive(
                MotorTarget::Position { value },
                "position_motor",
                &max_effort,
            )
        },
    );
    engine.register_fn("motor_constant", |j: &mut JointHandle| -> ApiResult<()> {
        j.shape("motor_constant", |m| m.profile = MotorProfile::Constant)
    });
    // The calls that change a motor by one number: (call, what the number is, the change).
    type ChangeMotor = fn(&mut Motor, f64);
    let one_number: [(&str, &str, ChangeMotor); 4] = [
        ("motor_ramp", "duration_s", |m, duration_s| {
            m.profile = MotorProfile::Ramp { duration_s }
        }),
        ("motor_step", "at_s", |m, at_s| {
            m.profile = MotorProfile::Step { at_s }
        }),
        ("motor_sine", "period_s", |m, period_s| {
            m.profile = MotorProfile::Sine { period_s }
        }),
        ("motor_start", "start_s", |m, start_s| m.start_s = start_s),
    ];
    for (call, what, change) in one_number {
        engine.register_fn(
            call,
            move |j: &mut JointHandle, value: Dynamic| -> ApiResult<()> {
                let v = values::number(&value, &format!("{call} {what}"))?;
                j.shape(call, |m| change(m, v))
            },
        );
    }
}

/// `spring(label_a, label_b, anchor_a_m, anchor_b_m, stiffness_n_per_m, damping_ns_per_m)`
/// (rest length = the anchors' start distance) and the same with `rest_length_m` last, on a
/// scene (in `build`) and on a solution (in `solve`).
fn register_springs(engine: &mut Engine) {
    engine.register_fn(
        "spring",
        |scene: &mut SceneHandle,
         a: Dynamic,
         b: Dynamic,
         anchor_a: Dynamic,
         anchor_b: Dynamic,
         stiffness: Dynamic,
         damping: Dynamic|
         -> ApiResult<()> {
            let draft = lock(&scene.0);
            let args = SpringArgs {
                a: &a,
                b: &b,
                anchor_a: &anchor_a,
                anchor_b: &anchor_b,
                stiffness: &stiffness,
                damping: &damping,
                rest_length: None,
            };
            add_spring(draft.joint_target(), args)
        },
    );
    engine.register_fn(
        "spring",
        |scene: &mut SceneHandle,
         a: Dynamic,
         b: Dynamic,
         anchor_a: Dynamic,
         anchor_b: Dynamic,
         stiffness: Dynamic,
         damping: Dynamic,
         rest: Dynamic|
         -> ApiResult<()> {
            let draft = lock(&scene.0);
            let args = SpringArgs {
                a: &a,
                b: &b,
                anchor_a: &anchor_a,
                anchor_b: &anchor_b,
                stiffness: &stiffness,
                damping: &damping,
                rest_length: Some(&rest),
            };
            add_spring(draft.joint_target(), args)
        },
    );
    engine.register_fn(
        "spring",
        |solution: &mut SolutionHandle,
         a: Dynamic,
         b: Dynamic,
         anchor_a: Dynamic,
         anchor_b: Dynamic,
         stiffness: Dynamic,
         damping: Dynamic|
         -> ApiResult<()> {
            let args = SpringArgs {
                a: &a,
                b: &b,
                anchor_a: &anchor_a,
                anchor_b: &anchor_b,
                stiffness: &stiffness,
                damping: &damping,
                rest_length: None,
            };
            add_spring(solution.joint_target(), args)
        },
    );
    engine.register_fn(
        "spring",
        |solution: &mut SolutionHandle,
         a: Dynamic,
         b: Dynamic,
         anchor_a: Dynamic,
         anchor_b: Dynamic,
         stiffness: Dynamic,
         damping: Dynamic,
         rest: Dynamic|
         -> ApiResult<()> {
            let args = SpringArgs {
                a: &a,
                b: &b,
                anchor_a: &anchor_a,
                anchor_b: &anchor_b,
                stiffness: &stiffness,
                damping: &damping,
                rest_length: Some(&rest),
            };
            add_spring(solution.joint_target(), args)
        },
    );
}

fn register_shapes(engine: &mut Engine) {
    const NO_ROTATION: Vec3 = [0.0; 3];
    engine.register_fn(
        "box",
        |p: &mut PartHandle, size: Dynamic, center: Dynamic| -> ApiResult<()> {
            let size_m = values::size(&size, "box size_m")?;
            let c = values::position(&center, "box center_m")?;
            p.add_shape(Shape::Box { size_m }, c, NO_ROTATION)
        },
    );
    engine.register_fn(
        "box",
        |p: &mut PartHandle, size: Dynamic, center: Dynamic, rot: Dynamic| -> ApiResult<()> {
            let size_m = values::size(&size, "box size_m")?;
            let c = values::position(&center, "box center_m")?;
            let r = values::rotation(&rot)?;
            p.add_shape(Shape::Box { size_m }, c, r)
        },
    );
    engine.register_fn(
        "sphere",
        |p: &mut PartHandle, radius: Dynamic, center: Dynamic| -> ApiResult<()> {
            let radius_m = values::length(&radius, "sphere radius_m")?;
            let c = values::position(&center, "sphere center_m")?;
            p.add_shape(Shape::Sphere { radius_m }, c, NO_ROTATION)
        },
    );
    fn round(
        p: &mut PartHandle,
        kind: &str,
        radius: &Dynamic,
        length: &Dynamic,
        center: &Dynamic,
        rot: Option<&Dynamic>,
    ) -> ApiResult<()> {
        let radius_m = values::length(radius, &format!("{kind} radius_m"))?;
        let length_m = values::length(length, &format!("{kind} length_m"))?;
        let c = values::position(center, &format!("{kind} center_m"))?;
        let r = match rot {
            Some(rot) => values::rotation(rot)?,
            None => NO_ROTATION,
        };
        let shape = if kind == "cylinder" {
            Shape::Cylinder { radius_m, length_m }
        } else {
            Shape::Capsule { radius_m, length_m }
        };
        p.add_shape(shape, c, r)
    }
    for kind in ["cylinder", "capsule"] {
        engine.register_fn(
            kind,
            move |p: &mut PartHandle, r: Dynamic, l: Dynamic, c: Dynamic| {
                round(p, kind, &r, &l, &c, None)
            },
        );
        engine.register_fn(
            kind,
            move |p: &mut PartHandle, r: Dynamic, l: Dynamic, c: Dynamic, rot: Dynamic| {
                round(p, kind, &r, &l, &c, Some(&rot))
            },
        );
    }
    engine.register_fn(
        "hull",
        |p: &mut PartHandle, points: Dynamic| -> ApiResult<()> {
            let (shape, center) = hull_shape(&points)?;
            p.add_shape(shape, center, NO_ROTATION)
        },
    );
}

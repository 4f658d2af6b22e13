//! Gate 8, fidelity: the scene is the one the theme asked for. The intent's facts become
//! predicates evaluated on the built scene and on the reference solution's run:
//!
//! - payload count, shape, every stated dimension (at the seed's sampled size), material
//!   and mass, as stated;
//! - the payload's net displacement in the solution run: rise, drop, horizontal distance,
//!   free fall, direction — within [`FidelitySettings`]' tolerance;
//! - `through`/`under`/`over`/`across`/`past` on the solution trajectory, `onto`/`into`/
//!   `around`/`off` on its final pose (an `onto` on the way means the payload touched it);
//! - every named element exists, tagged by its label (its role, see
//!   [`ElementKind::labels`]), with its stated attributes (gap width, shelf height, ramp
//!   angle...).
//!
//! A failed predicate is one [`Finding`] whose rule is the predicate's name and whose
//! message gives the numbers, e.g. `rise: payload rose -0.210 m, theme asks +0.250 m ±
//! 0.020`.
//!
//! A named mechanism (lever, flap, gear, conveyor, pulley, spring, catapult, motor) must do
//! the work the theme gives it ([`mechanism_findings`]): it must be able to move (a dynamic
//! part, or one with a joint or a spring); an ablation run locks it (its parts made fixed,
//! its joints and springs removed) and the reference solution must then fail; and the naive straight chute from
//! the payload to the goal must fail with it locked too.

use crate::intent::{
    AttributeKind, DimensionKind, Direction, ElementKind, Intent, PayloadKind, Relation,
};
use crate::physics::SimulationOutcome;
use crate::report::Finding;
use crate::scene::{rotation, Aabb, Fixture, Part, Pose, Scene, Shape, Vec3};
use crate::variant::PayloadSpawn;

use super::{fixture_world_aabb, part_world_aabb};

/// Tolerances of gate 8.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FidelitySettings {
    /// A stated payload or element size must match within this, in metres.
    pub size_tolerance_m: f64,
    /// A stated displacement must be met within this many metres...
    pub displacement_tolerance_m: f64,
    /// ...or this fraction of the stated value, whichever is larger.
    pub displacement_tolerance_fraction: f64,
    /// A stated angle must match within this, in degrees.
    pub angle_tolerance_deg: f64,
    /// How close counts as touching or resting on a surface, in metres.
    pub contact_tolerance_m: f64,
    /// A stated mass must match within this fraction.
    pub mass_tolerance_fraction: f64,
}

impl Default for FidelitySettings {
    fn default() -> Self {
        Self {
            size_tolerance_m: 0.001,
            displacement_tolerance_m: 0.02,
            displacement_tolerance_fraction: 0.05,
            angle_tolerance_deg: 0.5,
            contact_tolerance_m: 0.012,
            mass_tolerance_fraction: 0.02,
        }
    }
}

/// The reference solution's parts and its simulated run (record its trajectory every step
/// for `through`/`under`/`over` and free fall to be judged precisely; without one the run's
/// 0.1 s path is used).
#[derive(Debug, Clone, Copy)]
pub struct SolutionEvidence<'a> {
    /// The solution's parts as `solve` built them.
    pub parts: &'a [Fixture],
    /// The run with those parts added.
    pub outcome: &'a SimulationOutcome,
}

/// Gate 8 on one seed: every finding names its predicate with the numbers. Empty when the
/// scene embodies the intent.
pub fn check(
    intent: &Intent,
    scene: &Scene,
    spawn: &PayloadSpawn,
    solution: Option<SolutionEvidence<'_>>,
    settings: &FidelitySettings,
) -> Vec<Finding> {
    let mut out = Vec::new();
    payload_findings(intent, scene, spawn, settings, &mut out);
    let parts: &[Fixture] = solution.map_or(&[], |s| s.parts);
    element_findings(intent, scene, parts, settings, &mut out);
    match solution {
        Some(s) => {
            let path = Path::of(scene, spawn, s.outcome);
            displacement_findings(intent, &path, settings, &mut out);
            relation_findings(intent, scene, parts, &path, settings, &mut out);
        }
        None => {
            let d = &intent.displacement;
            let needs_run = d.direction.is_some()
                || d.rise_m.is_some()
                || d.drop_m.is_some()
                || d.horizontal_m.is_some()
                || d.fall_m.is_some()
                || !intent.relations.is_empty();
            if needs_run {
                out.push(Finding::new(
                    "solution_run",
                    "the theme states a displacement or relation, which gate 8 judges on the reference solution's run; add `solve`",
                ));
            }
        }
    }
    out
}

/// True for the element kinds that are mechanisms: they must move and do work.
pub fn is_mechanism(kind: ElementKind) -> bool {
    matches!(
        kind,
        ElementKind::Lever
            | ElementKind::Flap
            | ElementKind::Gear
            | ElementKind::Conveyor
            | ElementKind::Pulley
            | ElementKind::Spring
            | ElementKind::Catapult
            | ElementKind::Motor
    )
}

/// The scene with the fixtures `labels` locked: made fixed, their joints and springs
/// removed (a locked part neither moves nor pushes through a spring).
pub fn locked(scene: &Scene, labels: &[&str]) -> Scene {
    let mut out = scene.clone();
    for f in &mut out.fixtures {
        if labels.contains(&f.label.as_str()) {
            f.body = crate::scene::BodyKind::Fixed;
        }
    }
    let free = |a: &str, b: &str| !labels.contains(&a) && !labels.contains(&b);
    out.joints.retain(|j| free(&j.fixture_a, &j.fixture_b));
    out.springs.retain(|s| free(&s.fixture_a, &s.fixture_b));
    out
}

/// The mechanism predicates of gate 8 (see the module docs), for every named mechanism of
/// `intent` found in `scene`: one finding per mechanism that cannot move, that the
/// reference solution does not need, or that a straight chute bypasses. Each ablation is a
/// simulation with `physics`; a run that cannot be built counts as a failed delivery.
pub fn mechanism_findings(
    intent: &Intent,
    scene: &Scene,
    spawn: &PayloadSpawn,
    solution: &[Fixture],
    physics: &crate::physics::PhysicsSettings,
) -> Vec<Finding> {
    use crate::baselines::naive::{naive_chutes, run_with_parts};
    let mut out = Vec::new();
    for e in intent.elements.iter().filter(|e| is_mechanism(e.kind)) {
        let parts = element_fixtures(scene, &[], e.kind);
        if parts.is_empty() {
            continue; // element_missing says so.
        }
        let name = e.kind.name();
        let labels: Vec<&str> = parts.iter().map(|f| f.label.as_str()).collect();
        let moves = parts.iter().any(|f| {
            let named = |a: &str, b: &str| a == f.label || b == f.label;
            f.body == crate::scene::BodyKind::Dynamic
                || scene
                    .joints
                    .iter()
                    .any(|j| named(&j.fixture_a, &j.fixture_b))
                || scene
                    .springs
                    .iter()
                    .any(|s| named(&s.fixture_a, &s.fixture_b))
        });
        if !moves {
            out.push(Finding::new(
                "mechanism_static",
                format!(
                    "{name}: its parts ({}) are fixed and have no joint or spring, so it cannot do any work; make it dynamic or hinge it",
                    labels.join(", ")
                ),
            ));
            continue;
        }
        let ablated = locked(scene, &labels);
        if run_with_parts(&ablated, spawn, solution, physics) {
            out.push(Finding::new(
                "mechanism_idle",
                format!(
                    "{name}: with it locked ({} fixed, joints removed) the reference solution still delivers the payload, so the {name} does no work; make the task need it",
                    labels.join(", ")
                ),
            ));
        }
        let chutes = naive_chutes(&ablated, spawn);
        if !chutes.is_empty() && run_with_parts(&ablated, spawn, &chutes, physics) {
            out.push(Finding::new(
                "mechanism_bypassed",
                format!(
                    "{name}: with it locked, one straight chute from the payload to the goal delivers the payload; the {name} must be the only way"
                ),
            ));
        }
    }
    out
}

fn tol(settings: &FidelitySettings, value: f64) -> f64 {
    settings
        .displacement_tolerance_m
        .max(settings.displacement_tolerance_fraction * value.abs())
}

fn payload_findings(
    intent: &Intent,
    scene: &Scene,
    spawn: &PayloadSpawn,
    settings: &FidelitySettings,
    out: &mut Vec<Finding>,
) {
    let p = &intent.payload;
    if p.count != 1 {
        out.push(Finding::new(
            "payload_count",
            format!(
                "payload count: the scene has 1 payload, the theme asks {}",
                if p.count == 0 {
                    "several".to_string()
                } else {
                    p.count.to_string()
                }
            ),
        ));
    }
    let shape = scene.payload.shape.scaled(spawn.size_factor);
    if let Some(kind) = p.kind {
        let ok = match (kind, &shape) {
            (PayloadKind::Ball, Shape::Sphere { .. }) => true,
            (PayloadKind::Cube, Shape::Box { size_m }) => {
                (size_m[0] - size_m[1]).abs() < 1e-9 && (size_m[1] - size_m[2]).abs() < 1e-9
            }
            (PayloadKind::Box | PayloadKind::Block, Shape::Box { .. }) => true,
            (
                PayloadKind::Cylinder | PayloadKind::Rod | PayloadKind::Peg | PayloadKind::Puck,
                Shape::Cylinder { .. },
            ) => true,
            _ => false,
        };
        if !ok {
            out.push(Finding::new(
                "payload_shape",
                format!(
                    "payload shape: the scene's payload is a {}, the theme asks a {}",
                    shape.kind_name(),
                    kind.noun()
                ),
            ));
        }
    }
    for d in &p.dimensions {
        let measured = measure(&shape, d.kind);
        let ok = measured
            .iter()
            .all(|m| (m - d.value_m).abs() <= settings.size_tolerance_m)
            && !measured.is_empty();
        if !ok {
            out.push(Finding::new(
                "payload_size",
                format!(
                    "payload {}: the payload measures {} at this seed, the theme asks {:.4} m ± {}",
                    d.kind.name(),
                    if measured.is_empty() {
                        format!("no {} (a {})", d.kind.name(), shape.kind_name())
                    } else {
                        measured
                            .iter()
                            .map(|m| format!("{m:.4} m"))
                            .collect::<Vec<_>>()
                            .join(" / ")
                    },
                    d.value_m,
                    settings.size_tolerance_m
                ),
            ));
        }
    }
    if let Some(m) = p.material {
        if scene.payload.material != m {
            out.push(Finding::new(
                "payload_material",
                format!(
                    "payload material: the payload is {}, the theme asks {}",
                    scene.payload.material.name(),
                    m.name()
                ),
            ));
        }
    }
    if let Some(kg) = p.mass_kg {
        let mass = volume_m3(&shape) * scene.payload.material.properties().density_kg_per_m3;
        if (mass - kg).abs() > settings.mass_tolerance_fraction * kg {
            out.push(Finding::new(
                "payload_mass",
                format!(
                    "payload mass: the payload weighs {mass:.4} kg, the theme asks {kg:.4} kg ± {:.0} %",
                    settings.mass_tolerance_fraction * 100.0
                ),
            ));
        }
    }
}

/// The values of a stated dimension on a shape (several for a cube's edge: all three).
fn measure(shape: &Shape, kind: DimensionKind) -> Vec<f64> {
    match (shape, kind) {
        (Shape::Sphere { radius_m }, DimensionKind::Diameter) => vec![2.0 * radius_m],
        (Shape::Sphere { radius_m }, DimensionKind::Radius) => vec![*radius_m],
        (Shape::Box { size_m }, DimensionKind::Edge) => size_m.to_vec(),
        (Shape::Box { size_m }, DimensionKind::Length) => vec![size_m[0]],
        (Shape::Box { size_m }, DimensionKind::Width) => vec![size_m[1]],
        (Shape::Box { size_m }, DimensionKind::Height) => vec![size_m[2]],
        (Shape::Cylinder { radius_m, .. }, DimensionKind::Diameter) => vec![2.0 * radius_m],
        (Shape::Cylinder { radius_m, .. }, DimensionKind::Radius) => vec![*radius_m],
        (
            Shape::Cylinder { length_m, .. },
            DimensionKind::Length | DimensionKind::Height | DimensionKind::Thickness,
        ) => vec![*length_m],
        _ => Vec::new(),
    }
}

fn volume_m3(shape: &Shape) -> f64 {
    use std::f64::consts::PI;
    match shape {
        Shape::Sphere { radius_m } => 4.0 / 3.0 * PI * radius_m.powi(3),
        Shape::Box { size_m } => size_m[0] * size_m[1] * size_m[2],
        Shape::Cylinder { radius_m, length_m } => PI * radius_m * radius_m * length_m,
        Shape::Capsule { radius_m, length_m } => {
            PI * radius_m * radius_m * length_m + 4.0 / 3.0 * PI * radius_m.powi(3)
        }
        Shape::ConvexHull { .. } => {
            let h = shape.local_half_extents_m();
            8.0 * h[0] * h[1] * h[2]
        }
    }
}

/// True when `label` carries the role tag `tag`: equal, or ending in `_tag`.
pub fn has_tag(label: &str, tag: &str) -> bool {
    label == tag || label.ends_with(&format!("_{tag}"))
}

/// The fixtures (scene first, then solution parts) that carry element `kind`.
pub fn element_fixtures<'a>(
    scene: &'a Scene,
    solution: &'a [Fixture],
    kind: ElementKind,
) -> Vec<&'a Fixture> {
    let tags = kind.labels();
    let pool: Box<dyn Iterator<Item = &Fixture>> = if kind.solver_built() {
        Box::new(solution.iter().chain(scene.fixtures.iter()))
    } else {
        Box::new(scene.fixtures.iter())
    };
    pool.filter(|f| tags.iter().any(|t| has_tag(&f.label, t)))
        .collect()
}

fn union(fixtures: &[&Fixture]) -> Option<Aabb> {
    fixtures
        .iter()
        .map(|f| fixture_world_aabb(f))
        .reduce(|a, b| a.union(&b))
}

fn element_findings(
    intent: &Intent,
    scene: &Scene,
    solution: &[Fixture],
    settings: &FidelitySettings,
    out: &mut Vec<Finding>,
) {
    for e in &intent.elements {
        if e.kind == ElementKind::ForbidZone {
            if scene.forbid_zones.is_empty() {
                out.push(Finding::new(
                    "element_missing",
                    "element forbid zone: the theme names one, the scene has none",
                ));
            }
            continue;
        }
        let fixtures = element_fixtures(scene, solution, e.kind);
        let need = if matches!(e.kind, ElementKind::Gap) {
            2
        } else {
            1
        };
        if fixtures.len() < need {
            out.push(Finding::new(
                "element_missing",
                format!(
                    "element {}: the theme names it, but {} fixture labelled {} (or *_{}) {}",
                    e.kind.name(),
                    if need == 2 { "no two" } else { "no" },
                    e.kind.labels().first().copied().unwrap_or("?"),
                    e.kind.labels().first().copied().unwrap_or("?"),
                    if e.kind.solver_built() {
                        "is in the scene or the reference solution"
                    } else {
                        "is in the scene"
                    }
                ),
            ));
            continue;
        }
        if let Some(m) = e.material {
            if let Some(f) = fixtures.iter().find(|f| f.material != m) {
                out.push(Finding::new(
                    "element_material",
                    format!(
                        "element {}: `{}` is {}, the theme asks {}",
                        e.kind.name(),
                        f.label,
                        f.material.name(),
                        m.name()
                    ),
                ));
            }
        }
        for a in &e.attributes {
            let measured = measure_attribute(e.kind, a.kind, &fixtures);
            let (tolerance, unit) = match a.kind {
                AttributeKind::Angle => (settings.angle_tolerance_deg, "°"),
                AttributeKind::Count => (0.0, ""),
                _ => (settings.size_tolerance_m, " m"),
            };
            match measured {
                Some(v) if (v - a.value).abs() <= tolerance + 1e-9 => {}
                Some(v) => out.push(Finding::new(
                    format!("element_{}", a.kind.name()),
                    format!(
                        "{} {}: the scene's is {v:.4}{unit}, the theme asks {:.4}{unit} ± {tolerance}",
                        e.kind.name(),
                        a.kind.name(),
                        a.value
                    ),
                )),
                None => out.push(Finding::new(
                    format!("element_{}", a.kind.name()),
                    format!(
                        "{} {}: gate 8 cannot measure a {}'s {} in this scene, so the stated {} is unproven",
                        e.kind.name(),
                        a.kind.name(),
                        e.kind.name(),
                        a.kind.name(),
                        a.value
                    ),
                )),
            }
        }
    }
}

fn measure_attribute(kind: ElementKind, attr: AttributeKind, fixtures: &[&Fixture]) -> Option<f64> {
    let b = union(fixtures)?;
    match (kind, attr) {
        (ElementKind::Gap, AttributeKind::Width) => {
            let mut boxes: Vec<Aabb> = fixtures.iter().map(|f| fixture_world_aabb(f)).collect();
            boxes.sort_by(|a, b| a.min_m[0].total_cmp(&b.min_m[0]));
            boxes
                .windows(2)
                .map(|w| w[1].min_m[0] - w[0].max_m[0])
                .find(|g| *g > 0.0)
        }
        (
            ElementKind::Shelf
            | ElementKind::Ledge
            | ElementKind::Plateau
            | ElementKind::Wall
            | ElementKind::SpeedBump
            | ElementKind::Post
            | ElementKind::Deck,
            AttributeKind::Height,
        ) => Some(b.max_m[2]),
        (ElementKind::Ramp | ElementKind::Deflector | ElementKind::Slope, AttributeKind::Angle) => {
            let f = fixtures.first()?;
            let part = f.parts.first()?;
            let axis = rotation::rotate(
                f.pose.rotation_deg,
                rotation::rotate(part.local_pose.rotation_deg, [1.0, 0.0, 0.0]),
            );
            Some(axis[2].abs().atan2(axis[0].hypot(axis[1])).to_degrees())
        }
        _ => None,
    }
}

/// The payload's recorded motion in the solution run.
struct Path {
    /// (time s, centre m, world AABB m) per frame.
    frames: Vec<(f64, Vec3, Aabb)>,
    start: Vec3,
    end: Vec3,
    final_box: Aabb,
}

impl Path {
    fn of(scene: &Scene, spawn: &PayloadSpawn, outcome: &SimulationOutcome) -> Self {
        let part = Part {
            shape: scene.payload.shape.scaled(spawn.size_factor),
            local_pose: Pose::default(),
        };
        let aabb = |pose: &Pose| part_world_aabb(pose, &part);
        let from_trajectory: Vec<(f64, Vec3, Aabb)> = outcome
            .trajectory
            .iter()
            .flat_map(|t| &t.frames)
            .filter_map(|f| {
                let (_, pose) = f.poses.iter().find(|(l, _)| l == "payload")?;
                let pose = pose.to_scene_pose();
                Some((f.time_s, pose.position_m, aabb(&pose)))
            })
            .collect();
        let frames = if from_trajectory.len() >= 2 {
            from_trajectory
        } else {
            outcome
                .payload_path_m
                .iter()
                .map(|(t, p)| (*t, *p, aabb(&Pose::at(*p))))
                .collect()
        };
        let final_box = frames
            .last()
            .map(|f| f.2)
            .unwrap_or_else(|| aabb(&Pose::at(outcome.payload_final_m)));
        Self {
            frames,
            start: outcome.payload_start_m,
            end: outcome.payload_final_m,
            final_box,
        }
    }

    /// The horizontal axis the payload travelled most along (0 = x, 1 = y) and its sign.
    fn travel_axis(&self) -> usize {
        let dx = (self.end[0] - self.start[0]).abs();
        let dy = (self.end[1] - self.start[1]).abs();
        if dy > dx {
            1
        } else {
            0
        }
    }

    /// Where the payload's centre crosses the plane `axis = at`: the interpolated centre and
    /// the payload box of the nearer frame.
    fn crossing(&self, axis: usize, at: f64) -> Option<(Vec3, Aabb)> {
        self.frames.windows(2).find_map(|w| {
            let (a, b) = (w[0].1[axis] - at, w[1].1[axis] - at);
            if a == 0.0 || a.signum() != b.signum() {
                let s = if (a - b).abs() > 0.0 {
                    a / (a - b)
                } else {
                    0.0
                };
                let p = [0, 1, 2].map(|i| w[0].1[i] + s * (w[1].1[i] - w[0].1[i]));
                let half = [0, 1, 2].map(|i| 0.5 * (w[0].2.max_m[i] - w[0].2.min_m[i]));
                Some((p, Aabb::from_center_half_extents(p, half)))
            } else {
                None
            }
        })
    }
}

fn displacement_findings(
    intent: &Intent,
    path: &Path,
    settings: &FidelitySettings,
    out: &mut Vec<Finding>,
) {
    let d = &intent.displacement;
    let dz = path.end[2] - path.start[2];
    let horizontal = (path.end[0] - path.start[0]).hypot(path.end[1] - path.start[1]);
    if let Some(rise) = d.rise_m {
        let t = tol(settings, rise);
        if (dz - rise).abs() > t {
            out.push(Finding::new(
                "rise",
                format!("rise: payload rose {dz:+.3} m, theme asks {rise:+.3} m ± {t:.3}"),
            ));
        }
    }
    if let Some(drop) = d.drop_m {
        let t = tol(settings, drop);
        if (-dz - drop).abs() > t {
            out.push(Finding::new(
                "drop",
                format!(
                    "drop: payload dropped {:+.3} m, theme asks {drop:+.3} m ± {t:.3}",
                    -dz
                ),
            ));
        }
    }
    if let Some(dist) = d.horizontal_m {
        let t = tol(settings, dist);
        if (horizontal - dist).abs() > t {
            out.push(Finding::new(
                "distance",
                format!(
                    "distance: payload moved {horizontal:.3} m horizontally, theme asks {dist:.3} m ± {t:.3}"
                ),
            ));
        }
    }
    match d.direction {
        Some(Direction::Up) if dz <= settings.displacement_tolerance_m => out.push(Finding::new(
            "direction",
            format!("direction: payload rose {dz:+.3} m, theme asks it to go up"),
        )),
        Some(Direction::Down) if dz >= 0.0 => out.push(Finding::new(
            "direction",
            format!("direction: payload rose {dz:+.3} m, theme asks it to go down"),
        )),
        _ => {}
    }
    if let Some(fall) = d.fall_m {
        let t = tol(settings, fall);
        let measured = free_fall_m(path);
        if (measured - fall).abs() > t {
            out.push(Finding::new(
                "fall",
                format!(
                    "fall: payload fell freely {measured:.3} m before its first contact, theme asks {fall:.3} m ± {t:.3}"
                ),
            ));
        }
    }
}

/// How far the payload fell freely from its start before anything touched it, in metres:
/// up to the first frame after which its vertical acceleration is no longer gravity's.
fn free_fall_m(path: &Path) -> f64 {
    let f = &path.frames;
    let (Some(first), Some(last)) = (f.first(), f.last()) else {
        return 0.0;
    };
    let g = -crate::scene::GRAVITY_Z_MPS2;
    for k in 1..f.len().saturating_sub(1) {
        let (t0, t1, t2) = (f[k - 1].0, f[k].0, f[k + 1].0);
        if t1 <= t0 || t2 <= t1 {
            continue;
        }
        let v1 = (f[k].1[2] - f[k - 1].1[2]) / (t1 - t0);
        let v2 = (f[k + 1].1[2] - f[k].1[2]) / (t2 - t1);
        let accel = (v2 - v1) / (0.5 * (t2 - t0));
        if accel > -0.5 * g {
            // The contact came between frames k and k+1: count half of that step's fall.
            return first.1[2] - f[k].1[2] + 0.5 * v1.abs() * (t2 - t1);
        }
    }
    first.1[2] - last.1[2]
}

fn relation_findings(
    intent: &Intent,
    scene: &Scene,
    solution: &[Fixture],
    path: &Path,
    settings: &FidelitySettings,
    out: &mut Vec<Finding>,
) {
    let axis = path.travel_axis();
    let side = 1 - axis;
    let tol_c = settings.contact_tolerance_m;
    for r in &intent.relations {
        let fixtures = element_fixtures(scene, solution, r.element);
        let Some(b) = union(&fixtures) else {
            // The missing element is already reported.
            continue;
        };
        let name = format!("{}({})", r.relation.name(), r.element.name());
        let rule = r.relation.name();
        let fail = |out: &mut Vec<Finding>, msg: String| {
            out.push(Finding::new(rule, format!("{name}: {msg}")));
        };
        match r.relation {
            Relation::Through | Relation::Under | Relation::Over => {
                if r.element == ElementKind::Gap {
                    continue;
                }
                let at = b.center_m()[axis];
                let Some((p, pb)) = path.crossing(axis, at) else {
                    fail(out, format!("the payload never crossed the {}'s plane ({} = {at:.3} m) in the solution run", r.element.name(), ["x", "y"][axis]));
                    continue;
                };
                let within_side = pb.max_m[side] > b.min_m[side] && pb.min_m[side] < b.max_m[side];
                if !within_side {
                    fail(
                        out,
                        format!(
                            "the payload crossed at {} = {:.3} m, beside the {} ({:.3}..{:.3} m)",
                            ["x", "y"][side],
                            p[side],
                            r.element.name(),
                            b.min_m[side],
                            b.max_m[side]
                        ),
                    );
                    continue;
                }
                // Parts of the element in the payload's lane.
                let lane: Vec<Aabb> = fixtures
                    .iter()
                    .flat_map(|f| f.parts.iter().map(|part| part_world_aabb(&f.pose, part)))
                    .filter(|a| a.max_m[side] > p[side] - 1e-9 && a.min_m[side] < p[side] + 1e-9)
                    .filter(|a| a.max_m[axis] > at - 0.5 * (b.max_m[axis] - b.min_m[axis]) - 1e-9)
                    .collect();
                match r.relation {
                    Relation::Through => {
                        if !(pb.max_m[2] > b.min_m[2] && pb.min_m[2] < b.max_m[2]) {
                            fail(out, format!("the payload crossed at z = {:.3} m, outside the {}'s height {:.3}..{:.3} m", p[2], r.element.name(), b.min_m[2], b.max_m[2]));
                        }
                    }
                    Relation::Under => {
                        let above = lane
                            .iter()
                            .filter(|a| a.min_m[2] > p[2])
                            .map(|a| a.min_m[2])
                            .fold(f64::INFINITY, f64::min);
                        if !above.is_finite() {
                            fail(out, format!("nothing of the {} stands above the payload where it crossed (z = {:.3} m)", r.element.name(), p[2]));
                        } else if pb.max_m[2] > above + tol_c {
                            fail(out, format!("the payload's top was at {:.3} m, above the {}'s underside {above:.3} m", pb.max_m[2], r.element.name()));
                        }
                    }
                    _ => {
                        let top = lane
                            .iter()
                            .filter(|a| a.min_m[2] < p[2])
                            .map(|a| a.max_m[2])
                            .fold(f64::NEG_INFINITY, f64::max);
                        let top = if top.is_finite() { top } else { b.max_m[2] };
                        if pb.min_m[2] < top - tol_c {
                            fail(out, format!("the payload's bottom was at {:.3} m, below the {}'s top {top:.3} m", pb.min_m[2], r.element.name()));
                        }
                    }
                }
            }
            Relation::Across => {
                let mut boxes: Vec<Aabb> = fixtures.iter().map(|f| fixture_world_aabb(f)).collect();
                boxes.sort_by(|a, b| a.min_m[axis].total_cmp(&b.min_m[axis]));
                let (Some(first), Some(last)) = (boxes.first().copied(), boxes.last().copied())
                else {
                    continue;
                };
                let (lo, hi) = (first.max_m[axis], last.min_m[axis]);
                let floor = first.max_m[2].min(last.max_m[2]);
                let started = path.start[axis] < lo;
                let arrived = path.end[axis] > hi;
                if !(started && arrived) {
                    fail(out, format!("the payload went from {} = {:.3} m to {:.3} m; the {} spans {lo:.3}..{hi:.3} m", ["x", "y"][axis], path.start[axis], path.end[axis], r.element.name()));
                    continue;
                }
                let dipped = path
                    .frames
                    .iter()
                    .filter(|f| f.1[axis] > lo && f.1[axis] < hi)
                    .map(|f| f.2.min_m[2])
                    .fold(f64::INFINITY, f64::min);
                if dipped < floor - tol_c {
                    fail(out, format!("over the {} the payload's bottom dipped to {dipped:.3} m, below the decks' top {floor:.3} m", r.element.name()));
                }
            }
            Relation::Past => {
                let before = path.start[axis] < b.min_m[axis] && path.end[axis] > b.max_m[axis];
                let after = path.start[axis] > b.max_m[axis] && path.end[axis] < b.min_m[axis];
                if !(before || after) {
                    fail(out, format!("the payload went from {} = {:.3} m to {:.3} m without passing the {} ({:.3}..{:.3} m)", ["x", "y"][axis], path.start[axis], path.end[axis], r.element.name(), b.min_m[axis], b.max_m[axis]));
                }
            }
            Relation::Onto if !r.goal => {
                let touched = path
                    .frames
                    .iter()
                    .map(|f| {
                        fixtures
                            .iter()
                            .flat_map(|fx| {
                                fx.parts
                                    .iter()
                                    .map(|part| distance_to_part(&fx.pose, part, f.1))
                            })
                            .fold(f64::INFINITY, f64::min)
                            - 0.5 * (f.2.max_m[2] - f.2.min_m[2])
                    })
                    .fold(f64::INFINITY, f64::min);
                if touched > tol_c {
                    fail(
                        out,
                        format!(
                            "the payload came no closer than {touched:.3} m to the {}",
                            r.element.name()
                        ),
                    );
                }
            }
            Relation::Onto => {
                let c = path.end;
                let under: Vec<Aabb> = fixtures
                    .iter()
                    .flat_map(|f| f.parts.iter().map(|part| part_world_aabb(&f.pose, part)))
                    .filter(|a| {
                        (0..2).all(|i| a.min_m[i] <= c[i] && c[i] <= a.max_m[i])
                            && a.max_m[2] <= c[2]
                    })
                    .collect();
                let top = under
                    .iter()
                    .map(|a| a.max_m[2])
                    .fold(f64::NEG_INFINITY, f64::max);
                if !top.is_finite() {
                    fail(
                        out,
                        format!(
                            "the payload ended at {}, not above the {} ({})",
                            super::fmt_point(c),
                            r.element.name(),
                            super::fmt_box(&b)
                        ),
                    );
                } else if (path.final_box.min_m[2] - top).abs() > tol_c {
                    fail(
                        out,
                        format!(
                            "the payload's bottom ended at {:.3} m, the {}'s top is at {top:.3} m",
                            path.final_box.min_m[2],
                            r.element.name()
                        ),
                    );
                }
            }
            Relation::Into => {
                if !b.contains_point(path.end) {
                    fail(
                        out,
                        format!(
                            "the payload ended at {}, outside the {} {}",
                            super::fmt_point(path.end),
                            r.element.name(),
                            super::fmt_box(&b)
                        ),
                    );
                }
            }
            Relation::Around => {
                let axis_xy = [b.center_m()[0], b.center_m()[1]];
                let fb = path.final_box;
                let threaded = (0..2).all(|i| fb.min_m[i] < axis_xy[i] && axis_xy[i] < fb.max_m[i])
                    && fb.min_m[2] < b.max_m[2]
                    && fb.max_m[2] > b.min_m[2];
                if !threaded {
                    fail(out, format!("the {}'s axis at [{:.3}, {:.3}] does not pass through the payload's final box {}", r.element.name(), axis_xy[0], axis_xy[1], super::fmt_box(&fb)));
                }
            }
            Relation::Off => {
                let c = path.end;
                let over = (0..2).all(|i| b.min_m[i] <= c[i] && c[i] <= b.max_m[i]);
                if over || path.final_box.min_m[2] >= b.max_m[2] - tol_c {
                    fail(
                        out,
                        format!(
                            "the payload ended at {}, still on the {} (top {:.3} m)",
                            super::fmt_point(c),
                            r.element.name(),
                            b.max_m[2]
                        ),
                    );
                }
            }
        }
    }
}

/// Distance from point `p` to one primitive of a fixture (exact for boxes and spheres, the
/// local bounding box for the rest), in metres.
fn distance_to_part(body: &Pose, part: &Part, p: Vec3) -> f64 {
    if let Shape::Sphere { radius_m } = part.shape {
        let c = to_world(body, &part.local_pose, [0.0; 3]);
        let d = (0..3).map(|i| (p[i] - c[i]).powi(2)).sum::<f64>().sqrt();
        return (d - radius_m).max(0.0);
    }
    // Into the part's frame: undo the body pose, then the local pose.
    let local = inverse(&part.local_pose, inverse(body, p));
    let h = part.shape.local_half_extents_m();
    (0..3)
        .map(|i| (local[i].abs() - h[i]).max(0.0).powi(2))
        .sum::<f64>()
        .sqrt()
}

fn to_world(body: &Pose, local_pose: &Pose, v: Vec3) -> Vec3 {
    let r = rotation::rotate(local_pose.rotation_deg, v);
    let m = [0, 1, 2].map(|i| r[i] + local_pose.position_m[i]);
    let w = rotation::rotate(body.rotation_deg, m);
    [0, 1, 2].map(|i| w[i] + body.position_m[i])
}

/// The point `p` expressed in the frame of `pose`.
fn inverse(pose: &Pose, p: Vec3) -> Vec3 {
    let d = [0, 1, 2].map(|i| p[i] - pose.position_m[i]);
    // Extrinsic X→Y→Z is R = Rz·Ry·Rx; its inverse applies -z, then -y, then -x.
    let [rx, ry, rz] = pose.rotation_deg;
    let v = rotation::rotate([0.0, 0.0, -rz], d);
    let v = rotation::rotate([0.0, -ry, 0.0], v);
    rotation::rotate([-rx, 0.0, 0.0], v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_undoes_a_rotated_pose() {
        let pose = Pose {
            position_m: [1.0, 2.0, 3.0],
            rotation_deg: [20.0, -35.0, 70.0],
        };
        let local = [0.3, -0.2, 0.5];
        let world = to_world(&pose, &Pose::default(), local);
        let back = inverse(&pose, world);
        for i in 0..3 {
            assert!((back[i] - local[i]).abs() < 1e-9, "{back:?}");
        }
    }
}

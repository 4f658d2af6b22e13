//! Gate 2, consistency: the zones, labels and payload of one built scene agree with each
//! other (DESIGN.md gate 2), before any physics runs. One rule id per rule; every message
//! names the zones or labels involved and the numbers in metres.

use std::collections::HashSet;

use super::{fixture_world_aabb, fmt_box};
use crate::report::Finding;
use crate::scene::{Aabb, Fixture, Scene, Shape, Vec3, RESERVED_LABELS};
use crate::script::limits::{fmt_number, MAX_MAGNITUDE_M, MIN_SIZE_M};

/// Rule ids of gate 2, stable for reports and feedback.
pub mod rule {
    /// A box whose min is not strictly below its max on some axis.
    pub const ZONE_INVERTED: &str = "zone_inverted";
    /// A size that is NaN, infinite, not positive, below 0.1 mm or beyond 1 km.
    pub const SIZE_INVALID: &str = "size_invalid";
    /// A coordinate that is NaN, infinite or beyond 1 km.
    pub const COORDINATE_INVALID: &str = "coordinate_invalid";
    /// Two fixtures (or two solution parts) with the same label.
    pub const LABEL_DUPLICATE: &str = "label_duplicate";
    /// A fixture label the scene reserves for its own roles.
    pub const LABEL_RESERVED: &str = "label_reserved";
    /// Two forbid zones with the same name.
    pub const FORBID_NAME_DUPLICATE: &str = "forbid_name_duplicate";
    /// A joint naming a fixture that does not exist, or the same fixture twice.
    pub const JOINT_UNKNOWN_PART: &str = "joint_unknown_part";
    /// The goal zone overlaps a forbid zone.
    pub const GOAL_IN_FORBID_ZONE: &str = "goal_in_forbid_zone";
    /// The goal zone and the build zone share no volume.
    pub const GOAL_OUTSIDE_BUILD_ZONE: &str = "goal_outside_build_zone";
    /// The build zone is not inside the bounds.
    pub const BUILD_ZONE_OUTSIDE_BOUNDS: &str = "build_zone_outside_bounds";
    /// The payload's spawn envelope leaves the build zone.
    pub const SPAWN_OUTSIDE_BUILD_ZONE: &str = "spawn_outside_build_zone";
    /// The payload's spawn envelope touches a forbid zone.
    pub const SPAWN_IN_FORBID_ZONE: &str = "spawn_in_forbid_zone";
    /// The payload at its largest does not fit inside the goal zone.
    pub const PAYLOAD_LARGER_THAN_GOAL: &str = "payload_larger_than_goal";
    /// A solution part reaches outside the build zone.
    pub const SOLUTION_OUTSIDE_BUILD_ZONE: &str = "solution_outside_build_zone";
    /// A solution part reuses a label of the scene.
    pub const SOLUTION_LABEL_CONFLICT: &str = "solution_label_conflict";
    /// More parts, joints, shapes or hull points than the limits allow.
    pub const SCENE_TOO_LARGE: &str = "scene_too_large";
    /// A joint limit that is NaN, infinite or beyond its physical range.
    pub const JOINT_LIMIT_INVALID: &str = "joint_limit_invalid";
    /// A joint motor with a parameter that is NaN, infinite or beyond its physical limit
    /// (`limits.motor_*`).
    pub const MOTOR_INVALID: &str = "motor_invalid";
    /// A spring with a parameter that is NaN, infinite or beyond its physical limit
    /// (`limits.spring_*`).
    pub const SPRING_INVALID: &str = "spring_invalid";
}

/// Every rule id of gate 2, in the order they are checked.
pub const RULES: &[&str] = &[
    rule::ZONE_INVERTED,
    rule::SIZE_INVALID,
    rule::COORDINATE_INVALID,
    rule::LABEL_DUPLICATE,
    rule::LABEL_RESERVED,
    rule::FORBID_NAME_DUPLICATE,
    rule::JOINT_UNKNOWN_PART,
    rule::GOAL_IN_FORBID_ZONE,
    rule::GOAL_OUTSIDE_BUILD_ZONE,
    rule::BUILD_ZONE_OUTSIDE_BOUNDS,
    rule::SPAWN_OUTSIDE_BUILD_ZONE,
    rule::SPAWN_IN_FORBID_ZONE,
    rule::PAYLOAD_LARGER_THAN_GOAL,
    rule::SOLUTION_OUTSIDE_BUILD_ZONE,
    rule::SOLUTION_LABEL_CONFLICT,
    rule::SCENE_TOO_LARGE,
    rule::JOINT_LIMIT_INVALID,
    rule::MOTOR_INVALID,
];

/// Tolerance for containment, in metres: floating-point noise must not fail a scene that
/// is built flush against a zone face.
const CONTAIN_TOLERANCE_M: f64 = 1e-9;

const AXES: [&str; 3] = ["x", "y", "z"];

/// Runs every rule of gate 2 on one scene and its optional reference solution.
pub fn check(scene: &Scene, solution: Option<&[Fixture]>) -> Vec<Finding> {
    let mut findings = Vec::new();
    // A scene beyond the size limits is refused before anything walks it (a million
    // joints would otherwise cost a finding each).
    if !check_size(scene, solution, &mut findings) {
        return findings;
    }
    check_values(scene, solution, &mut findings);
    check_joint_limits(scene, &mut findings);
    let zones_ok = check_zones_proper(scene, &mut findings);
    check_labels(scene, solution, &mut findings);
    if zones_ok {
        check_zone_relations(scene, &mut findings);
        check_payload(scene, &mut findings);
        if let Some(parts) = solution {
            check_solution_placement(scene, parts, &mut findings);
        }
    }
    findings
}

fn named_zones(scene: &Scene) -> Vec<(String, Aabb)> {
    let mut zones = vec![
        ("bounds".to_string(), scene.bounds),
        ("goal zone".to_string(), scene.goal_zone),
        ("build zone".to_string(), scene.build_zone),
    ];
    zones.extend(
        scene
            .forbid_zones
            .iter()
            .map(|f| (format!("forbid zone \"{}\"", f.name), f.zone)),
    );
    zones
}

fn check_zones_proper(scene: &Scene, findings: &mut Vec<Finding>) -> bool {
    let before = findings.len();
    for (name, zone) in named_zones(scene) {
        for (axis, axis_name) in AXES.iter().enumerate() {
            let (lo, hi) = (zone.min_m[axis], zone.max_m[axis]);
            if lo.is_finite() && hi.is_finite() && lo >= hi {
                findings.push(Finding::new(
                    rule::ZONE_INVERTED,
                    format!(
                        "{name} {}: min {axis_name} = {lo:.3} m is not below max {axis_name} = {hi:.3} m; min_m must be the corner with the smallest x, y, z",
                        fmt_box(&zone),
                    ),
                ));
            }
        }
    }
    findings.len() == before
}

fn check_coordinate(what: &str, p: Vec3, findings: &mut Vec<Finding>) {
    for (axis, v) in p.iter().enumerate() {
        if !v.is_finite() || v.abs() > MAX_MAGNITUDE_M {
            findings.push(Finding::new(
                rule::COORDINATE_INVALID,
                format!(
                    "{what} {} = {v} m is not a finite coordinate within ±{MAX_MAGNITUDE_M} m",
                    AXES[axis]
                ),
            ));
        }
    }
}

fn check_length(what: &str, v: f64, findings: &mut Vec<Finding>) {
    if !v.is_finite() || !(MIN_SIZE_M..=MAX_MAGNITUDE_M).contains(&v) {
        findings.push(Finding::new(
            rule::SIZE_INVALID,
            format!("{what} = {v} m is not a size between {MIN_SIZE_M} m and {MAX_MAGNITUDE_M} m"),
        ));
    }
}

fn check_shape(what: &str, shape: &Shape, findings: &mut Vec<Finding>) {
    match shape {
        Shape::Box { size_m } => {
            for (axis, v) in size_m.iter().enumerate() {
                check_length(&format!("{what} box size {}", AXES[axis]), *v, findings);
            }
        }
        Shape::Sphere { radius_m } => {
            check_length(&format!("{what} sphere radius"), *radius_m, findings)
        }
        Shape::Cylinder { radius_m, length_m } | Shape::Capsule { radius_m, length_m } => {
            check_length(
                &format!("{what} {} radius", shape.kind_name()),
                *radius_m,
                findings,
            );
            check_length(
                &format!("{what} {} length", shape.kind_name()),
                *length_m,
                findings,
            );
        }
        Shape::ConvexHull { points_m } => {
            if points_m.len() < 4 {
                findings.push(Finding::new(
                    rule::SIZE_INVALID,
                    format!(
                        "{what} convex hull has {} points; it needs at least 4",
                        points_m.len()
                    ),
                ));
            }
            for p in points_m {
                check_coordinate(&format!("{what} hull point"), *p, findings);
            }
        }
    }
}

fn check_values(scene: &Scene, solution: Option<&[Fixture]>, findings: &mut Vec<Finding>) {
    for (name, zone) in named_zones(scene) {
        check_coordinate(&format!("{name} min"), zone.min_m, findings);
        check_coordinate(&format!("{name} max"), zone.max_m, findings);
    }
    let solution_parts = solution.unwrap_or_default();
    for (owner, fixture) in scene
        .fixtures
        .iter()
        .map(|f| ("part", f))
        .chain(solution_parts.iter().map(|f| ("solution part", f)))
    {
        let what = format!("{owner} \"{}\"", fixture.label);
        check_coordinate(
            &format!("{what} position"),
            fixture.pose.position_m,
            findings,
        );
        if fixture.parts.is_empty() {
            findings.push(Finding::new(
                rule::SIZE_INVALID,
                format!("{what} has no shapes; add one with `p.box(size_m, center_m)`"),
            ));
        }
        for part in &fixture.parts {
            check_coordinate(
                &format!("{what} shape position"),
                part.local_pose.position_m,
                findings,
            );
            check_shape(&what, &part.shape, findings);
        }
    }
    let payload = &scene.payload;
    check_coordinate("payload start", payload.start_m, findings);
    check_shape("payload", &payload.shape, findings);
    let [lo, hi] = payload.size_factor_range;
    if !(lo > 0.0 && lo <= hi && hi.is_finite()) {
        findings.push(Finding::new(
            rule::SIZE_INVALID,
            format!("payload size range [{lo}, {hi}] must satisfy 0 < min <= max"),
        ));
    }
    for (axis, j) in payload.jitter_m.iter().enumerate() {
        if !j.is_finite() || *j < 0.0 || *j > MAX_MAGNITUDE_M {
            findings.push(Finding::new(
                rule::COORDINATE_INVALID,
                format!(
                    "payload jitter {} = {j} m must be a finite half-range >= 0",
                    AXES[axis]
                ),
            ));
        }
    }
}

/// The counts against `limits.parts`, `limits.joints`, `limits.shapes_per_part`,
/// `limits.shapes_total` and `limits.hull_points`; true when within them.
fn check_size(scene: &Scene, solution: Option<&[Fixture]>, findings: &mut Vec<Finding>) -> bool {
    let limits = crate::limits::current();
    let before = findings.len();
    let mut too_many = |what: String, count: usize, limit: u64, key: &str| {
        if count as u64 > limit {
            findings.push(Finding::new(
                rule::SCENE_TOO_LARGE,
                format!(
                    "{what} has {count}, more than the limit of {limit} (limits.{key}); use fewer"
                ),
            ));
        }
    };
    let solution = solution.unwrap_or_default();
    too_many(
        "the scene: parts".into(),
        scene.fixtures.len(),
        limits.parts,
        "parts",
    );
    too_many(
        "the solution: parts".into(),
        solution.len(),
        limits.parts,
        "parts",
    );
    too_many(
        "the scene: joints and springs".into(),
        scene.joints.len() + scene.springs.len(),
        limits.joints,
        "joints",
    );
    let shapes: usize = scene
        .fixtures
        .iter()
        .chain(solution)
        .map(|f| f.parts.len())
        .sum();
    too_many(
        "the scene: shapes".into(),
        shapes,
        limits.shapes_total,
        "shapes_total",
    );
    for fixture in scene.fixtures.iter().chain(solution) {
        too_many(
            format!("part \"{}\": shapes", fixture.label),
            fixture.parts.len(),
            limits.shapes_per_part,
            "shapes_per_part",
        );
        for part in &fixture.parts {
            if let Shape::ConvexHull { points_m } = &part.shape {
                too_many(
                    format!("part \"{}\": hull points", fixture.label),
                    points_m.len(),
                    limits.hull_points,
                    "hull_points",
                );
            }
        }
    }
    if let Shape::ConvexHull { points_m } = &scene.payload.shape {
        too_many(
            "the payload: hull points".into(),
            points_m.len(),
            limits.hull_points,
            "hull_points",
        );
    }
    findings.len() == before
}

/// Every motor's parameters within `limits.motor_*` (see [`crate::scene::Motor::problem`]);
/// `owner` says whose joints they are ("" for the scene's, "the solution's " for the
/// reference solution's).
pub fn check_motors(joints: &[crate::scene::Joint], owner: &str, findings: &mut Vec<Finding>) {
    let limits = crate::limits::current();
    for joint in joints {
        let Some(motor) = &joint.motor else { continue };
        if let Some(problem) = motor.problem(&joint.kind, &limits) {
            findings.push(Finding::new(
                rule::MOTOR_INVALID,
                format!(
                    "{owner}joint between \"{}\" and \"{}\": {problem}",
                    joint.fixture_a, joint.fixture_b
                ),
            ));
        }
    }
}

/// Every spring's parameters within `limits.spring_*` (see
/// [`crate::scene::Spring::problem`]); `owner` as for [`check_motors`].
pub fn check_springs(springs: &[crate::scene::Spring], owner: &str, findings: &mut Vec<Finding>) {
    let limits = crate::limits::current();
    for spring in springs {
        if let Some(problem) = spring.problem(&limits) {
            findings.push(Finding::new(
                rule::SPRING_INVALID,
                format!("{owner}{}: {problem}", spring.between()),
            ));
        }
    }
}

/// Joint limits within their physical range (±360° for hinges, ±1 km for sliders), motors
/// and springs within their limits, and the payload at its smallest still at least
/// [`MIN_SIZE_M`].
fn check_joint_limits(scene: &Scene, findings: &mut Vec<Finding>) {
    check_motors(&scene.joints, "", findings);
    check_springs(&scene.springs, "", findings);
    for joint in &scene.joints {
        let (limits, unit) = match joint.kind {
            crate::scene::JointKind::Revolute { limits_deg } => (limits_deg, "deg"),
            crate::scene::JointKind::Prismatic { limits_m } => (limits_m, "m"),
        };
        let Some([lo, hi]) = limits else { continue };
        let (bound, meaning) = crate::script::limits::joint_limit_range(unit);
        if !(lo.is_finite() && hi.is_finite() && lo.abs() <= bound && hi.abs() <= bound && lo <= hi)
        {
            findings.push(Finding::new(
                rule::JOINT_LIMIT_INVALID,
                format!(
                    "part \"{}\": its joint with \"{}\" has limits [{}, {}] {unit}; give lower <= upper within ±{bound} {unit} ({meaning})",
                    joint.fixture_a,
                    joint.fixture_b,
                    fmt_number(lo),
                    fmt_number(hi)
                ),
            ));
        }
    }
    let payload = &scene.payload;
    let smallest_factor = payload.size_factor_range[0];
    let smallest_m = match &payload.shape {
        Shape::Box { size_m } => size_m.iter().copied().fold(f64::INFINITY, f64::min),
        Shape::Sphere { radius_m } => *radius_m,
        Shape::Cylinder { radius_m, length_m } | Shape::Capsule { radius_m, length_m } => {
            radius_m.min(*length_m)
        }
        Shape::ConvexHull { .. } => f64::INFINITY,
    } * smallest_factor;
    if smallest_m.is_finite() && smallest_m < MIN_SIZE_M {
        findings.push(Finding::new(
            rule::SIZE_INVALID,
            format!(
                "part \"payload\": at its smallest size factor {} it measures {} m, below {MIN_SIZE_M} m; raise the size or the size range's minimum",
                fmt_number(smallest_factor),
                fmt_number(smallest_m)
            ),
        ));
    }
}

/// The reference solution's joints and springs: each joins two of its own parts, or one of
/// its parts and a fixed part of the scene (a solution may not hinge, drive or pull the
/// scene's moving parts), its motor is within `limits.motor_*` and its spring within
/// `limits.spring_*`.
pub fn check_solution_joints(
    scene: &Scene,
    solution: &crate::scene::Solution,
    findings: &mut Vec<Finding>,
) {
    let own = |label: &str| solution.parts.iter().any(|p| p.label == label);
    let joined = solution
        .joints
        .iter()
        .map(|j| ("joint", &j.fixture_a, &j.fixture_b))
        .chain(
            solution
                .springs
                .iter()
                .map(|s| ("spring", &s.fixture_a, &s.fixture_b)),
        );
    for (what, a, b) in joined {
        let problem = if !own(a) && !own(b) {
            Some(format!(
                "neither \"{a}\" nor \"{b}\" is a part of the solution; a solution {what} joins two solution parts, or a solution part and a fixed part of the scene"
            ))
        } else {
            [a, b].into_iter().filter(|l| !own(l)).find_map(|label| {
                match scene.fixture(label) {
                    None => Some(format!(
                        "\"{label}\" is neither a solution part nor a part of the scene"
                    )),
                    Some(f) if f.body != crate::scene::BodyKind::Fixed => Some(format!(
                        "scene part \"{label}\" is dynamic; a solution {what} may only hold on to a fixed part of the scene"
                    )),
                    Some(_) => None,
                }
            })
        };
        if let Some(why) = problem {
            findings.push(Finding::new(
                rule::JOINT_UNKNOWN_PART,
                format!("the solution's {what} between \"{a}\" and \"{b}\": {why}"),
            ));
        }
    }
    check_motors(&solution.joints, "the solution's ", findings);
    check_springs(&solution.springs, "the solution's ", findings);
}

fn check_labels(scene: &Scene, solution: Option<&[Fixture]>, findings: &mut Vec<Finding>) {
    let mut seen = HashSet::new();
    for fixture in &scene.fixtures {
        if !seen.insert(fixture.label.as_str()) {
            findings.push(Finding::new(
                rule::LABEL_DUPLICATE,
                format!(
                    "two parts are labelled \"{}\"; every part needs its own label",
                    fixture.label
                ),
            ));
        }
    }
    let mut solution_seen = HashSet::new();
    for fixture in solution.unwrap_or_default() {
        if !solution_seen.insert(fixture.label.as_str()) {
            findings.push(Finding::new(
                rule::LABEL_DUPLICATE,
                format!(
                    "two solution parts are labelled \"{}\"; every part needs its own label",
                    fixture.label
                ),
            ));
        }
        if seen.contains(fixture.label.as_str()) {
            findings.push(Finding::new(
                rule::SOLUTION_LABEL_CONFLICT,
                format!(
                    "solution part \"{}\" reuses the label of a scene part; give it its own label (e.g. \"{}_added\")",
                    fixture.label, fixture.label
                ),
            ));
        }
    }
    for fixture in scene.fixtures.iter().chain(solution.unwrap_or_default()) {
        if RESERVED_LABELS.contains(&fixture.label.as_str()) {
            findings.push(Finding::new(
                rule::LABEL_RESERVED,
                format!(
                    "label \"{}\" is reserved (reserved: {}); choose another",
                    fixture.label,
                    RESERVED_LABELS.join(", ")
                ),
            ));
        }
    }
    let mut names = HashSet::new();
    for zone in &scene.forbid_zones {
        if !names.insert(zone.name.as_str()) {
            findings.push(Finding::new(
                rule::FORBID_NAME_DUPLICATE,
                format!(
                    "two forbid zones are named \"{}\"; every forbid zone needs its own name",
                    zone.name
                ),
            ));
        }
    }
    let joined = scene
        .joints
        .iter()
        .map(|j| ("joint", &j.fixture_a, &j.fixture_b))
        .chain(
            scene
                .springs
                .iter()
                .map(|s| ("spring", &s.fixture_a, &s.fixture_b)),
        );
    for (what, a, b) in joined {
        for label in [a, b] {
            if scene.fixture(label).is_none() {
                findings.push(Finding::new(
                    rule::JOINT_UNKNOWN_PART,
                    format!("a {what} names part \"{label}\", but no part has that label"),
                ));
            }
        }
        if a == b {
            findings.push(Finding::new(
                rule::JOINT_UNKNOWN_PART,
                format!("a {what} joins part \"{a}\" to itself; it needs two different parts"),
            ));
        }
    }
}

/// How far `inner` sticks out of `outer` on each of the six sides, as ("+z", metres).
fn protrusions(inner: &Aabb, outer: &Aabb) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for (axis, name) in AXES.iter().enumerate() {
        let below = outer.min_m[axis] - inner.min_m[axis];
        if below > CONTAIN_TOLERANCE_M {
            out.push((format!("-{name}"), below));
        }
        let above = inner.max_m[axis] - outer.max_m[axis];
        if above > CONTAIN_TOLERANCE_M {
            out.push((format!("+{name}"), above));
        }
    }
    out
}

fn fmt_protrusions(sides: &[(String, f64)]) -> String {
    sides
        .iter()
        .map(|(side, by)| format!("on {side} by {by:.3} m"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn fmt_size(s: Vec3) -> String {
    format!("{:.3} × {:.3} × {:.3} m", s[0], s[1], s[2])
}

fn check_zone_relations(scene: &Scene, findings: &mut Vec<Finding>) {
    for forbid in &scene.forbid_zones {
        if let Some(shared) = scene.goal_zone.intersection(&forbid.zone) {
            findings.push(Finding::new(
                rule::GOAL_IN_FORBID_ZONE,
                format!(
                    "goal zone {} overlaps forbid zone \"{}\" {} by {}; the payload could never be in the goal without entering it",
                    fmt_box(&scene.goal_zone),
                    forbid.name,
                    fmt_box(&forbid.zone),
                    fmt_size(shared.size_m())
                ),
            ));
        }
    }
    if !scene.goal_zone.intersects(&scene.build_zone) {
        let gap = (0..3)
            .map(|axis| {
                (scene.goal_zone.min_m[axis] - scene.build_zone.max_m[axis])
                    .max(scene.build_zone.min_m[axis] - scene.goal_zone.max_m[axis])
            })
            .fold(f64::MIN, f64::max)
            .max(0.0);
        findings.push(Finding::new(
            rule::GOAL_OUTSIDE_BUILD_ZONE,
            format!(
                "goal zone {} does not overlap build zone {} (gap {gap:.3} m); the build zone must reach into the goal zone",
                fmt_box(&scene.goal_zone),
                fmt_box(&scene.build_zone)
            ),
        ));
    }
    let out = protrusions(&scene.build_zone, &scene.bounds);
    if !out.is_empty() {
        findings.push(Finding::new(
            rule::BUILD_ZONE_OUTSIDE_BOUNDS,
            format!(
                "build zone {} leaves bounds {} {}",
                fmt_box(&scene.build_zone),
                fmt_box(&scene.bounds),
                fmt_protrusions(&out)
            ),
        ));
    }
}

fn check_payload(scene: &Scene, findings: &mut Vec<Finding>) {
    let envelope = scene.payload.spawn_envelope();
    let out = protrusions(&envelope, &scene.build_zone);
    if !out.is_empty() {
        findings.push(Finding::new(
            rule::SPAWN_OUTSIDE_BUILD_ZONE,
            format!(
                "payload spawn envelope {} leaves build zone {} {}",
                fmt_box(&envelope),
                fmt_box(&scene.build_zone),
                fmt_protrusions(&out)
            ),
        ));
    }
    for forbid in &scene.forbid_zones {
        if let Some(shared) = envelope.intersection(&forbid.zone) {
            findings.push(Finding::new(
                rule::SPAWN_IN_FORBID_ZONE,
                format!(
                    "payload spawn envelope {} overlaps forbid zone \"{}\" {} by {}",
                    fmt_box(&envelope),
                    forbid.name,
                    fmt_box(&forbid.zone),
                    fmt_size(shared.size_m())
                ),
            ));
        }
    }
    let payload_size = scene.payload.max_half_extents_m().map(|h| 2.0 * h);
    let goal_size = scene.goal_zone.size_m();
    let too_big: Vec<String> = (0..3)
        .filter(|&axis| payload_size[axis] > goal_size[axis] + CONTAIN_TOLERANCE_M)
        .map(|axis| {
            format!(
                "along {} by {:.3} m",
                AXES[axis],
                payload_size[axis] - goal_size[axis]
            )
        })
        .collect();
    if !too_big.is_empty() {
        findings.push(Finding::new(
            rule::PAYLOAD_LARGER_THAN_GOAL,
            format!(
                "payload at its largest ({}) does not fit in goal zone {} ({}) {}",
                fmt_size(payload_size),
                fmt_box(&scene.goal_zone),
                fmt_size(goal_size),
                too_big.join(", ")
            ),
        ));
    }
}

fn check_solution_placement(scene: &Scene, parts: &[Fixture], findings: &mut Vec<Finding>) {
    for part in parts {
        let extent = fixture_world_aabb(part);
        let out = protrusions(&extent, &scene.build_zone);
        if !out.is_empty() {
            findings.push(Finding::new(
                rule::SOLUTION_OUTSIDE_BUILD_ZONE,
                format!(
                    "solution part \"{}\" {} leaves build zone {} {}",
                    part.label,
                    fmt_box(&extent),
                    fmt_box(&scene.build_zone),
                    fmt_protrusions(&out)
                ),
            ));
        }
    }
}

#[cfg(test)]
mod limit_tests {
    use super::*;
    use crate::scene::{Joint, JointKind};

    fn base() -> Scene {
        crate::physics::tests::ball_on_floor()
    }

    fn rules(scene: &Scene) -> Vec<String> {
        check(scene, None)
            .into_iter()
            .map(|f| format!("{}: {}", f.rule, f.message))
            .collect()
    }

    #[test]
    fn two_hundred_thousand_joints_are_refused_by_count_alone() {
        let mut scene = base();
        let joint = Joint {
            fixture_a: "floor".into(),
            fixture_b: "floor".into(),
            anchor_m: [0.0; 3],
            axis: [1.0, 0.0, 0.0],
            kind: JointKind::Revolute { limits_deg: None },
            motor: None,
        };
        scene.joints = vec![joint; 200_000];
        let found = rules(&scene);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("scene_too_large: the scene: joints and springs has 200000"),
            "{}",
            found[0]
        );
        assert!(found[0].contains("limits.joints"), "{}", found[0]);
    }

    #[test]
    fn joint_limits_of_1e308_and_a_payload_of_1e_8_m_are_refused_by_part() {
        let mut scene = base();
        let mut hinge = scene.fixtures[0].clone();
        hinge.label = "flap".into();
        hinge.body = crate::scene::BodyKind::Dynamic;
        hinge.pose.position_m = [0.0, 0.0, 0.6];
        scene.fixtures.push(hinge);
        scene.joints.push(Joint {
            fixture_a: "flap".into(),
            fixture_b: "floor".into(),
            anchor_m: [0.0, 0.0, 0.5],
            axis: [1.0, 0.0, 0.0],
            kind: JointKind::Revolute {
                limits_deg: Some([-1e308, 1e308]),
            },
            motor: None,
        });
        scene.payload.size_factor_range = [1e-6, 1.0];
        scene.payload.shape = Shape::Sphere { radius_m: 0.01 };
        let found = rules(&scene);
        assert!(
            found
                .iter()
                .any(|f| f.starts_with("joint_limit_invalid: part \"flap\"")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|f| f.contains("part \"payload\": at its smallest size factor")),
            "{found:?}"
        );
    }
}

//! Gate 3, geometry: at t = 0, by the physics engine's own shape queries — no two fixtures
//! interpenetrate (jointed pairs excepted), the payload overlaps no fixture at its spawn,
//! every fixture lies inside the bounds, and fixtures fill at most half of the goal zone.

use crate::gates::overlap::{
    body_aabb, fmt_m, overlaps_bounded, point_inside, sticking_out, OverlapScan,
};
use crate::physics::{build_world, BodyRole, PhysicsSettings, SceneWorld};
use crate::report::{Finding, GateId, GateResult};
use crate::scene::Scene;
use crate::variant::PayloadSpawn;

/// Grid points per axis sampled inside the goal zone to measure how much of it is blocked.
const GOAL_SAMPLES_PER_AXIS: usize = 8;

/// Runs gate 3 on one variant. A panic inside becomes a failed gate with its message.
pub fn check_geometry(
    scene: &Scene,
    spawn: &PayloadSpawn,
    settings: &PhysicsSettings,
) -> GateResult {
    let findings = crate::guard::catch_panic(|| match build_world(scene, spawn, &[]) {
        Ok(world) => geometry_findings(scene, &world, settings),
        Err(err) => vec![Finding::new("scene_not_buildable", err.to_string())],
    })
    .unwrap_or_else(|panic| {
        vec![Finding::new(
            "physics_panicked",
            format!("the physics engine crashed while checking geometry: {panic}"),
        )]
    });
    GateResult::from_findings(GateId::Geometry, findings)
}

/// The findings of gate 3 on a built world (fixtures and payload only).
pub fn geometry_findings(
    scene: &Scene,
    world: &SceneWorld,
    settings: &PhysicsSettings,
) -> Vec<Finding> {
    let tol = settings.penetration_tolerance_m;
    let role = |i: usize| world.bodies[i].role;
    let label = |i: usize| world.bodies[i].label.as_str();
    let mut findings = Vec::new();

    let fixtures = overlaps_bounded(world, tol, |a, b| {
        role(a) == BodyRole::Fixture && role(b) == BodyRole::Fixture
    });
    if cut_short(&fixtures, &mut findings) {
        return findings;
    }
    for o in fixtures.found {
        findings.push(Finding::new(
            "fixtures_overlap",
            format!(
                "parts \"{}\" and \"{}\" interpenetrate by {:.4} m near {} (tolerance {} m); \
                 move them apart so they only touch, or join them with a joint",
                label(o.body_a),
                label(o.body_b),
                o.depth_m,
                fmt_m(o.point_m),
                tol
            ),
        ));
    }
    let payload = overlaps_bounded(world, tol, |a, b| {
        (role(a) == BodyRole::Payload) != (role(b) == BodyRole::Payload)
            && role(a) != BodyRole::Solution
            && role(b) != BodyRole::Solution
    });
    if cut_short(&payload, &mut findings) {
        return findings;
    }
    for o in payload.found {
        let part = if role(o.body_a) == BodyRole::Payload {
            o.body_b
        } else {
            o.body_a
        };
        let spawn = world.bodies[world.payload].start_pose.translation;
        findings.push(Finding::new(
            "payload_overlaps_fixture",
            format!(
                "the payload spawning at {} overlaps part \"{}\" by {:.4} m near {} (tolerance {} m); \
                 move the payload start or its jitter away from the part, or move the part",
                fmt_m(crate::physics::world::from_vector(spawn)),
                label(part),
                o.depth_m,
                fmt_m(o.point_m),
                tol
            ),
        ));
    }
    for (i, body) in world.bodies.iter().enumerate() {
        if body.role != BodyRole::Fixture {
            continue;
        }
        let Some(aabb) = body_aabb(world, i) else {
            continue;
        };
        if let Some((side, by)) = sticking_out(&aabb, &scene.bounds, tol).first() {
            findings.push(Finding::new(
                "fixture_outside_bounds",
                format!(
                    "part \"{}\" sticks out of the simulation bounds through {side} by {by:.4} m \
                     (part spans {} to {}, bounds {} to {}); move or shrink it, or enlarge the bounds",
                    body.label,
                    fmt_m(aabb.min_m),
                    fmt_m(aabb.max_m),
                    fmt_m(scene.bounds.min_m),
                    fmt_m(scene.bounds.max_m)
                ),
            ));
        }
    }
    if let Some(finding) = goal_obstruction(scene, world, settings) {
        findings.push(finding);
    }
    findings
}

/// Rule id: a check stopped at the gate time limit.
pub const RULE_GATE_TIME_LIMIT: &str = "gate_time_limit";

/// Adds the finding of a check that stopped at the gate time limit; true when it did (the
/// gate then fails without the rest, which would take as long).
fn cut_short(scan: &OverlapScan, findings: &mut Vec<Finding>) -> bool {
    if let Some(reason) = &scan.cut_short {
        findings.push(Finding::new(RULE_GATE_TIME_LIMIT, reason.clone()));
        true
    } else {
        false
    }
}

fn goal_obstruction(
    scene: &Scene,
    world: &SceneWorld,
    settings: &PhysicsSettings,
) -> Option<Finding> {
    let n = GOAL_SAMPLES_PER_AXIS;
    let goal = &scene.goal_zone;
    let mut blocked_by = vec![0usize; world.bodies.len()];
    let mut blocked = 0usize;
    for ix in 0..n {
        for iy in 0..n {
            for iz in 0..n {
                let at = |axis: usize, k: usize| {
                    goal.min_m[axis]
                        + (k as f64 + 0.5) / n as f64 * (goal.max_m[axis] - goal.min_m[axis])
                };
                let p = [at(0, ix), at(1, iy), at(2, iz)];
                if let Some(body) =
                    point_inside(world, p, |b| world.bodies[b].role == BodyRole::Fixture)
                {
                    blocked += 1;
                    blocked_by[body] += 1;
                }
            }
        }
    }
    let total = n * n * n;
    let fraction = blocked as f64 / total as f64;
    if fraction <= settings.max_goal_obstruction {
        return None;
    }
    let mut culprits: Vec<(usize, usize)> = blocked_by
        .into_iter()
        .enumerate()
        .filter(|(_, c)| *c > 0)
        .collect();
    culprits.sort_by_key(|c| std::cmp::Reverse(c.1));
    let names: Vec<String> = culprits
        .iter()
        .map(|(i, c)| {
            format!(
                "\"{}\" {:.0}%",
                world.bodies[*i].label,
                100.0 * *c as f64 / total as f64
            )
        })
        .collect();
    Some(Finding::new(
        "goal_obstructed",
        format!(
            "{:.0}% of the goal zone {} to {} is inside parts ({}), more than the allowed {:.0}%; \
             move the parts out of the goal zone or move the goal zone into free space",
            100.0 * fraction,
            fmt_m(goal.min_m),
            fmt_m(goal.max_m),
            names.join(", "),
            100.0 * settings.max_goal_obstruction
        ),
    ))
}

/// Findings for a reference solution's parts placed in the scene: each must lie inside the
/// build zone and overlap no fixture and not the payload (used by gate 6).
pub fn solution_placement_findings(
    scene: &Scene,
    world: &SceneWorld,
    settings: &PhysicsSettings,
) -> Vec<Finding> {
    let tol = settings.penetration_tolerance_m;
    let role = |i: usize| world.bodies[i].role;
    let label = |i: usize| world.bodies[i].label.as_str();
    let mut findings = Vec::new();
    for (i, body) in world.bodies.iter().enumerate() {
        if body.role != BodyRole::Solution {
            continue;
        }
        if world.bodies[..i].iter().any(|b| b.label == body.label) {
            findings.push(Finding::new(
                "solution_label_taken",
                format!(
                    "solution part \"{}\" has the label of another part; give every solution part its own label",
                    body.label
                ),
            ));
        }
        let Some(aabb) = body_aabb(world, i) else {
            continue;
        };
        if let Some((side, by)) = sticking_out(&aabb, &scene.build_zone, tol).first() {
            findings.push(Finding::new(
                "solution_outside_build_zone",
                format!(
                    "solution part \"{}\" leaves the build zone through {side} by {by:.4} m \
                     (part spans {} to {}, build zone {} to {}); keep every solution part inside the build zone",
                    body.label,
                    fmt_m(aabb.min_m),
                    fmt_m(aabb.max_m),
                    fmt_m(scene.build_zone.min_m),
                    fmt_m(scene.build_zone.max_m)
                ),
            ));
        }
    }
    let solution = overlaps_bounded(world, tol, |a, b| {
        (role(a) == BodyRole::Solution) != (role(b) == BodyRole::Solution)
    });
    if cut_short(&solution, &mut findings) {
        return findings;
    }
    for o in solution.found {
        let (part, other) = if role(o.body_a) == BodyRole::Solution {
            (o.body_a, o.body_b)
        } else {
            (o.body_b, o.body_a)
        };
        let what = if role(other) == BodyRole::Payload {
            "the payload".to_string()
        } else {
            format!("scene part \"{}\"", label(other))
        };
        findings.push(Finding::new(
            "solution_overlaps_scene",
            format!(
                "solution part \"{}\" overlaps {what} by {:.4} m near {} (tolerance {} m); \
                 solution parts may touch the scene but not cut into it",
                label(part),
                o.depth_m,
                fmt_m(o.point_m),
                tol
            ),
        ));
    }
    findings
}

//! The gates of DESIGN.md. Each gate is a function from what it checks to findings
//! ([`Finding`]: a stable rule id and a message naming labels, zones and numbers); a gate
//! holds when it finds nothing. `crate::validate` runs them in order per seed.
//!
//! - gate 1, script: [`script`]
//! - gate 2, consistency: [`consistency`]
//! - gate 3, geometry: [`geometry`] (with [`overlap`] for the shape queries)
//! - gates 4–6, physical: [`physical`] runs [`physics`], [`non_trivial`], [`solvable`]
//! - gate 7, randomized: [`randomized`]

pub mod consistency;
pub mod fidelity;
pub mod geometry;
pub mod non_trivial;
pub mod overlap;
pub mod physical;
pub mod physics;
pub mod script;
pub mod solvable;

use crate::report::{Finding, GateId, GateResult, SeedReport};
use crate::scene::{rotation, Aabb, Fixture, Part, Pose, Shape, Vec3};

/// Appends the gate's result to the seed's report and returns true when it held.
pub fn record(report: &mut SeedReport, gate: GateId, findings: Vec<Finding>) -> bool {
    let result = GateResult::from_findings(gate, findings);
    let passed = result.passed;
    report.gates.push(result);
    passed
}

/// Rule id: gates failed on some seeds.
pub const RULE_SEEDS_FAILED: &str = "seeds_failed";
/// Rule id: every seed gave the same scene and payload start.
pub const RULE_VARIANTS_IDENTICAL: &str = "variants_identical";

/// Gate 7: every seed passed gates 1–6, and the variants really differ (not every seed
/// built the same scene with the same payload start).
pub fn randomized(seeds: &[SeedReport]) -> GateResult {
    let mut findings = Vec::new();
    let failed: Vec<String> = seeds
        .iter()
        .filter(|s| !s.passed())
        .map(|s| s.seed.to_string())
        .collect();
    if !failed.is_empty() {
        findings.push(Finding::new(
            RULE_SEEDS_FAILED,
            format!(
                "gates failed on {} of {} seeds ({})",
                failed.len(),
                seeds.len(),
                failed.join(", ")
            ),
        ));
    }
    if seeds.len() >= 2 {
        let first = &seeds[0];
        let same = seeds.iter().all(|s| {
            s.scene_hash.is_some()
                && s.scene_hash == first.scene_hash
                && s.payload_spawn.map(|p| p.start_m) == first.payload_spawn.map(|p| p.start_m)
        });
        if same {
            findings.push(Finding::new(
                RULE_VARIANTS_IDENTICAL,
                format!(
                    "all {} seeds built the same scene (hash {}) with the same payload start; \
                     multiply sizes and positions by `scale` and draw from `generator(seed)` so variants differ",
                    seeds.len(),
                    first.scene_hash.as_deref().unwrap_or("?")
                ),
            ));
        }
    }
    GateResult::from_findings(GateId::Randomized, findings)
}

/// A box as `[x, y, z]..[x, y, z] m` with millimetre precision, for messages.
pub fn fmt_box(b: &Aabb) -> String {
    format!("{}..{} m", fmt_point(b.min_m), fmt_point(b.max_m))
}

/// A point as `[x, y, z]` with millimetre precision, for messages.
pub fn fmt_point(p: Vec3) -> String {
    format!("[{:.3}, {:.3}, {:.3}]", p[0], p[1], p[2])
}

/// The world-space axis-aligned bounding box of one primitive of a fixture at `body`.
pub fn part_world_aabb(body: &Pose, part: &Part) -> Aabb {
    let to_world = |local: Vec3| {
        let in_body = rotation::rotate(part.local_pose.rotation_deg, local);
        let moved = [
            in_body[0] + part.local_pose.position_m[0],
            in_body[1] + part.local_pose.position_m[1],
            in_body[2] + part.local_pose.position_m[2],
        ];
        let r = rotation::rotate(body.rotation_deg, moved);
        [
            r[0] + body.position_m[0],
            r[1] + body.position_m[1],
            r[2] + body.position_m[2],
        ]
    };
    let points: Vec<Vec3> = match &part.shape {
        Shape::ConvexHull { points_m } => points_m.clone(),
        Shape::Sphere { radius_m } => {
            // Rotation-invariant: the centre's image plus the radius.
            let c = to_world([0.0; 3]);
            return Aabb::from_center_half_extents(c, [*radius_m; 3]);
        }
        shape => {
            let h = shape.local_half_extents_m();
            (0..8)
                .map(|i| {
                    [
                        if i & 1 == 0 { -h[0] } else { h[0] },
                        if i & 2 == 0 { -h[1] } else { h[1] },
                        if i & 4 == 0 { -h[2] } else { h[2] },
                    ]
                })
                .collect()
        }
    };
    let mut world = points.into_iter().map(to_world);
    let first = world.next().unwrap_or(body.position_m);
    world.fold(Aabb::new(first, first), |acc, p| {
        acc.union(&Aabb::new(p, p))
    })
}

/// The world-space axis-aligned bounding box of a whole fixture (conservative for rotated
/// cylinders and capsules).
pub fn fixture_world_aabb(fixture: &Fixture) -> Aabb {
    let mut boxes = fixture
        .parts
        .iter()
        .map(|p| part_world_aabb(&fixture.pose, p));
    let first = boxes
        .next()
        .unwrap_or(Aabb::new(fixture.pose.position_m, fixture.pose.position_m));
    boxes.fold(first, |acc, b| acc.union(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scene::Pose;

    #[test]
    fn rotated_box_bounds_grow_and_body_offset_applies() {
        let part = Part {
            shape: Shape::Box {
                size_m: [2.0, 0.0002, 0.0002],
            },
            local_pose: Pose {
                position_m: [1.0, 0.0, 0.0],
                rotation_deg: [0.0, 0.0, 90.0],
            },
        };
        let b = part_world_aabb(&Pose::at([0.0, 0.0, 5.0]), &part);
        assert!(
            (b.max_m[1] - 1.0).abs() < 1e-9 && (b.min_m[1] + 1.0).abs() < 1e-9,
            "{b:?}"
        );
        assert!((b.center_m()[0] - 1.0).abs() < 1e-9 && (b.center_m()[2] - 5.0).abs() < 1e-9);
    }
}

//! Interpenetration and containment measured with the physics engine's own shape queries,
//! shared by gate 3 (fixtures, payload) and gate 6 (solution parts).

use rapier3d::parry;
use rapier3d::parry::bounding_volume::Aabb as Aabb3;
use rapier3d::prelude::*;

use crate::physics::world::from_vector;
use crate::physics::{BoundsSide, SceneWorld};
use crate::scene::{Aabb, Vec3};

/// Two bodies that interpenetrate at t = 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlap {
    /// Index of the first body in [`SceneWorld::bodies`].
    pub body_a: usize,
    /// Index of the second body.
    pub body_b: usize,
    /// Penetration depth in metres (the deepest over their primitives).
    pub depth_m: f64,
    /// A point of the overlap in world coordinates, in metres.
    pub point_m: Vec3,
}

/// Most overlapping body pairs one check reports: enough to fix a scene, and it keeps a
/// scene of hundreds of stacked parts from costing a shape query per pair.
pub const MAX_REPORTED_OVERLAPS: usize = 32;

/// What one overlap check found, and whether it stopped early.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OverlapScan {
    /// The interpenetrating pairs found, deepest first.
    pub found: Vec<Overlap>,
    /// Why the check stopped before looking at every pair (the gate time limit), if it did.
    pub cut_short: Option<String>,
}

/// Every pair of bodies (both accepted by `include`, not joined by a joint) whose colliders
/// interpenetrate deeper than `tolerance_m`, deepest pair first; one entry per body pair.
/// At most [`MAX_REPORTED_OVERLAPS`] pairs; see [`overlaps_bounded`] for the time limit.
pub fn overlaps(
    world: &SceneWorld,
    tolerance_m: f64,
    include: impl Fn(usize, usize) -> bool,
) -> Vec<Overlap> {
    overlaps_bounded(world, tolerance_m, include).found
}

/// [`overlaps`], stopping at `limits.gate_wall_time_s` with the reason in `cut_short`.
/// Candidate pairs come from a sweep along x over the colliders' bounding boxes, so only
/// pairs whose boxes meet cost a shape query.
pub fn overlaps_bounded(
    world: &SceneWorld,
    tolerance_m: f64,
    include: impl Fn(usize, usize) -> bool,
) -> OverlapScan {
    let limits = crate::limits::current();
    let started = std::time::Instant::now();
    let budget = limits.gate_wall_time();
    let colliders = world.colliders_in_order();
    let mut boxes: Vec<(usize, Aabb3)> = colliders
        .iter()
        .enumerate()
        .map(|(k, (h, _))| (k, world.world.colliders[*h].compute_aabb()))
        .collect();
    boxes.sort_by(|a, b| a.1.mins.x.total_cmp(&b.1.mins.x).then(a.0.cmp(&b.0)));
    let mut found: Vec<Overlap> = Vec::new();
    let mut index: std::collections::HashMap<(usize, usize), usize> = Default::default();
    let mut scan = OverlapScan::default();
    let mut queries = 0u64;
    'sweep: for (i, (ka, box_a)) in boxes.iter().enumerate() {
        for (kb, box_b) in &boxes[i + 1..] {
            if box_b.mins.x > box_a.maxs.x {
                break;
            }
            // Keep the caller's pair order (creation order) whatever the sweep order.
            let (ka, kb) = if ka < kb { (*ka, *kb) } else { (*kb, *ka) };
            let ((ha, oa), (hb, ob)) = (&colliders[ka], &colliders[kb]);
            if oa.body == ob.body
                || !box_a.intersects(box_b)
                || !include(oa.body, ob.body)
                || world.are_jointed(oa.body, ob.body)
            {
                continue;
            }
            queries += 1;
            if queries % 64 == 0 && started.elapsed() > budget {
                scan.cut_short = Some(format!(
                    "the overlap check stopped after {:.1} s, the gate time limit (limits.gate_wall_time_s = {} s), \
                     with {} colliders; use fewer or simpler parts",
                    started.elapsed().as_secs_f64(),
                    limits.gate_wall_time_s,
                    colliders.len()
                ));
                break 'sweep;
            }
            let (ca, cb) = (&world.world.colliders[*ha], &world.world.colliders[*hb]);
            let Ok(Some(contact)) =
                parry::query::contact(ca.position(), ca.shape(), cb.position(), cb.shape(), 0.0)
            else {
                continue;
            };
            let depth_m = -(contact.dist as f64);
            if depth_m <= tolerance_m {
                continue;
            }
            let point_m = from_vector((contact.point1 + contact.point2) * 0.5);
            match index.get(&(oa.body, ob.body)) {
                Some(&at) if found[at].depth_m >= depth_m => {}
                Some(&at) => {
                    found[at].depth_m = depth_m;
                    found[at].point_m = point_m;
                }
                None => {
                    index.insert((oa.body, ob.body), found.len());
                    found.push(Overlap {
                        body_a: oa.body,
                        body_b: ob.body,
                        depth_m,
                        point_m,
                    });
                    if found.len() >= MAX_REPORTED_OVERLAPS {
                        break 'sweep;
                    }
                }
            }
        }
    }
    found.sort_by(|a, b| {
        b.depth_m
            .total_cmp(&a.depth_m)
            .then((a.body_a, a.body_b).cmp(&(b.body_a, b.body_b)))
    });
    scan.found = found;
    scan
}

/// The world-space bounding box of a body's colliders at t = 0, in metres.
pub fn body_aabb(world: &SceneWorld, body: usize) -> Option<Aabb> {
    world
        .colliders
        .iter()
        .filter(|(_, o)| o.body == body)
        .map(|(h, _)| {
            let aabb = world.world.colliders[*h].compute_aabb();
            Aabb::new(from_vector(aabb.mins), from_vector(aabb.maxs))
        })
        .reduce(|a, b| a.union(&b))
}

/// Where `inner` sticks out of `outer` by more than `tolerance_m`: the side and by how much
/// (the worst side first).
pub fn sticking_out(inner: &Aabb, outer: &Aabb, tolerance_m: f64) -> Vec<(BoundsSide, f64)> {
    let mut sides = vec![
        (BoundsSide::MinX, outer.min_m[0] - inner.min_m[0]),
        (BoundsSide::MaxX, inner.max_m[0] - outer.max_m[0]),
        (BoundsSide::MinY, outer.min_m[1] - inner.min_m[1]),
        (BoundsSide::MaxY, inner.max_m[1] - outer.max_m[1]),
        (BoundsSide::MinZ, outer.min_m[2] - inner.min_m[2]),
        (BoundsSide::MaxZ, inner.max_m[2] - outer.max_m[2]),
    ];
    sides.retain(|(_, by)| *by > tolerance_m);
    sides.sort_by(|a, b| b.1.total_cmp(&a.1));
    sides
}

/// True when the world point lies inside a collider of a body accepted by `include`.
pub fn point_inside(
    world: &SceneWorld,
    point_m: Vec3,
    include: impl Fn(usize) -> bool,
) -> Option<usize> {
    let p = crate::physics::world::to_vector(point_m);
    world.colliders.iter().find_map(|(h, o)| {
        let c = &world.world.colliders[*h];
        (include(o.body) && c.shape().contains_point(c.position(), p)).then_some(o.body)
    })
}

/// Formats a point or vector in metres with millimetre precision.
pub fn fmt_m(v: Vec3) -> String {
    format!("[{:.3}, {:.3}, {:.3}]", v[0], v[1], v[2])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::{with_limits, Limits};
    use crate::physics::{build_world, tests::ball_on_floor};
    use crate::scene::{Fixture, Part, Pose, Shape};
    use crate::variant::PayloadSpawn;

    /// `n` boxes of 0.2 m, all at the same place: every pair overlaps.
    fn stacked(n: usize) -> SceneWorld {
        let mut scene = ball_on_floor();
        for i in 0..n {
            scene.fixtures.push(Fixture {
                label: format!("block_{i}"),
                body: crate::scene::BodyKind::Fixed,
                material: crate::scene::Material::Wood,
                pose: Pose::at([0.0, 0.0, 0.2]),
                parts: vec![Part {
                    shape: Shape::Box {
                        size_m: [0.2, 0.2, 0.2],
                    },
                    local_pose: Pose::default(),
                }],
            });
        }
        build_world(&scene, &PayloadSpawn::sample(&scene.payload, 0), &[]).unwrap()
    }

    #[test]
    fn four_hundred_ninety_nine_stacked_parts_report_the_first_pairs_only() {
        let world = stacked(499);
        let scan = overlaps_bounded(&world, 0.002, |_, _| true);
        assert_eq!(scan.found.len(), MAX_REPORTED_OVERLAPS);
        assert_eq!(scan.cut_short, None);
    }

    #[test]
    fn the_gate_time_limit_cuts_the_check_short_with_its_reason() {
        let world = stacked(300);
        let limits = Limits {
            gate_wall_time_s: 1e-9,
            ..Limits::default()
        };
        // Nothing is ever reported (depth never beats the tolerance), so only the clock
        // can stop the check before it has queried every pair.
        let scan = with_limits(limits, || overlaps_bounded(&world, 10.0, |_, _| true));
        let reason = scan.cut_short.expect("cut short");
        assert!(reason.contains("limits.gate_wall_time_s"), "{reason}");
    }

    #[test]
    fn the_sweep_finds_the_same_pairs_as_every_pair() {
        let world = stacked(5);
        let found = overlaps(&world, 0.002, |_, _| true);
        // The five blocks overlap each other (10 pairs); the floor and the ball touch none.
        assert_eq!(found.len(), 10, "{found:?}");
        assert!(found.iter().all(|o| o.body_a < o.body_b));
    }
}

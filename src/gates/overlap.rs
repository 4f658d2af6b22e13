//! Interpenetration and containment measured with the physics engine's own shape queries,
//! shared by gate 3 (fixtures, payload) and gate 6 (solution parts).

use rapier3d::parry;
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

/// Every pair of bodies (both accepted by `include`, not joined by a joint) whose colliders
/// interpenetrate deeper than `tolerance_m`, deepest pair first; one entry per body pair.
pub fn overlaps(
    world: &SceneWorld,
    tolerance_m: f64,
    include: impl Fn(usize, usize) -> bool,
) -> Vec<Overlap> {
    let colliders = world.colliders_in_order();
    let mut found: Vec<Overlap> = Vec::new();
    for (i, (ha, oa)) in colliders.iter().enumerate() {
        for (hb, ob) in &colliders[i + 1..] {
            if oa.body == ob.body
                || !include(oa.body, ob.body)
                || world.are_jointed(oa.body, ob.body)
            {
                continue;
            }
            let (ca, cb) = (&world.world.colliders[*ha], &world.world.colliders[*hb]);
            if !ca.compute_aabb().intersects(&cb.compute_aabb()) {
                continue;
            }
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
            match found
                .iter_mut()
                .find(|o| (o.body_a, o.body_b) == (oa.body, ob.body))
            {
                Some(existing) if existing.depth_m >= depth_m => {}
                Some(existing) => {
                    existing.depth_m = depth_m;
                    existing.point_m = point_m;
                }
                None => found.push(Overlap {
                    body_a: oa.body,
                    body_b: ob.body,
                    depth_m,
                    point_m,
                }),
            }
        }
    }
    found.sort_by(|a, b| b.depth_m.total_cmp(&a.depth_m));
    found
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

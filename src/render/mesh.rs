//! Tessellation of the scene's primitives into triangles with outward normals.
//!
//! Every primitive is convex, so a triangle's outward side is the one facing away from the
//! primitive's centre; the winding is fixed up from that, which lets the rasterizer cull
//! back faces by winding alone.

use super::math::{Rigid, V3};
use crate::scene::Shape;

/// Segments around a sphere, cylinder or capsule.
const ROUND_SEGMENTS: usize = 24;
/// Rings from pole to pole of a sphere (and per capsule cap, half of them).
const SPHERE_RINGS: usize = 12;

/// One triangle: corners (counter-clockwise seen from outside) and a normal per corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Triangle {
    /// The corners in metres.
    pub positions: [V3; 3],
    /// The unit surface normal at each corner (smooth on round surfaces, flat on faces).
    pub normals: [V3; 3],
}

/// Triangles of one convex primitive.
#[derive(Debug, Clone, Default)]
pub struct Mesh {
    /// The triangles.
    pub triangles: Vec<Triangle>,
}

impl Mesh {
    /// The mesh moved by a rigid transform.
    pub fn transformed(&self, t: &Rigid) -> Mesh {
        Mesh {
            triangles: self
                .triangles
                .iter()
                .map(|tri| Triangle {
                    positions: tri.positions.map(|p| t.apply(p)),
                    normals: tri.normals.map(|n| t.rotate(n)),
                })
                .collect(),
        }
    }

    /// Adds a triangle, winding it counter-clockwise as seen from outside a convex solid
    /// whose interior contains `inside`.
    fn push_oriented(&mut self, positions: [V3; 3], normals: [V3; 3], inside: V3) {
        let [a, b, c] = positions;
        let face = (b - a).cross(c - a);
        if face.dot(a - inside) >= 0.0 {
            self.triangles.push(Triangle { positions, normals });
        } else {
            self.triangles.push(Triangle {
                positions: [a, c, b],
                normals: [normals[0], normals[2], normals[1]],
            });
        }
    }

    /// Adds a flat quad `a b c d` (in order around its rim).
    fn push_quad(&mut self, corners: [V3; 4], inside: V3) {
        let [a, b, c, d] = corners;
        let n = (b - a).cross(c - a).normalized();
        let n = if n.dot(a - inside) >= 0.0 { n } else { -n };
        self.push_oriented([a, b, c], [n; 3], inside);
        self.push_oriented([a, c, d], [n; 3], inside);
    }
}

/// Tessellates a shape in its local frame. A convex hull of fewer than four finite points,
/// or one the hull algorithm rejects, yields an empty mesh (a flat hull draws flat).
pub fn tessellate(shape: &Shape) -> Mesh {
    match shape {
        Shape::Box { size_m } => box_mesh(V3::from_scene(*size_m) * 0.5),
        Shape::Sphere { radius_m } => capsule_mesh(*radius_m as f32, 0.0),
        Shape::Cylinder { radius_m, length_m } => {
            cylinder_mesh(*radius_m as f32, *length_m as f32 * 0.5)
        }
        Shape::Capsule { radius_m, length_m } => {
            capsule_mesh(*radius_m as f32, *length_m as f32 * 0.5)
        }
        Shape::ConvexHull { points_m } => hull_mesh(points_m),
    }
}

/// An axis-aligned box of half extents `h` centred at the origin.
pub fn box_mesh(h: V3) -> Mesh {
    let mut mesh = Mesh::default();
    let c = |sx: f32, sy: f32, sz: f32| V3::new(sx * h.x, sy * h.y, sz * h.z);
    let o = V3::default();
    for s in [-1.0f32, 1.0] {
        mesh.push_quad(
            [c(s, -1., -1.), c(s, 1., -1.), c(s, 1., 1.), c(s, -1., 1.)],
            o,
        );
        mesh.push_quad(
            [c(-1., s, -1.), c(1., s, -1.), c(1., s, 1.), c(-1., s, 1.)],
            o,
        );
        mesh.push_quad(
            [c(-1., -1., s), c(1., -1., s), c(1., 1., s), c(-1., 1., s)],
            o,
        );
    }
    mesh
}

fn ring_point(angle: f32) -> (f32, f32) {
    (angle.cos(), angle.sin())
}

/// A cylinder along Z with radius `r` and half length `hl`.
fn cylinder_mesh(r: f32, hl: f32) -> Mesh {
    let mut mesh = Mesh::default();
    let o = V3::default();
    let step = std::f32::consts::TAU / ROUND_SEGMENTS as f32;
    for i in 0..ROUND_SEGMENTS {
        let (c0, s0) = ring_point(i as f32 * step);
        let (c1, s1) = ring_point((i + 1) as f32 * step);
        let n0 = V3::new(c0, s0, 0.0);
        let n1 = V3::new(c1, s1, 0.0);
        let b0 = V3::new(r * c0, r * s0, -hl);
        let b1 = V3::new(r * c1, r * s1, -hl);
        let t0 = V3::new(r * c0, r * s0, hl);
        let t1 = V3::new(r * c1, r * s1, hl);
        mesh.push_oriented([b0, b1, t1], [n0, n1, n1], o);
        mesh.push_oriented([b0, t1, t0], [n0, n1, n0], o);
        let up = V3::new(0.0, 0.0, 1.0);
        mesh.push_oriented([V3::new(0.0, 0.0, hl), t0, t1], [up; 3], o);
        mesh.push_oriented([V3::new(0.0, 0.0, -hl), b0, b1], [-up; 3], o);
    }
    mesh
}

/// A capsule along Z with radius `r` and half length `hl` of its straight section (a sphere
/// when `hl` is zero).
fn capsule_mesh(r: f32, hl: f32) -> Mesh {
    let mut mesh = Mesh::default();
    let o = V3::default();
    let step = std::f32::consts::TAU / ROUND_SEGMENTS as f32;
    // Rings from the south pole (-90°) to the north pole (+90°); the straight section sits
    // between the two equator rings.
    let half = SPHERE_RINGS / 2;
    let mut rings: Vec<(f32, f32)> = Vec::new(); // (latitude, z offset)
    for k in 0..=half {
        let lat =
            -std::f32::consts::FRAC_PI_2 + k as f32 * std::f32::consts::PI / SPHERE_RINGS as f32;
        rings.push((lat, -hl));
    }
    for k in half..=SPHERE_RINGS {
        let lat =
            -std::f32::consts::FRAC_PI_2 + k as f32 * std::f32::consts::PI / SPHERE_RINGS as f32;
        rings.push((lat, hl));
    }
    let vertex = |ring: (f32, f32), i: usize| {
        let (lat, dz) = ring;
        let (c, s) = ring_point(i as f32 * step);
        let n = V3::new(lat.cos() * c, lat.cos() * s, lat.sin());
        (n * r + V3::new(0.0, 0.0, dz), n)
    };
    for w in rings.windows(2) {
        if w[0] == w[1] {
            continue;
        }
        for i in 0..ROUND_SEGMENTS {
            let (p00, n00) = vertex(w[0], i);
            let (p01, n01) = vertex(w[0], i + 1);
            let (p10, n10) = vertex(w[1], i);
            let (p11, n11) = vertex(w[1], i + 1);
            if (p00 - p01).length() > 1e-9 {
                mesh.push_oriented([p00, p01, p11], [n00, n01, n11], o);
            }
            if (p10 - p11).length() > 1e-9 {
                mesh.push_oriented([p00, p11, p10], [n00, n11, n10], o);
            }
        }
    }
    mesh
}

/// The convex hull of points, flat shaded.
fn hull_mesh(points_m: &[crate::scene::Vec3]) -> Mesh {
    use rapier3d::parry::math::Vector3;
    use rapier3d::parry::transformation::try_convex_hull;
    let mut mesh = Mesh::default();
    let points: Vec<Vector3> = points_m
        .iter()
        .map(|p| Vector3::new(p[0] as f32, p[1] as f32, p[2] as f32))
        .filter(|p| p.is_finite())
        .collect();
    if points.len() < 4 {
        return mesh;
    }
    let Ok((vertices, faces)) = try_convex_hull(&points) else {
        tracing::warn!(
            points = points.len(),
            "convex hull without volume is not drawn"
        );
        return mesh;
    };
    let vs: Vec<V3> = vertices.iter().map(|v| V3::new(v.x, v.y, v.z)).collect();
    let centre = vs.iter().fold(V3::default(), |a, v| a + *v) * (1.0 / vs.len().max(1) as f32);
    for f in faces {
        let Some(tri) = f
            .iter()
            .map(|i| vs.get(*i as usize).copied())
            .collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        let [a, b, c] = [tri[0], tri[1], tri[2]];
        let n = (b - a).cross(c - a).normalized();
        if n.length() == 0.0 {
            continue;
        }
        let n = if n.dot(a - centre) >= 0.0 { n } else { -n };
        mesh.push_oriented([a, b, c], [n; 3], centre);
    }
    mesh
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outward(mesh: &Mesh) -> bool {
        mesh.triangles.iter().all(|t| {
            let [a, b, c] = t.positions;
            let centroid = (a + b + c) * (1.0 / 3.0);
            (b - a).cross(c - a).dot(centroid) >= -1e-6
        })
    }

    #[test]
    fn every_primitive_tessellates_with_outward_winding() {
        let shapes = [
            Shape::Box {
                size_m: [0.2, 0.4, 0.6],
            },
            Shape::Sphere { radius_m: 0.1 },
            Shape::Cylinder {
                radius_m: 0.1,
                length_m: 0.5,
            },
            Shape::Capsule {
                radius_m: 0.05,
                length_m: 0.2,
            },
            Shape::ConvexHull {
                points_m: vec![
                    [-0.1, -0.1, -0.1],
                    [0.1, -0.1, -0.1],
                    [0.0, 0.1, -0.1],
                    [0.0, 0.0, 0.2],
                    [0.0, 0.0, 0.0],
                ],
            },
        ];
        for shape in &shapes {
            let mesh = tessellate(shape);
            assert!(!mesh.triangles.is_empty(), "{}", shape.kind_name());
            assert!(outward(&mesh), "{} has inward triangles", shape.kind_name());
            let h = shape.local_half_extents_m();
            for t in &mesh.triangles {
                for p in t.positions {
                    assert!(p.x.abs() <= h[0] as f32 + 1e-4 && p.z.abs() <= h[2] as f32 + 1e-4);
                }
            }
        }
        assert_eq!(
            tessellate(&Shape::Box { size_m: [1.0; 3] }).triangles.len(),
            12
        );
    }

    #[test]
    fn flat_and_tiny_hulls_tessellate_without_failing() {
        let flat = Shape::ConvexHull {
            points_m: vec![
                [0.0, 0.0, 0.0],
                [1.0, 0.0, 0.0],
                [0.0, 1.0, 0.0],
                [1.0, 1.0, 0.0],
            ],
        };
        let mesh = tessellate(&flat);
        assert!(mesh
            .triangles
            .iter()
            .all(|t| t.positions.iter().all(|p| p.is_finite())));
        let three = Shape::ConvexHull {
            points_m: vec![[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
        };
        assert!(tessellate(&three).triangles.is_empty());
    }
}

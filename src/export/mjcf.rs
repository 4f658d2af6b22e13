//! MJCF (MuJoCo XML) export of one variant, so MuJoCo users can load every benchmark directly.
//!
//! Fixtures become bodies with one geom per primitive (box, sphere, cylinder, capsule, or a
//! mesh for a convex hull — MuJoCo takes the hull of a mesh's vertices for collisions), with
//! the material's friction and density. Fixed fixtures are bodies without joints (welded to
//! the world); dynamic fixtures get a free joint, or — when a scene joint attaches them — are
//! nested in their partner with a hinge or slide whose zero is the start pose. The payload is
//! a free body. Zones (goal, forbid, build, bounds) are transparent sites, which never collide.
//!
//! MuJoCo has no coefficient of restitution; contacts there are inelastic-ish by default, so
//! bounces differ from rapier. Everything else is the same scene, in the same SI units.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::physics::PAYLOAD_LABEL;
use crate::scene::{rotation, Aabb, BodyKind, Fixture, JointKind, Part, Pose, Scene, Shape, Vec3};
use crate::variant::PayloadSpawn;

/// A scene that MJCF cannot express.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MjcfError {
    /// The joints do not form a tree MuJoCo can nest bodies in.
    #[error("joint between \"{a}\" and \"{b}\" cannot be exported to MJCF: {why}")]
    JointNotATree {
        /// First part.
        a: String,
        /// Second part.
        b: String,
        /// Why.
        why: String,
    },
    /// A joint names a part that does not exist.
    #[error("joint names part \"{0}\", which the scene does not have")]
    UnknownPart(String),
}

/// The MuJoCo timestep written into the file, in seconds.
pub const MJCF_TIMESTEP_S: f64 = 0.002;

/// One joint as MJCF nests it: `child` hangs in `parent`'s body.
struct Nesting<'a> {
    parent: usize,
    joint: &'a crate::scene::Joint,
}

/// Writes `scene` with the payload at `spawn` as an MJCF document named `model`.
pub fn to_mjcf(scene: &Scene, spawn: &PayloadSpawn, model: &str) -> Result<String, MjcfError> {
    let index: HashMap<&str, usize> = scene
        .fixtures
        .iter()
        .enumerate()
        .map(|(i, f)| (f.label.as_str(), i))
        .collect();
    let nesting = nest(scene, &index)?;

    let mut x = String::new();
    let _ = writeln!(x, "<mujoco model=\"{}\">", esc(model));
    let _ = writeln!(
        x,
        "  <!-- exported by benchforge: SI units (m, kg, s), Z up; restitution is not expressible in MJCF -->"
    );
    x.push_str("  <compiler angle=\"radian\" autolimits=\"true\"/>\n");
    let _ = writeln!(
        x,
        "  <option timestep=\"{}\" gravity=\"0 0 {}\"/>",
        MJCF_TIMESTEP_S,
        crate::scene::GRAVITY_Z_MPS2
    );
    x.push_str("  <visual><global offwidth=\"640\" offheight=\"480\"/></visual>\n");

    // Meshes for convex hulls, named after their body and part.
    let payload_fixture = payload_as_fixture(scene, spawn);
    let all: Vec<&Fixture> = scene
        .fixtures
        .iter()
        .chain(std::iter::once(&payload_fixture))
        .collect();
    let mut assets = String::new();
    for f in &all {
        for (i, part) in f.parts.iter().enumerate() {
            if let Shape::ConvexHull { points_m } = &part.shape {
                let vertices: Vec<String> = points_m.iter().map(|p| v3(*p)).collect();
                let _ = writeln!(
                    assets,
                    "    <mesh name=\"{}\" vertex=\"{}\"/>",
                    esc(&geom_name(&f.label, i)),
                    vertices.join("  ")
                );
            }
        }
    }
    if !assets.is_empty() {
        let _ = write!(x, "  <asset>\n{assets}  </asset>\n");
    }

    x.push_str("  <worldbody>\n");
    zone_site(&mut x, "goal_zone", &scene.goal_zone, "0 0.8 0 0.25");
    zone_site(&mut x, "build_zone", &scene.build_zone, "0.2 0.4 1 0.08");
    zone_site(&mut x, "bounds", &scene.bounds, "0.5 0.5 0.5 0.03");
    for zone in &scene.forbid_zones {
        zone_site(
            &mut x,
            &format!("forbid_{}", zone.name),
            &zone.zone,
            "0.9 0 0 0.25",
        );
    }
    for root in (0..scene.fixtures.len()).filter(|i| !nesting.contains_key(i)) {
        write_body(&mut x, scene, root, None, &nesting, 2);
    }
    write_fixture_body(&mut x, &payload_fixture, None, None, 2, |_| {});
    x.push_str("  </worldbody>\n</mujoco>\n");
    Ok(x)
}

/// The payload as a one-part dynamic fixture at its sampled size and start.
fn payload_as_fixture(scene: &Scene, spawn: &PayloadSpawn) -> Fixture {
    Fixture {
        label: PAYLOAD_LABEL.into(),
        body: BodyKind::Dynamic,
        material: scene.payload.material,
        pose: Pose::at(spawn.start_m),
        parts: vec![Part {
            shape: scene.payload.shape.scaled(spawn.size_factor),
            local_pose: Pose::default(),
        }],
    }
}

/// Decides, for every jointed pair, which part hangs in which: child index → nesting.
fn nest<'a>(
    scene: &'a Scene,
    index: &HashMap<&str, usize>,
) -> Result<HashMap<usize, Nesting<'a>>, MjcfError> {
    let mut nesting: HashMap<usize, Nesting<'a>> = HashMap::new();
    for joint in &scene.joints {
        let a = *index
            .get(joint.fixture_a.as_str())
            .ok_or_else(|| MjcfError::UnknownPart(joint.fixture_a.clone()))?;
        let b = *index
            .get(joint.fixture_b.as_str())
            .ok_or_else(|| MjcfError::UnknownPart(joint.fixture_b.clone()))?;
        let dynamic = |i: usize| scene.fixtures[i].body == BodyKind::Dynamic;
        if !dynamic(a) && !dynamic(b) {
            continue; // two welded parts: the joint has nothing to move
        }
        let is_ancestor = |maybe: usize, of: usize, nesting: &HashMap<usize, Nesting<'a>>| {
            let mut at = of;
            while let Some(n) = nesting.get(&at) {
                if n.parent == maybe {
                    return true;
                }
                at = n.parent;
            }
            maybe == of
        };
        let child = [b, a].into_iter().find(|&c| {
            dynamic(c)
                && !nesting.contains_key(&c)
                && !is_ancestor(c, if c == a { b } else { a }, &nesting)
        });
        let Some(child) = child else {
            return Err(MjcfError::JointNotATree {
                a: joint.fixture_a.clone(),
                b: joint.fixture_b.clone(),
                why: "both parts already hang from other joints (a closed loop); MJCF bodies form a tree".into(),
            });
        };
        let parent = if child == a { b } else { a };
        nesting.insert(child, Nesting { parent, joint });
    }
    Ok(nesting)
}

fn write_body(
    x: &mut String,
    scene: &Scene,
    i: usize,
    parent: Option<&Pose>,
    nesting: &HashMap<usize, Nesting<'_>>,
    depth: usize,
) {
    let fixture = &scene.fixtures[i];
    let joint = nesting.get(&i).map(|n| n.joint);
    write_fixture_body(x, fixture, parent, joint, depth, |x| {
        let mut children: Vec<usize> = nesting
            .iter()
            .filter(|(_, n)| n.parent == i)
            .map(|(c, _)| *c)
            .collect();
        children.sort_unstable();
        for child in children {
            write_body(x, scene, child, Some(&fixture.pose), nesting, depth + 1);
        }
    });
}

fn write_fixture_body(
    x: &mut String,
    fixture: &Fixture,
    parent: Option<&Pose>,
    joint: Option<&crate::scene::Joint>,
    depth: usize,
    children: impl FnOnce(&mut String),
) {
    let pad = "  ".repeat(depth);
    let (pos, quat) = relative(parent, &fixture.pose);
    let _ = writeln!(
        x,
        "{pad}<body name=\"{}\" pos=\"{}\" quat=\"{}\">",
        esc(&fixture.label),
        v3(pos),
        q4(quat)
    );
    match (joint, fixture.body) {
        (Some(j), _) => {
            // Joint anchor and axis in this body's frame.
            let anchor = inverse_transform_point(&fixture.pose, j.anchor_m);
            let axis = inverse_rotate(fixture.pose.rotation_deg, normalize(j.axis));
            let (kind, range) = match &j.kind {
                JointKind::Revolute { limits_deg } => (
                    "hinge",
                    limits_deg.map(|[lo, hi]| {
                        format!(" range=\"{} {}\"", f(lo.to_radians()), f(hi.to_radians()))
                    }),
                ),
                JointKind::Prismatic { limits_m } => (
                    "slide",
                    limits_m.map(|[lo, hi]| format!(" range=\"{} {}\"", f(lo), f(hi))),
                ),
            };
            let _ = writeln!(
                x,
                "{pad}  <joint name=\"{}\" type=\"{kind}\" pos=\"{}\" axis=\"{}\"{}/>",
                esc(&format!("{}_{}", j.fixture_a, j.fixture_b)),
                v3(anchor),
                v3(axis),
                range.unwrap_or_default()
            );
        }
        (None, BodyKind::Dynamic) => {
            let _ = writeln!(
                x,
                "{pad}  <freejoint name=\"{}_free\"/>",
                esc(&fixture.label)
            );
        }
        (None, BodyKind::Fixed) => {}
    }
    let props = fixture.material.properties();
    for (i, part) in fixture.parts.iter().enumerate() {
        let q = rotation::quaternion_from_euler_deg(part.local_pose.rotation_deg);
        let (kind, size) = match &part.shape {
            Shape::Box { size_m } => ("box", format!(" size=\"{}\"", v3(size_m.map(|s| 0.5 * s)))),
            Shape::Sphere { radius_m } => ("sphere", format!(" size=\"{}\"", f(*radius_m))),
            Shape::Cylinder { radius_m, length_m } => (
                "cylinder",
                format!(" size=\"{} {}\"", f(*radius_m), f(0.5 * length_m)),
            ),
            Shape::Capsule { radius_m, length_m } => (
                "capsule",
                format!(" size=\"{} {}\"", f(*radius_m), f(0.5 * length_m)),
            ),
            Shape::ConvexHull { .. } => (
                "mesh",
                format!(" mesh=\"{}\"", esc(&geom_name(&fixture.label, i))),
            ),
        };
        let _ = writeln!(
            x,
            "{pad}  <geom name=\"{}\" type=\"{kind}\"{size} pos=\"{}\" quat=\"{}\" friction=\"{} 0.005 0.0001\" density=\"{}\" rgba=\"{}\"/>",
            esc(&geom_name(&fixture.label, i)),
            v3(part.local_pose.position_m),
            q4(q),
            f(props.friction),
            f(props.density_kg_per_m3),
            if fixture.label == PAYLOAD_LABEL { "0.95 0.6 0.1 1" } else if fixture.body == BodyKind::Fixed { "0.6 0.6 0.65 1" } else { "0.3 0.5 0.8 1" }
        );
    }
    children(x);
    let _ = writeln!(x, "{pad}</body>");
}

fn zone_site(x: &mut String, name: &str, zone: &Aabb, rgba: &str) {
    let half = zone.size_m().map(|s| 0.5 * s);
    let _ = writeln!(
        x,
        "    <site name=\"{}\" type=\"box\" pos=\"{}\" size=\"{}\" rgba=\"{rgba}\" group=\"4\"/>",
        esc(name),
        v3(zone.center_m()),
        v3(half)
    );
}

/// The name of a fixture's i-th geom (and mesh).
pub fn geom_name(label: &str, part: usize) -> String {
    format!("{label}_{part}")
}

/// `child` expressed in `parent`'s frame (or in the world when there is no parent).
fn relative(parent: Option<&Pose>, child: &Pose) -> (Vec3, [f64; 4]) {
    let qc = rotation::quaternion_from_euler_deg(child.rotation_deg);
    match parent {
        None => (child.position_m, qc),
        Some(p) => {
            let qp = rotation::quaternion_from_euler_deg(p.rotation_deg);
            let pos = inverse_transform_point(p, child.position_m);
            (pos, quat_mul(quat_conj(qp), qc))
        }
    }
}

fn inverse_transform_point(pose: &Pose, point: Vec3) -> Vec3 {
    let d = [
        point[0] - pose.position_m[0],
        point[1] - pose.position_m[1],
        point[2] - pose.position_m[2],
    ];
    inverse_rotate(pose.rotation_deg, d)
}

fn inverse_rotate(rotation_deg: Vec3, v: Vec3) -> Vec3 {
    let q = quat_conj(rotation::quaternion_from_euler_deg(rotation_deg));
    let p = quat_mul(quat_mul(q, [0.0, v[0], v[1], v[2]]), quat_conj(q));
    [p[1], p[2], p[3]]
}

fn quat_conj(q: [f64; 4]) -> [f64; 4] {
    [q[0], -q[1], -q[2], -q[3]]
}

fn quat_mul(a: [f64; 4], b: [f64; 4]) -> [f64; 4] {
    [
        a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
        a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
        a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
        a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0],
    ]
}

fn normalize(v: Vec3) -> Vec3 {
    let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    if n > 0.0 {
        v.map(|c| c / n)
    } else {
        [1.0, 0.0, 0.0]
    }
}

fn f(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".into()
    } else {
        s.into()
    }
}

fn v3(v: Vec3) -> String {
    format!("{} {} {}", f(v[0]), f(v[1]), f(v[2]))
}

fn q4(q: [f64; 4]) -> String {
    format!("{} {} {} {}", f(q[0]), f(q[1]), f(q[2]), f(q[3]))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

//! The naive direct solver: a straight chute (plank, two rails, maybe an end stop) from just
//! under the payload's start into the goal zone, ignoring every obstacle and forbid zone on
//! the way (three end points are tried). If this solves a benchmark, the benchmark tests nothing.

use crate::physics::{build_world, simulate, PhysicsSettings, SimulationOutcome};
use crate::scene::{BodyKind, Fixture, Material, Part, Pose, Scene, Shape, Vec3};
use crate::variant::PayloadSpawn;

/// The label of the naive chute (scene labels never start with `baseline_`).
pub const NAIVE_LABEL: &str = "baseline_naive_chute";

/// Plank, rail and stop thickness, in metres.
const WALL_M: f64 = 0.01;
/// Air between the payload and the chute at spawn, in metres.
const CLEARANCE_M: f64 = 0.003;

/// A conservative radius of the payload as it spawns, in metres: the sphere's radius, else
/// the half diagonal of its bounding box (it may tumble onto any face).
pub fn payload_radius_m(scene: &Scene, spawn: &PayloadSpawn) -> f64 {
    let shape = scene.payload.shape.scaled(spawn.size_factor);
    match shape {
        Shape::Sphere { radius_m } => radius_m,
        other => {
            let h = other.local_half_extents_m();
            (h[0] * h[0] + h[1] * h[1] + h[2] * h[2]).sqrt()
        }
    }
}

/// The naive chutes for one variant, tried in turn: one onto the goal zone's floor at its
/// centre with an end stop, one ending just above the goal's top at its centre and one
/// ending just above the goal's near edge (the last two without a stop, so the payload
/// drops or flies in). Empty when the goal lies straight below the payload (no chute
/// direction; gravity alone is gate 5's business).
pub fn naive_chutes(scene: &Scene, spawn: &PayloadSpawn) -> Vec<Fixture> {
    let r = payload_radius_m(scene, spawn);
    let p = spawn.start_m;
    let goal = scene.goal_zone;
    let g = goal.center_m();
    let (dx, dy) = (g[0] - p[0], g[1] - p[1]);
    let horizontal = dx.hypot(dy);
    if horizontal < r {
        return Vec::new();
    }
    // Where the horizontal line from the payload to the goal's centre enters the goal box.
    let (ux, uy) = (dx / horizontal, dy / horizontal);
    let mut entry = 0.0f64;
    for (d, lo, hi, at) in [
        (ux, goal.min_m[0], goal.max_m[0], p[0]),
        (uy, goal.min_m[1], goal.max_m[1], p[1]),
    ] {
        if d.abs() > 1e-9 {
            let t1 = (lo - at) / d;
            let t2 = (hi - at) / d;
            entry = entry.max(t1.min(t2));
        }
    }
    let entry = entry.clamp(0.0, horizontal);
    let top = goal.max_m[2] + CLEARANCE_M;
    [
        ([g[0], g[1], goal.min_m[2] + CLEARANCE_M], true),
        ([g[0], g[1], top], false),
        ([p[0] + ux * entry, p[1] + uy * entry, top], false),
    ]
    .into_iter()
    .filter_map(|(end, stop)| chute_to(spawn.start_m, r, end, stop))
    .collect()
}

/// A straight chute from just under a payload of radius `r` centred at `p` down to `end`
/// (a point on the chute's surface), with an end stop when `stop`. `None` when `end` is not
/// below the start or too close to it horizontally.
fn chute_to(p: Vec3, r: f64, end: Vec3, stop: bool) -> Option<Fixture> {
    let (dx, dy) = (end[0] - p[0], end[1] - p[1]);
    let horizontal = dx.hypot(dy);
    if horizontal < r || end[2] >= p[2] - r {
        return None;
    }
    // The plane of the chute's surface must pass `r + clearance` below the payload's centre,
    // measured along its normal; that depends on the slope, which depends on the start
    // height — two rounds settle it closely enough.
    let mut start_z = p[2] - r - CLEARANCE_M;
    for _ in 0..2 {
        let slope = (start_z - end[2]).atan2(horizontal);
        start_z = p[2] - (r + CLEARANCE_M) / slope.cos();
    }
    let pitch = (start_z - end[2]).atan2(horizontal);
    if pitch <= 0.0 {
        return None;
    }
    let yaw = dy.atan2(dx);
    // Run the plank back behind the start by one payload diameter so the payload lands on
    // it, not on its edge.
    let back = 2.0 * r;
    let along = horizontal / pitch.cos();
    let length = along + back;
    let width = 2.0 * r + 0.02;
    let rail_h = r + 0.01;
    let (sin_y, cos_y) = yaw.sin_cos();
    let (sin_p, cos_p) = pitch.sin_cos();
    // Unit vector along the chute, downhill.
    let dir = [cos_p * cos_y, cos_p * sin_y, -sin_p];
    let mid_along = 0.5 * (along - back);
    let origin = [
        p[0] + dir[0] * mid_along,
        p[1] + dir[1] * mid_along,
        start_z + dir[2] * mid_along,
    ];
    let boxed = |size_m: Vec3, at: Vec3| Part {
        shape: Shape::Box { size_m },
        local_pose: Pose::at(at),
    };
    // Body frame: x downhill along the chute, z the surface normal, origin on the surface.
    let mut parts = vec![
        boxed([length, width, WALL_M], [0.0, 0.0, -0.5 * WALL_M]),
        boxed(
            [length, WALL_M, rail_h],
            [0.0, 0.5 * (width + WALL_M), 0.5 * rail_h - WALL_M],
        ),
        boxed(
            [length, WALL_M, rail_h],
            [0.0, -0.5 * (width + WALL_M), 0.5 * rail_h - WALL_M],
        ),
    ];
    if stop {
        parts.push(boxed(
            [WALL_M, width + 2.0 * WALL_M, 2.0 * rail_h],
            [0.5 * length + 0.5 * WALL_M, 0.0, rail_h - WALL_M],
        ));
    }
    Some(Fixture {
        label: NAIVE_LABEL.into(),
        body: BodyKind::Fixed,
        material: Material::Wood,
        pose: Pose {
            position_m: origin,
            rotation_deg: [0.0, pitch.to_degrees(), yaw.to_degrees()],
        },
        parts,
    })
}

/// True when a run delivered the payload: it ends in the goal zone, never entered a forbid
/// zone and the engine never froze a body (the same bar as gate 6's, without its
/// placement rules).
pub fn delivered(outcome: &SimulationOutcome) -> bool {
    outcome.payload_in_goal
        && outcome.payload_forbid_entries.is_empty()
        && outcome.non_finite.is_none()
}

/// Simulates `scene` with `parts` added (no placement rules) and says whether the payload
/// was delivered; a scene the engine cannot build or that crashes it counts as not delivered.
pub fn run_with_parts(
    scene: &Scene,
    spawn: &PayloadSpawn,
    parts: &[Fixture],
    settings: &PhysicsSettings,
) -> bool {
    crate::guard::catch_panic(|| {
        build_world(scene, spawn, parts)
            .map(|mut world| delivered(&simulate(&mut world, scene, settings, None)))
            .unwrap_or(false)
    })
    .unwrap_or(false)
}

/// Runs the naive direct solver on one variant: true when its chute delivers the payload.
/// Tries each chute of [`naive_chutes`] and stops at the first that works.
pub fn naive_solves(scene: &Scene, spawn: &PayloadSpawn, settings: &PhysicsSettings) -> bool {
    naive_chutes(scene, spawn)
        .into_iter()
        .any(|chute| run_with_parts(scene, spawn, &[chute], settings))
}

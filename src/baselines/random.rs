//! Random builders: each attempt places one to `max_parts` simple catalogue parts — plank,
//! ramp, wall, block, all fixed — at random inside the build zone, legally (inside the zone,
//! cutting into neither the scene nor the payload, the rules gate 6 holds the reference
//! solution to), and simulates. PHYRE's bar: a task worth solving is solved by such random
//! agents rarely.

use crate::gates::geometry::solution_placement_findings;
use crate::gates::part_world_aabb;
use crate::physics::{build_world, simulate, PhysicsSettings};
use crate::rng::SeededRng;
use crate::scene::{Aabb, BodyKind, Fixture, Material, Part, Pose, Scene, Shape, Vec3};
use crate::variant::PayloadSpawn;

use super::naive::{delivered, payload_radius_m};

/// The random stream of the random builders (apart from the script's and runtime's).
const STREAM: u64 = 0xBA5E_0001;
/// Placements tried per part before the part is given up.
const TRIES_PER_PART: usize = 12;

/// The simple parts a random builder picks from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogPart {
    /// A flat board.
    Plank,
    /// A board tilted 10°–45°.
    Ramp,
    /// An upright board.
    Wall,
    /// A cube.
    Block,
}

impl CatalogPart {
    /// Every catalogue part.
    pub const ALL: [CatalogPart; 4] = [
        CatalogPart::Plank,
        CatalogPart::Ramp,
        CatalogPart::Wall,
        CatalogPart::Block,
    ];

    /// Its lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            CatalogPart::Plank => "plank",
            CatalogPart::Ramp => "ramp",
            CatalogPart::Wall => "wall",
            CatalogPart::Block => "block",
        }
    }
}

/// What one attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptResult {
    /// No legal placement was found for any part: the attempt does not count.
    Invalid,
    /// Placed and simulated; the payload was not delivered.
    Failed,
    /// Placed and simulated; the payload was delivered.
    Solved,
}

/// Draws one random part; lengths scale with the payload and with the distance from the
/// payload to the goal, so a plank can bridge what a solver must bridge.
fn draw_part(rng: &mut SeededRng, kind: CatalogPart, r: f64, reach: f64, label: String) -> Fixture {
    let long = rng.uniform(0.2, 0.8) * reach.max(4.0 * r);
    let wide = rng.uniform(3.0, 6.0) * r;
    let thin = 0.01;
    let yaw = rng.uniform(0.0, 360.0);
    let (size_m, rotation_deg) = match kind {
        CatalogPart::Plank => ([long, wide, thin], [0.0, 0.0, yaw]),
        CatalogPart::Ramp => {
            let tilt = rng.uniform(10.0, 45.0);
            ([long, wide, thin], [0.0, tilt, yaw])
        }
        CatalogPart::Wall => {
            let high = rng.uniform(2.0, 6.0) * r;
            ([thin, long, high], [0.0, 0.0, yaw])
        }
        CatalogPart::Block => {
            let edge = rng.uniform(2.0, 5.0) * r;
            ([edge; 3], [0.0, 0.0, yaw])
        }
    };
    Fixture {
        label,
        body: BodyKind::Fixed,
        material: Material::Wood,
        pose: Pose {
            position_m: [0.0; 3],
            rotation_deg,
        },
        parts: vec![Part {
            shape: Shape::Box { size_m },
            local_pose: Pose::default(),
        }],
    }
}

/// Moves `part` to a uniform spot whose bounding box lies inside `zone`; `None` when it does
/// not fit.
fn place_inside(rng: &mut SeededRng, mut part: Fixture, zone: &Aabb) -> Option<Fixture> {
    let local = part_world_aabb(&part.pose, &part.parts[0]);
    let half = local.size_m().map(|s| 0.5 * s);
    let mut at: Vec3 = [0.0; 3];
    for (i, slot) in at.iter_mut().enumerate() {
        let lo = zone.min_m[i] + half[i];
        let hi = zone.max_m[i] - half[i];
        if lo > hi {
            return None;
        }
        *slot = rng.uniform(lo, hi);
    }
    part.pose.position_m = at;
    Some(part)
}

/// One random builder attempt on one variant; `attempt` picks its random numbers.
pub fn random_attempt(
    scene: &Scene,
    spawn: &PayloadSpawn,
    settings: &PhysicsSettings,
    seed: u64,
    attempt: u64,
    max_parts: u32,
) -> AttemptResult {
    let mut rng = SeededRng::new(seed.wrapping_mul(0x9E37_79B9).wrapping_add(attempt), STREAM);
    let r = payload_radius_m(scene, spawn);
    let g = scene.goal_zone.center_m();
    let p = spawn.start_m;
    let reach = ((g[0] - p[0]).powi(2) + (g[1] - p[1]).powi(2) + (g[2] - p[2]).powi(2)).sqrt();
    // Cheap first filter: keep clear of the payload's spawn box (the physics check below
    // is the real rule).
    let payload_box = scene.payload.spawn_envelope();
    let count = rng.integer(1, max_parts.max(1) as i64) as usize;
    let mut placed: Vec<Fixture> = Vec::with_capacity(count);
    for k in 0..count {
        let kind = CatalogPart::ALL[rng.index(CatalogPart::ALL.len())];
        for _ in 0..TRIES_PER_PART {
            let part = draw_part(&mut rng, kind, r, reach, format!("baseline_random_{k}"));
            let Some(part) = place_inside(&mut rng, part, &scene.build_zone) else {
                continue;
            };
            if part_world_aabb(&part.pose, &part.parts[0]).intersects(&payload_box) {
                continue;
            }
            let mut trial = placed.clone();
            trial.push(part);
            let legal = build_world(scene, spawn, &trial)
                .map(|world| solution_placement_findings(scene, &world, settings).is_empty())
                .unwrap_or(false);
            if legal {
                placed = trial;
                break;
            }
        }
    }
    if placed.is_empty() {
        return AttemptResult::Invalid;
    }
    let solved = crate::guard::catch_panic(|| {
        build_world(scene, spawn, &placed)
            .map(|mut world| delivered(&simulate(&mut world, scene, settings, None)))
            .unwrap_or(false)
    })
    .unwrap_or(false);
    if solved {
        AttemptResult::Solved
    } else {
        AttemptResult::Failed
    }
}

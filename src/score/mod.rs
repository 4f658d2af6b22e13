//! Scoring a candidate solution against a benchmark of the dataset, on every recorded seed,
//! the same way for everyone: `benchforge score`.
//!
//! Per seed: build the variant exactly as recorded ([`Benchmark::build`] checks the scene
//! hash), ask the solution for its parts, check where they spawn (build zone, forbid zones,
//! overlaps), run gate 6's simulation with them ([`crate::gates::solvable::check_solvable_with_solution`],
//! recording the payload every step), and turn the outcome into success, progress,
//! violations, resources and a score with the [`ScoringTable`].
//!
//! No actix here; the only I/O is reading the benchmark and solution files.

pub mod batch;
pub mod solution;
pub mod table;

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::benchmark::{Benchmark, BenchmarkError, RecordedSeed, Variant};
use crate::budget::{BudgetUse, Quantity};
use serde::{Deserialize, Serialize};

pub use solution::{JsonSolution, PartsError, Solution, JSON_SOLUTION_FORMAT};
pub use table::{penalty, rules, ScoringTable, DEFAULT_TABLE_VERSION};

use crate::gates::overlap::{body_aabb, fmt_m, overlaps, sticking_out};
use crate::gates::physics::stability_findings;
use crate::gates::solvable::check_solvable_with_solution;
use crate::physics::{
    build_world_with_solution, BodyRole, SceneWorld, SimulationOutcome, PAYLOAD_LABEL,
};
use crate::scene::{Aabb, Fixture, Scene, Vec3, RESERVED_LABELS};

/// The `format` value of a score.
pub const SCORE_FORMAT: &str = "benchforge-score/1";

/// What makes scoring impossible as a whole (per-seed trouble is inside the score instead).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoreError {
    /// The benchmark folder cannot be read, or a variant does not rebuild as recorded.
    #[error(transparent)]
    Benchmark(#[from] BenchmarkError),
    /// The solution file cannot be used.
    #[error("solution {path}: {why}")]
    BadSolution {
        /// The file.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// The scoring table override cannot be used.
    #[error("scoring table {path}: {why}")]
    BadTable {
        /// The file.
        path: String,
        /// What is wrong.
        why: String,
    },
}

/// One rule a solution broke on one seed, with the part or zone and the numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    /// The rule id (see [`rules`]).
    pub rule: String,
    /// The solution part (or, for runs, the body) concerned, if any.
    pub part: Option<String>,
    /// The zone, side or resource concerned, if any.
    pub zone: Option<String>,
    /// The whole story in one line.
    pub message: String,
    /// The numbers, by name with their unit (`by_m`, `time_s`, `depth_m`, `used`, `cap`...).
    pub numbers: BTreeMap<String, f64>,
}

impl Violation {
    fn new(rule: &str, message: String) -> Self {
        Self {
            rule: rule.into(),
            part: None,
            zone: None,
            message,
            numbers: BTreeMap::new(),
        }
    }
    fn part(mut self, part: &str) -> Self {
        self.part = Some(part.into());
        self
    }
    fn zone(mut self, zone: &str) -> Self {
        self.zone = Some(zone.into());
        self
    }
    fn num(mut self, name: &str, v: f64) -> Self {
        self.numbers.insert(name.into(), v);
        self
    }
}

/// One resource against its cap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// How much the solution uses.
    pub used: f64,
    /// The cap, when there is one.
    pub cap: Option<f64>,
    /// `max(0, 1 − max(0, used/cap − 1))`, 1 without a cap.
    pub penalty: f64,
}

/// The solution's resources on one seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resources {
    /// Number of solution parts (rigid bodies the solution adds).
    pub parts: Resource,
    /// Number of shapes over all parts (no cap; priced by the catalogue).
    pub shapes: u64,
    /// Number of motors on the solution's joints (no cap; priced by the catalogue).
    #[serde(default)]
    pub motors: u64,
    /// Total mass of the parts, in kilograms (fixed parts count their material's mass).
    pub mass_kg: Resource,
    /// Sum of each solution motor's peak mechanical power in the run, in watts; absent when
    /// the solution has motors but was not run (a placement violation stopped it).
    #[serde(default)]
    pub motor_power_w: Option<Resource>,
    /// Total cost from the catalogue (parts, shapes, material, motors), in US dollars.
    pub cost_usd: Resource,
    /// The product of the penalties.
    pub factor: f64,
}

/// The score of one seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedScore {
    /// The seed.
    pub seed: u64,
    /// The scale the variant was built with.
    pub scale: Vec3,
    /// The variant's scene hash, when it was built.
    pub scene_hash: Option<String>,
    /// Why the seed could not be scored (its score is then 0), in one line.
    pub error: Option<String>,
    /// True when the run was simulated (not when placement already disqualified it).
    pub simulated: bool,
    /// Payload in the goal at the end and for the hold time, never in a forbid zone, and no
    /// disqualifying violation.
    pub success: bool,
    /// When the payload's centre first entered the goal zone, in seconds.
    pub time_to_goal_s: Option<f64>,
    /// How long the payload's centre had been inside the goal zone without leaving at the
    /// end of the run, in seconds.
    pub goal_hold_s: f64,
    /// True when the run ended because everything came to rest.
    pub settled: bool,
    /// 1 − closest distance ÷ initial distance of the payload's centre to the goal zone.
    pub progress: f64,
    /// Distance of the payload's centre to the goal zone at t = 0, in metres.
    pub initial_distance_m: f64,
    /// The closest it came, in metres.
    pub closest_distance_m: f64,
    /// At the end, in metres.
    pub final_distance_m: f64,
    /// Simulated time, in seconds.
    pub simulated_s: f64,
    /// Every rule broken.
    pub violations: Vec<Violation>,
    /// The resources used, when the parts were built.
    pub resources: Option<Resources>,
    /// True when a violation of the table's `disqualify` list zeroed the score.
    pub disqualified: bool,
    /// The seed's score, 0 to 1.
    pub score: f64,
}

impl SeedScore {
    fn failed(seed: &RecordedSeed, scene_hash: Option<String>, error: String) -> Self {
        Self {
            seed: seed.seed,
            scale: seed.scale,
            scene_hash,
            error: Some(error),
            simulated: false,
            success: false,
            time_to_goal_s: None,
            goal_hold_s: 0.0,
            settled: false,
            progress: 0.0,
            initial_distance_m: 0.0,
            closest_distance_m: 0.0,
            final_distance_m: 0.0,
            simulated_s: 0.0,
            violations: Vec::new(),
            resources: None,
            disqualified: false,
            score: 0.0,
        }
    }
}

/// Min, mean and max of a number over the scored seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// Smallest.
    pub min: f64,
    /// Mean.
    pub mean: f64,
    /// Largest.
    pub max: f64,
}

impl Spread {
    fn of(values: &[f64]) -> Option<Spread> {
        if values.is_empty() {
            return None;
        }
        Some(Spread {
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            mean: values.iter().sum::<f64>() / values.len() as f64,
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        })
    }
}

/// Totals over every seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Seeds recorded by the benchmark.
    pub seeds: usize,
    /// Seeds that could not be scored (counted with score 0).
    pub errors: usize,
    /// Seeds with success ÷ seeds (robustness counts).
    pub success_rate: f64,
    /// Mean progress over all seeds.
    pub mean_progress: f64,
    /// How often each rule was broken, over all seeds.
    pub violations: BTreeMap<String, usize>,
    /// Parts used per seed.
    pub parts: Option<Spread>,
    /// Mass in kilograms per seed.
    pub mass_kg: Option<Spread>,
    /// Motor power in watts per seed (seeds where it was measured).
    #[serde(default)]
    pub motor_power_w: Option<Spread>,
    /// Cost in US dollars per seed.
    pub cost_usd: Option<Spread>,
    /// Mean seed score, 0 to 1.
    pub score: f64,
}

/// The score of one solution on one benchmark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchmarkScore {
    /// [`SCORE_FORMAT`].
    pub format: String,
    /// The scoring table's version.
    pub table_version: String,
    /// The benchmark's id.
    pub benchmark: String,
    /// Its difficulty tier, when recorded.
    pub tier: Option<String>,
    /// Its planned difficulty, when recorded.
    pub difficulty: Option<f64>,
    /// The solution's file name.
    pub solution: String,
    /// 16 hex digits of the SHA-256 of the solution file.
    pub solution_sha256_prefix: String,
    /// Every seed, in the benchmark's order.
    pub seeds: Vec<SeedScore>,
    /// Totals.
    pub summary: Summary,
}

/// How to score.
#[derive(Debug, Clone, Default)]
pub struct ScoreOptions {
    /// The scoring table.
    pub table: ScoringTable,
    /// Score seeds on several threads.
    pub parallel_seeds: bool,
}

/// Scores `solution` (file name `solution_name`, bytes hashed as `solution_hash`) on every
/// recorded seed of `bench`.
pub fn score_benchmark(
    bench: &Benchmark,
    solution: &Solution,
    solution_name: &str,
    solution_hash: &str,
    options: &ScoreOptions,
) -> BenchmarkScore {
    let run = |seed: &RecordedSeed| score_seed(bench, seed, solution, &options.table);
    let mut seeds = Vec::with_capacity(bench.seeds.len());
    let mut first_broke_limit = false;
    if let Some(first) = bench.seeds.first() {
        let (score, broke) = run(first);
        first_broke_limit = broke;
        seeds.push(score);
    }
    let rest = bench.seeds.get(1..).unwrap_or_default();
    if first_broke_limit {
        // The same script breaks the same limit on every seed: say so instead of burning the
        // time again.
        let first = bench.seeds[0].seed;
        seeds.extend(rest.iter().map(|s| {
            SeedScore::failed(
                s,
                None,
                format!("not run: seed {first} already exceeded a sandbox limit"),
            )
        }));
    } else if options.parallel_seeds {
        seeds.par_extend(rest.par_iter().map(|s| run(s).0));
    } else {
        seeds.extend(rest.iter().map(|s| run(s).0));
    }
    BenchmarkScore {
        format: SCORE_FORMAT.into(),
        table_version: options.table.version.clone(),
        benchmark: bench.id.clone(),
        tier: bench.tier.clone(),
        difficulty: bench.difficulty,
        solution: solution_name.into(),
        solution_sha256_prefix: solution_hash.into(),
        summary: summarize(&seeds),
        seeds,
    }
}

fn summarize(seeds: &[SeedScore]) -> Summary {
    let n = seeds.len().max(1) as f64;
    let mut violations = BTreeMap::new();
    for v in seeds.iter().flat_map(|s| &s.violations) {
        *violations.entry(v.rule.clone()).or_insert(0) += 1;
    }
    let res: Vec<&Resources> = seeds.iter().filter_map(|s| s.resources.as_ref()).collect();
    let spread =
        |f: &dyn Fn(&Resources) -> f64| Spread::of(&res.iter().map(|r| f(r)).collect::<Vec<_>>());
    Summary {
        seeds: seeds.len(),
        errors: seeds.iter().filter(|s| s.error.is_some()).count(),
        success_rate: seeds.iter().filter(|s| s.success).count() as f64 / n,
        mean_progress: seeds.iter().map(|s| s.progress).sum::<f64>() / n,
        violations,
        parts: spread(&|r| r.parts.used),
        mass_kg: spread(&|r| r.mass_kg.used),
        motor_power_w: Spread::of(
            &res.iter()
                .filter_map(|r| r.motor_power_w.as_ref().map(|p| p.used))
                .collect::<Vec<_>>(),
        ),
        cost_usd: spread(&|r| r.cost_usd.used),
        score: seeds.iter().map(|s| s.score).sum::<f64>() / n,
    }
}

/// A variant with a candidate solution's parts in it: what `score` simulates and what
/// `score --mjcf` writes.
pub struct Candidate {
    /// The seed, with the scale the variant was really built with.
    pub seed: RecordedSeed,
    /// The rebuilt variant.
    pub variant: Variant,
    /// Its scene hash.
    pub scene_hash: String,
    /// The solution for it: parts, and joints with their motors.
    pub parts: crate::scene::Solution,
}

/// Why a candidate could not be put together.
pub enum CandidateError {
    /// The variant does not rebuild as recorded.
    Variant(String),
    /// The solution gave no parts (the scene hash of the variant it was asked about).
    Parts(String, PartsError),
}

/// Rebuilds `seed`'s variant and asks `solution` for its parts there.
pub fn candidate(
    bench: &Benchmark,
    seed: &RecordedSeed,
    solution: &Solution,
) -> Result<Candidate, CandidateError> {
    let variant = bench
        .build(seed)
        .map_err(|e| CandidateError::Variant(e.to_string()))?;
    let scene_hash = variant.scene.content_hash();
    // From here on, the scale the variant was really built with.
    let seed = RecordedSeed {
        scale: variant.scale,
        ..seed.clone()
    };
    let parts = solution
        .parts(
            seed.seed,
            seed.built_with,
            seed.scale,
            &variant.scene,
            &variant.spawn,
        )
        .map_err(|e| CandidateError::Parts(scene_hash.clone(), e))?;
    Ok(Candidate {
        seed,
        variant,
        scene_hash,
        parts,
    })
}

/// Scores one seed; the flag is true when the solution broke a sandbox limit.
pub fn score_seed(
    bench: &Benchmark,
    seed: &RecordedSeed,
    solution: &Solution,
    table: &ScoringTable,
) -> (SeedScore, bool) {
    let Candidate {
        seed,
        variant,
        scene_hash,
        parts,
    } = match candidate(bench, seed, solution) {
        Ok(c) => c,
        Err(CandidateError::Variant(e)) => return (SeedScore::failed(seed, None, e), false),
        Err(CandidateError::Parts(hash, e)) => {
            let limit = e.is_limit();
            return (SeedScore::failed(seed, Some(hash), e.to_string()), limit);
        }
    };
    let (seed, hash) = (&seed, Some(scene_hash));
    let scored = crate::guard::catch_panic(|| score_parts(bench, seed, &variant, &parts, table))
        .unwrap_or_else(|panic| Err(format!("the physics engine crashed: {panic}")));
    match scored {
        Ok(mut s) => {
            s.scene_hash = hash;
            (s, false)
        }
        Err(e) => (SeedScore::failed(seed, hash, e), false),
    }
}

fn score_parts(
    bench: &Benchmark,
    seed: &RecordedSeed,
    variant: &Variant,
    solution: &crate::scene::Solution,
    table: &ScoringTable,
) -> Result<SeedScore, String> {
    let scene = &variant.scene;
    let settings = &bench.physics;
    let parts: &[Fixture] = solution;
    let world = build_world_with_solution(scene, &variant.spawn, solution)
        .map_err(|e| format!("the solution's parts cannot be built: {e}"))?;
    let mut violations =
        placement_violations(scene, &world, parts, settings.penetration_tolerance_m);
    // What the solution uses, by the same function the Simulator checks the reference with;
    // its motor power is measured in the run below.
    let mut used = crate::budget::BudgetUse::of_world(&world, solution, &table.catalogue);
    let placed = violations.is_empty();

    let mut out = SeedScore::failed(seed, None, String::new());
    out.error = None;
    if placed {
        // Gate 6's own run, with the payload recorded every step.
        let check = check_solvable_with_solution(
            scene,
            &variant.spawn,
            solution,
            settings,
            Some(settings.timestep_s),
        );
        let Some(outcome) = check.outcome else {
            let why: Vec<String> = check
                .gate
                .findings
                .iter()
                .map(|f| f.message.clone())
                .collect();
            return Err(format!("the run failed: {}", why.join("; ")));
        };
        violations.extend(run_violations(scene, &outcome, settings));
        measure(&mut out, scene, &outcome, table);
        used = used.measured(&outcome);
    }
    let caps = caps(table, bench);
    violations.extend(budget_violations(&caps, &used));
    let resources = resources(&used, &caps);
    let disqualified = violations
        .iter()
        .any(|v| table.disqualify.contains(&v.rule));
    out.success = out.success && !disqualified;
    let w = &table.weights;
    let base = (w.success * f64::from(u8::from(out.success)) + w.progress * out.progress)
        / (w.success + w.progress);
    out.score = if disqualified {
        0.0
    } else {
        base * resources.factor
    };
    out.disqualified = disqualified;
    out.violations = violations;
    out.resources = Some(resources);
    Ok(out)
}

/// Success, hold time and progress from the run (the payload recorded every step).
fn measure(out: &mut SeedScore, scene: &Scene, outcome: &SimulationOutcome, table: &ScoringTable) {
    let goal = &scene.goal_zone;
    let path = payload_path(outcome);
    let initial = goal.distance_to_point_m(outcome.payload_start_m);
    let closest = path
        .iter()
        .map(|(_, p)| goal.distance_to_point_m(*p))
        .fold(initial, f64::min);
    // The start of the last stretch inside the goal, if the payload ended inside.
    let mut inside_since: Option<f64> = None;
    for (t, p) in &path {
        if goal.contains_point(*p) {
            inside_since.get_or_insert(*t);
        } else {
            inside_since = None;
        }
    }
    out.simulated = true;
    out.simulated_s = outcome.simulated_s;
    out.time_to_goal_s = outcome.payload_first_in_goal_s;
    out.settled = outcome.settle_time_s.is_some();
    out.goal_hold_s = match (outcome.payload_in_goal, inside_since) {
        (true, Some(t)) => outcome.simulated_s - t,
        _ => 0.0,
    };
    out.initial_distance_m = initial;
    out.closest_distance_m = closest;
    out.final_distance_m = outcome.payload_distance_to_goal_m;
    out.progress = if initial <= 0.0 {
        1.0
    } else {
        (1.0 - closest / initial).clamp(0.0, 1.0)
    };
    // A run that stopped because everything came to rest would not have changed later.
    let held = out.goal_hold_s + 1e-9 >= table.hold_s || out.settled;
    out.success = outcome.payload_in_goal && held && outcome.payload_forbid_entries.is_empty();
}

/// The payload's centre over time: every recorded frame (every step when recorded so).
fn payload_path(outcome: &SimulationOutcome) -> Vec<(f64, Vec3)> {
    match &outcome.trajectory {
        Some(t) => t
            .frames
            .iter()
            .filter_map(|f| {
                // The payload is the last body of the world.
                f.poses
                    .iter()
                    .rev()
                    .find(|(l, _)| l == PAYLOAD_LABEL)
                    .map(|(_, p)| (f.time_s, p.position_m))
            })
            .collect(),
        None => outcome.payload_path_m.clone(),
    }
}

/// How deep a point is inside a box: the distance to its nearest face, in metres.
fn depth_inside_m(zone: &Aabb, p: Vec3) -> f64 {
    (0..3)
        .map(|i| (p[i] - zone.min_m[i]).min(zone.max_m[i] - p[i]))
        .fold(f64::INFINITY, f64::min)
        .max(0.0)
}

fn run_violations(
    scene: &Scene,
    outcome: &SimulationOutcome,
    settings: &crate::physics::PhysicsSettings,
) -> Vec<Violation> {
    let mut out = Vec::new();
    let path = payload_path(outcome);
    for (zone, entered_s) in &outcome.payload_forbid_entries {
        let Some(z) = scene.forbid_zones.iter().find(|f| f.name == *zone) else {
            continue;
        };
        let (depth, inside_s) = path
            .iter()
            .filter(|(_, p)| z.zone.contains_point(*p))
            .fold((0.0f64, 0usize), |(d, n), (_, p)| {
                (d.max(depth_inside_m(&z.zone, *p)), n + 1)
            });
        let frames_s = outcome
            .trajectory
            .as_ref()
            .map(|_| settings.timestep_s)
            .unwrap_or(0.1);
        out.push(
            Violation::new(
                rules::PAYLOAD_ENTERED_FORBID_ZONE,
                format!(
                    "the payload's centre entered forbid zone \"{zone}\" at t={entered_s:.3} s, \
                     reached {depth:.4} m inside it and spent about {:.2} s there",
                    inside_s as f64 * frames_s
                ),
            )
            .zone(zone)
            .num("time_s", *entered_s)
            .num("depth_m", depth)
            .num("inside_s", inside_s as f64 * frames_s),
        );
    }
    // The gates' own stability checks (settling is not required, as in gate 6).
    for f in stability_findings(outcome, settings, "with the solution, ")
        .into_iter()
        .filter(|f| f.rule != "not_settled")
    {
        let mut v = Violation::new(rules::UNSTABLE_RUN, f.message).zone(&f.rule);
        match f.rule.as_str() {
            "too_fast" => {
                v = v
                    .part(&outcome.max_speed_label)
                    .num("speed_mps", outcome.max_speed_mps)
                    .num("limit_mps", settings.max_speed_mps)
                    .num("time_s", outcome.max_speed_time_s);
            }
            "energy_explosion" => {
                v = v
                    .num("energy_ratio", outcome.max_energy_ratio)
                    .num("limit", settings.max_energy_ratio)
                    .num("time_s", outcome.max_energy_ratio_time_s);
            }
            "left_bounds" => {
                if let Some(exit) = outcome.exits.first() {
                    v = v.part(&exit.label).num("time_s", exit.time_s);
                }
            }
            "non_finite_state" => {
                if let Some((label, t)) = &outcome.non_finite {
                    v = v.part(label).num("time_s", *t);
                }
            }
            _ => {}
        }
        out.push(v);
    }
    out
}

/// Where the solution's parts spawn: inside the build zone, out of forbid zones, cutting into
/// no scene part and not the payload, each under its own label.
fn placement_violations(
    scene: &Scene,
    world: &SceneWorld,
    parts: &[Fixture],
    tol: f64,
) -> Vec<Violation> {
    let mut out = Vec::new();
    for (k, part) in parts.iter().enumerate() {
        let taken = RESERVED_LABELS.contains(&part.label.as_str())
            || scene.fixture(&part.label).is_some()
            || parts[..k].iter().any(|p| p.label == part.label);
        if taken {
            out.push(
                Violation::new(
                    rules::PART_LABEL_TAKEN,
                    format!(
                        "solution part \"{}\" has a label already used by the scene, another solution part or a reserved role; give every part its own label",
                        part.label
                    ),
                )
                .part(&part.label),
            );
        }
    }
    let role = |i: usize| world.bodies[i].role;
    for (i, body) in world.bodies.iter().enumerate() {
        if body.role != BodyRole::Solution {
            continue;
        }
        let Some(aabb) = body_aabb(world, i) else {
            continue;
        };
        if let Some((side, by)) = sticking_out(&aabb, &scene.build_zone, tol).first() {
            out.push(
                Violation::new(
                    rules::PART_OUTSIDE_BUILD_ZONE,
                    format!(
                        "solution part \"{}\" leaves the build zone through {side} by {by:.4} m \
                         (part spans {} to {}, build zone {} to {})",
                        body.label,
                        fmt_m(aabb.min_m),
                        fmt_m(aabb.max_m),
                        fmt_m(scene.build_zone.min_m),
                        fmt_m(scene.build_zone.max_m)
                    ),
                )
                .part(&body.label)
                .zone(&side.to_string())
                .num("by_m", *by),
            );
        }
        for f in &scene.forbid_zones {
            if let Some(inside) = aabb.intersection(&f.zone) {
                let s = inside.size_m();
                let depth = s[0].min(s[1]).min(s[2]);
                if depth > tol {
                    out.push(
                        Violation::new(
                            rules::PART_IN_FORBID_ZONE,
                            format!(
                                "solution part \"{}\" reaches {depth:.4} m into forbid zone \"{}\" \
                                 (part spans {} to {}, zone {} to {})",
                                body.label,
                                f.name,
                                fmt_m(aabb.min_m),
                                fmt_m(aabb.max_m),
                                fmt_m(f.zone.min_m),
                                fmt_m(f.zone.max_m)
                            ),
                        )
                        .part(&body.label)
                        .zone(&f.name)
                        .num("depth_m", depth)
                        .num("volume_m3", inside.volume_m3()),
                    );
                }
            }
        }
    }
    for o in overlaps(world, tol, |a, b| {
        (role(a) == BodyRole::Solution) != (role(b) == BodyRole::Solution)
    }) {
        let (part, other) = if role(o.body_a) == BodyRole::Solution {
            (o.body_a, o.body_b)
        } else {
            (o.body_b, o.body_a)
        };
        let other_label = &world.bodies[other].label;
        let what = if role(other) == BodyRole::Payload {
            "the payload".to_string()
        } else {
            format!("scene part \"{other_label}\"")
        };
        out.push(
            Violation::new(
                rules::PART_OVERLAPS_SCENE,
                format!(
                    "solution part \"{}\" cuts {:.4} m into {what} at spawn near {} (tolerance {tol} m); parts may touch the scene but not cut into it",
                    world.bodies[part].label,
                    o.depth_m,
                    fmt_m(o.point_m)
                ),
            )
            .part(&world.bodies[part].label)
            .zone(other_label)
            .num("depth_m", o.depth_m),
        );
    }
    out
}

/// The caps in force: the scoring table's where it sets one, else the benchmark's own
/// (`benchmark.json` → `budget`).
fn caps(table: &ScoringTable, bench: &Benchmark) -> table::Budget {
    table.budget.or(&bench.budget.clone().unwrap_or_default())
}

/// The solution's use against `caps`, with each resource's penalty.
fn resources(used: &BudgetUse, caps: &table::Budget) -> Resources {
    let resource = |q: Quantity| {
        used.get(q).map(|used| {
            let cap = caps.cap(q);
            Resource {
                used,
                cap,
                penalty: cap.map(|c| penalty(used, c)).unwrap_or(1.0),
            }
        })
    };
    let unmeasured = || Resource {
        used: 0.0,
        cap: None,
        penalty: 1.0,
    };
    let parts = resource(Quantity::Parts).unwrap_or_else(unmeasured);
    let mass_kg = resource(Quantity::MassKg).unwrap_or_else(unmeasured);
    let cost_usd = resource(Quantity::CostUsd).unwrap_or_else(unmeasured);
    let motor_power_w = resource(Quantity::MotorPowerW);
    Resources {
        factor: parts.penalty
            * mass_kg.penalty
            * cost_usd.penalty
            * motor_power_w.as_ref().map_or(1.0, |r| r.penalty),
        parts,
        shapes: u64::from(used.shapes),
        motors: u64::from(used.motors),
        mass_kg,
        motor_power_w,
        cost_usd,
    }
}

/// One violation per quantity over its cap, naming the budget's key, the use and the cap
/// with units ([`crate::budget::Overrun::describe`]).
fn budget_violations(caps: &table::Budget, used: &BudgetUse) -> Vec<Violation> {
    caps.overruns(used)
        .into_iter()
        .map(|o| {
            let q = o.quantity;
            Violation::new(
                rules::OVER_BUDGET,
                format!(
                    "the solution's {}: penalty factor {:.3}",
                    o.describe(),
                    penalty(o.used, o.limit)
                ),
            )
            .zone(q.use_key())
            .num("used", o.used)
            .num("cap", o.limit)
            .num("penalty", penalty(o.used, o.limit))
        })
        .collect()
}

//! Worth solving: baseline solvers run on every seed of a candidate that passed gates 1–6,
//! the difficulty measured from them, and the checks that obstacles, zones and variants
//! really constrain the task. No actix here.
//!
//! The battery ([`assess`]):
//! - *do nothing*: gate 5's passive run ([`crate::gates::physics::check_physics`] and
//!   [`crate::gates::non_trivial::check_non_trivial`]);
//! - *reference*: gate 6 ([`crate::gates::solvable::check_solvable_with_solution`], joints and motors included) on the shipped seeds
//!   and on a larger held-out sample of in-range seeds that is never shipped;
//! - *random builders* ([`random`]): N legal random placements of simple parts per seed;
//! - *naive direct* ([`naive`]): one straight chute from the payload to the goal.
//!
//! Verdicts (each a [`Finding`] with a stable rule id): trivial (the naive chute succeeds on
//! any seed, or random builders above a rate), unfair (the reference fails on a shipped
//! seed), fragile (the reference fails on a held-out seed), plus the build zone's size, the
//! obstacles that do not block ([`constraints`]) and the randomized quantities that do not
//! vary ([`variation`]).

pub mod constraints;
pub mod naive;
pub mod random;
pub mod variation;

use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::gates::non_trivial::check_non_trivial;
use crate::gates::physics::check_physics;
use crate::gates::solvable::check_solvable_with_solution;
use crate::physics::PhysicsSettings;
use crate::report::Finding;
use crate::scene::{Fixture, Scene, Vec3};
use crate::script::SceneScript;
use crate::variant::{PayloadSpawn, ScaleRanges};

pub use constraints::ObstacleVerdict;
pub use variation::{QuantityVariation, VariationSettings};

use random::AttemptResult;

/// Rule id: the naive chute solves the benchmark.
pub const RULE_TRIVIAL_NAIVE: &str = "trivial_naive_solves";
/// Rule id: the measured tier is not the one the theme asks for.
pub const RULE_TIER_MISMATCH: &str = "tier_mismatch";
/// Rule id: random builders solve it too often.
pub const RULE_TRIVIAL_RANDOM: &str = "trivial_random_solves";
/// Rule id: the reference solution fails on a shipped seed.
pub const RULE_UNFAIR: &str = "unfair_reference_fails";
/// Rule id: the reference solution fails on a held-out in-range seed.
pub const RULE_FRAGILE: &str = "fragile_reference";

/// The file a session's battery report goes to, at the root of its artifacts (so the
/// benchmark folder has it as `variants/worth.json` and `benchmark.json` → `baselines`).
pub const WORTH_FILE: &str = "worth.json";

/// The first held-out seed: far above any seed a benchmark ships.
pub const HELD_OUT_FIRST_SEED: u64 = 1_000_000;

/// Every knob of the battery and the checks: the config's `[worth]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorthSettings {
    /// Refuse a candidate the battery finds not worth solving (the Simulator fails it as
    /// gate `worth`). Off: the battery runs and its findings are recorded in
    /// `benchmark.json` → `baselines`, but do not refuse.
    pub enforce: bool,
    /// Random builder attempts per seed.
    pub random_attempts_per_seed: u32,
    /// Each random attempt places 1 to this many parts.
    pub random_max_parts: u32,
    /// Above this random-builder success rate (0–1) a benchmark is trivial.
    pub max_random_success_rate: f64,
    /// Wall-clock budget of the random builders over all seeds, in seconds; attempts not
    /// started by then are not run (and not counted).
    pub random_time_budget_s: f64,
    /// Held-out in-range seeds the reference must also solve (never shipped).
    pub held_out_seeds: u32,
    /// The build zone may take at most this share of the bounds' volume (0–1).
    pub max_build_zone_fraction: f64,
    /// What counts as a real variant.
    pub variation: VariationSettings,
    /// Run on several threads (rayon).
    pub parallel: bool,
}

impl Default for WorthSettings {
    /// 200 random attempts per seed of 1–3 parts, trivial above 20 %, 60 s budget,
    /// 32 held-out seeds, build zone at most 40 % of the bounds, 10 % or 2 cm of variation.
    fn default() -> Self {
        Self {
            enforce: true,
            random_attempts_per_seed: 200,
            random_max_parts: 3,
            max_random_success_rate: 0.20,
            random_time_budget_s: 60.0,
            held_out_seeds: 32,
            max_build_zone_fraction: 0.40,
            variation: VariationSettings::default(),
            parallel: true,
        }
    }
}

impl WorthSettings {
    /// A one-line error when a setting makes no sense, naming it.
    pub fn check(&self) -> Result<(), String> {
        for (name, v) in [
            ("max_random_success_rate", self.max_random_success_rate),
            ("max_build_zone_fraction", self.max_build_zone_fraction),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!(
                    "worth setting {name} must be between 0 and 1, got {v}"
                ));
            }
        }
        if !(self.random_time_budget_s.is_finite() && self.random_time_budget_s > 0.0) {
            return Err(format!(
                "worth setting random_time_budget_s must be a positive number of seconds, got {}",
                self.random_time_budget_s
            ));
        }
        if self.random_max_parts == 0 {
            return Err("worth setting random_max_parts must be at least 1".into());
        }
        Ok(())
    }
}

/// One seed of a benchmark, built.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// The seed.
    pub seed: u64,
    /// The per-axis scale handed to `build(seed, scale)`.
    pub scale: Vec3,
    /// The scene.
    pub scene: Scene,
    /// The payload's sampled size and start.
    pub spawn: PayloadSpawn,
    /// The reference solution, when the script has `solve` and it ran.
    pub solution: Option<crate::scene::Solution>,
    /// Why `solve` failed, when it did.
    pub solve_error: Option<String>,
}

/// Builds seed `seed` of the stream `seed_stream` (0 for a lone script) the way `validate`
/// does; `Err` names the seed when `build` failed (a
/// failing `solve` is kept in [`Variant::solve_error`]).
pub fn build_variant(
    script: &SceneScript,
    seed: u64,
    seed_stream: u64,
    ranges: &ScaleRanges,
) -> Result<Variant, String> {
    // Built and sampled as validation does: with the seed's number on the benchmark's stream.
    let built_with = crate::variant::variant_seed(seed_stream, seed);
    let scale = ranges.sample(built_with);
    let scene = script
        .build(built_with, scale)
        .map_err(|e| format!("seed {seed}: build: {e}"))?;
    let (solution, solve_error) = match script.solve(built_with, scale) {
        Ok(solution) => (solution, None),
        Err(e) => (None, Some(format!("seed {seed}: solve: {e}"))),
    };
    let spawn = PayloadSpawn::sample(&scene.payload, built_with);
    Ok(Variant {
        seed,
        scale,
        scene,
        spawn,
        solution,
        solve_error,
    })
}

/// What every baseline did on one seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedBaselines {
    /// The seed.
    pub seed: u64,
    /// Gravity alone delivered the payload (gate 5 failed).
    pub do_nothing_solved: bool,
    /// The reference solution passed gate 6.
    pub reference_solved: bool,
    /// The naive chute delivered the payload.
    pub naive_solved: bool,
    /// Random attempts that placed at least one part legally and ran.
    pub random_attempts: u32,
    /// Of those, the ones that delivered the payload.
    pub random_solved: u32,
    /// Attempts with no legal placement at all (not counted in the rate).
    pub random_invalid: u32,
    /// Attempts not started within the time budget.
    pub random_skipped: u32,
    /// `random_solved / random_attempts` (0 when nothing ran).
    pub random_success_rate: f64,
}

/// The reference solution on the held-out seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldOut {
    /// The held-out seeds tried.
    pub seeds: Vec<u64>,
    /// The ones it failed on, each with why.
    pub failures: Vec<(u64, String)>,
}

/// The measured difficulty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DifficultyScore {
    /// 0 = trivial, 1 = very hard.
    pub score: f64,
    /// 1 (easy), 2 (medium) or 3 (hard).
    pub tier: u8,
    /// The random builders' success rate over all seeds (0–1).
    pub random_success_rate: f64,
    /// Parts (fixtures) the reference solution places.
    pub reference_parts: usize,
    /// Primitive shapes in those parts.
    pub reference_primitives: usize,
    /// Joints the reference solution needs (solutions hold none today).
    pub reference_joints: usize,
    /// What made it easier or harder, one reason per line.
    pub reasons: Vec<String>,
}

/// Everything the battery and the checks found, for `benchmark.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorthReport {
    /// Per shipped seed, each solver's result.
    pub seeds: Vec<SeedBaselines>,
    /// Random builders' success rate over all seeds (0–1).
    pub random_success_rate: f64,
    /// The reference on the held-out seeds.
    pub held_out: HeldOut,
    /// The measured difficulty.
    pub difficulty: DifficultyScore,
    /// The build zone's largest share of the bounds' volume over the seeds (0–1).
    pub build_zone_fraction: f64,
    /// Per named obstacle, whether it blocks the naive chute.
    pub obstacles: Vec<ObstacleVerdict>,
    /// Per declared randomized quantity, its range, per-seed values and spread.
    pub quantities: Vec<QuantityVariation>,
    /// Every reason to refuse the benchmark (empty: worth solving).
    pub findings: Vec<Finding>,
    /// Wall-clock time the whole assessment took, in seconds.
    pub elapsed_s: f64,
}

impl WorthReport {
    /// True when nothing was found: the benchmark is worth solving.
    pub fn passed(&self) -> bool {
        self.findings.is_empty()
    }

    /// Adds a finding when the theme asks for a tier (1–3) and the measured one differs.
    pub fn check_requested_tier(&mut self, requested: Option<u8>) {
        let Some(wanted) = requested else { return };
        if self.difficulty.tier != wanted {
            self.findings.push(Finding::new(
                RULE_TIER_MISMATCH,
                format!(
                    "the theme asks for tier {wanted} but the benchmark measures as tier {} (difficulty score {:.2}: {})",
                    self.difficulty.tier,
                    self.difficulty.score,
                    self.difficulty.reasons.join("; ")
                ),
            ));
        }
    }
}

/// The tier (1–3) a theme's `tier` label asks for: `1`, `2`, `3`, or `easy`, `medium`,
/// `hard`; `Err` says what is accepted.
pub fn requested_tier(label: &str) -> Result<u8, String> {
    match label.trim().to_ascii_lowercase().as_str() {
        "1" | "easy" => Ok(1),
        "2" | "medium" => Ok(2),
        "3" | "hard" => Ok(3),
        other => Err(format!(
            "tier \"{other}\" is not a tier: give 1, 2 or 3 (or easy, medium, hard)"
        )),
    }
}

/// Difficulty from the random builders' success rate and the reference solution's size:
/// 60 % rarity of random success (0 at the trivial rate, 1 at never), 40 % how much the
/// reference needs (parts beyond the first, primitives, joints). Tiers: below 0.4 is 1,
/// below 0.7 is 2, else 3.
pub fn difficulty(
    random_success_rate: f64,
    max_random_success_rate: f64,
    reference: &[Fixture],
    reference_joints: usize,
) -> DifficultyScore {
    let parts = reference.len();
    let primitives: usize = reference.iter().map(|f| f.parts.len()).sum();
    let rarity = if max_random_success_rate > 0.0 {
        1.0 - (random_success_rate / max_random_success_rate).clamp(0.0, 1.0)
    } else {
        1.0
    };
    let complexity = 0.5 * (parts.saturating_sub(1) as f64 / 4.0).min(1.0)
        + 0.2 * (primitives.saturating_sub(1) as f64 / 8.0).min(1.0)
        + 0.3 * (reference_joints as f64 / 2.0).min(1.0);
    let score = (0.6 * rarity + 0.4 * complexity).clamp(0.0, 1.0);
    let tier = if score < 0.4 {
        1
    } else if score < 0.7 {
        2
    } else {
        3
    };
    DifficultyScore {
        score,
        tier,
        random_success_rate,
        reference_parts: parts,
        reference_primitives: primitives,
        reference_joints,
        reasons: vec![
            format!(
                "random builders succeed {:.1} % of the time (trivial at {:.0} %): rarity {:.2}",
                100.0 * random_success_rate,
                100.0 * max_random_success_rate,
                rarity
            ),
            format!(
                "the reference solution places {parts} part(s) of {primitives} primitive(s) with {reference_joints} joint(s): complexity {:.2}",
                complexity
            ),
        ],
    }
}

/// Runs the random builders on every variant, in parallel when asked, stopping at the
/// deadline; returns (attempts run, solved, invalid, skipped) per variant.
fn random_builders(
    variants: &[Variant],
    physics: &PhysicsSettings,
    settings: &WorthSettings,
) -> Vec<(u32, u32, u32, u32)> {
    let deadline = Instant::now() + Duration::from_secs_f64(settings.random_time_budget_s);
    let n = settings.random_attempts_per_seed as u64;
    let jobs: Vec<(usize, u64)> = (0..variants.len())
        .flat_map(|v| (0..n).map(move |a| (v, a)))
        .collect();
    let run = |&(v, a): &(usize, u64)| -> (usize, Option<AttemptResult>) {
        if Instant::now() >= deadline {
            return (v, None);
        }
        let variant = &variants[v];
        let result = random::random_attempt(
            &variant.scene,
            &variant.spawn,
            physics,
            variant.seed,
            a,
            settings.random_max_parts,
        );
        (v, Some(result))
    };
    let results: Vec<(usize, Option<AttemptResult>)> = if settings.parallel {
        jobs.par_iter().map(run).collect()
    } else {
        jobs.iter().map(run).collect()
    };
    let mut out = vec![(0, 0, 0, 0); variants.len()];
    for (v, result) in results {
        let slot = &mut out[v];
        match result {
            Some(AttemptResult::Solved) => {
                slot.0 += 1;
                slot.1 += 1;
            }
            Some(AttemptResult::Failed) => slot.0 += 1,
            Some(AttemptResult::Invalid) => slot.2 += 1,
            None => slot.3 += 1,
        }
    }
    out
}

/// The reference solution on `seeds`: per seed, `None` when it passed gate 6, else why not.
fn reference_failures(
    script: &SceneScript,
    seeds: &[u64],
    seed_stream: u64,
    ranges: &ScaleRanges,
    physics: &PhysicsSettings,
    parallel: bool,
) -> Vec<(u64, Option<String>)> {
    let run = |&seed: &u64| {
        let why = match build_variant(script, seed, seed_stream, ranges) {
            Err(e) => Some(e),
            Ok(v) => match &v.solution {
                None => Some(
                    v.solve_error
                        .unwrap_or_else(|| "the script has no `solve`".to_string()),
                ),
                Some(solution) => {
                    let check =
                        check_solvable_with_solution(&v.scene, &v.spawn, solution, physics, None);
                    check.gate.findings.first().map(|f| f.message.clone())
                }
            },
        };
        (seed, why)
    };
    if parallel {
        seeds.par_iter().map(run).collect()
    } else {
        seeds.iter().map(run).collect()
    }
}

/// Runs the whole battery and every check on the benchmark `script` over the shipped
/// `seeds` of its `seed_stream` (held-out seeds on the same stream): the baselines, the held-out reference runs, the build zone's size, the named
/// `obstacles` (fixture labels the plan calls obstacles) and the declared randomized
/// quantities. Seeds that do not build are left out (gate 1 reports them).
pub fn assess(
    script: &SceneScript,
    seeds: &[u64],
    seed_stream: u64,
    ranges: &ScaleRanges,
    physics: &PhysicsSettings,
    obstacles: &[String],
    settings: &WorthSettings,
) -> WorthReport {
    let started = Instant::now();
    let variants: Vec<Variant> = seeds
        .iter()
        .filter_map(|&s| build_variant(script, s, seed_stream, ranges).ok())
        .collect();
    let mut findings = Vec::new();

    // Do nothing (gate 5), reference (gate 6) and naive chute, per seed.
    let per_seed = |v: &Variant| -> (bool, bool, bool) {
        let passive = check_physics(&v.scene, &v.spawn, physics, None);
        let do_nothing = passive
            .outcome
            .as_ref()
            .is_some_and(|o| !check_non_trivial(&v.scene, o).passed);
        let reference = v.solution.as_ref().is_some_and(|solution| {
            check_solvable_with_solution(&v.scene, &v.spawn, solution, physics, None)
                .gate
                .passed
        });
        let naive = naive::naive_solves(&v.scene, &v.spawn, physics);
        (do_nothing, reference, naive)
    };
    let direct: Vec<(bool, bool, bool)> = if settings.parallel {
        variants.par_iter().map(per_seed).collect()
    } else {
        variants.iter().map(per_seed).collect()
    };
    let random = random_builders(&variants, physics, settings);
    let seeds_out: Vec<SeedBaselines> = variants
        .iter()
        .zip(&direct)
        .zip(&random)
        .map(|((v, d), r)| SeedBaselines {
            seed: v.seed,
            do_nothing_solved: d.0,
            reference_solved: d.1,
            naive_solved: d.2,
            random_attempts: r.0,
            random_solved: r.1,
            random_invalid: r.2,
            random_skipped: r.3,
            random_success_rate: if r.0 > 0 {
                r.1 as f64 / r.0 as f64
            } else {
                0.0
            },
        })
        .collect();
    let attempts: u32 = seeds_out.iter().map(|s| s.random_attempts).sum();
    let solved: u32 = seeds_out.iter().map(|s| s.random_solved).sum();
    let random_rate = if attempts > 0 {
        solved as f64 / attempts as f64
    } else {
        0.0
    };

    let naive_seeds: Vec<String> = seeds_out
        .iter()
        .filter(|s| s.naive_solved)
        .map(|s| s.seed.to_string())
        .collect();
    if !naive_seeds.is_empty() {
        findings.push(Finding::new(
            RULE_TRIVIAL_NAIVE,
            format!(
                "trivial: a straight chute from the payload to the goal, ignoring every obstacle and forbid zone, \
                 delivers the payload on seed(s) {}; put an obstacle or a forbid zone across the direct path, \
                 or place the goal where a straight chute cannot reach",
                naive_seeds.join(", ")
            ),
        ));
    }
    if random_rate > settings.max_random_success_rate {
        findings.push(Finding::new(
            RULE_TRIVIAL_RANDOM,
            format!(
                "trivial: random builders ({} attempts of 1–{} random planks, ramps, walls and blocks per seed) \
                 deliver the payload in {:.1} % of {attempts} attempts, above the {:.0} % limit; constrain the task",
                settings.random_attempts_per_seed,
                settings.random_max_parts,
                100.0 * random_rate,
                100.0 * settings.max_random_success_rate
            ),
        ));
    }
    let unsolved: Vec<String> = seeds_out
        .iter()
        .filter(|s| !s.reference_solved)
        .map(|s| s.seed.to_string())
        .collect();
    if !unsolved.is_empty() {
        findings.push(Finding::new(
            RULE_UNFAIR,
            format!(
                "unfair: the reference solution fails on {} of {} shipped seed(s) ({}); every seed must be solvable",
                unsolved.len(),
                seeds_out.len(),
                unsolved.join(", ")
            ),
        ));
    }

    // Fragile: held-out in-range seeds, never shipped.
    let held_out_seeds: Vec<u64> = (0..settings.held_out_seeds as u64)
        .map(|i| HELD_OUT_FIRST_SEED + i)
        .collect();
    let held_out_failures: Vec<(u64, String)> = if script.has_solve() {
        reference_failures(
            script,
            &held_out_seeds,
            seed_stream,
            ranges,
            physics,
            settings.parallel,
        )
        .into_iter()
        .filter_map(|(s, why)| why.map(|w| (s, w)))
        .collect()
    } else {
        Vec::new()
    };
    if let Some((seed, why)) = held_out_failures.first() {
        findings.push(Finding::new(
            RULE_FRAGILE,
            format!(
                "fragile: the reference solution fails on {} of {} held-out in-range seeds (first: seed {seed}: {why}); \
                 it works on the shipped seeds only by luck — make it robust over the whole randomized range",
                held_out_failures.len(),
                held_out_seeds.len()
            ),
        ));
    }

    let build_zone_fraction = variants
        .iter()
        .map(|v| constraints::build_zone_fraction(&v.scene))
        .fold(0.0, f64::max);
    findings.extend(constraints::build_zone_findings(
        &variants,
        settings.max_build_zone_fraction,
    ));
    let (obstacle_verdicts, obstacle_findings) =
        constraints::obstacle_check(&variants, obstacles, physics, settings.parallel);
    findings.extend(obstacle_findings);
    let (quantities, quantity_findings) =
        variation::variation_check(script, seeds, seed_stream, ranges, &settings.variation);
    findings.extend(quantity_findings);

    let reference = variants
        .first()
        .and_then(|v| v.solution.clone())
        .unwrap_or_default();
    let mut difficulty = difficulty(
        random_rate,
        settings.max_random_success_rate,
        &reference,
        reference.joints.len(),
    );
    if !naive_seeds.is_empty() {
        // The simplest solver solves it: whatever else it takes, it measures as trivial.
        difficulty.score = 0.0;
        difficulty.tier = 1;
        difficulty.reasons.push(format!(
            "the naive straight chute solves seed(s) {}: trivial",
            naive_seeds.join(", ")
        ));
    }
    WorthReport {
        seeds: seeds_out,
        random_success_rate: random_rate,
        held_out: HeldOut {
            seeds: held_out_seeds,
            failures: held_out_failures,
        },
        difficulty,
        build_zone_fraction,
        obstacles: obstacle_verdicts,
        quantities,
        findings,
        elapsed_s: started.elapsed().as_secs_f64(),
    }
}

/// The labels a plan calls obstacles: for a plan of a known archetype, the planned fixtures
/// the archetype declares as standing across the direct path (supports, the start pad, the
/// goal bin and features the path merely passes are not obstacles). For a plan of no known
/// archetype, every planned fixture whose label or purpose says obstacle, wall, barrier,
/// block or gate.
pub fn plan_obstacles(plan: &crate::plan::Plan) -> Vec<String> {
    if let Some(arch) = crate::agents::procedural::archetypes::by_id(&plan.archetype) {
        // Those of its obstacles the plan has (a stated drop leaves `sideways_move` without
        // its portal; a model may name an archetype and plan other fixtures).
        return arch
            .obstacles
            .iter()
            .filter(|l| plan.fixtures.iter().any(|f| f.label == **l))
            .map(|l| l.to_string())
            .collect();
    }
    const WORDS: [&str; 5] = ["obstacle", "wall", "barrier", "block", "gate"];
    plan.fixtures
        .iter()
        .filter(|f| {
            let text = format!("{} {}", f.label, f.purpose).to_ascii_lowercase();
            WORDS.iter().any(|w| text.contains(w))
        })
        .map(|f| f.label.clone())
        .collect()
}

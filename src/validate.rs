//! `validate`: runs the gates on one scene script over a list of seeds.
//!
//! Compile errors (syntax, no `build`) are `Err` — the script is unusable as a whole. Every
//! per-seed failure is a gate result inside the [`ValidationReport`]. Per seed the gates run
//! in order and stop at the first that fails, because later gates need what earlier ones
//! established (a scene, consistent zones, ...). Gates 3–6 slot in after gate 2 in
//! [`validate_seed`].

use rayon::prelude::*;

use crate::gates;
use crate::physics::PhysicsSettings;
use crate::report::{Finding, GateId, SeedReport, ValidationReport};
use crate::scene::{short_hash, Vec3};
use crate::script::{SceneScript, ScriptError};
use crate::variant::{variant_seed, PayloadSpawn, ScaleRanges};

/// How to validate. A plain struct so later gates can add their settings as fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidateOptions {
    /// The seeds to check, in order (the report numbers its variants by them).
    pub seeds: Vec<u64>,
    /// The benchmark's seed stream ([`crate::variant::seed_stream`]); 0 for a lone script.
    /// Seed `k` is built and sampled with [`variant_seed`]`(seed_stream, k)`.
    pub seed_stream: u64,
    /// The ranges the per-axis scale is sampled from, per seed.
    pub scale_ranges: ScaleRanges,
    /// Evaluate seeds on several threads (rayon).
    pub parallel: bool,
    /// Duration, timestep and thresholds of gates 3–6.
    pub physics: PhysicsSettings,
    /// The theme's typed intent, when the script implements a plan: gate 8 checks it.
    pub intent: Option<crate::intent::Intent>,
}

impl Default for ValidateOptions {
    /// 8 seeds (DESIGN.md gate 7), default scale ranges, in parallel.
    fn default() -> Self {
        Self {
            seeds: (0..8).collect(),
            seed_stream: 0,
            scale_ranges: ScaleRanges::default(),
            parallel: true,
            physics: PhysicsSettings::default(),
            intent: None,
        }
    }
}

/// Compiles `source` and validates it; `Err` only when the script cannot be compiled.
pub fn validate_script(
    source: &str,
    options: &ValidateOptions,
) -> Result<ValidationReport, ScriptError> {
    let script = SceneScript::compile(source)?;
    Ok(validate_compiled(&script, source, options))
}

/// Validates an already compiled script; `source` is hashed for the report.
pub fn validate_compiled(
    script: &SceneScript,
    source: &str,
    options: &ValidateOptions,
) -> ValidationReport {
    let seeds: Vec<(u64, Option<Vec3>)> = options.seeds.iter().map(|s| (*s, None)).collect();
    validate_seeds(script, source, &seeds, options)
}

/// Validates an already compiled script on recorded variants: each seed built at its given
/// scale (a benchmark folder's recorded scales), in the given order; `options.seeds` is not
/// read. Gate 7 runs across them as in [`validate_compiled`].
pub fn validate_at_scales(
    script: &SceneScript,
    source: &str,
    seeds: &[(u64, Vec3)],
    options: &ValidateOptions,
) -> ValidationReport {
    let seeds: Vec<(u64, Option<Vec3>)> = seeds.iter().map(|(s, v)| (*s, Some(*v))).collect();
    validate_seeds(script, source, &seeds, options)
}

/// The one loop of [`validate_compiled`] and [`validate_at_scales`]: a seed with a scale is
/// built at it, one without samples it from the options' ranges.
fn validate_seeds(
    script: &SceneScript,
    source: &str,
    variants: &[(u64, Option<Vec3>)],
    options: &ValidateOptions,
) -> ValidationReport {
    let run = |(seed, scale): &(u64, Option<Vec3>)| match scale {
        Some(scale) => validate_seed_at(script, *seed, *scale, options),
        None => validate_seed(script, *seed, options),
    };
    let mut seeds = Vec::with_capacity(variants.len());
    let Some((first, rest)) = variants.split_first() else {
        return ValidationReport {
            script_hash: short_hash(source.as_bytes()),
            randomized: gates::randomized(&seeds),
            seeds,
        };
    };
    seeds.push(run(first));
    // A script that breaks a sandbox limit on the first seed would burn the same time and
    // memory on every other seed; report those seeds as not run instead.
    let first_broke_limit = seeds.first().is_some_and(broke_limit);
    if first_broke_limit {
        seeds.extend(rest.iter().map(|(seed, scale)| {
            let mut skipped = skipped_seed(script, *seed, options);
            if let Some(scale) = scale {
                skipped.scale = *scale;
            }
            skipped
        }));
    } else if options.parallel {
        seeds.par_extend(rest.par_iter().map(run));
    } else {
        seeds.extend(rest.iter().map(run));
    }
    let randomized = gates::randomized(&seeds);
    ValidationReport {
        script_hash: short_hash(source.as_bytes()),
        seeds,
        randomized,
    }
}

/// Rule id: the seed was not run because seed 0 already broke a sandbox limit.
pub const RULE_SKIPPED_AFTER_LIMIT: &str = "skipped_after_limit";

fn broke_limit(report: &SeedReport) -> bool {
    report
        .gates
        .iter()
        .flat_map(|g| &g.findings)
        .any(|f| f.rule == ScriptError::LIMIT_RULE)
}

fn skipped_seed(script: &SceneScript, seed: u64, options: &ValidateOptions) -> SeedReport {
    let mut report = empty_seed_report(script, seed, options);
    gates::record(
        &mut report,
        GateId::Script,
        vec![Finding::new(
            RULE_SKIPPED_AFTER_LIMIT,
            "not run: the first seed already exceeded a sandbox limit; fix that first",
        )],
    );
    report
}

fn empty_seed_report(script: &SceneScript, seed: u64, options: &ValidateOptions) -> SeedReport {
    SeedReport {
        seed,
        scale: options
            .scale_ranges
            .sample(variant_seed(options.seed_stream, seed)),
        scene_hash: None,
        payload_spawn: None,
        has_solution: script.has_solve(),
        gates: Vec::new(),
        passive: None,
        solution: None,
    }
}

/// Runs the gates for one seed, in order, stopping at the first that fails. The seed is
/// built and sampled with its number on the options' seed stream.
pub fn validate_seed(script: &SceneScript, seed: u64, options: &ValidateOptions) -> SeedReport {
    let report = empty_seed_report(script, seed, options);
    let scale = report.scale;
    validate_variant(script, report, scale, options)
}

/// Runs the gates on the variant `seed` built at `scale` (a recorded scale, when a benchmark
/// folder is re-checked), stopping at the first that fails.
pub fn validate_seed_at(
    script: &SceneScript,
    seed: u64,
    scale: crate::scene::Vec3,
    options: &ValidateOptions,
) -> SeedReport {
    let mut report = empty_seed_report(script, seed, options);
    report.scale = scale;
    validate_variant(script, report, scale, options)
}

fn validate_variant(
    script: &SceneScript,
    mut report: SeedReport,
    scale: crate::scene::Vec3,
    options: &ValidateOptions,
) -> SeedReport {
    let seed = variant_seed(options.seed_stream, report.seed);

    // Gate 1: the script builds this seed within the limits, deterministically.
    let built = match gates::script::check(script, seed, scale) {
        Ok(built) => {
            gates::record(&mut report, GateId::Script, Vec::new());
            built
        }
        Err(findings) => {
            gates::record(&mut report, GateId::Script, findings);
            return report;
        }
    };
    report.scene_hash = Some(built.scene.content_hash());
    let spawn = PayloadSpawn::sample(&built.scene.payload, seed);
    report.payload_spawn = Some(spawn);

    // Gate 2: zones, labels and payload agree.
    let mut consistency = gates::consistency::check(&built.scene, built.solution.as_deref());
    if let Some(solution) = &built.solution {
        gates::consistency::check_solution_joints(&built.scene, solution, &mut consistency);
    }
    if !gates::record(&mut report, GateId::Consistency, consistency) {
        return report;
    }

    // Gates 3–6: geometry, passive physics, non-trivial, solvable (each stops the rest).
    // Gate 8 reads the solution's path (through, under, over): record it every step then.
    let record_every_s = options.intent.as_ref().map(|_| options.physics.timestep_s);
    let physical = gates::physical::run_physical_gates(
        &built.scene,
        &spawn,
        built.solution.as_ref(),
        &options.physics,
        record_every_s,
    );
    report.gates.extend(physical.gates);
    report.passive = physical.passive;
    report.solution = physical.solution;

    // Gate 8: the theme's stated facts hold on this variant and its solution run.
    if report.passed() {
        if let Some(intent) = options.intent.as_ref() {
            let evidence = match (
                built.solution.as_deref(),
                physical.solution_outcome.as_ref(),
            ) {
                (Some(parts), Some(outcome)) => {
                    Some(gates::fidelity::SolutionEvidence { parts, outcome })
                }
                _ => None,
            };
            let mut findings = gates::fidelity::check(
                intent,
                &built.scene,
                &spawn,
                evidence,
                &gates::fidelity::FidelitySettings::default(),
            );
            if findings.is_empty() {
                // Only a scene that is otherwise faithful is worth the ablation runs.
                findings = gates::fidelity::mechanism_findings(
                    intent,
                    &built.scene,
                    &spawn,
                    built.solution.as_deref().unwrap_or(&[]),
                    &options.physics,
                );
            }
            gates::record(&mut report, GateId::Fidelity, findings);
        }
    }
    report
}

//! `validate`: runs the gates on one scene script over seeds `0..N`.
//!
//! Compile errors (syntax, no `build`) are `Err` — the script is unusable as a whole. Every
//! per-seed failure is a gate result inside the [`ValidationReport`]. Per seed the gates run
//! in order and stop at the first that fails, because later gates need what earlier ones
//! established (a scene, consistent zones, ...). Gates 3–6 slot in after gate 2 in
//! [`validate_seed`].

use rayon::prelude::*;

use crate::gates;
use crate::physics::PhysicsSettings;
use crate::report::{GateId, SeedReport, ValidationReport};
use crate::scene::short_hash;
use crate::script::{SceneScript, ScriptError};
use crate::variant::{PayloadSpawn, ScaleRanges};

/// How to validate. A plain struct so later gates can add their settings as fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidateOptions {
    /// How many seeds to check: seeds `0..seeds`.
    pub seeds: u64,
    /// The ranges the per-axis scale is sampled from, per seed.
    pub scale_ranges: ScaleRanges,
    /// Evaluate seeds on several threads (rayon).
    pub parallel: bool,
    /// Duration, timestep and thresholds of gates 3–6.
    pub physics: PhysicsSettings,
}

impl Default for ValidateOptions {
    /// 8 seeds (DESIGN.md gate 7), default scale ranges, in parallel.
    fn default() -> Self {
        Self {
            seeds: 8,
            scale_ranges: ScaleRanges::default(),
            parallel: true,
            physics: PhysicsSettings::default(),
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
    let run = |seed| validate_seed(script, seed, options);
    let seeds: Vec<SeedReport> = if options.parallel {
        (0..options.seeds).into_par_iter().map(run).collect()
    } else {
        (0..options.seeds).map(run).collect()
    };
    let randomized = gates::randomized(&seeds);
    ValidationReport {
        script_hash: short_hash(source.as_bytes()),
        seeds,
        randomized,
    }
}

/// Runs the gates for one seed, in order, stopping at the first that fails.
pub fn validate_seed(script: &SceneScript, seed: u64, options: &ValidateOptions) -> SeedReport {
    let scale = options.scale_ranges.sample(seed);
    let mut report = SeedReport {
        seed,
        scale,
        scene_hash: None,
        payload_spawn: None,
        has_solution: script.has_solve(),
        gates: Vec::new(),
        passive: None,
        solution: None,
    };

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
    let consistency = gates::consistency::check(&built.scene, built.solution.as_deref());
    if !gates::record(&mut report, GateId::Consistency, consistency) {
        return report;
    }

    // Gates 3–6: geometry, passive physics, non-trivial, solvable (each stops the rest).
    let physical = gates::physical::run_physical_gates(
        &built.scene,
        &spawn,
        built.solution.as_deref(),
        &options.physics,
        None,
    );
    report.gates.extend(physical.gates);
    report.passive = physical.passive;
    report.solution = physical.solution;
    report
}

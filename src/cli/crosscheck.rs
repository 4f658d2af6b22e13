//! `benchforge crosscheck BENCHMARK_DIR|SCRIPT`: simulates every variant in rapier and in
//! MuJoCo (the MJCF export, through scripts/crosscheck.py) and reports where they disagree.

use std::path::PathBuf;

use anyhow::Context;

use super::{EXIT_BAD_INPUT, EXIT_GATE_FAILED, EXIT_OK};
use crate::benchmark::Benchmark;
use crate::export::crosscheck::{
    crosscheck, CrosscheckError, CrosscheckOptions, Variant, PASSIVE_TOLERANCE_M,
    SOLUTION_TOLERANCE_M,
};
use crate::physics::PhysicsSettings;
use crate::script::SceneScript;
use crate::variant::{PayloadSpawn, ScaleRanges};

/// Arguments of `benchforge crosscheck`.
#[derive(Debug, clap::Args)]
pub struct CrosscheckArgs {
    /// A benchmark folder (every recorded seed) or a scene script (seeds 0..N).
    pub path: PathBuf,
    /// For a script: how many seeds to check (seeds 0..N).
    #[arg(long, default_value_t = 8)]
    pub seeds: u64,
    /// Largest allowed distance between the engines' final payload positions without a
    /// solution, in metres.
    #[arg(long, default_value_t = PASSIVE_TOLERANCE_M)]
    pub passive_tolerance_m: f64,
    /// The same with the reference solution, in metres.
    #[arg(long, default_value_t = SOLUTION_TOLERANCE_M)]
    pub solution_tolerance_m: f64,
    /// The Python interpreter that has the `mujoco` package.
    #[arg(long, default_value = "python3")]
    pub python: String,
    /// Print the whole report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs `benchforge crosscheck`: exit 0 when the engines agree everywhere, 1 when they do
/// not, 2 for unusable input or a missing MuJoCo.
pub fn run(args: CrosscheckArgs) -> anyhow::Result<u8> {
    for (name, v) in [
        ("--passive-tolerance-m", args.passive_tolerance_m),
        ("--solution-tolerance-m", args.solution_tolerance_m),
    ] {
        if !(v.is_finite() && v > 0.0) {
            eprintln!("benchforge: {name} must be a positive distance in metres, got {v}");
            return Ok(EXIT_BAD_INPUT);
        }
    }
    let (variants, physics) = if args.path.is_dir() {
        let bench = Benchmark::load(&args.path)?;
        let mut variants = Vec::new();
        for seed in &bench.seeds {
            let built = bench
                .build(seed)
                .and_then(|v| Ok((bench.reference_solution(&v)?, v)));
            let (solution, v) = match built {
                Ok(built) => built,
                Err(e) => return super::benchmark_failure(e),
            };
            variants.push(Variant {
                name: format!("{} seed {}", bench.name(), seed.seed),
                scene: v.scene,
                spawn: v.spawn,
                solution,
            });
        }
        (variants, bench.physics.clone())
    } else {
        let source = std::fs::read_to_string(&args.path)
            .with_context(|| format!("cannot read scene script {}", args.path.display()))?;
        let script = SceneScript::compile(&source)
            .with_context(|| format!("{} does not compile", args.path.display()))?;
        let stem = args
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut variants = Vec::new();
        for seed in 0..args.seeds {
            let scale = ScaleRanges::default().sample(seed);
            let scene = script
                .build(seed, scale)
                .with_context(|| format!("{} seed {seed}", args.path.display()))?;
            let solution = script
                .solve(seed, scale)
                .with_context(|| format!("{} seed {seed}: solve", args.path.display()))?;
            variants.push(Variant {
                name: format!("{stem} seed {seed}"),
                spawn: PayloadSpawn::sample(&scene.payload, seed),
                scene,
                solution,
            });
        }
        (variants, PhysicsSettings::default())
    };
    let options = CrosscheckOptions {
        passive_tolerance_m: args.passive_tolerance_m,
        solution_tolerance_m: args.solution_tolerance_m,
        python: args.python.clone(),
        physics,
    };
    let report = match crosscheck(&variants, &options) {
        Ok(report) => report,
        Err(err @ CrosscheckError::MujocoMissing(_)) => {
            eprintln!("benchforge: {err}");
            return Ok(EXIT_BAD_INPUT);
        }
        Err(err) => return Err(err.into()),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for v in &report.variants {
            let solution = v
                .solution
                .as_ref()
                .map(|s| {
                    format!(
                        "; with solution {:.4} m apart, goal rapier {} / MuJoCo {}",
                        s.distance_m, s.rapier.in_goal, s.mujoco.in_goal
                    )
                })
                .unwrap_or_default();
            println!(
                "{}: passive {:.4} m apart, goal rapier {} / MuJoCo {}{solution}",
                v.name, v.passive.distance_m, v.passive.rapier.in_goal, v.passive.mujoco.in_goal
            );
        }
        if let Some((name, d)) = report.worst_passive() {
            println!("worst passive distance: {d:.4} m ({name})");
        }
        if let Some((name, d)) = report.worst_solution() {
            println!("worst with-solution distance: {d:.4} m ({name})");
        }
    }
    let disagreements = report.disagreements();
    for line in &disagreements {
        eprintln!("benchforge: disagreement: {line}");
    }
    Ok(if disagreements.is_empty() {
        EXIT_OK
    } else {
        EXIT_GATE_FAILED
    })
}

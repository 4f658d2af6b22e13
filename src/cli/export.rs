//! `benchforge export SCRIPT|BENCHMARK_DIR --seed N [--with-solution] [--out FILE]`: builds
//! one variant and writes it in another tool's format (MJCF for MuJoCo). From a benchmark
//! folder the variant is rebuilt exactly as the gates checked it (recorded scale and spawn,
//! scene hash checked against the folder).

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::{EXIT_BAD_INPUT, EXIT_OK};
use crate::benchmark::Benchmark;
use crate::export::mjcf::{to_mjcf_with_solution, MjcfOptions};
use crate::physics::PhysicsSettings;
use crate::scene::{Scene, Solution, Vec3};
use crate::script::SceneScript;
use crate::variant::{PayloadSpawn, ScaleRanges};

/// The formats `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// MuJoCo's MJCF XML.
    Mjcf,
}

/// Arguments of `benchforge export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// A scene script (Rhai) or a benchmark folder (with benchmark.json and script.rhai).
    pub script: PathBuf,
    /// Which seed's variant to export.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Mjcf)]
    pub format: ExportFormat,
    /// Include the reference solution's parts (the script's `solve`).
    #[arg(long)]
    pub with_solution: bool,
    /// Where to write the file (stdout when absent).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// One variant ready to export.
struct Built {
    name: String,
    scene: Scene,
    spawn: PayloadSpawn,
    solution: Option<Solution>,
    scale: Vec3,
    physics: PhysicsSettings,
    note: String,
}

/// Runs `benchforge export`.
pub fn run(args: ExportArgs) -> anyhow::Result<u8> {
    let built = if args.script.is_dir() {
        match from_folder(&args.script, args.seed)? {
            Ok(built) => built,
            Err(code) => return Ok(code),
        }
    } else {
        match from_script(&args.script, args.seed)? {
            Some(built) => built,
            None => return Ok(EXIT_BAD_INPUT),
        }
    };
    let none = Solution::default();
    let solution: &Solution = if args.with_solution {
        match &built.solution {
            Some(solution) => solution,
            None => {
                eprintln!(
                    "benchforge: {} has no `solve` function, so there is no reference solution to export; drop --with-solution",
                    args.script.display()
                );
                return Ok(EXIT_BAD_INPUT);
            }
        }
    } else {
        &none
    };
    let xml = match args.format {
        ExportFormat::Mjcf => to_mjcf_with_solution(
            &built.scene,
            &built.spawn,
            solution,
            &built.name,
            &MjcfOptions::from_physics(&built.physics),
        )
        .with_context(|| format!("{} seed {}", args.script.display(), args.seed))?,
    };
    match &args.out {
        Some(out) => {
            std::fs::write(out, xml).with_context(|| format!("cannot write {}", out.display()))?;
            println!(
                "wrote {} ({} seed {}, scale {:.3?}, scene hash {}{}{})",
                out.display(),
                args.script.display(),
                args.seed,
                built.scale,
                built.scene.content_hash(),
                if args.with_solution {
                    ", with the reference solution"
                } else {
                    ""
                },
                built.note
            );
        }
        None => print!("{xml}"),
    }
    Ok(EXIT_OK)
}

fn from_folder(dir: &Path, seed: u64) -> anyhow::Result<Result<Built, u8>> {
    let bench = Benchmark::load(dir)?;
    let built = bench
        .variant(seed)
        .and_then(|v| Ok((bench.reference_solution(&v)?, v)));
    let (solution, variant) = match built {
        Ok(built) => built,
        Err(e) => return super::benchmark_failure(e).map(Err),
    };
    let note = if variant.verified_against.is_empty() {
        "; the folder records no scene hash to check it against".to_string()
    } else {
        format!("; matches {}", variant.verified_against.join(" and "))
    };
    Ok(Ok(Built {
        // The model name the dataset's own scene.xml and scene_solution.xml carry, so an
        // export reproduces them byte for byte.
        name: format!("seed_{seed}"),
        scene: variant.scene,
        spawn: variant.spawn,
        solution,
        scale: variant.scale,
        physics: bench.physics,
        note,
    }))
}

/// Builds from a script with the default scale ranges; `None` after printing a script error.
fn from_script(path: &Path, seed: u64) -> anyhow::Result<Option<Built>> {
    let source = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read scene script {}", path.display()))?;
    let script = match SceneScript::compile(&source) {
        Ok(script) => script,
        Err(err) => {
            eprintln!("benchforge: {}: {err}", path.display());
            return Ok(None);
        }
    };
    let scale = ScaleRanges::default().sample(seed);
    let built = script
        .build(seed, scale)
        .and_then(|scene| Ok((script.solve(seed, scale)?, scene)));
    let (solution, scene) = match built {
        Ok(done) => done,
        Err(err) => {
            eprintln!("benchforge: {} seed {seed}: {err}", path.display());
            return Ok(None);
        }
    };
    let spawn = PayloadSpawn::sample(&scene.payload, seed);
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("scene");
    Ok(Some(Built {
        name: format!("{stem}-seed-{seed}"),
        scene,
        spawn,
        solution,
        scale,
        physics: PhysicsSettings::default(),
        note: String::new(),
    }))
}

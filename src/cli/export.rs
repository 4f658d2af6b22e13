//! `benchforge export SCRIPT --seed N --format mjcf --out FILE`: builds one variant of a
//! scene script and writes it in another tool's format.

use std::path::PathBuf;

use anyhow::Context;

use super::{EXIT_BAD_INPUT, EXIT_OK};
use crate::export::mjcf::to_mjcf;
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
    /// The scene script (Rhai).
    pub script: PathBuf,
    /// Which seed's variant to export.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Mjcf)]
    pub format: ExportFormat,
    /// Where to write the file.
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs `benchforge export`.
pub fn run(args: ExportArgs) -> anyhow::Result<u8> {
    let source = std::fs::read_to_string(&args.script)
        .with_context(|| format!("cannot read scene script {}", args.script.display()))?;
    let script = match SceneScript::compile(&source) {
        Ok(script) => script,
        Err(err) => {
            eprintln!("benchforge: {}: {err}", args.script.display());
            return Ok(EXIT_BAD_INPUT);
        }
    };
    let scale = ScaleRanges::default().sample(args.seed);
    let scene = match script.build(args.seed, scale) {
        Ok(scene) => scene,
        Err(err) => {
            eprintln!(
                "benchforge: {} seed {}: {err}",
                args.script.display(),
                args.seed
            );
            return Ok(EXIT_BAD_INPUT);
        }
    };
    let spawn = PayloadSpawn::sample(&scene.payload, args.seed);
    let model = format!(
        "{}-seed-{}",
        args.script
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("scene"),
        args.seed
    );
    let xml = match args.format {
        ExportFormat::Mjcf => to_mjcf(&scene, &spawn, &model)
            .with_context(|| format!("{} seed {}", args.script.display(), args.seed))?,
    };
    std::fs::write(&args.out, xml)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    println!(
        "wrote {} ({} seed {}, scale {:.3?})",
        args.out.display(),
        args.script.display(),
        args.seed,
        scale
    );
    Ok(EXIT_OK)
}

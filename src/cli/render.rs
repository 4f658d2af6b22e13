//! `benchforge render SCRIPT|BENCHMARK_DIR --seed N --out DIR [--size WxH] [--views 24|1] [--depth]
//! [--segmentation] [--no-media]`: renders one variant of a scene script.
//!
//! Writes `view_e<elev>_a<azim>.png` per view (plus `depth_*.png`, `segmentation_*.png` and
//! `segmentation_labels.json` when asked), the Reviewer's task views
//! `seed-<N>/review/{side,top,along_path}.png` with their `views.json`
//! (`render::write_task_views`, as the Simulator writes them), then simulates the variant and writes
//! `contact_sheet.png` and `sim.gif` (and `solution_contact_sheet.png`, `solution_sim.gif`
//! when the script has `solve`). From a benchmark folder the recorded variant is rebuilt
//! (recorded scale and seed stream, scene hash checked) and simulated with the recorded
//! physics settings. Exit 0 when everything was written, 1 when the script does
//! not build this seed or the variant cannot be simulated or drawn (a one-line reason on
//! stderr, files already written are kept), 2 for unusable input.

use std::path::PathBuf;

use anyhow::{bail, Context};

use super::{EXIT_GATE_FAILED, EXIT_OK};
use crate::benchmark::Benchmark;
use crate::physics::PhysicsSettings;
use crate::render::{
    self, BodyPoses, MediaOptions, RenderError, RenderOptions, ViewAngle, Visibility,
};
use crate::script::SceneScript;
use crate::variant::{PayloadSpawn, ScaleRanges};

/// Arguments of `benchforge render`.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// The scene script (Rhai) to render, or a benchmark folder (with benchmark.json): its
    /// recorded variant is rebuilt and checked against the recorded scene hash.
    pub script: PathBuf,
    /// The seed of the variant to render (of a benchmark folder: one of its recorded seeds).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The folder to write the images into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Image size in pixels, WIDTHxHEIGHT.
    #[arg(long, default_value = "512x384")]
    pub size: String,
    /// How many views: 24 (every standard angle) or 1 (the 45° three-quarter view).
    #[arg(long, default_value_t = 24)]
    pub views: u32,
    /// Also write a depth image per view (16-bit PNG, millimetres).
    #[arg(long)]
    pub depth: bool,
    /// Also write a segmentation image per view and the id → label table.
    #[arg(long)]
    pub segmentation: bool,
    /// Skip the simulation contact sheet and GIF.
    #[arg(long)]
    pub no_media: bool,
}

/// Parses `WIDTHxHEIGHT`.
pub fn parse_size(text: &str) -> anyhow::Result<(u32, u32)> {
    let parsed = text
        .trim()
        .to_ascii_lowercase()
        .split_once('x')
        .and_then(|(w, h)| Some((w.trim().parse::<u32>().ok()?, h.trim().parse::<u32>().ok()?)));
    match parsed {
        Some((w, h)) if (render::MIN_SIDE_PX..=render::MAX_SIDE_PX).contains(&w) && (render::MIN_SIDE_PX..=render::MAX_SIDE_PX).contains(&h) => {
            Ok((w, h))
        }
        _ => bail!(
            "--size {text:?} is not a usable image size; give WIDTHxHEIGHT in pixels, each {}..={}, e.g. 512x384",
            render::MIN_SIDE_PX,
            render::MAX_SIDE_PX
        ),
    }
}

/// Runs `render`; `Err` means unusable input (exit 2).
pub fn run(args: RenderArgs) -> anyhow::Result<u8> {
    let (width_px, height_px) = parse_size(&args.size)?;
    let views = match args.views {
        24 => ViewAngle::standard(),
        1 => vec![ViewAngle::hero()],
        n => bail!("--views {n} is not supported; give 24 (all standard views) or 1"),
    };
    let shown = args.script.display().to_string();
    let seed = args.seed;
    let (scale, scene, solution, spawn, physics) = if args.script.is_dir() {
        let bench = Benchmark::load(&args.script)?;
        let built = bench
            .variant(seed)
            .and_then(|v| Ok((bench.reference_solution(&v)?, v)));
        match built {
            Ok((solution, v)) => (v.scale, v.scene, solution, v.spawn, bench.physics),
            Err(e) => return super::benchmark_failure(e),
        }
    } else {
        let bytes =
            std::fs::read(&args.script).with_context(|| format!("cannot read script {shown}"))?;
        let source = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("script {shown} is not UTF-8 text"))?;
        let script =
            SceneScript::compile(&source).map_err(|err| anyhow::anyhow!("{shown}: {err}"))?;
        let scale = ScaleRanges::default().sample(seed);
        let scene = match script.build(seed, scale) {
            Ok(scene) => scene,
            Err(err) => {
                return Ok(gate_failure(&format!(
                    "{shown}: build(seed {seed}) failed: {err}"
                )))
            }
        };
        let solution = match script.solve(seed, scale) {
            Ok(solution) => solution,
            Err(err) => {
                return Ok(gate_failure(&format!(
                    "{shown}: solve(seed {seed}) failed: {err}"
                )))
            }
        };
        let spawn = PayloadSpawn::sample(&scene.payload, seed);
        (scale, scene, solution, spawn, PhysicsSettings::default())
    };
    let options = RenderOptions {
        width_px,
        height_px,
        views,
        depth: args.depth,
        segmentation: args.segmentation,
    };
    let rendered = match render::render_views(&scene, &spawn, &BodyPoses::new(), &options) {
        Ok(views) => views,
        Err(err) => return failure(err, &shown),
    };
    let written = match render::write_views(&args.out, &rendered) {
        Ok(paths) => paths,
        Err(err) => return failure(err, &shown),
    };
    let visibility = Visibility::measure(&rendered, scene.forbid_zones.len());
    println!(
        "{}: seed {seed}, scale [{:.3}, {:.3}, {:.3}]: wrote {} view files to {}",
        shown,
        scale[0],
        scale[1],
        scale[2],
        written.len(),
        args.out.display()
    );
    println!(
        "visible in share of views: payload {:.2}, goal zone {:.2}{}",
        visibility.payload_fraction,
        visibility.goal_zone_fraction,
        visibility
            .forbid_zones_fraction
            .map(|f| format!(", forbid zones {f:.2}"))
            .unwrap_or_default()
    );
    // The Reviewer's views of this variant, written exactly as the Simulator writes them.
    let seed_dir = args.out.join(format!("seed-{seed}"));
    let task_views = match render::write_task_views(
        &seed_dir,
        &scene,
        &spawn,
        solution.as_deref().unwrap_or(&[]),
        &options,
    ) {
        Ok(paths) => paths,
        Err(err) => return failure(err, &shown),
    };
    let names: Vec<String> = task_views
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    println!(
        "wrote the Reviewer's task views ({}) to {}",
        names.join(", "),
        seed_dir.join(render::REVIEW_VIEWS_DIR).display()
    );
    if args.no_media {
        return Ok(EXIT_OK);
    }
    let media = match render::simulate_media(
        &scene,
        &spawn,
        solution.as_deref(),
        &physics,
        &MediaOptions::default(),
    ) {
        Ok(media) => media,
        Err(err) => return failure(err, &shown),
    };
    match media.write(&args.out) {
        Ok(paths) => {
            for path in paths {
                println!("wrote {}", path.display());
            }
            Ok(EXIT_OK)
        }
        Err(err) => failure(err, &shown),
    }
}

/// Unusable options or an unwritable folder are bad input (exit 2); anything else about this
/// variant is a failure of the variant (exit 1).
fn failure(err: RenderError, script: &str) -> anyhow::Result<u8> {
    match err {
        RenderError::InvalidOptions(_) | RenderError::Io { .. } => Err(err.into()),
        other => Ok(gate_failure(&format!("{script}: {other}"))),
    }
}

fn gate_failure(reason: &str) -> u8 {
    eprintln!("benchforge: {reason}");
    EXIT_GATE_FAILED
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_or_explain() {
        assert_eq!(parse_size("512x384").unwrap(), (512, 384));
        assert_eq!(parse_size(" 64X48 ").unwrap(), (64, 48));
        for bad in ["512", "0x10", "axb", "99999x10", ""] {
            let err = parse_size(bad).unwrap_err().to_string();
            assert!(err.contains("WIDTHxHEIGHT"), "{bad}: {err}");
        }
    }
}

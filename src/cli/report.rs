//! `benchforge report DATA_DIR`: writes `DATA_DIR/report.html`, a static page about the
//! dataset. With `--baselines`, first runs the baseline battery on every benchmark whose
//! benchmark.json has none and keeps the result in `DATA_DIR/report/baselines/<id>.json`.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::baselines::{assess, plan_obstacles, WorthReport, WorthSettings};
use crate::html_report::{self, data::BASELINES_DIR};
use crate::physics::PhysicsSettings;
use crate::plan::Plan;
use crate::script::SceneScript;
use crate::variant::ScaleRanges;

/// Arguments of `benchforge report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The data dir (it holds index.jsonl and benchmarks/).
    pub data_dir: PathBuf,
    /// Measure the baselines of benchmarks that have none before writing the page.
    #[arg(long)]
    pub baselines: bool,
    /// Random-builder attempts per seed when measuring.
    #[arg(long, default_value_t = WorthSettings::default().random_attempts_per_seed)]
    pub random_attempts: u32,
    /// Held-out seeds the reference must solve when measuring.
    #[arg(long, default_value_t = WorthSettings::default().held_out_seeds)]
    pub held_out: u32,
}

/// Runs `benchforge report`.
pub fn run(args: ReportArgs) -> anyhow::Result<u8> {
    if !args.data_dir.is_dir() {
        anyhow::bail!(
            "data dir {} does not exist; pass the folder `benchforge run` or `generate` wrote (it holds index.jsonl)",
            args.data_dir.display()
        );
    }
    if args.baselines {
        let settings = WorthSettings {
            random_attempts_per_seed: args.random_attempts,
            held_out_seeds: args.held_out,
            ..WorthSettings::default()
        };
        measure_missing(&args.data_dir, &settings)?;
    }
    let path = html_report::write_report(&args.data_dir)?;
    println!("{}", path.display());
    Ok(super::EXIT_OK)
}

/// Runs the battery on every benchmark without baselines and prints one line each, then
/// the dataset's figures.
fn measure_missing(data_dir: &std::path::Path, settings: &WorthSettings) -> anyhow::Result<()> {
    let data = html_report::collect(data_dir)?;
    let out_dir = data_dir.join(BASELINES_DIR);
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let mut reports: Vec<WorthReport> = Vec::new();
    for b in &data.benchmarks {
        if let Some(w) = &b.baselines {
            reports.push(w.clone());
            continue;
        }
        let script_path = b.dir.join("script.rhai");
        let source = std::fs::read_to_string(&script_path)
            .with_context(|| format!("reading {}", script_path.display()))?;
        let script = SceneScript::compile(&source)
            .map_err(|e| anyhow::anyhow!("{}: {e}", script_path.display()))?;
        let mut seeds: Vec<u64> = b.json["seeds"]
            .as_array()
            .map(|a| a.iter().filter_map(|s| s.as_u64()).collect())
            .unwrap_or_default();
        if seeds.is_empty() {
            seeds = (0..8).collect();
        }
        let plan: Option<Plan> = serde_json::from_value(b.json["plan"].clone()).ok();
        let ranges: ScaleRanges = serde_json::from_value(b.json["scale_ranges"].clone())
            .ok()
            .or(plan.as_ref().map(|p| p.scale_ranges))
            .unwrap_or_default();
        let obstacles = plan.as_ref().map(plan_obstacles).unwrap_or_default();
        // The benchmark's own stream and gate settings, as its gates ran.
        let seed_stream = b.json["seed_stream"].as_u64().unwrap_or(0);
        let physics: PhysicsSettings =
            serde_json::from_value(b.json["physics"].clone()).unwrap_or_default();
        let report = assess(
            &script,
            &seeds,
            seed_stream,
            &ranges,
            &physics,
            &obstacles,
            settings,
        );
        let path = out_dir.join(format!("{}.json", b.id));
        std::fs::write(&path, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("writing {}", path.display()))?;
        println!(
            "{}: {} · tier {} · random {:.1} % · naive solves {} seed(s) · build zone {:.0} % · {:.1} s{}",
            b.id,
            if report.passed() { "worth solving" } else { "refused" },
            report.difficulty.tier,
            100.0 * report.random_success_rate,
            report.seeds.iter().filter(|s| s.naive_solved).count(),
            100.0 * report.build_zone_fraction,
            report.elapsed_s,
            report
                .findings
                .iter()
                .map(|f| format!("\n  {}: {}", f.rule, f.message))
                .collect::<String>()
        );
        reports.push(report);
    }
    if !reports.is_empty() {
        let mut rates: Vec<f64> = reports.iter().map(|r| r.random_success_rate).collect();
        rates.sort_by(f64::total_cmp);
        let median = rates[rates.len() / 2];
        println!(
            "dataset: {} benchmark(s) · naive chute solves {} · median random success {:.1} % · largest build zone {:.0} % of bounds · worth solving {}",
            reports.len(),
            reports.iter().filter(|r| r.seeds.iter().any(|s| s.naive_solved)).count(),
            100.0 * median,
            100.0 * reports.iter().map(|r| r.build_zone_fraction).fold(0.0, f64::max),
            reports.iter().filter(|r| r.passed()).count()
        );
    }
    Ok(())
}

//! `benchforge score BENCHMARK_DIR SOLUTION` and `benchforge score DATA_DIR --solutions DIR`:
//! scores an agent's solution on every recorded seed of a benchmark (or every solution of a
//! folder against its benchmark) with the scoring table of `crate::score`.
//!
//! Exit codes: 0 when every seed was scored (whatever the score), 1 when a seed could not be
//! scored (the solution failed to run; the reason is in the output), 2 for unusable input.
//! Batch scoring exits 0 once `scores.jsonl` is written: failures are in its rows.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{bail, Context};

use super::{EXIT_GATE_FAILED, EXIT_OK};
use crate::benchmark::Benchmark;
use crate::scene::short_hash;
use crate::score::batch::{leaderboard, score_all, solution_files, ScoreRow};
use crate::score::{score_benchmark, BenchmarkScore, ScoreOptions, ScoringTable, Solution};

/// Arguments of `benchforge score`.
#[derive(Debug, clap::Args)]
pub struct ScoreArgs {
    /// A benchmark folder (benchmarks/<slug>-<id>/), or with --solutions a dataset folder.
    pub target: Option<PathBuf>,
    /// The solution: a Rhai script with `fn solve(seed, scale)`, or a JSON file of parts per
    /// seed (format "benchforge-solution/1").
    pub solution: Option<PathBuf>,
    /// Score every <benchmark-id>.rhai (or .json) of this folder against its benchmark.
    #[arg(long, conflicts_with = "solution")]
    pub solutions: Option<PathBuf>,
    /// Print the whole score as JSON on stdout (batch: the leaderboard as JSON).
    #[arg(long)]
    pub json: bool,
    /// A scoring table override (TOML, must set `version`); see `--print-table`.
    #[arg(long)]
    pub table: Option<PathBuf>,
    /// Print the scoring table in force as TOML and exit.
    #[arg(long)]
    pub print_table: bool,
    /// Batch: solutions scored at once (default: one per core).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Batch: where scores.jsonl and leaderboard.json go (default: the solutions folder).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write each seed's scene with the candidate solution's parts as MuJoCo MJCF:
    /// `DIR/seed-<k>.xml`, simulated with the benchmark's recorded settings.
    #[arg(long, value_name = "DIR", conflicts_with = "solutions")]
    pub mjcf: Option<PathBuf>,
}

/// Most parallel batch jobs accepted.
const MAX_JOBS: usize = 256;

/// Runs `benchforge score`; `Err` means unusable input (exit 2).
pub fn run(args: ScoreArgs) -> anyhow::Result<u8> {
    let table = match &args.table {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read scoring table {}", path.display()))?;
            ScoringTable::from_toml(&text, &path.display().to_string())?
        }
        None => ScoringTable::default(),
    };
    if args.print_table {
        print!("{}", table.to_toml());
        return Ok(EXIT_OK);
    }
    let options = ScoreOptions {
        table,
        parallel_seeds: true,
    };
    let Some(target) = args.target.clone() else {
        bail!("no benchmark given: `benchforge score BENCHMARK_DIR SOLUTION` (or `benchforge score DATA_DIR --solutions DIR`)");
    };
    if let Some(dir) = &args.solutions {
        return run_batch(&args, &target, dir, &options);
    }
    let Some(solution_path) = &args.solution else {
        bail!("no solution given: `benchforge score BENCHMARK_DIR SOLUTION` (or `benchforge score DATA_DIR --solutions DIR`)");
    };
    let bench = Benchmark::load(&target)?;
    let bytes = std::fs::read(solution_path)
        .with_context(|| format!("cannot read solution {}", solution_path.display()))?;
    let solution = Solution::load(solution_path)?;
    let name = solution_path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let score = score_benchmark(&bench, &solution, &name, &short_hash(&bytes), &options);
    if let Some(dir) = &args.mjcf {
        write_mjcf(&bench, &solution, dir)?;
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&score).context("cannot serialize the score")?
        );
    } else {
        print!("{}", table_text(&score));
    }
    if score.summary.errors > 0 {
        let first = score
            .seeds
            .iter()
            .find_map(|s| s.error.as_ref().map(|e| format!("seed {}: {e}", s.seed)))
            .unwrap_or_default();
        eprintln!(
            "benchforge: {} of {} seeds could not be scored; first: {first}",
            score.summary.errors, score.summary.seeds
        );
        return Ok(EXIT_GATE_FAILED);
    }
    Ok(EXIT_OK)
}

/// Writes `dir/seed-<k>.xml` for every recorded seed: the variant with the candidate's parts.
/// A seed whose parts cannot be made is named on stderr and skipped (the score says why).
fn write_mjcf(bench: &Benchmark, solution: &Solution, dir: &std::path::Path) -> anyhow::Result<()> {
    use crate::export::mjcf::{to_mjcf_with_solution, MjcfOptions};
    use crate::score::{candidate, CandidateError};
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let options = MjcfOptions::from_physics(&bench.physics);
    for seed in &bench.seeds {
        let c = match candidate(bench, seed, solution) {
            Ok(c) => c,
            Err(err) => {
                let e = match err {
                    CandidateError::Variant(e) => e,
                    CandidateError::Parts(_, e) => e.to_string(),
                };
                eprintln!(
                    "benchforge: seed {}: no MJCF written: {}",
                    seed.seed,
                    crate::logging::escape_control(&e)
                );
                continue;
            }
        };
        let model = format!("seed_{}", c.seed.seed);
        let xml = to_mjcf_with_solution(
            &c.variant.scene,
            &c.variant.spawn,
            &c.parts,
            &model,
            &options,
        )
        .map_err(|e| anyhow::anyhow!("seed {}: MJCF: {e}", c.seed.seed))?;
        let path = dir.join(format!("seed-{}.xml", c.seed.seed));
        std::fs::write(&path, xml).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

fn run_batch(
    args: &ScoreArgs,
    data_dir: &std::path::Path,
    dir: &std::path::Path,
    options: &ScoreOptions,
) -> anyhow::Result<u8> {
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    if jobs == 0 || jobs > MAX_JOBS {
        bail!("--jobs {jobs} is out of range; give between 1 and {MAX_JOBS}");
    }
    let files = solution_files(dir).map_err(anyhow::Error::msg)?;
    if files.is_empty() {
        bail!(
            "no solutions in {}: put one <benchmark-id>.rhai (or .json) per benchmark there",
            dir.display()
        );
    }
    let rows = score_all(data_dir, &files, options, jobs).map_err(anyhow::Error::msg)?;
    let out_dir = args.out.clone().unwrap_or_else(|| dir.to_path_buf());
    std::fs::create_dir_all(&out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let mut lines = String::new();
    for row in &rows {
        lines.push_str(&serde_json::to_string(row).context("cannot serialize a row")?);
        lines.push('\n');
    }
    let scores = out_dir.join("scores.jsonl");
    std::fs::write(&scores, lines).with_context(|| format!("cannot write {}", scores.display()))?;
    let board = leaderboard(&rows, &options.table.version);
    let board_json =
        serde_json::to_string_pretty(&board).context("cannot serialize the leaderboard")?;
    let board_path = out_dir.join("leaderboard.json");
    std::fs::write(&board_path, &board_json)
        .with_context(|| format!("cannot write {}", board_path.display()))?;
    if args.json {
        println!("{board_json}");
    } else {
        print!("{}", batch_text(&rows, &board));
        println!("wrote {} and {}", scores.display(), board_path.display());
    }
    Ok(EXIT_OK)
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// The readable table of one score.
pub fn table_text(score: &BenchmarkScore) -> String {
    let mut out = String::new();
    let w = |out: &mut String, s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    w(
        &mut out,
        format!(
            "benchmark {} (tier {}, difficulty {}) | solution {} | table {}",
            score.benchmark,
            score.tier.as_deref().unwrap_or("-"),
            score
                .difficulty
                .map(|d| format!("{d:.2}"))
                .unwrap_or_else(|| "-".into()),
            score.solution,
            score.table_version
        ),
    );
    w(
        &mut out,
        format!(
            "{:>6}  {:>7}  {:>8}  {:>6}  {:>5}  {:>8}  {:>8}  {:>8}  {:>10}  {:>5}",
            "seed",
            "success",
            "progress",
            "hold_s",
            "parts",
            "mass_kg",
            "power_w",
            "cost_usd",
            "violations",
            "score"
        ),
    );
    for s in &score.seeds {
        if let Some(e) = &s.error {
            w(&mut out, format!("{:>6}  error: {e}", s.seed));
            continue;
        }
        let r = s.resources.as_ref();
        w(
            &mut out,
            format!(
                "{:>6}  {:>7}  {:>8.3}  {:>6.2}  {:>5}  {:>8.3}  {:>8}  {:>8.2}  {:>10}  {:>5.3}",
                s.seed,
                yes(s.success),
                s.progress,
                s.goal_hold_s,
                r.map(|r| r.parts.used).unwrap_or(0.0),
                r.map(|r| r.mass_kg.used).unwrap_or(0.0),
                r.and_then(|r| r.motor_power_w.as_ref())
                    .map_or_else(|| "-".to_string(), |p| format!("{:.1}", p.used)),
                r.map(|r| r.cost_usd.used).unwrap_or(0.0),
                s.violations.len(),
                s.score
            ),
        );
    }
    for s in &score.seeds {
        for v in &s.violations {
            w(
                &mut out,
                format!("seed {}: {}: {}", s.seed, v.rule, v.message),
            );
        }
    }
    let m = &score.summary;
    w(
        &mut out,
        format!(
            "summary: success {:.0}% of {} seeds, mean progress {:.3}, {} violations, {} errors, score {:.3}",
            100.0 * m.success_rate,
            m.seeds,
            m.mean_progress,
            m.violations.values().sum::<usize>(),
            m.errors,
            m.score
        ),
    );
    out
}

fn batch_text(rows: &[ScoreRow], board: &crate::score::batch::Leaderboard) -> String {
    let mut out = format!(
        "{:<32}  {:<10}  {:>7}  {:>8}  {:>5}  result\n",
        "benchmark", "tier", "success", "progress", "score"
    );
    let mut sorted: Vec<&ScoreRow> = rows.iter().collect();
    sorted.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.benchmark.cmp(&b.benchmark))
    });
    for r in sorted {
        out.push_str(&format!(
            "{:<32}  {:<10}  {:>6.0}%  {:>8.3}  {:>5.3}  {}\n",
            r.benchmark,
            r.tier.as_deref().unwrap_or("-"),
            100.0 * r.success_rate,
            r.mean_progress,
            r.score,
            r.error.as_deref().unwrap_or("ok")
        ));
    }
    for (tier, s) in &board.tiers {
        out.push_str(&format!(
            "tier {tier}: {} solutions, {} errors, mean score {:.3}, mean success {:.0}%\n",
            s.solutions,
            s.errors,
            s.mean_score,
            100.0 * s.mean_success_rate
        ));
    }
    out.push_str(&format!(
        "overall: {} solutions, mean score {:.3} (table {})\n",
        board.overall.solutions, board.overall.mean_score, board.table_version
    ));
    let _ = std::io::stdout().flush();
    out
}

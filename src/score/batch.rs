//! Batch scoring: every `<benchmark-id>.rhai` (or `.json`) of a solutions folder against the
//! benchmark of that id in a dataset, with bounded parallelism, one row per solution whatever
//! happens to it, and a leaderboard per benchmark and per difficulty tier.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{score_benchmark, BenchmarkScore, ScoreOptions, Solution};
use crate::benchmark::Benchmark;
use crate::scene::short_hash;

/// One line of `scores.jsonl`: one solution file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreRow {
    /// The solution's file name.
    pub solution: String,
    /// The benchmark id the file name names.
    pub benchmark: String,
    /// The benchmark's difficulty tier, when known.
    pub tier: Option<String>,
    /// Why the solution could not be scored, in one line (its score is then 0).
    pub error: Option<String>,
    /// Seeds with success ÷ seeds.
    pub success_rate: f64,
    /// Mean progress over the seeds.
    pub mean_progress: f64,
    /// Violations over all seeds.
    pub violations: usize,
    /// The benchmark score, 0 to 1.
    pub score: f64,
    /// The scoring table's version.
    pub table_version: String,
    /// The whole score, when the solution ran.
    pub result: Option<BenchmarkScore>,
}

/// The benchmark folders of a dataset by id (`<data_dir>/benchmarks/*/benchmark.json`).
pub fn benchmark_dirs(data_dir: &Path) -> Result<BTreeMap<String, PathBuf>, String> {
    let root = crate::dataset::benchmarks_dir(data_dir);
    let entries = std::fs::read_dir(&root).map_err(|e| {
        format!(
            "cannot read {} ({e}); give a dataset folder (the one with benchmarks/ and index.jsonl)",
            root.display()
        )
    })?;
    let mut out = BTreeMap::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(text) = std::fs::read_to_string(path.join("benchmark.json")) else {
            continue;
        };
        let id = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(String::from));
        if let Some(id) = id {
            out.insert(id, path);
        }
    }
    Ok(out)
}

/// The solution files of a folder (`*.rhai` and `*.json`), sorted by name.
pub fn solution_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read solutions folder {} ({e})", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "rhai" || e == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// Scores every solution file against its benchmark on a pool of `jobs` threads (seeds of one
/// solution run one after another on its job's thread). Rows come back in file-name order.
pub fn score_all(
    data_dir: &Path,
    files: &[PathBuf],
    options: &ScoreOptions,
    jobs: usize,
) -> Result<Vec<ScoreRow>, String> {
    let benchmarks = benchmark_dirs(data_dir)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .map_err(|e| format!("cannot start {jobs} scoring threads: {e}"))?;
    let one = ScoreOptions {
        parallel_seeds: false,
        ..options.clone()
    };
    Ok(pool.install(|| {
        files
            .par_iter()
            .map(|f| score_file(f, &benchmarks, &one))
            .collect()
    }))
}

fn score_file(
    file: &Path,
    benchmarks: &BTreeMap<String, PathBuf>,
    options: &ScoreOptions,
) -> ScoreRow {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let id = file
        .file_stem()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut row = ScoreRow {
        solution: name.clone(),
        benchmark: id.clone(),
        tier: None,
        error: None,
        success_rate: 0.0,
        mean_progress: 0.0,
        violations: 0,
        score: 0.0,
        table_version: options.table.version.clone(),
        result: None,
    };
    let scored = crate::guard::catch_panic(|| -> Result<BenchmarkScore, String> {
        let dir = benchmarks.get(&id).ok_or_else(|| {
            format!(
                "no benchmark with id \"{id}\" in the dataset; name the file <benchmark-id>.rhai"
            )
        })?;
        let bench = Benchmark::load(dir).map_err(|e| e.to_string())?;
        let bytes = std::fs::read(file).map_err(|e| format!("cannot read {name}: {e}"))?;
        let solution = Solution::load(file).map_err(|e| e.to_string())?;
        Ok(score_benchmark(
            &bench,
            &solution,
            &name,
            &short_hash(&bytes),
            options,
        ))
    })
    .unwrap_or_else(|panic| Err(format!("scoring crashed: {panic}")));
    match scored {
        Ok(score) => {
            let s = &score.summary;
            row.tier = score.tier.clone();
            row.success_rate = s.success_rate;
            row.mean_progress = s.mean_progress;
            row.violations = s.violations.values().sum();
            row.score = s.score;
            // A solution that failed on every seed gets that failure as its row's error.
            if s.errors == s.seeds {
                row.error = score
                    .seeds
                    .iter()
                    .find_map(|seed| seed.error.clone())
                    .map(|e| format!("seed {}: {e}", score.seeds[0].seed));
            }
            row.result = Some(score);
        }
        Err(e) => row.error = Some(one_line(&e)),
    }
    row
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Aggregates of a group of rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standing {
    /// Solutions in the group.
    pub solutions: usize,
    /// Of which could not be scored at all.
    pub errors: usize,
    /// Mean score.
    pub mean_score: f64,
    /// Mean success rate.
    pub mean_success_rate: f64,
}

/// The leaderboard: every row by score (best first), and standings per tier and overall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Leaderboard {
    /// The scoring table's version.
    pub table_version: String,
    /// `(benchmark, solution, score)` best first (ties by benchmark id).
    pub benchmarks: Vec<(String, String, f64)>,
    /// Per difficulty tier (`"untiered"` when the benchmark records none).
    pub tiers: BTreeMap<String, Standing>,
    /// Over every row.
    pub overall: Standing,
}

fn standing<'a>(rows: impl Iterator<Item = &'a ScoreRow>) -> Standing {
    let rows: Vec<&ScoreRow> = rows.collect();
    let n = rows.len().max(1) as f64;
    Standing {
        solutions: rows.len(),
        errors: rows.iter().filter(|r| r.error.is_some()).count(),
        mean_score: rows.iter().map(|r| r.score).sum::<f64>() / n,
        mean_success_rate: rows.iter().map(|r| r.success_rate).sum::<f64>() / n,
    }
}

/// Builds the leaderboard of `rows`.
pub fn leaderboard(rows: &[ScoreRow], table_version: &str) -> Leaderboard {
    let mut benchmarks: Vec<(String, String, f64)> = rows
        .iter()
        .map(|r| (r.benchmark.clone(), r.solution.clone(), r.score))
        .collect();
    benchmarks.sort_by(|a, b| b.2.total_cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    let mut tiers: BTreeMap<String, Vec<&ScoreRow>> = BTreeMap::new();
    for r in rows {
        tiers
            .entry(r.tier.clone().unwrap_or_else(|| "untiered".into()))
            .or_default()
            .push(r);
    }
    Leaderboard {
        table_version: table_version.into(),
        benchmarks,
        tiers: tiers
            .into_iter()
            .map(|(t, rs)| (t, standing(rs.into_iter())))
            .collect(),
        overall: standing(rows.iter()),
    }
}

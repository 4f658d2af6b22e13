//! `benchforge validate SCRIPT [--seeds N] [--config FILE] [--json]`: runs the gates on one
//! scene script (under the config's limits and `[gates]` settings when given).
//! `benchforge validate BENCHMARK_DIR [--json]`: re-checks a benchmark folder (see
//! [`crate::benchmark::revalidate`]).
//!
//! Output for a script: one line per seed per failed gate and a summary on stdout (or the
//! whole report as JSON with `--json`). For a folder: one line per seed and a summary (or one
//! JSON object per seed per line, then a `"kind": "summary"` line), and one line on stderr
//! per problem (a scene hash that differs, an edited, missing or added file). Exit 0 when
//! every gate held (and, for a folder, every scene hash matched and no file changed), 1
//! otherwise, 2 for unusable input (the caller prints the error).

use anyhow::{bail, Context};

use std::path::Path;

use crate::benchmark::{revalidate, Benchmark, Revalidation, SeedCheck};
use crate::logging::escape_control;
use crate::scene::Vec3;

use super::{ValidateArgs, EXIT_GATE_FAILED, EXIT_OK};
use crate::report::ValidationReport;
use crate::validate::{validate_script, ValidateOptions};

/// Runs `validate`; `Err` means unusable input (exit 2). It runs under the default limits,
/// installed as `generate` and the daemon install their config's.
pub fn run(args: ValidateArgs) -> anyhow::Result<u8> {
    let config = match &args.config {
        Some(path) => Some(super::run::load_config(path)?),
        None => None,
    };
    let limits = config.as_ref().map(|c| c.limits).unwrap_or_default();
    crate::limits::install(limits);
    if args.script.is_dir() {
        if args.seeds.is_some() {
            bail!(
                "--seeds does not apply to a benchmark folder: {} is re-checked on the seeds it recorded",
                escape_control(&args.script.display().to_string())
            );
        }
        return run_folder(&args.script, args.json);
    }
    let seed_count = args
        .seeds
        .or(config.as_ref().map(|c| u64::from(c.gates.seeds)))
        .unwrap_or(8);
    if let Err(reason) = limits.check_seeds("--seeds", seed_count) {
        bail!("{reason}");
    }
    let shown = escape_control(&args.script.display().to_string()).into_owned();
    let source = match crate::limits::read_text_file(&args.script, limits.file_bytes) {
        Ok(source) => source,
        Err(crate::limits::FileError::Io { source, .. }) => {
            bail!("cannot read script {shown}: {source}")
        }
        Err(crate::limits::FileError::NotText { .. }) => bail!("script {shown} is not UTF-8 text"),
        Err(e) => bail!("script {}", escape_control(&e.to_string())),
    };
    let options = ValidateOptions {
        seeds: (0..seed_count).collect(),
        physics: config
            .as_ref()
            .map(|c| c.gates.physics())
            .unwrap_or_default(),
        ..ValidateOptions::default()
    };
    let report = validate_script(&source, &options)
        .map_err(|err| anyhow::anyhow!("{shown}: {}", escape_control(&err.to_string())))?;
    if args.json {
        let json = serde_json::to_string_pretty(&report).context("cannot serialize the report")?;
        println!("{json}");
    } else {
        for line in failure_lines(&report) {
            println!("{line}");
        }
        println!("{}", summary(&shown, &report));
    }
    if report.passed() {
        Ok(EXIT_OK)
    } else {
        let lines = failure_lines(&report);
        let more = if lines.len() > 1 {
            format!(" (and {} more; see stdout)", lines.len() - 1)
        } else {
            String::new()
        };
        eprintln!(
            "benchforge: {shown} failed validation: {}{more}",
            escape_control(lines.first().map(String::as_str).unwrap_or("a gate failed"))
        );
        Ok(EXIT_GATE_FAILED)
    }
}

/// `validate BENCHMARK_DIR`: every gate on every recorded seed, hashes and files compared.
fn run_folder(dir: &Path, json: bool) -> anyhow::Result<u8> {
    let shown = escape_control(&dir.display().to_string()).into_owned();
    if !Benchmark::is_folder(dir) {
        bail!("{shown} is a folder without benchmark.json: give a benchmark folder of the dataset (benchmarks/<slug>-<id>/) or a scene script");
    }
    let bench = Benchmark::load(dir)?;
    let result = revalidate(&bench, true)?;
    if json {
        for seed in &result.seeds {
            println!(
                "{}",
                serde_json::to_string(seed).context("cannot serialize a seed's check")?
            );
        }
        println!("{}", result.summary_json());
    } else {
        for seed in &result.seeds {
            println!("{}", escape_control(&seed_line(seed)));
        }
        println!("{}", folder_summary(&shown, &result));
    }
    let mut problems = Vec::new();
    for seed in &result.seeds {
        for p in seed.hash_problems() {
            problems.push(format!("seed {}: {p}", seed.seed));
        }
    }
    match &result.files {
        Some(changes) => problems.extend(changes.iter().map(ToString::to_string)),
        None => eprintln!(
            "benchforge: note: {} records no file manifest (\"files\"), so edits to its files cannot be told apart; only the scene hashes were compared",
            escape_control(&bench.dir.join(crate::benchmark::BENCHMARK_JSON).display().to_string())
        ),
    }
    if !result.gates_held() {
        problems.push(format!(
            "gates failed on the rebuilt variants (see {})",
            if json {
                "the JSON lines"
            } else {
                "the lines above"
            }
        ));
    }
    for p in &problems {
        eprintln!("benchforge: {shown}: {}", escape_control(p));
    }
    Ok(if result.passed() {
        EXIT_OK
    } else {
        EXIT_GATE_FAILED
    })
}

fn fmt_m(v: Option<Vec3>) -> String {
    v.map(|p| format!("[{:.3}, {:.3}, {:.3}] m", p[0], p[1], p[2]))
        .unwrap_or_else(|| "-".into())
}

/// One seed of `validate DIR`: hash verdict, gates, where the payload went.
pub fn seed_line(seed: &SeedCheck) -> String {
    let hash = seed.scene_hash.as_deref().unwrap_or("(none: build failed)");
    let verdict = if seed.hash_matches && seed.spawn_matches {
        format!("scene {hash} matches the recorded hash")
    } else {
        seed.hash_problems().join("; ")
    };
    let gates = if seed.passed {
        let last = seed.gates.iter().map(|g| g.id).max().unwrap_or(1);
        format!("gates 1–{last} held")
    } else {
        let failed: Vec<String> = seed
            .gates
            .iter()
            .filter(|g| !g.passed)
            .map(|g| {
                format!(
                    "gate {} ({}) failed: {}",
                    g.id,
                    g.name,
                    g.findings.join("; ")
                )
            })
            .collect();
        failed.join("; ")
    };
    let payload = seed
        .payloads
        .first()
        .map(|p| {
            format!(
                "; payload start {}, passive end {}, with solution {}",
                fmt_m(p.start),
                fmt_m(p.passive_final),
                fmt_m(p.solution_final)
            )
        })
        .unwrap_or_default();
    format!(
        "seed {} (scale [{:.3}, {:.3}, {:.3}]): {verdict}; {gates}{payload}",
        seed.seed, seed.scale[0], seed.scale[1], seed.scale[2]
    )
}

/// The last line of `validate DIR`.
pub fn folder_summary(dir: &str, result: &Revalidation) -> String {
    let total = result.seeds.len();
    let matched = result
        .seeds
        .iter()
        .filter(|s| s.hash_matches && s.spawn_matches)
        .count();
    let held = result.seeds.iter().filter(|s| s.passed).count();
    let files = match &result.files {
        None => "no file manifest recorded".to_string(),
        Some(c) if c.is_empty() => format!("{} files as recorded", result.files_recorded),
        Some(c) => format!(
            "{} of {} recorded files changed, missing or added",
            c.len(),
            result.files_recorded
        ),
    };
    format!(
        "{}: {dir}: {matched} of {total} seeds rebuilt with their recorded scene hash; gates held on {held} of {total}; gate 7 (randomized) {}; {files}",
        if result.passed() { "REPRODUCED" } else { "FAILED" },
        if result.randomized.passed { "held" } else { "failed" }
    )
}

/// One line per seed per failed gate, then gate 7's findings.
pub fn failure_lines(report: &ValidationReport) -> Vec<String> {
    let mut lines = Vec::new();
    for seed in &report.seeds {
        for gate in seed.failures() {
            let findings: Vec<String> = gate
                .findings
                .iter()
                .map(|f| format!("[{}] {}", f.rule, f.message))
                .collect();
            let line = format!(
                "seed {} (scale [{:.3}, {:.3}, {:.3}]): {} failed: {}",
                seed.seed,
                seed.scale[0],
                seed.scale[1],
                seed.scale[2],
                gate.gate,
                findings.join("; ")
            );
            lines.push(escape_control(&line).into_owned());
        }
    }
    // Gate 7's "seeds failed" repeats the lines above; only its own finding is new.
    for finding in &report.randomized.findings {
        if finding.rule != crate::gates::RULE_SEEDS_FAILED {
            lines.push(format!(
                "all seeds: {} failed: [{}] {}",
                report.randomized.gate, finding.rule, finding.message
            ));
        }
    }
    lines
}

/// The last line: how many seeds passed.
pub fn summary(script: &str, report: &ValidationReport) -> String {
    let total = report.seeds.len();
    let passed = report.seeds.iter().filter(|s| s.passed()).count();
    let verdict = if report.passed() { "PASSED" } else { "FAILED" };
    let gates = report
        .seeds
        .iter()
        .flat_map(|s| s.gates.iter().map(|g| g.gate.number()))
        .max()
        .unwrap_or(1);
    format!(
        "{verdict}: {script}: gates 1–{gates} held on {passed} of {total} seeds; variants {} (script {})",
        if report.randomized.findings.iter().any(|f| f.rule == crate::gates::RULE_VARIANTS_IDENTICAL) {
            "identical"
        } else {
            "differ"
        },
        report.script_hash
    )
}

//! `benchforge validate SCRIPT [--seeds N] [--json]`: runs the gates on one scene script.
//!
//! Output: one line per seed per failed gate and a summary on stdout (or the whole report as
//! JSON with `--json`). Exit 0 when every gate held, 1 when one failed (with a one-line
//! reason on stderr), 2 for unusable input (the caller prints the error).

use anyhow::{bail, Context};

use super::{ValidateArgs, EXIT_GATE_FAILED, EXIT_OK};
use crate::report::ValidationReport;
use crate::validate::{validate_script, ValidateOptions};

/// Most seeds one run may check.
pub const MAX_SEEDS: u64 = 10_000;

/// Runs `validate`; `Err` means unusable input (exit 2).
pub fn run(args: ValidateArgs) -> anyhow::Result<u8> {
    if args.seeds == 0 || args.seeds > MAX_SEEDS {
        bail!(
            "--seeds {} is out of range; give between 1 and {MAX_SEEDS}",
            args.seeds
        );
    }
    let shown = args.script.display().to_string();
    let bytes =
        std::fs::read(&args.script).with_context(|| format!("cannot read script {shown}"))?;
    let source = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("script {shown} is not UTF-8 text"))?;
    let options = ValidateOptions {
        seeds: args.seeds,
        ..ValidateOptions::default()
    };
    let report =
        validate_script(&source, &options).map_err(|err| anyhow::anyhow!("{shown}: {err}"))?;
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
            lines.first().map(String::as_str).unwrap_or("a gate failed")
        );
        Ok(EXIT_GATE_FAILED)
    }
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
            lines.push(format!(
                "seed {} (scale [{:.3}, {:.3}, {:.3}]): {} failed: {}",
                seed.seed,
                seed.scale[0],
                seed.scale[1],
                seed.scale[2],
                gate.gate,
                findings.join("; ")
            ));
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

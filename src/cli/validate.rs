//! `benchforge validate SCRIPT [--seeds N] [--json]`: runs the gates on one scene script.
//!
//! Output: one line per seed per failed gate and a summary on stdout (or the whole report as
//! JSON with `--json`). Exit 0 when every gate held, 1 when one failed (with a one-line
//! reason on stderr), 2 for unusable input (the caller prints the error).

use anyhow::{bail, Context};

use crate::logging::escape_control;

use super::{ValidateArgs, EXIT_GATE_FAILED, EXIT_OK};
use crate::report::ValidationReport;
use crate::validate::{validate_script, ValidateOptions};

/// Runs `validate`; `Err` means unusable input (exit 2). It runs under the default limits,
/// installed as `generate` and the daemon install their config's.
pub fn run(args: ValidateArgs) -> anyhow::Result<u8> {
    let limits = crate::limits::Limits::default();
    crate::limits::install(limits);
    if let Err(reason) = limits.check_seeds("--seeds", args.seeds) {
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
        seeds: (0..args.seeds).collect(),
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

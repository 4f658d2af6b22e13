//! `benchforge eval`: runs a theme file against the configured backends and measures what it
//! cost to get each theme right — accepted or not, Coder attempts to the first script that
//! passed the gates (pass@1: the first attempt did), planner and review rounds, tokens in and
//! out, wall time and the gate that failed most. It is how a model is chosen and how a prompt
//! change is judged.
//!
//! Every session runs through the one session engine ([`crate::engine::Driver`]) with the
//! steps the config selects; the numbers come from the step results the driver shows its
//! observer, so `eval` adds no rule of its own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::config::{theme_problems, Config, ConfigError, ThemeConfig};
use crate::engine::Driver;
use crate::session::{Session, Stage, StepResult};
use crate::steps::Steps;

/// A theme file: the same `[[themes]]` entries as a config's (`prompt`, `count`, `seeds`,
/// `scale`, `tier`), and nothing else.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    themes: Vec<ThemeConfig>,
}

/// Why a theme file cannot be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// The file could not be read.
    #[error("cannot read the theme file {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The file is not a theme list, or a theme is out of range.
    #[error("{}:{}: {}", .0.file, .0.line, .0.reason)]
    Invalid(ConfigError),
    /// The file lists no theme.
    #[error("{0}: lists no theme: add at least one [[themes]] table with a prompt")]
    Empty(String),
}

/// Reads and checks a theme file with the config's own theme checks (under `limits`).
pub fn load_themes(
    path: &Path,
    limits: &crate::limits::Limits,
) -> Result<Vec<ThemeConfig>, EvalError> {
    let shown = crate::logging::escape_control(&path.display().to_string()).into_owned();
    let text =
        crate::limits::read_text_file(path, limits.file_bytes).map_err(|e| EvalError::Read {
            path: shown.clone(),
            reason: crate::logging::escape_control(&e.to_string()).into_owned(),
        })?;
    let file: ThemeFile = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| {
                text.as_bytes()[..s.start.min(text.len())]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    + 1
            })
            .unwrap_or(1);
        EvalError::Invalid(ConfigError {
            file: shown.clone(),
            line,
            reason: format!(
                "{} (a theme file holds [[themes]] tables with prompt, count, seeds, scale, tier)",
                crate::logging::escape_control(e.message().trim())
            ),
        })
    })?;
    if file.themes.is_empty() {
        return Err(EvalError::Empty(shown));
    }
    if let Some(problem) = theme_problems(&file.themes, limits, &text, &shown)
        .into_iter()
        .next()
    {
        return Err(EvalError::Invalid(problem));
    }
    Ok(file.themes)
}

/// What one session of one theme cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The theme's prompt.
    pub theme: String,
    /// Which of the theme's `count` sessions (0-based).
    pub index: u32,
    /// The session's id.
    pub session: String,
    /// `accepted`, `rejected` (the Planner refused the theme) or `failed`.
    pub outcome: String,
    /// The benchmark folder when accepted, else why not.
    pub detail: String,
    /// True when the session ended with an accepted benchmark.
    pub accepted: bool,
    /// Coder attempts up to and including the first script that passed every gate (counted
    /// over every plan); `None` when no script passed.
    pub attempts_to_first_pass: Option<u32>,
    /// True when the very first script passed the gates (this run's pass@1).
    pub first_attempt_passed: bool,
    /// What it cost (flattened into the record's JSON).
    #[serde(flatten)]
    pub effort: Effort,
}

/// What one run, or all of them together, cost: rounds, model traffic, time and failures.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Effort {
    /// Scripts the Coder wrote.
    pub coder_attempts: u32,
    /// Planner rounds (plans written or refused).
    pub planner_rounds: u32,
    /// Review rounds.
    pub review_rounds: u32,
    /// Model calls.
    pub calls: u32,
    /// Prompt tokens sent.
    pub input_tokens: u64,
    /// Completion tokens received.
    pub output_tokens: u64,
    /// Wall time, in seconds (of every session together, in a total).
    pub wall_time_s: f64,
    /// How often each gate failed a script (gate name → failures).
    pub failed_gates: BTreeMap<String, u32>,
    /// The gate that failed most (ties: the first by name); `None` when none failed.
    pub most_failed_gate: Option<String>,
}

impl Effort {
    /// The sum of `efforts`, its most failed gate taken over the summed failures.
    fn sum<'a>(efforts: impl Iterator<Item = &'a Effort>) -> Effort {
        let mut total = Effort::default();
        for e in efforts {
            total.coder_attempts += e.coder_attempts;
            total.planner_rounds += e.planner_rounds;
            total.review_rounds += e.review_rounds;
            total.calls += e.calls;
            total.input_tokens += e.input_tokens;
            total.output_tokens += e.output_tokens;
            total.wall_time_s += e.wall_time_s;
            for (gate, n) in &e.failed_gates {
                *total.failed_gates.entry(gate.clone()).or_default() += n;
            }
        }
        total.most_failed_gate = most_failed(&total.failed_gates);
        total
    }
}

/// The whole evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// Which backend (and model, for `llm`) each role used: `planner`, `coder`, `reviewer`.
    pub backends: BTreeMap<String, String>,
    /// One record per session, in theme-file order.
    pub runs: Vec<RunRecord>,
    /// The sums and rates over every run.
    pub total: Totals,
}

/// The sums and rates over every run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Sessions run.
    pub runs: u32,
    /// Sessions accepted.
    pub accepted: u32,
    /// Fraction of the runs whose first Coder attempt passed the gates (0 when no run).
    pub pass_at_1: f64,
    /// Mean Coder attempts to the first pass over the runs where a script passed.
    pub mean_attempts_to_first_pass: Option<f64>,
    /// What every run cost together (flattened into the JSON).
    #[serde(flatten)]
    pub effort: Effort,
}

/// What the observer counts while a session runs.
#[derive(Debug, Default)]
struct Tally {
    coder_attempts: u32,
    planner_rounds: u32,
    review_rounds: u32,
    first_simulation: Option<bool>,
    attempts_to_first_pass: Option<u32>,
    failed_gates: BTreeMap<String, u32>,
}

impl Tally {
    fn see(&mut self, result: &StepResult) {
        match result {
            StepResult::Planned { .. } | StepResult::PlanRefused { .. } => self.planner_rounds += 1,
            StepResult::Coded { .. } => self.coder_attempts += 1,
            StepResult::Reviewed { .. } => self.review_rounds += 1,
            StepResult::Simulated { report } => {
                self.first_simulation.get_or_insert(report.passed);
                if report.passed {
                    self.attempts_to_first_pass
                        .get_or_insert(self.coder_attempts.max(1));
                } else {
                    let gate = report
                        .failing_gate
                        .clone()
                        .unwrap_or_else(|| "unknown".into());
                    *self.failed_gates.entry(gate).or_default() += 1;
                }
            }
            _ => {}
        }
    }
}

fn most_failed(gates: &BTreeMap<String, u32>) -> Option<String> {
    // Iterating a BTreeMap in name order and keeping the first maximum breaks ties by name.
    let mut best: Option<(&String, u32)> = None;
    for (gate, &n) in gates {
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((gate, n));
        }
    }
    best.map(|(g, _)| g.clone())
}

/// Which backend each role of `config` uses, with the model for an `llm` role.
pub fn backends(config: &Config) -> BTreeMap<String, String> {
    use crate::config::Backend;
    use crate::llm::LlmRole;
    let a = &config.agents;
    [
        ("planner", &a.planner, LlmRole::Planner),
        ("coder", &a.coder, LlmRole::Coder),
        ("reviewer", &a.reviewer, LlmRole::Reviewer),
    ]
    .into_iter()
    .map(|(name, role, llm_role)| {
        let value = match (role.backend, &config.llm) {
            (Backend::Llm, Some(llm)) => format!(
                "llm ({})",
                role.model
                    .clone()
                    .unwrap_or_else(|| llm.model_for(llm_role).to_string())
            ),
            (Backend::Llm, None) => "llm".to_string(),
            (Backend::Procedural, _) => "procedural".to_string(),
        };
        (name.to_string(), value)
    })
    .collect()
}

/// Runs every session of every theme, one after the other (so wall times do not overlap),
/// through the session engine with `steps`, writing under `data_dir`.
pub async fn evaluate(
    config: &Config,
    themes: &[ThemeConfig],
    steps: Arc<dyn Steps>,
    data_dir: &Path,
) -> EvalReport {
    let mut runs = Vec::new();
    for theme in themes {
        let spec = config.theme_spec(theme, &format!("eval-{}", crate::session::now_unix_ms()));
        for index in 0..spec.count {
            let tally = Arc::new(Mutex::new(Tally::default()));
            let seen = tally.clone();
            let driver = Driver::new(
                steps.clone(),
                config.attempt_limits(),
                PathBuf::from(data_dir),
            )
            .with_observer(Arc::new(move |_: &Session, result: &StepResult| {
                if let Ok(mut t) = seen.lock() {
                    t.see(result);
                }
            }));
            let started = Instant::now();
            let session = driver.run(Session::new(&spec, index)).await;
            let wall_time_s = started.elapsed().as_secs_f64();
            let tally = std::mem::take(&mut *tally.lock().unwrap_or_else(|p| p.into_inner()));
            runs.push(record(&spec.prompt, index, &session, tally, wall_time_s));
        }
    }
    EvalReport {
        backends: backends(config),
        total: totals(&runs),
        runs,
    }
}

fn record(theme: &str, index: u32, session: &Session, t: Tally, wall_time_s: f64) -> RunRecord {
    let (outcome, detail) = match &session.stage {
        Stage::Accepted { path } => ("accepted", path.clone()),
        Stage::Rejected { reason } => ("rejected", reason.clone()),
        Stage::Failed { reason } => ("failed", reason.clone()),
        other => ("unfinished", other.to_string()),
    };
    RunRecord {
        theme: theme.to_string(),
        index,
        session: session.id.clone(),
        outcome: outcome.to_string(),
        detail,
        accepted: outcome == "accepted",
        attempts_to_first_pass: t.attempts_to_first_pass,
        first_attempt_passed: t.first_simulation == Some(true),
        effort: Effort {
            coder_attempts: t.coder_attempts,
            planner_rounds: t.planner_rounds,
            review_rounds: t.review_rounds,
            calls: session.usage.calls,
            input_tokens: session.usage.input_tokens,
            output_tokens: session.usage.output_tokens,
            wall_time_s,
            most_failed_gate: most_failed(&t.failed_gates),
            failed_gates: t.failed_gates,
        },
    }
}

fn totals(runs: &[RunRecord]) -> Totals {
    let passed: Vec<u32> = runs
        .iter()
        .filter_map(|r| r.attempts_to_first_pass)
        .collect();
    let n = runs.len() as u32;
    Totals {
        runs: n,
        accepted: runs.iter().filter(|r| r.accepted).count() as u32,
        pass_at_1: if n == 0 {
            0.0
        } else {
            runs.iter().filter(|r| r.first_attempt_passed).count() as f64 / f64::from(n)
        },
        mean_attempts_to_first_pass: (!passed.is_empty())
            .then(|| passed.iter().map(|&a| f64::from(a)).sum::<f64>() / passed.len() as f64),
        effort: Effort::sum(runs.iter().map(|r| &r.effort)),
    }
}

/// The report as a fixed-width table: one row per run, then the total.
pub fn table(report: &EvalReport) -> String {
    use std::fmt::Write;
    const THEME_CHARS: usize = 36;
    let mut out = String::new();
    let backends: Vec<String> = report
        .backends
        .iter()
        .map(|(role, b)| format!("{role}: {b}"))
        .collect();
    let _ = writeln!(out, "backends: {}", backends.join(", "));
    let _ = writeln!(
        out,
        "{:<36} {:>8} {:>9} {:>6} {:>5} {:>7} {:>10} {:>10} {:>8}  most failed gate",
        "theme",
        "outcome",
        "att→pass",
        "pass@1",
        "plans",
        "reviews",
        "tokens in",
        "tokens out",
        "wall s"
    );
    for r in &report.runs {
        let mut theme: String = r.theme.chars().take(THEME_CHARS).collect();
        if r.theme.chars().count() > THEME_CHARS {
            theme.pop();
            theme.push('…');
        }
        if r.index > 0 {
            theme = format!(
                "{} #{}",
                theme.chars().take(THEME_CHARS - 4).collect::<String>(),
                r.index
            );
        }
        let _ = writeln!(
            out,
            "{:<36} {:>8} {:>9} {:>6} {:>5} {:>7} {:>10} {:>10} {:>8.1}  {}",
            theme,
            r.outcome,
            r.attempts_to_first_pass
                .map_or_else(|| "-".to_string(), |a| a.to_string()),
            if r.first_attempt_passed { "yes" } else { "no" },
            r.effort.planner_rounds,
            r.effort.review_rounds,
            r.effort.input_tokens,
            r.effort.output_tokens,
            r.effort.wall_time_s,
            r.effort.most_failed_gate.as_deref().unwrap_or("-"),
        );
    }
    let t = &report.total;
    let _ = writeln!(
        out,
        "{:<36} {:>8} {:>9} {:>6.2} {:>5} {:>7} {:>10} {:>10} {:>8.1}  {}",
        format!("total ({} runs)", t.runs),
        format!("{}/{}", t.accepted, t.runs),
        t.mean_attempts_to_first_pass
            .map_or_else(|| "-".to_string(), |m| format!("{m:.2}")),
        t.pass_at_1,
        t.effort.planner_rounds,
        t.effort.review_rounds,
        t.effort.input_tokens,
        t.effort.output_tokens,
        t.effort.wall_time_s,
        t.effort.most_failed_gate.as_deref().unwrap_or("-"),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_failed_gate_is_the_largest_count_and_ties_go_to_the_first_name() {
        let gates: BTreeMap<String, u32> = [
            ("solvable".into(), 2),
            ("geometry".into(), 2),
            ("overlap".into(), 1),
        ]
        .into();
        assert_eq!(most_failed(&gates).as_deref(), Some("geometry"));
        assert_eq!(most_failed(&BTreeMap::new()), None);
    }
}

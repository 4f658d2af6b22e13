//! What the report shows, read from a data dir: the accepted benchmarks (index.jsonl and
//! each benchmark.json), their media, and the acceptance funnel from the session store.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::baselines::WorthReport;
use crate::report::GateId;
use crate::store::{Stage, Store};

/// Where each report input is, relative to the data dir.
pub const BASELINES_DIR: &str = "report/baselines";

/// Why the report cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The data dir is not there.
    #[error("report: data dir {0} does not exist; pass the folder `benchforge run` or `generate` wrote (it holds index.jsonl)")]
    NoDataDir(String),
    /// A file could not be read or written.
    #[error("report: {action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// On which path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// One accepted benchmark as the report shows it.
#[derive(Debug, Clone)]
pub struct BenchmarkEntry {
    /// Its id.
    pub id: String,
    /// Its folder, relative to the data dir (forward slashes).
    pub rel_dir: String,
    /// Its folder on disk.
    pub dir: PathBuf,
    /// The theme.
    pub theme: String,
    /// benchmark.json, or Null when missing.
    pub json: Value,
    /// The baselines: from benchmark.json's `baselines` key, else measured by `report`.
    pub baselines: Option<WorthReport>,
    /// Files of the benchmark worth linking, relative to the data dir.
    pub files: Vec<String>,
    /// The seed-0 contact sheet, relative to the data dir, when present.
    pub contact_sheet: Option<String>,
    /// The seed-0 simulation GIF, relative to the data dir, when present.
    pub gif: Option<String>,
}

impl BenchmarkEntry {
    /// The plan's archetype, or `unknown`.
    pub fn archetype(&self) -> String {
        self.json["plan"]["archetype"]
            .as_str()
            .unwrap_or("unknown")
            .to_string()
    }
}

/// The acceptance funnel: how many sessions reached each step, and why the others stopped.
#[derive(Debug, Clone, Default)]
pub struct Funnel {
    /// Where the numbers come from (`session store`, `status snapshot`, `index.jsonl`).
    pub source: String,
    /// (step, sessions that reached it), in pipeline order.
    pub steps: Vec<(String, usize)>,
    /// (reason, sessions), most common first.
    pub reasons: Vec<(String, usize)>,
}

/// Everything the report shows.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The data dir.
    pub data_dir: PathBuf,
    /// Accepted benchmarks, in index order.
    pub benchmarks: Vec<BenchmarkEntry>,
    /// The funnel.
    pub funnel: Funnel,
}

fn rel(data_dir: &Path, path: &Path) -> String {
    path.strip_prefix(data_dir)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Reads the data dir. A missing or unreadable benchmark.json leaves its card with what the
/// index says; the store is read only when no daemon holds it.
pub fn collect(data_dir: &Path) -> Result<Dataset, ReportError> {
    if !data_dir.is_dir() {
        return Err(ReportError::NoDataDir(data_dir.display().to_string()));
    }
    let index = crate::dataset::read_index(data_dir);
    let mut benchmarks = Vec::new();
    for line in &index {
        let id = line["id"].as_str().unwrap_or("?").to_string();
        let dir = data_dir.join(line["path"].as_str().unwrap_or_default());
        let json: Value = std::fs::read_to_string(dir.join("benchmark.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null);
        let baselines = json
            .get("baselines")
            .and_then(|b| serde_json::from_value(b.clone()).ok())
            .or_else(|| {
                std::fs::read_to_string(data_dir.join(BASELINES_DIR).join(format!("{id}.json")))
                    .ok()
                    .and_then(|t| serde_json::from_str(&t).ok())
            });
        let mut files: Vec<String> = [
            "benchmark.json",
            "plan.md",
            "todo.md",
            "script.rhai",
            "journal.md",
        ]
        .iter()
        .map(|f| dir.join(f))
        .filter(|p| p.is_file())
        .map(|p| rel(data_dir, &p))
        .collect();
        if let Ok(entries) = std::fs::read_dir(dir.join("reviews")) {
            let mut reviews: Vec<String> = entries
                .filter_map(|e| e.ok())
                .map(|e| rel(data_dir, &e.path()))
                .collect();
            reviews.sort();
            files.extend(reviews);
        }
        let seed0 = first_seed_dir(&dir);
        let media = |name: &str| {
            seed0
                .as_ref()
                .map(|d| d.join(name))
                .filter(|p| p.is_file())
                .map(|p| rel(data_dir, &p))
        };
        benchmarks.push(BenchmarkEntry {
            theme: json["theme"]
                .as_str()
                .or(line["theme"].as_str())
                .unwrap_or("")
                .to_string(),
            rel_dir: rel(data_dir, &dir),
            contact_sheet: media("contact_sheet.png"),
            gif: media("sim.gif"),
            id,
            dir,
            json,
            baselines,
            files,
        });
    }
    let funnel = funnel(data_dir, &benchmarks);
    Ok(Dataset {
        data_dir: data_dir.to_path_buf(),
        benchmarks,
        funnel,
    })
}

/// `variants/seed-0`, else the lowest-numbered seed folder.
fn first_seed_dir(dir: &Path) -> Option<PathBuf> {
    let variants = dir.join("variants");
    let zero = variants.join("seed-0");
    if zero.is_dir() {
        return Some(zero);
    }
    let mut seeds: Vec<(u64, PathBuf)> = std::fs::read_dir(&variants)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_prefix("seed-")
                .and_then(|n| n.parse().ok())
                .map(|n| (n, e.path()))
        })
        .collect();
    seeds.sort();
    seeds.into_iter().next().map(|(_, p)| p)
}

/// The gate a failing-gate name stands for.
/// The Simulator's checks in the order it runs them, each by the name a failed report gives
/// (`failing_gate`) and its funnel label: gates 1–8, then the plan check, then the budget
/// check, then the worth checks.
fn simulator_checks() -> Vec<(String, String)> {
    [
        GateId::Script,
        GateId::Consistency,
        GateId::Geometry,
        GateId::Physics,
        GateId::NonTrivial,
        GateId::Solvable,
        GateId::Randomized,
        GateId::Fidelity,
    ]
    .into_iter()
    .map(|g| (g.name().to_string(), format!("passed {g}")))
    .chain([
        (
            crate::pipeline::PLAN_GATE.to_string(),
            "passed the plan check".to_string(),
        ),
        (
            crate::pipeline::BUDGET_GATE.to_string(),
            "passed the budget check".to_string(),
        ),
        (
            crate::pipeline::WORTH_GATE.to_string(),
            "passed the worth checks".to_string(),
        ),
    ])
    .collect()
}

/// The first clause of a reason, short enough to group by.
fn reason_key(reason: &str) -> String {
    let head: String = reason
        .split([':', ';', '('])
        .next()
        .unwrap_or(reason)
        .trim()
        .chars()
        .take(80)
        .collect();
    if head.is_empty() {
        "(no reason given)".into()
    } else {
        head
    }
}

fn funnel(data_dir: &Path, benchmarks: &[BenchmarkEntry]) -> Funnel {
    if data_dir.join("state").is_dir() {
        if let Ok(store) = Store::open(data_dir) {
            if let Ok(sessions) = store.sessions() {
                return funnel_from_sessions(&sessions);
            }
        }
        if let Ok(snapshot) = crate::store::read_snapshot(data_dir) {
            let total: usize = snapshot.sessions_per_stage.values().sum();
            return Funnel {
                source: "status snapshot (a daemon holds the store)".into(),
                steps: vec![
                    ("sessions".into(), total),
                    ("accepted".into(), snapshot.accepted),
                ],
                reasons: vec![
                    ("rejected by the planner".into(), snapshot.rejected),
                    ("failed".into(), snapshot.failed),
                ],
            };
        }
    }
    Funnel {
        source: "index.jsonl (no session store found)".into(),
        steps: vec![("accepted".into(), benchmarks.len())],
        reasons: Vec::new(),
    }
}

/// The funnel of a set of sessions: planned → coded → each gate → reviewed → accepted.
pub fn funnel_from_sessions(sessions: &[crate::store::Session]) -> Funnel {
    let checks = simulator_checks();
    let position = |name: &str| checks.iter().position(|(n, _)| n == name);
    let mut steps: Vec<(String, usize)> = vec![
        ("sessions".into(), sessions.len()),
        (
            "planned".into(),
            sessions.iter().filter(|s| s.plan.is_some()).count(),
        ),
        (
            "coded".into(),
            sessions.iter().filter(|s| s.script.is_some()).count(),
        ),
    ];
    for (i, (_, label)) in checks.iter().enumerate() {
        let passed = sessions
            .iter()
            .filter(|s| {
                s.report.as_ref().is_some_and(|r| {
                    r.passed
                        || r.failing_gate
                            .as_deref()
                            .and_then(position)
                            .is_some_and(|failed| failed > i)
                })
            })
            .count();
        steps.push((label.clone(), passed));
    }
    steps.push((
        "reviewed".into(),
        sessions.iter().filter(|s| !s.reviews.is_empty()).count(),
    ));
    steps.push((
        "accepted".into(),
        sessions
            .iter()
            .filter(|s| matches!(s.stage, Stage::Accepted { .. }))
            .count(),
    ));
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for s in sessions {
        let reason = match &s.stage {
            Stage::Rejected { reason } => Some(format!("planner refused: {}", reason_key(reason))),
            Stage::Failed { reason } => Some(format!("failed: {}", reason_key(reason))),
            _ => None,
        };
        if let Some(reason) = reason {
            *reasons.entry(reason).or_default() += 1;
        }
        if let Some(gate) = s
            .report
            .as_ref()
            .and_then(|r| r.failing_gate.as_deref())
            .filter(|_| !matches!(s.stage, Stage::Accepted { .. }))
        {
            *reasons
                .entry(format!("last script failed gate {gate}"))
                .or_default() += 1;
        }
    }
    let mut reasons: Vec<(String, usize)> = reasons.into_iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Funnel {
        source: "session store".into(),
        steps,
        reasons,
    }
}

//! The store's on-disk format and its migrations. Records are bincode 2, which is not
//! self-describing: a new field in `Session` would make every stored checkpoint unreadable, or
//! worse, misread. So the `meta` tree holds the store's `format_version`, every record starts
//! with its version byte, the old record types are frozen here as they were, and [`upgrade`]
//! migrates an older store in one transaction at open (a log line per step) and refuses a
//! newer one, naming both versions.
//!
//! Versions:
//! - 1: records are bare bincode of the types below (`SessionV1`…), with the plan, the draft
//!   and the report as JSON text. No version key, no stage index, no counters.
//! - 2: version byte + bincode of the typed [`Session`]; `by_stage` index and per-stage
//!   counters and the usage total in `meta`.
//! - 3: the plan's fixtures carry `rotation_deg` and `pieces`, and the plan has `joints`
//!   (version 2's plan is frozen below as `PlanV2`; it migrates to an unrotated fixture of no
//!   pieces, one box filling its bounding size, and no joints, which is what it said).

use serde::{Deserialize, Serialize};

use super::{encode, Store, StoreError, ThemeRecord};
use crate::agents::{Decision, Review, ScriptDraft, Usage};
use crate::journal::JournalEntry;
use crate::plan::{
    Difficulty, FixtureBody, FixturePlan, ParameterRange, PayloadPlan, Plan, ThemeReading,
    TodoItem, ZonesPlan,
};
use crate::role::Role;
use crate::scene::{Material, Vec3};
use crate::session::{Attempts, Session, SimulationReport, Stage, ThemeSpec};
use crate::variant::ScaleRanges;

/// The format this build writes.
pub const FORMAT_VERSION: u32 = 3;

const VERSION_KEY: &str = "format_version";

/// The version recorded in the store, if any.
pub(crate) fn stored_version(store: &Store) -> Result<Option<u32>, StoreError> {
    Ok(store
        .h()?
        .meta
        .get(VERSION_KEY)
        .map_err(|e| store.sled_err(e))?
        .and_then(|v| v.as_ref().try_into().ok().map(u32::from_be_bytes)))
}

/// Brings the store to [`FORMAT_VERSION`]: a fresh store is stamped, an older one migrated
/// step by step, a newer one refused.
pub(crate) fn upgrade(store: &Store) -> Result<(), StoreError> {
    let h = store.h()?;
    let found = match stored_version(store)? {
        Some(v) => v,
        None if h.sessions.is_empty() && h.themes.is_empty() => {
            h.meta
                .insert(VERSION_KEY, &FORMAT_VERSION.to_be_bytes())
                .map_err(|e| store.sled_err(e))?;
            return store.flush();
        }
        // Stores written before versioning carry no key: that is version 1.
        None => 1,
    };
    if found > FORMAT_VERSION {
        return Err(StoreError::TooNew {
            path: store.path.display().to_string(),
            found,
            supported: FORMAT_VERSION,
        });
    }
    let mut version = found;
    while version < FORMAT_VERSION {
        let step = MIGRATIONS
            .iter()
            .find(|m| m.from == version)
            .expect("every version below the current one has a migration");
        tracing::info!(
            store = %store.path.display(),
            from = step.from,
            to = step.from + 1,
            what = step.description,
            "migrating the state store"
        );
        (step.run)(store)?;
        version += 1;
    }
    Ok(())
}

/// One step of the migration chain.
struct Migration {
    from: u32,
    description: &'static str,
    run: fn(&Store) -> Result<(), StoreError>,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        from: 1,
        description: "typed session records with version tags, stage index and counters",
        run: v1_to_v2,
    },
    Migration {
        from: 2,
        description: "plans with rotated, compound fixtures and joints",
        run: v2_to_v3,
    },
];

// ---- version 1, frozen ----

/// Version 1 of a session record (frozen: never change).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionV1 {
    id: String,
    theme_key: String,
    theme: ThemeSpecV1,
    index: u32,
    stage: StageV1,
    revision: u64,
    plan: Option<PlanRecordV1>,
    script: Option<ScriptRecordV1>,
    report: Option<ReportSummaryV1>,
    feedback: Vec<String>,
    reviews: Vec<ReviewRecordV1>,
    journal: Vec<JournalEntryV1>,
    usage: TokenUsageV1,
    attempts: AttemptsV1,
    created_unix_ms: u64,
    updated_unix_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ThemeSpecV1 {
    prompt: String,
    count: u32,
    seeds: Vec<u64>,
    scale: Option<ScaleRanges>,
    tier: Option<String>,
    origin: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ThemeRecordV1 {
    spec: ThemeSpecV1,
    sessions: Vec<String>,
    queued_unix_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum StageV1 {
    Queued,
    Planning,
    Coding { attempt: u32 },
    Simulating { attempt: u32 },
    Reviewing { round: u32 },
    Persisting,
    Accepted { path: String },
    Rejected { reason: String },
    Failed { reason: String },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct PlanRecordV1 {
    json: String,
    markdown: String,
    todo_md: String,
    difficulty: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ScriptRecordV1 {
    source: String,
    solution: Option<String>,
    draft_json: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ReportSummaryV1 {
    passed: bool,
    failing_gate: Option<String>,
    summary: String,
    report_json: String,
    artifacts_dir: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
enum DecisionV1 {
    Approve,
    RejectToCoder,
    RejectToPlanner,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ReviewRecordV1 {
    round: u32,
    decision: DecisionV1,
    comments: Vec<String>,
    markdown: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct JournalEntryV1 {
    at_unix_ms: u64,
    stage: String,
    intent: String,
    result: String,
    reflection: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct TokenUsageV1 {
    prompt_tokens: u64,
    completion_tokens: u64,
    calls: u64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct AttemptsV1 {
    plans: u32,
    scripts: u32,
    scripts_for_plan: u32,
    simulations: u32,
    reviews: u32,
    consecutive_errors: u32,
}

fn bare_decode<T: for<'de> Deserialize<'de>>(key: &str, bytes: &[u8]) -> Result<T, StoreError> {
    bincode::serde::decode_from_slice(bytes, bincode::config::standard())
        .map(|(v, _)| v)
        .map_err(|e| StoreError::Codec {
            key: key.to_string(),
            message: format!("not a version 1 record: {e}"),
        })
}

impl From<ThemeSpecV1> for ThemeSpec {
    fn from(t: ThemeSpecV1) -> Self {
        ThemeSpec {
            prompt: t.prompt,
            count: t.count,
            seeds: t.seeds,
            scale: t.scale,
            tier: t.tier,
            origin: t.origin,
        }
    }
}

/// The role that wrote a version-1 journal entry, read from its stage text (`coding 2`, or
/// `planner — plan attempt 1` for the agents' own entries).
fn role_of(stage: &str) -> Role {
    let first = stage.split_whitespace().next().unwrap_or_default();
    Role::ALL
        .into_iter()
        .find(|r| r.name() == first)
        .unwrap_or(match first {
            "queued" | "planning" => Role::Planner,
            "coding" => Role::Coder,
            "simulating" => Role::Simulator,
            "reviewing" => Role::Reviewer,
            _ => Role::Persister,
        })
}

/// Converts a version-1 session. What this version cannot read back (a plan, draft or report
/// whose JSON no longer fits the current types) is dropped and the session is sent back to
/// the stage that makes it again, with a journal line saying so — never guessed.
pub fn session_from_v1(old: SessionV1) -> Session {
    let mut journal: Vec<JournalEntry> = old
        .journal
        .into_iter()
        .map(|e| JournalEntry {
            at_unix_ms: e.at_unix_ms,
            role: role_of(&e.stage),
            step: e.stage,
            intent: e.intent,
            result: e.result,
            reflection: e.reflection,
        })
        .collect();
    let plan = old
        .plan
        .as_ref()
        .and_then(|p| serde_json::from_str(&p.json).ok());
    let script = old.script.as_ref().map(|s| {
        serde_json::from_str::<ScriptDraft>(&s.draft_json).unwrap_or(ScriptDraft {
            source: s.source.clone(),
            attempt: old.attempts.scripts_for_plan.max(1),
            changes: Vec::new(),
            scale_ranges: old.theme.scale.unwrap_or_default(),
        })
    });
    let report = old.report.map(|r| SimulationReport {
        passed: r.passed,
        failing_gate: r.failing_gate,
        summary: r.summary,
        report: serde_json::from_str(&r.report_json).ok(),
        artifacts_dir: r.artifacts_dir,
        physics: None,
    });
    let mut stage = match old.stage {
        StageV1::Queued => Stage::Queued,
        StageV1::Planning => Stage::Planning,
        StageV1::Coding { attempt } => Stage::Coding { attempt },
        StageV1::Simulating { attempt } => Stage::Simulating { attempt },
        StageV1::Reviewing { round } => Stage::Reviewing { round },
        StageV1::Persisting => Stage::Persisting,
        StageV1::Accepted { path } => Stage::Accepted { path },
        StageV1::Rejected { reason } => Stage::Rejected { reason },
        StageV1::Failed { reason } => Stage::Failed { reason },
    };
    let attempt = old.attempts.scripts_for_plan.max(1);
    let mut back = |to: Stage, why: &str| {
        journal.push(JournalEntry::new(
            Role::Persister,
            "store migration 1 → 2",
            "carry the session over to the new store format",
            why.to_string(),
            format!("resume at {to}"),
        ));
        to
    };
    if stage.is_terminal() && old.plan.is_some() && plan.is_none() {
        back(stage.clone(), "the stored plan does not fit this version; dropped from the record (the benchmark folder keeps its plan.md)");
    }
    if !stage.is_terminal() {
        let needs_plan = !matches!(stage, Stage::Queued | Stage::Planning);
        let needs_script = matches!(
            stage,
            Stage::Simulating { .. } | Stage::Reviewing { .. } | Stage::Persisting
        );
        let needs_report = matches!(stage, Stage::Reviewing { .. } | Stage::Persisting);
        if needs_plan && plan.is_none() {
            stage = back(Stage::Planning, "the stored plan does not fit this version");
        } else if needs_script && script.is_none() {
            stage = back(Stage::Coding { attempt }, "the stored script is missing");
        } else if needs_report && report.as_ref().and_then(|r| r.report.as_ref()).is_none() {
            stage = back(
                Stage::Simulating { attempt },
                "the stored report does not fit this version",
            );
        }
    }
    Session {
        id: old.id,
        theme_key: old.theme_key,
        theme: old.theme.into(),
        index: old.index,
        stage,
        revision: old.revision,
        plan,
        script,
        report,
        feedback: old.feedback,
        reviews: old
            .reviews
            .into_iter()
            .map(|r| Review {
                decision: match r.decision {
                    DecisionV1::Approve => Decision::Approve,
                    DecisionV1::RejectToCoder => Decision::RejectToCoder,
                    DecisionV1::RejectToPlanner => Decision::RejectToPlanner,
                },
                comments: r.comments,
                checklist: Vec::new(),
                round: r.round,
            })
            .collect(),
        journal,
        usage: Usage {
            calls: u32::try_from(old.usage.calls).unwrap_or(u32::MAX),
            input_tokens: old.usage.prompt_tokens,
            output_tokens: old.usage.completion_tokens,
            cost_usd: 0.0,
        },
        attempts: Attempts {
            plans: old.attempts.plans,
            scripts: old.attempts.scripts,
            scripts_for_plan: old.attempts.scripts_for_plan,
            simulations: old.attempts.simulations,
            reviews: old.attempts.reviews,
            consecutive_errors: old.attempts.consecutive_errors,
        },
        created_unix_ms: old.created_unix_ms,
        updated_unix_ms: old.updated_unix_ms,
    }
}

/// Version 1 → 2: every record re-encoded with its version byte, sessions typed, the stage
/// index and counters built — all in one transaction with the new version key, so a crash
/// leaves either the old store or the new one.
fn v1_to_v2(store: &Store) -> Result<(), StoreError> {
    let mut sessions = Vec::new();
    for item in store.h()?.sessions.iter() {
        let (key, bytes) = item.map_err(|e| store.sled_err(e))?;
        let key = String::from_utf8_lossy(&key).into_owned();
        sessions.push(session_from_v1(bare_decode(&key, &bytes)?));
    }
    let mut themes = Vec::new();
    for item in store.h()?.themes.iter() {
        let (key, bytes) = item.map_err(|e| store.sled_err(e))?;
        let key = String::from_utf8_lossy(&key).into_owned();
        let old: ThemeRecordV1 = bare_decode(&key, &bytes)?;
        let record = ThemeRecord {
            spec: old.spec.into(),
            sessions: old.sessions,
            queued_unix_ms: old.queued_unix_ms,
        };
        themes.push((key.clone(), encode(&key, &record)?));
    }
    store.transaction_with_themes(|t, trees| {
        for (key, bytes) in &themes {
            t.insert(key.as_bytes(), bytes.clone())?;
        }
        for session in &sessions {
            trees.insert_new(session)?;
        }
        // The records are written in today's format (`encode`); the later steps leave a
        // record already of the current version as it is.
        trees.meta.insert(VERSION_KEY, &2u32.to_be_bytes())?;
        Ok(())
    })?;
    store.flush()
}

// ---- version 2, frozen ----

/// Version 2 of a session record (frozen: never change). Only the plan differs from
/// version 3; every other field has today's type.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionV2 {
    id: String,
    theme_key: String,
    theme: ThemeSpec,
    index: u32,
    stage: Stage,
    revision: u64,
    plan: Option<PlanV2>,
    script: Option<ScriptDraft>,
    report: Option<SimulationReport>,
    feedback: Vec<String>,
    reviews: Vec<Review>,
    journal: Vec<JournalEntry>,
    usage: Usage,
    attempts: Attempts,
    created_unix_ms: u64,
    updated_unix_ms: u64,
}

/// Version 2 of the plan (frozen): fixtures without rotation or pieces, no joints.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanV2 {
    theme: String,
    archetype: String,
    title: String,
    learning_objective: String,
    intent: crate::intent::Intent,
    allow_deviations: bool,
    deviations: Vec<String>,
    reading: ThemeReading,
    payload: PayloadPlan,
    fixtures: Vec<FixturePlanV2>,
    zones: ZonesPlan,
    objectives: Vec<String>,
    parameters: Vec<ParameterRange>,
    scale_ranges: ScaleRanges,
    solution_idea: String,
    difficulty: Difficulty,
    todo: Vec<TodoItem>,
}

/// Version 2 of a planned fixture (frozen): one axis-aligned bounding box.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct FixturePlanV2 {
    label: String,
    purpose: String,
    material: Material,
    body: FixtureBody,
    size_m: Vec3,
    center_m: Vec3,
}

impl From<PlanV2> for Plan {
    fn from(p: PlanV2) -> Self {
        Plan {
            theme: p.theme,
            archetype: p.archetype,
            title: p.title,
            learning_objective: p.learning_objective,
            intent: p.intent,
            allow_deviations: p.allow_deviations,
            deviations: p.deviations,
            reading: p.reading,
            payload: p.payload,
            fixtures: p
                .fixtures
                .into_iter()
                .map(|f| FixturePlan {
                    label: f.label,
                    purpose: f.purpose,
                    material: f.material,
                    body: f.body,
                    size_m: f.size_m,
                    center_m: f.center_m,
                    rotation_deg: [0.0; 3],
                    pieces: Vec::new(),
                })
                .collect(),
            joints: Vec::new(),
            zones: p.zones,
            objectives: p.objectives,
            parameters: p.parameters,
            scale_ranges: p.scale_ranges,
            solution_idea: p.solution_idea,
            difficulty: p.difficulty,
            todo: p.todo,
        }
    }
}

/// Converts a version-2 session: the plan gains no rotation, no pieces and no joints
/// (exactly what a version-2 plan could say); everything else is carried as it was.
pub fn session_from_v2(old: SessionV2) -> Session {
    Session {
        id: old.id,
        theme_key: old.theme_key,
        theme: old.theme,
        index: old.index,
        stage: old.stage,
        revision: old.revision,
        plan: old.plan.map(Plan::from),
        script: old.script,
        report: old.report,
        feedback: old.feedback,
        reviews: old.reviews,
        journal: old.journal,
        usage: old.usage,
        attempts: old.attempts,
        created_unix_ms: old.created_unix_ms,
        updated_unix_ms: old.updated_unix_ms,
    }
}

/// True for a record already in the format this build writes (a store migrated from
/// version 1 in the same open).
fn current(bytes: &[u8]) -> bool {
    bytes
        .first()
        .is_some_and(|&v| u32::from(v) == FORMAT_VERSION)
}

/// A version-2 record: version byte 2, then bincode.
fn v2_decode<T: for<'de> Deserialize<'de>>(key: &str, bytes: &[u8]) -> Result<T, StoreError> {
    let codec = |message: String| StoreError::Codec {
        key: key.to_string(),
        message,
    };
    match bytes.first() {
        Some(2) => bincode::serde::decode_from_slice(&bytes[1..], bincode::config::standard())
            .map(|(v, _)| v)
            .map_err(|e| codec(format!("not a version 2 record: {e}"))),
        Some(v) => Err(codec(format!(
            "record of format version {v} in a version 2 store"
        ))),
        None => Err(codec("empty record".into())),
    }
}

/// Version 2 → 3: every session re-encoded with its plan migrated and every theme record
/// re-tagged, in one transaction with the new version key. The index, the counters and the
/// usage total do not change (no stage or usage changes).
fn v2_to_v3(store: &Store) -> Result<(), StoreError> {
    let mut sessions = Vec::new();
    for item in store.h()?.sessions.iter() {
        let (key, bytes) = item.map_err(|e| store.sled_err(e))?;
        let key = String::from_utf8_lossy(&key).into_owned();
        if current(&bytes) {
            continue;
        }
        let session = session_from_v2(v2_decode(&key, &bytes)?);
        sessions.push((key.clone(), encode(&key, &session)?));
    }
    let mut themes = Vec::new();
    for item in store.h()?.themes.iter() {
        let (key, bytes) = item.map_err(|e| store.sled_err(e))?;
        let key = String::from_utf8_lossy(&key).into_owned();
        if current(&bytes) {
            continue;
        }
        let record: ThemeRecord = v2_decode(&key, &bytes)?;
        themes.push((key.clone(), encode(&key, &record)?));
    }
    store.transaction_with_themes(|t, trees| {
        for (key, bytes) in &themes {
            t.insert(key.as_bytes(), bytes.clone())?;
        }
        for (key, bytes) in &sessions {
            trees.sessions.insert(key.as_bytes(), bytes.clone())?;
        }
        trees.meta.insert(VERSION_KEY, &3u32.to_be_bytes())?;
        Ok(())
    })?;
    store.flush()
}

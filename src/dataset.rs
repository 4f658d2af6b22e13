//! Writes accepted benchmarks into the dataset, all or nothing and exactly once:
//! the files go to `<data_dir>/benchmarks/.tmp-<id>/`, are fsynced, the folder is renamed into
//! place as `<data_dir>/benchmarks/<slug>-<id>/`, and only then a line is appended to
//! `<data_dir>/index.jsonl`. Writing again after a crash at any point finishes the job: an
//! existing final folder means the files are done, a leftover temporary folder is removed,
//! and the index line is never duplicated.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::fault::{self, FaultPoint};
use crate::journal::render_journal;
use crate::plan::Plan;
use crate::session::{now_unix_ms, Session};

/// Why a benchmark could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// A file operation failed.
    #[error("dataset: {action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// On which path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The session lacks what a benchmark needs.
    #[error("dataset: session {id} cannot be written: {reason}")]
    Incomplete {
        /// The session.
        id: String,
        /// What is missing.
        reason: String,
    },
    /// The benchmark repeats one the dataset already holds (novelty check).
    #[error("benchmark {id} is not new: its {what} is the same as benchmark {of}'s (content hash {hash})")]
    Duplicate {
        /// The session's id.
        id: String,
        /// The id of the benchmark it duplicates.
        of: String,
        /// What is the same: `plan` or `seed-0 scene`.
        what: &'static str,
        /// The shared content hash.
        hash: String,
    },
    /// The simulation's artifacts the benchmark needs are gone (a variant folder or its
    /// `scene.json`): nothing was renamed into place.
    #[error("dataset: session {id}: the simulation's artifacts are gone: {}", missing.join(", "))]
    ArtifactsMissing {
        /// The session.
        id: String,
        /// The missing files, relative to the benchmark folder.
        missing: Vec<String>,
    },
    /// A test fault fired.
    #[error("{0}")]
    Injected(String),
}

impl DatasetError {
    /// The disk shortage behind this error, when it is one (`ENOSPC`, `EDQUOT`, `EIO`).
    pub fn shortage(&self) -> Option<crate::disk::Shortage> {
        match self {
            DatasetError::Io { path, source, .. } if crate::disk::is_resource_error(source) => {
                Some(crate::disk::Shortage::from_io(Path::new(path), source))
            }
            _ => None,
        }
    }
}

/// The variant files a benchmark folder at `dir` must hold before it is renamed into place:
/// `variants/seed-<n>/scene.json` for every seed the simulation checked (its report's seeds,
/// or the theme's when it kept no report). Returns the missing ones.
fn missing_variants(dir: &Path, session: &Session) -> Vec<String> {
    let Some(report) = session.report.as_ref() else {
        return Vec::new();
    };
    if report.artifacts_dir.is_none() {
        return Vec::new();
    }
    let seeds: Vec<u64> = match report.report.as_ref() {
        Some(validation) => validation.seeds.iter().map(|s| s.seed).collect(),
        None => session.theme.seeds.clone(),
    };
    seeds
        .iter()
        .map(|seed| format!("variants/seed-{seed}/scene.json"))
        .filter(|file| !dir.join(file).is_file())
        .collect()
}

/// The canonical content hash of a plan: the hash of its JSON, whose field order is fixed by
/// the type, so the same plan always hashes the same.
pub fn plan_hash(plan: &Plan) -> String {
    crate::scene::short_hash(serde_json::to_string(plan).unwrap_or_default().as_bytes())
}

/// The scene hash of the session's first variant (the "seed-0 scene"), when it was validated.
fn first_scene_hash(session: &Session) -> Option<String> {
    session
        .validation()
        .and_then(|r| r.seeds.first())
        .and_then(|s| s.scene_hash.clone())
}

/// The novelty check: `Err(Duplicate)` naming the benchmark of the dataset whose plan or
/// first-variant scene has the same content hash as `session`'s.
fn check_novel(data_dir: &Path, session: &Session, plan: &Plan) -> Result<(), DatasetError> {
    let mine = [
        ("plan", Some(plan_hash(plan)), "plan_hash"),
        ("seed-0 scene", first_scene_hash(session), "scene_hash"),
    ];
    for line in read_index(data_dir) {
        let Some(other) = line.get("id").and_then(Value::as_str) else {
            continue;
        };
        if other == session.id {
            continue;
        }
        for (what, hash, field) in &mine {
            if let Some(hash) = hash {
                if line.get(*field).and_then(Value::as_str) == Some(hash.as_str()) {
                    return Err(DatasetError::Duplicate {
                        id: session.id.clone(),
                        of: other.to_string(),
                        what,
                        hash: hash.clone(),
                    });
                }
            }
        }
    }
    Ok(())
}

/// Most sibling plans a Planner is shown: the newest ones (a theme with a thousand
/// benchmarks must not make every plan step read a thousand files).
pub const MAX_SIBLING_PLANS: usize = 8;

/// The newest plans (at most [`MAX_SIBLING_PLANS`]) the dataset already holds for the theme
/// `prompt` (the same words, from any run), oldest first: what a Planner must not repeat.
pub fn theme_plans(data_dir: &Path, prompt: &str) -> Vec<Plan> {
    let index = read_index(data_dir);
    let same: Vec<&Value> = index
        .iter()
        .filter(|l| l.get("theme").and_then(Value::as_str) == Some(prompt))
        .collect();
    same[same.len().saturating_sub(MAX_SIBLING_PLANS)..]
        .iter()
        .filter_map(|l| {
            l.get("path")
                .and_then(Value::as_str)
                .map(|p| data_dir.join(p))
        })
        .filter_map(|dir| fs::read_to_string(dir.join("benchmark.json")).ok())
        .filter_map(|text| serde_json::from_str::<Value>(&text).ok())
        .filter_map(|json| serde_json::from_value(json.get("plan")?.clone()).ok())
        .collect()
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> DatasetError {
    let path = path.display().to_string();
    move |source| DatasetError::Io {
        action,
        path,
        source,
    }
}

/// The folder holding every benchmark.
pub fn benchmarks_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("benchmarks")
}

/// The index file.
pub fn index_path(data_dir: &Path) -> PathBuf {
    data_dir.join("index.jsonl")
}

/// A file-name-safe slug of a theme: lowercase words joined by `-`, at most 40 characters.
pub fn slug(theme: &str) -> String {
    let mut out = String::new();
    for word in theme
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if out.len() + word.len() + 1 > 40 {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    if out.is_empty() {
        "benchmark".into()
    } else {
        out
    }
}

/// Where the benchmark of `session` goes.
pub fn final_dir(data_dir: &Path, session: &Session) -> PathBuf {
    benchmarks_dir(data_dir).join(format!("{}-{}", slug(&session.theme.prompt), session.id))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), DatasetError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io("create", parent))?;
    }
    let mut f = File::create(path).map_err(io("create", path))?;
    f.write_all(bytes).map_err(io("write", path))?;
    f.sync_all().map_err(io("fsync", path))
}

fn sync_dir(path: &Path) -> Result<(), DatasetError> {
    File::open(path)
        .and_then(|d| d.sync_all())
        .map_err(io("fsync", path))
}

/// Copies `from` into `to` recursively, fsyncing every file and folder.
fn copy_tree(from: &Path, to: &Path) -> Result<(), DatasetError> {
    fs::create_dir_all(to).map_err(io("create", to))?;
    for entry in fs::read_dir(from).map_err(io("read", from))? {
        let entry = entry.map_err(io("read", from))?;
        let src = entry.path();
        let dst = to.join(entry.file_name());
        if src.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            let bytes = fs::read(&src).map_err(io("read", &src))?;
            write_file(&dst, &bytes)?;
        }
    }
    sync_dir(to)
}

/// What the persisted files say about the accepted benchmark, computed once from the session
/// and its artifacts.
struct Accepted {
    /// The plan with the layout of the first variant's scene (what was actually built).
    plan: Plan,
    /// The seed stream every variant was built on.
    seed_stream: u64,
    /// The scale ranges the seeds were drawn from.
    scale_ranges: Option<crate::variant::ScaleRanges>,
    /// The renders that exist, per the artifacts.
    media: Value,
    /// The budget a solution is scored against and what the reference solution used: the
    /// Simulator's `budget.json`, else checked again here with every cap derived.
    budget: Option<crate::budget::BudgetReport>,
}

impl Accepted {
    fn of(session: &Session, plan: &Plan) -> Self {
        let seed_stream = crate::variant::seed_stream(&session.id);
        let mut as_built = plan.clone();
        // The first checked variant, rebuilt as the gates built it, gives the plan its
        // as-built layout.
        let compiled = session
            .script
            .as_ref()
            .map(|s| crate::script::SceneScript::compile(&s.source));
        let first = match (compiled, session.validation()) {
            (Some(Ok(script)), Some(report)) => report.seeds.iter().find_map(|checked| {
                let built_with = crate::variant::variant_seed(seed_stream, checked.seed);
                script
                    .build(built_with, checked.scale)
                    .map_err(|e| {
                        tracing::warn!(
                            seed = checked.seed,
                            error = %e,
                            "the accepted script no longer builds this variant"
                        )
                    })
                    .ok()
            }),
            _ => None,
        };
        match first {
            Some(scene) => as_built.take_layout(&scene, &|_| None),
            None => tracing::warn!("no variant rebuilt; plan.md keeps the planned layout"),
        }
        let budget = budget_of(session, seed_stream);
        let media = session
            .report
            .as_ref()
            .and_then(|r| r.artifacts_dir.as_deref())
            .map(|dir| media_summary(Path::new(dir)))
            .unwrap_or(Value::Null);
        Self {
            plan: as_built,
            budget,
            seed_stream,
            scale_ranges: session
                .theme
                .scale
                .or(session.script.as_ref().map(|s| s.scale_ranges)),
            media,
        }
    }
}

/// The renders and media that exist under an artifacts folder: per-seed view names, the task
/// views the Reviewer was shown, the image size (read from the first PNG's header) and the
/// animation files.
fn media_summary(dir: &Path) -> Value {
    let mut seeds = serde_json::Map::new();
    let mut size: Option<(u32, u32)> = None;
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    let mut views_per_seed = 0;
    for seed_dir in entries.iter().filter(|p| p.is_dir()) {
        let name = seed_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut views: Vec<String> = fs::read_dir(seed_dir.join("renders"))
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with("view_") && n.ends_with(".png"))
                    .collect()
            })
            .unwrap_or_default();
        views.sort();
        if size.is_none() {
            size = views
                .first()
                .and_then(|v| fs::read(seed_dir.join("renders").join(v)).ok())
                .and_then(|png| png_size(&png));
        }
        views_per_seed = views_per_seed.max(views.len());
        // Every other file of the variant: scene files, animations, contact sheets.
        let mut files: Vec<String> = fs::read_dir(seed_dir)
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.path().is_file())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        // The views chosen for the task (what the Reviewer was shown), when rendered.
        let mut review: Vec<String> =
            fs::read_dir(seed_dir.join(crate::pipeline::REVIEW_VIEWS_DIR))
                .map(|d| {
                    d.filter_map(Result::ok)
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .filter(|n| n.ends_with(".png"))
                        .collect()
                })
                .unwrap_or_default();
        review.sort();
        seeds.insert(
            name,
            json!({ "views": views, "review_views": review, "files": files }),
        );
    }
    json!({
        "width_px": size.map(|s| s.0),
        "height_px": size.map(|s| s.1),
        "views_per_seed": views_per_seed,
        "seeds": seeds,
    })
}

/// The budget check of the session's last simulation (`budget.json` among its artifacts);
/// for a session simulated before budgets existed, the reference solution is checked again
/// with every cap derived from it. `None` when neither works (logged).
fn budget_of(session: &Session, seed_stream: u64) -> Option<crate::budget::BudgetReport> {
    let recorded = session
        .report
        .as_ref()
        .and_then(|r| r.artifacts_dir.as_deref())
        .and_then(|dir| fs::read_to_string(Path::new(dir).join(crate::budget::BUDGET_FILE)).ok())
        .and_then(|text| serde_json::from_str(&text).ok());
    if recorded.is_some() {
        return recorded;
    }
    let script = crate::script::SceneScript::compile(&session.script.as_ref()?.source).ok()?;
    let physics = session
        .report
        .as_ref()
        .and_then(|r| r.physics.clone())
        .unwrap_or_default();
    crate::budget::check_reference(
        &script,
        session.validation()?,
        seed_stream,
        &physics,
        None,
        &crate::budget::Catalogue::default(),
    )
    .map_err(|e| tracing::warn!(error = %e, "the reference solution's budget use was not measured"))
    .ok()
}

/// The baseline battery's report of the session's last simulation (`worth.json` among its
/// artifacts), `null` when it did not run.
fn worth_of(session: &Session) -> Value {
    session
        .report
        .as_ref()
        .and_then(|r| r.artifacts_dir.as_deref())
        .and_then(|dir| fs::read_to_string(Path::new(dir).join(crate::baselines::WORTH_FILE)).ok())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null)
}

/// Width and height of a PNG from its header.
fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if png.len() < 24 || &png[1..4] != b"PNG" {
        return None;
    }
    let word = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
    Some((word(16), word(20)))
}

/// Which to-do items are done: a Planner item once there is a plan, a Coder or Simulator
/// item once a script passed every gate, a Reviewer item once the Reviewer approved, a
/// Persister item once the benchmark is being written.
pub fn todo_progress(session: &Session) -> Vec<bool> {
    use crate::role::Role;
    use crate::session::Stage;
    let Some(plan) = session.plan.as_ref() else {
        return Vec::new();
    };
    let gates_passed = session.report.as_ref().is_some_and(|r| r.passed);
    let approved = session
        .reviews
        .last()
        .is_some_and(|r| r.decision == crate::agents::Decision::Approve);
    let persisting = matches!(session.stage, Stage::Persisting | Stage::Accepted { .. });
    plan.todo
        .iter()
        .map(|item| match item.owner {
            Role::Planner => true,
            Role::Coder | Role::Simulator => gates_passed,
            Role::Reviewer => approved,
            Role::Persister => persisting,
        })
        .collect()
}

fn benchmark_json(session: &Session, accepted: &Accepted, accepted_unix_ms: u64) -> Value {
    let report = session.report.as_ref();
    let physics = report.and_then(|r| r.physics.as_ref());
    let variants: Vec<Value> = session
        .validation()
        .map(|r| {
            r.seeds
                .iter()
                .map(|s| {
                    json!({
                        "seed": s.seed,
                        "built_with": crate::variant::variant_seed(accepted.seed_stream, s.seed),
                        "scale": s.scale,
                        "scene_hash": s.scene_hash,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "id": session.id,
        "theme": session.theme.prompt,
        "theme_key": session.theme_key,
        "tier": session.theme.tier,
        "plan": accepted.plan,
        "plan_hash": session.plan.as_ref().map(plan_hash),
        "seeds": session.theme.seeds,
        "seed_stream": accepted.seed_stream,
        "scale_ranges": accepted.scale_ranges,
        "variants": variants,
        "settings": {
            "gates": physics,
            "seeds": session.theme.seeds,
            "seed_stream": accepted.seed_stream,
            "scale_ranges": accepted.scale_ranges,
        },
        "reference_solution": {
            "file": "script.rhai",
            "function": "solve",
            "note": "the script's `solve(seed, scale)` returns the reference parts of each variant; it is called with the number `build` got (variants[].built_with)",
        },
        "media": accepted.media,
        "baselines": worth_of(session),
        "budget": accepted.budget.as_ref().map(|b| &b.budget),
        "budget_source": accepted.budget.as_ref().map(|b| json!({
            "caps": b.source,
            "derived_headroom": b.derived_headroom,
            "rule": "a cap the theme does not state is the derived headroom × the most the reference solution used on any seed, rounded up (1 part, 0.001 kg, 0.1 W, 0.01 USD); motor power stays uncapped when the reference uses no motor",
        })),
        "reference_use": accepted.budget.as_ref().map(|b| json!({
            "most": b.reference_most,
            "seeds": b.reference,
        })),
        "catalogue": accepted.budget.as_ref().map(|b| &b.catalogue),
        "gate_results": report.and_then(|r| r.report.as_ref()),
        "physics": physics,
        "difficulty": accepted.plan.difficulty.score,
        "telemetry": {
            "usage": session.usage,
            "attempts": session.attempts,
            "review_rounds": session.reviews.len(),
            "created_unix_ms": session.created_unix_ms,
            "accepted_unix_ms": accepted_unix_ms,
            "duration_s": accepted_unix_ms.saturating_sub(session.created_unix_ms) as f64 / 1000.0,
        },
        "provenance": {
            "generator": format!("benchforge {}", env!("CARGO_PKG_VERSION")),
            "session": session.id,
            "origin": session.theme.origin,
            "script_sha256_prefix": session.script.as_ref().map(|s| crate::scene::short_hash(s.source.as_bytes())),
        },
    })
}

/// Ensures `id`'s line is in the index exactly once; a torn last line from a crash is cut.
fn append_index_line(data_dir: &Path, id: &str, line: &Value) -> Result<(), DatasetError> {
    let path = index_path(data_dir);
    let mut text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io("read", &path)(e)),
    };
    if !text.is_empty() && !text.ends_with('\n') {
        text.truncate(text.rfind('\n').map(|i| i + 1).unwrap_or(0));
        let tmp = path.with_extension("jsonl.tmp");
        write_file(&tmp, text.as_bytes())?;
        fs::rename(&tmp, &path).map_err(io("rename", &tmp))?;
    }
    let present = text.lines().any(|l| {
        serde_json::from_str::<Value>(l)
            .ok()
            .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(|i| i == id))
            .unwrap_or(false)
    });
    if present {
        return Ok(());
    }
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(io("open", &path))?;
    f.write_all(format!("{line}\n").as_bytes())
        .map_err(io("append", &path))?;
    f.sync_all().map_err(io("fsync", &path))
}

/// Writes the benchmark of approved `session` (idempotent, see the module docs) and returns
/// its folder.
pub fn write_benchmark(data_dir: &Path, session: &Session) -> Result<PathBuf, DatasetError> {
    let incomplete = |reason: &str| DatasetError::Incomplete {
        id: session.id.clone(),
        reason: reason.into(),
    };
    let plan = session.plan.as_ref().ok_or_else(|| incomplete("no plan"))?;
    let script = session
        .script
        .as_ref()
        .ok_or_else(|| incomplete("no script"))?;
    let root = benchmarks_dir(data_dir);
    fs::create_dir_all(&root).map_err(io("create", &root))?;
    let target = final_dir(data_dir, session);
    let accepted_unix_ms = now_unix_ms();
    let worth = worth_of(session);
    let index_line = json!({
        "id": session.id,
        "theme": session.theme.prompt,
        "theme_key": session.theme_key,
        "tier": session.theme.tier,
        "path": target.strip_prefix(data_dir).unwrap_or(&target),
        "difficulty": plan.difficulty.score,
        "seeds": session.theme.seeds.len(),
        "plan_hash": plan_hash(plan),
        "measured_difficulty": worth["difficulty"]["score"],
        "measured_tier": worth["difficulty"]["tier"],
        "scene_hash": first_scene_hash(session),
        "accepted_unix_ms": accepted_unix_ms,
    });
    let tmp = root.join(format!(".tmp-{}", session.id));
    if target.is_dir() {
        // Done before a crash: only the index line may be missing.
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(io("remove", &tmp))?;
        }
        append_index_line(data_dir, &session.id, &index_line)?;
        return Ok(target);
    }
    check_novel(data_dir, session, plan)?;
    fault::hit_io(FaultPoint::DatasetWrite).map_err(io("write", &tmp))?;
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(io("remove leftover", &tmp))?;
    }
    fs::create_dir_all(&tmp).map_err(io("create", &tmp))?;

    let accepted = Accepted::of(session, plan);
    write_file(&tmp.join("plan.md"), accepted.plan.to_markdown().as_bytes())?;
    write_file(
        &tmp.join("todo.md"),
        accepted
            .plan
            .todo_markdown(&todo_progress(session))
            .as_bytes(),
    )?;
    write_file(
        &tmp.join("journal.md"),
        render_journal(&session.theme.prompt, &session.journal).as_bytes(),
    )?;
    for review in &session.reviews {
        write_file(
            &tmp.join("reviews")
                .join(format!("round-{}.md", review.round)),
            review.to_markdown().as_bytes(),
        )?;
    }
    // The reference solution is the script's own `solve`; benchmark.json says so
    // (`reference_solution`) rather than a second copy of the script pretending otherwise.
    write_file(&tmp.join("script.rhai"), script.source.as_bytes())?;
    // The LLM agents' reasoning traces of the session, when it had any, are part of the
    // dataset.
    let traces = data_dir
        .join("work")
        .join(&session.id)
        .join(crate::agents::llm::TRACES_FILE);
    if let Ok(bytes) = fs::read(&traces) {
        write_file(&tmp.join(crate::agents::llm::TRACES_FILE), &bytes)?;
    }
    if let Some(dir) = session
        .report
        .as_ref()
        .and_then(|r| r.artifacts_dir.as_ref())
    {
        let dir = Path::new(dir);
        if dir.is_dir() {
            copy_tree(dir, &tmp.join("variants"))?;
        }
    }
    // Checked on the copy, so a `work/` folder deleted during the copy is caught too.
    let missing = missing_variants(&tmp, session);
    if !missing.is_empty() {
        return Err(DatasetError::ArtifactsMissing {
            id: session.id.clone(),
            missing,
        });
    }
    // Last, so it can list every other file of the folder with its SHA-256: `validate DIR`
    // names any file edited afterwards.
    let files = crate::benchmark::manifest(&tmp).map_err(|e| DatasetError::Incomplete {
        id: session.id.clone(),
        reason: format!("its files cannot be listed: {e}"),
    })?;
    let mut bench = benchmark_json(session, &accepted, accepted_unix_ms);
    bench["files"] = json!(files);
    let json_text = serde_json::to_string_pretty(&bench).unwrap_or_default();
    write_file(&tmp.join("benchmark.json"), json_text.as_bytes())?;
    fault::hit(FaultPoint::DatasetBeforeRename).map_err(DatasetError::Injected)?;
    sync_dir(&tmp)?;
    fs::rename(&tmp, &target).map_err(io("rename", &tmp))?;
    sync_dir(&root)?;
    fault::hit(FaultPoint::DatasetAfterRename).map_err(DatasetError::Injected)?;
    append_index_line(data_dir, &session.id, &index_line)?;
    fault::hit(FaultPoint::DatasetAfterIndex).map_err(DatasetError::Injected)?;
    Ok(target)
}

/// The folder of a session's step outputs (one `rev-<n>/` per simulation).
pub fn session_work_dir(data_dir: &Path, id: &str) -> PathBuf {
    data_dir.join("work").join(id)
}

/// The folder keeping what a failed or rejected session leaves for debugging.
pub fn failed_dir(data_dir: &Path, id: &str) -> PathBuf {
    data_dir.join("failed").join(id)
}

/// Cleans up after a finished session: a failed or rejected one first leaves its journal,
/// its last report and its to-do progress under `failed/<id>/` (at most
/// `limits.failed_session_bytes` in all, the report first); then the session's `work/<id>/`
/// folder is removed, whatever the outcome (an accepted benchmark has copied what it needs).
/// Idempotent; does nothing for a session that is not finished.
pub fn retire_work(data_dir: &Path, session: &Session) -> Result<(), DatasetError> {
    use crate::session::Stage;
    let reason = match &session.stage {
        Stage::Failed { reason } | Stage::Rejected { reason } => Some(reason.as_str()),
        Stage::Accepted { .. } => None,
        _ => return Ok(()),
    };
    if let Some(reason) = reason {
        let dir = failed_dir(data_dir, &session.id);
        let mut budget = crate::limits::current().failed_session_bytes as usize;
        let report = session.report.as_ref();
        let mut last_report = format!(
            "# {}: {}\n\ntheme: {}\nstage: {}\n\n",
            session.id, reason, session.theme.prompt, session.stage
        );
        if let Some(r) = report {
            last_report.push_str(&format!(
                "## Last simulation\n\npassed: {}\nfailing gate: {}\n\n{}\n",
                r.passed,
                r.failing_gate.as_deref().unwrap_or("none"),
                r.summary
            ));
        }
        if let Some(f) = session.feedback.last() {
            last_report.push_str(&format!("\n## Last feedback\n\n{f}\n"));
        }
        let mut files = vec![("report.md", last_report)];
        if let Some(plan) = &session.plan {
            files.push(("todo.md", plan.todo_markdown(&todo_progress(session))));
        }
        files.push((
            "journal.md",
            render_journal(&session.theme.prompt, &session.journal),
        ));
        if let Some(v) = session.validation() {
            files.push((
                "gate_results.json",
                serde_json::to_string_pretty(v).unwrap_or_default(),
            ));
        }
        fs::create_dir_all(&dir).map_err(io("create", &dir))?;
        for (name, text) in files {
            let mut bytes = text.into_bytes();
            if bytes.len() > budget {
                const CUT: &[u8] = b"\n[cut: limits.failed_session_bytes]\n";
                bytes.truncate(budget.saturating_sub(CUT.len()));
                bytes.extend_from_slice(&CUT[..CUT.len().min(budget)]);
            }
            budget -= bytes.len();
            write_file(&dir.join(name), &bytes)?;
            if budget == 0 {
                break;
            }
        }
    }
    let work = session_work_dir(data_dir, &session.id);
    match fs::remove_dir_all(&work) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io("remove", &work)(e)),
    }
}

/// Retires the work folder of every finished session that still has one (a crash or an exit
/// came between its last checkpoint and its clean-up). `lookup` gives a session by id;
/// folders of sessions it does not know, or of open ones, are left alone. Returns how many
/// were retired; a folder that cannot be retired is logged and skipped.
pub fn sweep_work(data_dir: &Path, lookup: impl Fn(&str) -> Option<Session>) -> usize {
    let Ok(entries) = fs::read_dir(data_dir.join("work")) else {
        return 0;
    };
    let mut retired = 0;
    for entry in entries.filter_map(Result::ok) {
        let id = entry.file_name().to_string_lossy().into_owned();
        let Some(session) = lookup(&id).filter(|s| s.stage.is_terminal()) else {
            continue;
        };
        match retire_work(data_dir, &session) {
            Ok(()) => retired += 1,
            Err(e) => tracing::warn!(session = %id, error = %e, "work folder not cleaned up"),
        }
    }
    retired
}

/// Removes the temporary folders (`benchmarks/.tmp-*`) an interrupted write left behind; the
/// Persister writes those benchmarks again from the start. Returns how many were removed; one
/// that cannot be removed is logged and skipped.
pub fn remove_temp_folders(data_dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(benchmarks_dir(data_dir)) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.filter_map(Result::ok) {
        if !entry.file_name().to_string_lossy().starts_with(".tmp-") {
            continue;
        }
        match fs::remove_dir_all(entry.path()) {
            Ok(()) => removed += 1,
            Err(e) => {
                tracing::warn!(path = %entry.path().display(), error = %e, "temporary benchmark folder not removed")
            }
        }
    }
    removed
}

/// Reads the index: one JSON value per accepted benchmark.
pub fn read_index(data_dir: &Path) -> Vec<Value> {
    fs::read_to_string(index_path(data_dir))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::{Decision, Review, ScriptDraft};
    use crate::session::{SimulationReport, ThemeSpec};

    fn session(artifacts: Option<&Path>) -> Session {
        let mut s = Session::new(
            &ThemeSpec {
                prompt: "A ball must cross a gap between two decks!".into(),
                count: 1,
                seeds: vec![0, 1],
                scale: None,
                tier: None,
                origin: "config".into(),
            },
            0,
        );
        s.plan = Some(crate::session::test_plan());
        s.script = Some(ScriptDraft {
            source: "fn build(seed, scale) {}".into(),
            attempt: 1,
            changes: Vec::new(),
            scale_ranges: Default::default(),
        });
        s.report = Some(SimulationReport {
            passed: true,
            failing_gate: None,
            summary: "ok".into(),
            report: None,
            artifacts_dir: artifacts.map(|p| p.display().to_string()),
            physics: None,
        });
        s.reviews.push(Review {
            round: 1,
            decision: Decision::Approve,
            comments: vec!["looks like a gap".into()],
            checklist: Vec::new(),
        });
        s
    }

    fn temp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "benchforge-dataset-{name}-{}-{}",
            std::process::id(),
            now_unix_ms()
        ));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn a_finished_session_leaves_no_work_and_a_failed_one_a_bounded_record() {
        let data = temp("retire");
        let mut s = session(None);
        let work = session_work_dir(&data, &s.id).join("rev-3").join("seed-0");
        write_file(&work.join("scene.json"), &vec![b'x'; 10_000]).unwrap();
        // Not finished: nothing happens.
        s.stage = crate::session::Stage::Reviewing { round: 1 };
        retire_work(&data, &s).unwrap();
        assert!(work.exists());
        s.stage = crate::session::Stage::Failed {
            reason: "coder attempts exhausted".into(),
        };
        s.journal = (0..5000)
            .map(|i| {
                crate::journal::JournalEntry::new(
                    crate::role::Role::Coder,
                    format!("step {i}"),
                    "a long journal",
                    "x".repeat(100),
                    "",
                )
            })
            .collect();
        retire_work(&data, &s).unwrap();
        assert!(!session_work_dir(&data, &s.id).exists());
        let kept = failed_dir(&data, &s.id);
        let report = fs::read_to_string(kept.join("report.md")).unwrap();
        assert!(report.contains("coder attempts exhausted"), "{report}");
        let total: u64 = fs::read_dir(&kept)
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum();
        assert!(
            total <= crate::limits::current().failed_session_bytes,
            "{total} bytes kept"
        );
        let journal = fs::read_to_string(kept.join("journal.md")).unwrap();
        assert!(journal.ends_with("[cut: limits.failed_session_bytes]\n"));
        // Again: still fine.
        retire_work(&data, &s).unwrap();
        let _ = fs::remove_dir_all(data);
    }

    #[test]
    fn a_benchmark_repeating_a_plan_of_the_dataset_is_refused_with_its_id() {
        let data = temp("novelty");
        let first = session(None);
        write_benchmark(&data, &first).unwrap();
        let mut again = session(None);
        again.id = "again-001".into();
        match write_benchmark(&data, &again) {
            Err(DatasetError::Duplicate { of, what, .. }) => {
                assert_eq!(of, first.id);
                assert_eq!(what, "plan");
            }
            other => panic!("expected a duplicate, got {other:?}"),
        }
        assert_eq!(read_index(&data).len(), 1);
        // Another plan is new.
        let mut other = session(None);
        other.id = "other-002".into();
        other.plan.as_mut().unwrap().title.push_str(" (wider)");
        write_benchmark(&data, &other).unwrap();
        assert_eq!(read_index(&data).len(), 2);
        let _ = fs::remove_dir_all(data);
    }

    #[test]
    fn a_persist_whose_variants_are_gone_renames_nothing_and_names_them() {
        let data = temp("gone");
        let artifacts = data.join("work").join("sim");
        // seed-0 is there, seed-1 (a seed the theme checked) is not.
        write_file(&artifacts.join("seed-0").join("scene.json"), b"{}").unwrap();
        let s = session(Some(&artifacts));
        match write_benchmark(&data, &s) {
            Err(DatasetError::ArtifactsMissing { missing, .. }) => {
                assert_eq!(missing, vec!["variants/seed-1/scene.json".to_string()])
            }
            other => panic!("expected missing artifacts, got {other:?}"),
        }
        assert!(
            !final_dir(&data, &s).exists(),
            "a benchmark without its variants"
        );
        assert!(read_index(&data).is_empty());
        // The whole work folder deleted: every variant is named.
        fs::remove_dir_all(data.join("work")).unwrap();
        match write_benchmark(&data, &s) {
            Err(DatasetError::ArtifactsMissing { missing, .. }) => assert_eq!(missing.len(), 2),
            other => panic!("expected missing artifacts, got {other:?}"),
        }
        // The half folder is left for the next try or the start-up clean-up, which removes it.
        assert_eq!(remove_temp_folders(&data), 1);
        assert!(fs::read_dir(benchmarks_dir(&data))
            .unwrap()
            .next()
            .is_none());
        let _ = fs::remove_dir_all(data);
    }

    #[test]
    fn slugs_are_short_and_safe() {
        assert_eq!(
            slug("A ball must cross a gap between two decks!"),
            "a-ball-must-cross-a-gap-between-two"
        );
        assert_eq!(slug("!!!"), "benchmark");
    }

    #[test]
    fn writes_the_layout_once_and_resumes_after_partial_writes() {
        let data = temp("layout");
        let artifacts = data.join("work").join("sim");
        for seed in ["seed-0", "seed-1"] {
            write_file(&artifacts.join(seed).join("scene.json"), b"{}").unwrap();
        }
        let s = session(Some(&artifacts));
        let dir = write_benchmark(&data, &s).unwrap();
        for f in [
            "benchmark.json",
            "plan.md",
            "todo.md",
            "journal.md",
            "reviews/round-1.md",
            "script.rhai",
            "variants/seed-0/scene.json",
        ] {
            assert!(dir.join(f).is_file(), "{f} missing");
        }
        // The reference solution is the script's `solve`, said so, never a copy of the script.
        assert!(!dir.join("solution.rhai").exists());
        let review = fs::read_to_string(dir.join("reviews/round-1.md")).unwrap();
        assert!(review.starts_with("---\n") && review.contains("decision: approve"));
        let bench: Value =
            serde_json::from_str(&fs::read_to_string(dir.join("benchmark.json")).unwrap()).unwrap();
        assert_eq!(bench["plan"]["archetype"], "gap_crossing");
        assert_eq!(bench["reference_solution"]["function"], "solve");
        assert_eq!(bench["seed_stream"], crate::variant::seed_stream(&s.id));
        // Again: nothing duplicated.
        assert_eq!(write_benchmark(&data, &s).unwrap(), dir);
        assert_eq!(read_index(&data).len(), 1);
        // A torn index tail and a leftover temp folder of another session are repaired.
        let mut other = session(None);
        other.id = "other-000".into();
        other
            .plan
            .as_mut()
            .unwrap()
            .title
            .push_str(" (another layout)");
        let leftover = benchmarks_dir(&data).join(".tmp-other-000");
        write_file(&leftover.join("half.json"), b"{").unwrap();
        let mut f = OpenOptions::new()
            .append(true)
            .open(index_path(&data))
            .unwrap();
        f.write_all(b"{\"id\":\"other-0").unwrap();
        let other_dir = write_benchmark(&data, &other).unwrap();
        assert!(!leftover.exists());
        assert!(!other_dir.join("half.json").exists());
        let ids: Vec<String> = read_index(&data)
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids, vec![s.id.clone(), "other-000".to_string()]);
        let _ = fs::remove_dir_all(data);
    }
}

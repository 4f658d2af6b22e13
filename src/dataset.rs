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
    /// A test fault fired.
    #[error("{0}")]
    Injected(String),
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

fn benchmark_json(session: &Session, accepted_unix_ms: u64) -> Value {
    let plan = session.plan.as_ref();
    let report = session.report.as_ref();
    json!({
        "id": session.id,
        "theme": session.theme.prompt,
        "theme_key": session.theme_key,
        "tier": session.theme.tier,
        "plan": plan,
        "seeds": session.theme.seeds,
        "seed_stream": crate::variant::seed_stream(&session.id),
        "scale_ranges": session.theme.scale,
        "gate_results": report.and_then(|r| r.report.as_ref()),
        "physics": report.and_then(|r| r.physics.as_ref()),
        "difficulty": plan.map(|p| p.difficulty.score),
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
    let index_line = json!({
        "id": session.id,
        "theme": session.theme.prompt,
        "path": target.strip_prefix(data_dir).unwrap_or(&target),
        "difficulty": plan.difficulty.score,
        "seeds": session.theme.seeds.len(),
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
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(io("remove leftover", &tmp))?;
    }
    fs::create_dir_all(&tmp).map_err(io("create", &tmp))?;

    let json_text = serde_json::to_string_pretty(&benchmark_json(session, accepted_unix_ms))
        .unwrap_or_default();
    write_file(&tmp.join("benchmark.json"), json_text.as_bytes())?;
    write_file(&tmp.join("plan.md"), plan.to_markdown().as_bytes())?;
    write_file(&tmp.join("todo.md"), plan.todo_markdown(&[]).as_bytes())?;
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
    write_file(&tmp.join("script.rhai"), script.source.as_bytes())?;
    // The reference solution is the script's own `solve`; keep it findable by name.
    write_file(&tmp.join("solution.rhai"), script.source.as_bytes())?;
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
    fault::hit(FaultPoint::DatasetBeforeRename).map_err(DatasetError::Injected)?;
    sync_dir(&tmp)?;
    fs::rename(&tmp, &target).map_err(io("rename", &tmp))?;
    sync_dir(&root)?;
    fault::hit(FaultPoint::DatasetAfterRename).map_err(DatasetError::Injected)?;
    append_index_line(data_dir, &session.id, &index_line)?;
    fault::hit(FaultPoint::DatasetAfterIndex).map_err(DatasetError::Injected)?;
    Ok(target)
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
        write_file(&artifacts.join("seed-0").join("scene.json"), b"{}").unwrap();
        let s = session(Some(&artifacts));
        let dir = write_benchmark(&data, &s).unwrap();
        for f in [
            "benchmark.json",
            "plan.md",
            "todo.md",
            "journal.md",
            "reviews/round-1.md",
            "script.rhai",
            "solution.rhai",
            "variants/seed-0/scene.json",
        ] {
            assert!(dir.join(f).is_file(), "{f} missing");
        }
        let review = fs::read_to_string(dir.join("reviews/round-1.md")).unwrap();
        assert!(review.starts_with("---\n") && review.contains("decision: approve"));
        let bench: Value =
            serde_json::from_str(&fs::read_to_string(dir.join("benchmark.json")).unwrap()).unwrap();
        assert_eq!(bench["plan"]["archetype"], "gap_crossing");
        // Again: nothing duplicated.
        assert_eq!(write_benchmark(&data, &s).unwrap(), dir);
        assert_eq!(read_index(&data).len(), 1);
        // A torn index tail and a leftover temp folder of another session are repaired.
        let mut other = session(None);
        other.id = "other-000".into();
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

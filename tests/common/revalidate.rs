//! Re-validating a benchmark folder with the real binary: `benchforge validate DIR --json`,
//! and, where MuJoCo is installed, `benchforge crosscheck DIR --json`. Every test that
//! generates benchmarks calls [`assert_reproduces`] on each of them.

#![allow(dead_code)]

use std::path::Path;

use serde_json::Value;

use super::run_benchforge;

/// What `validate DIR --json` said: exit code, the per-seed objects, the summary object and
/// stderr.
#[derive(Debug)]
pub struct Revalidated {
    /// Exit code (None when the hang guard killed it).
    pub code: Option<i32>,
    /// One object per recorded seed (`"kind": "seed"`), in order.
    pub seeds: Vec<Value>,
    /// The last line (`"kind": "summary"`).
    pub summary: Value,
    /// Everything on stderr.
    pub stderr: String,
}

/// Runs `benchforge validate DIR --json` and parses its lines.
pub fn validate_folder(dir: &Path) -> Revalidated {
    let out = run_benchforge(&["validate", dir.to_str().expect("UTF-8 path"), "--json"]);
    let mut seeds = Vec::new();
    let mut summary = Value::Null;
    for line in out.stdout.lines() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| {
            panic!(
                "validate --json printed a line that is not JSON ({e}): {line}\nstderr: {}",
                out.stderr
            )
        });
        match v["kind"].as_str() {
            Some("seed") => seeds.push(v),
            Some("summary") => summary = v,
            _ => panic!("validate --json printed an unknown line: {line}"),
        }
    }
    Revalidated {
        code: out.code,
        seeds,
        summary,
        stderr: out.stderr,
    }
}

/// Asserts that the benchmark folder `dir` reproduces: `validate DIR --json` exits 0, every
/// recorded seed is re-checked, and every seed's rebuilt scene hash matches the recorded one.
/// Returns the per-seed objects.
pub fn assert_reproduces(dir: &Path) -> Vec<Value> {
    let r = validate_folder(dir);
    assert_eq!(
        r.code,
        Some(0),
        "{} does not reproduce: {}\n{}",
        dir.display(),
        r.stderr,
        r.seeds
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("benchmark.json")).expect("benchmark.json"),
    )
    .expect("benchmark.json is JSON");
    let recorded = json["gate_results"]["seeds"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    assert!(!r.seeds.is_empty(), "{}: no seed checked", dir.display());
    assert_eq!(
        r.seeds.len(),
        recorded,
        "{}: not every recorded seed was checked",
        dir.display()
    );
    for seed in &r.seeds {
        assert_eq!(seed["hash_matches"], true, "{}: {seed}", dir.display());
        assert_eq!(seed["passed"], true, "{}: {seed}", dir.display());
    }
    assert_eq!(
        r.summary["passed"],
        true,
        "{}: {}",
        dir.display(),
        r.summary
    );
    if mujoco_available() {
        assert_engines_agree(dir);
    }
    r.seeds
}

/// True when `python3` can import MuJoCo (CI installs it; see `.ci/run`). Asked once.
pub fn mujoco_available() -> bool {
    static AVAILABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *AVAILABLE.get_or_init(|| benchforge::export::crosscheck::mujoco_available("python3"))
}

/// Asserts that MuJoCo, loading the folder's exported variants, reaches the same outcome as
/// rapier on every recorded seed: the payload in the goal or not, passive and with the
/// reference solution. The distances between the engines' final payload positions are
/// appended to `target/tmp/crosscheck-distances.txt` (one line per benchmark: name, worst
/// passive and worst with-solution distance in metres) for the closing figures.
pub fn assert_engines_agree(dir: &Path) {
    let out = run_benchforge(&["crosscheck", dir.to_str().expect("UTF-8 path"), "--json"]);
    let report: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: crosscheck --json printed no report ({e}): {}",
            dir.display(),
            out.stderr
        )
    });
    let variants = report["variants"].as_array().expect("variants");
    assert!(
        !variants.is_empty(),
        "{}: no variant cross-checked",
        dir.display()
    );
    let (mut worst_passive, mut worst_solution) = (0.0f64, 0.0f64);
    for v in variants {
        for run in ["passive", "solution"] {
            let r = &v[run];
            assert_eq!(
                r["rapier"]["in_goal"], r["mujoco"]["in_goal"],
                "{}: the engines disagree on the {run} outcome: {v}",
                v["name"]
            );
        }
        worst_passive = worst_passive.max(v["passive"]["distance_m"].as_f64().unwrap_or(0.0));
        worst_solution = worst_solution.max(v["solution"]["distance_m"].as_f64().unwrap_or(0.0));
    }
    let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join("crosscheck-distances.txt");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
    {
        use std::io::Write;
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let _ = writeln!(
            f,
            "{name} {worst_passive:.4} {worst_solution:.4} {}",
            variants.len()
        );
    }
}

/// Writes the folder's file manifest into its benchmark.json (`files`), as the dataset
/// writer does, so edits to its files can be detected.
pub fn record_manifest(dir: &Path) {
    let path = dir.join("benchmark.json");
    let mut json: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("benchmark.json")).unwrap();
    let files = benchforge::benchmark::manifest(dir).expect("the manifest is computed");
    json["files"] = serde_json::to_value(files).unwrap();
    std::fs::write(&path, serde_json::to_string_pretty(&json).unwrap()).unwrap();
}

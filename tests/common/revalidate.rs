//! Re-validating a benchmark folder with the real binary: `benchforge validate DIR --json`.
//! Every test that generates benchmarks calls [`assert_reproduces`] on each of them.

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
    r.seeds
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

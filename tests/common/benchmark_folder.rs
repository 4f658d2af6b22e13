//! A benchmark folder laid out as the dataset writes it (benchmark.json with the gate report,
//! script.rhai, variants/seed-<n>/scene.json), made from a real validation run.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use benchforge::script::SceneScript;
use benchforge::validate::{validate_script, ValidateOptions};
use benchforge::variant::ScaleRanges;

/// Validates `script_path` over `seeds` seeds with `scale_ranges` and writes the folder at
/// `dir`. Like a session whose draft chose the ranges, benchmark.json records no
/// `scale_ranges` (only the report's per-seed scales).
pub fn write(dir: &Path, script_path: &Path, seeds: u64, scale_ranges: ScaleRanges) -> PathBuf {
    let source = std::fs::read_to_string(script_path).unwrap();
    let options = ValidateOptions {
        seeds: (0..seeds).collect(),
        scale_ranges,
        ..ValidateOptions::default()
    };
    let report = validate_script(&source, &options).unwrap();
    assert!(
        report.passed(),
        "{}",
        serde_json::to_string(&report).unwrap()
    );
    std::fs::create_dir_all(dir).unwrap();
    let json = serde_json::json!({
        "id": "test-000",
        "theme": "cross-check",
        "seeds": (0..seeds).collect::<Vec<u64>>(),
        "scale_ranges": null,
        "gate_results": report,
    });
    std::fs::write(dir.join("benchmark.json"), json.to_string()).unwrap();
    std::fs::write(dir.join("script.rhai"), &source).unwrap();
    let script = SceneScript::compile(&source).unwrap();
    for seed_report in &report.seeds {
        let seed_dir = dir
            .join("variants")
            .join(format!("seed-{}", seed_report.seed));
        std::fs::create_dir_all(&seed_dir).unwrap();
        let scene = script.build(seed_report.seed, seed_report.scale).unwrap();
        std::fs::write(seed_dir.join("scene.json"), scene.canonical_json()).unwrap();
    }
    dir.to_path_buf()
}

//! `benchforge validate BENCHMARK_DIR`: every gate (1–8) re-run on every recorded seed of a
//! benchmark folder with what it recorded (per-seed scales, seed stream, physics settings,
//! the plan's intent), each rebuilt scene hash compared with the recorded ones, and the
//! folder's files compared with its manifest.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Value};

use super::{check_manifest, spawn_distance, Benchmark, FileChange, ManifestError};
use crate::report::{GateId, GateResult, SeedReport};
use crate::scene::Vec3;
use crate::validate::{validate_at_scales, ValidateOptions};

/// One gate on one seed, with the numbers it measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateCheck {
    /// The gate's number (1–8).
    pub id: u8,
    /// The gate's short name.
    pub name: &'static str,
    /// True when it held.
    pub passed: bool,
    /// What it found wrong, as `[rule] message`.
    pub findings: Vec<String>,
    /// The quantities it measured, by name with their unit (`max_speed_mps`, ...); booleans
    /// for yes/no outcomes, `null` for a time that never came. Empty for gates that only
    /// check rules (their numbers are in the findings).
    pub numbers: BTreeMap<String, Value>,
}

/// Where one payload started and ended, in metres.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PayloadCheck {
    /// The payload's label.
    pub name: String,
    /// Its (jittered) start, in metres.
    pub start: Option<Vec3>,
    /// Where it ended in the passive run, in metres.
    pub passive_final: Option<Vec3>,
    /// Where it ended with the reference solution, in metres.
    pub solution_final: Option<Vec3>,
}

/// The re-check of one recorded seed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeedCheck {
    /// Always `"seed"` (the last JSON line is the `"summary"`).
    pub kind: &'static str,
    /// The seed.
    pub seed: u64,
    /// The scale it was rebuilt at (unitless).
    pub scale: Vec3,
    /// The rebuilt scene's hash (absent when `build` failed).
    pub scene_hash: Option<String>,
    /// The hash benchmark.json's gate report recorded.
    pub recorded_scene_hash: Option<String>,
    /// The hash of `variants/seed-<k>/scene.json`.
    pub scene_json_hash: Option<String>,
    /// True when the rebuilt hash equals every recorded one (and at least one was).
    pub hash_matches: bool,
    /// True when the payload spawns where the report recorded it (or nothing was recorded).
    pub spawn_matches: bool,
    /// True when every gate that ran held.
    pub passed: bool,
    /// Each gate that ran, in order.
    pub gates: Vec<GateCheck>,
    /// Each payload's start and end positions (one today).
    pub payloads: Vec<PayloadCheck>,
}

impl SeedCheck {
    /// Why the seed does not reproduce, in one line each (empty when it does).
    pub fn hash_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let now = self
            .scene_hash
            .as_deref()
            .unwrap_or("(no scene: build failed)");
        if self.recorded_scene_hash.is_none() && self.scene_json_hash.is_none() {
            out.push("the folder records no scene hash for it".to_string());
        }
        if let Some(recorded) = &self.recorded_scene_hash {
            if Some(recorded) != self.scene_hash.as_ref() {
                out.push(format!(
                    "the rebuilt scene has hash {now}, benchmark.json records {recorded}"
                ));
            }
        }
        if let Some(on_disk) = &self.scene_json_hash {
            if Some(on_disk) != self.scene_hash.as_ref() {
                out.push(format!(
                    "the rebuilt scene has hash {now}, variants/seed-{}/scene.json has {on_disk}",
                    self.seed
                ));
            }
        }
        if !self.spawn_matches {
            out.push("the payload spawns elsewhere than the report recorded".into());
        }
        out
    }
}

/// The whole re-check of a benchmark folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Revalidation {
    /// One check per recorded seed, in report order.
    pub seeds: Vec<SeedCheck>,
    /// Gate 7 across the seeds.
    pub randomized: GateResult,
    /// The folder's files against `benchmark.json` → `files`; `None` when it records no
    /// manifest (a folder written before manifests: edits cannot be told apart).
    pub files: Option<Vec<FileChange>>,
    /// How many files the manifest lists.
    pub files_recorded: usize,
}

impl Revalidation {
    /// True when every seed rebuilt with its recorded hash and spawn.
    pub fn reproduced(&self) -> bool {
        self.seeds.iter().all(|s| s.hash_matches && s.spawn_matches)
    }

    /// True when every gate held on every seed and across them.
    pub fn gates_held(&self) -> bool {
        self.randomized.passed && self.seeds.iter().all(|s| s.passed)
    }

    /// True when no file was edited, removed or added.
    pub fn files_unchanged(&self) -> bool {
        self.files.as_ref().is_none_or(Vec::is_empty)
    }

    /// Everything holds: the folder reproduces its benchmark.
    pub fn passed(&self) -> bool {
        self.reproduced() && self.gates_held() && self.files_unchanged()
    }

    /// The last JSON line of `validate DIR --json`.
    pub fn summary_json(&self) -> Value {
        json!({
            "kind": "summary",
            "passed": self.passed(),
            "reproduced": self.reproduced(),
            "gates_held": self.gates_held(),
            "seeds": self.seeds.len(),
            "randomized": gate_check(&self.randomized, None),
            "files_recorded": self.files.as_ref().map(|_| self.files_recorded),
            "file_changes": self.files.as_ref().map(|c| c.iter().map(ToString::to_string).collect::<Vec<_>>()),
        })
    }
}

/// Re-runs every gate on every recorded seed of `bench` (seeds in parallel when
/// `parallel`), compares each rebuilt scene hash with the recorded ones and the folder's
/// files with its manifest. `Err` only when the folder's files cannot be read.
pub fn revalidate(bench: &Benchmark, parallel: bool) -> Result<Revalidation, ManifestError> {
    let options = ValidateOptions {
        seeds: bench.seed_numbers(),
        seed_stream: bench.seed_stream,
        scale_ranges: bench.scale_ranges.unwrap_or_default(),
        parallel,
        physics: bench.physics.clone(),
        intent: bench.intent.clone(),
    };
    let variants: Vec<(u64, Vec3)> = bench
        .seeds
        .iter()
        .map(|s| (s.seed, bench.exact_scale(s)))
        .collect();
    let report = validate_at_scales(&bench.script, &bench.source, &variants, &options);
    let seeds = bench
        .seeds
        .iter()
        .zip(&report.seeds)
        .map(|(recorded, now)| {
            let scene_json_hash = bench.scene_json_hash(recorded.seed);
            let recorded_hashes: Vec<&String> = recorded
                .scene_hash
                .iter()
                .chain(scene_json_hash.iter())
                .collect();
            let hash_matches = !recorded_hashes.is_empty()
                && recorded_hashes
                    .iter()
                    .all(|h| Some(*h) == now.scene_hash.as_ref());
            let spawn_matches = match (&recorded.spawn, &now.payload_spawn) {
                (Some(a), Some(b)) => spawn_distance(a, b) <= super::SPAWN_TOLERANCE,
                (Some(_), None) => false,
                (None, _) => true,
            };
            SeedCheck {
                kind: "seed",
                seed: now.seed,
                scale: now.scale,
                scene_hash: now.scene_hash.clone(),
                recorded_scene_hash: recorded.scene_hash.clone(),
                scene_json_hash,
                hash_matches,
                spawn_matches,
                passed: now.passed(),
                gates: now
                    .gates
                    .iter()
                    .map(|g| gate_check(g, Some((now, bench))))
                    .collect(),
                payloads: vec![PayloadCheck {
                    name: crate::physics::PAYLOAD_LABEL.into(),
                    start: now
                        .payload_spawn
                        .map(|s| s.start_m)
                        .or(now.passive.as_ref().map(|p| p.payload_start_m)),
                    passive_final: now.passive.as_ref().map(|p| p.payload_final_m),
                    solution_final: now.solution.as_ref().map(|s| s.payload_final_m),
                }],
            }
        })
        .collect();
    let (files, files_recorded) = match &bench.files {
        Some(recorded) => (Some(check_manifest(&bench.dir, recorded)?), recorded.len()),
        None => (None, 0),
    };
    Ok(Revalidation {
        seeds,
        randomized: report.randomized,
        files,
        files_recorded,
    })
}

/// A gate's result with the numbers the seed's report holds for it.
fn gate_check(gate: &GateResult, seed: Option<(&SeedReport, &Benchmark)>) -> GateCheck {
    let mut numbers = BTreeMap::new();
    let mut put = |name: &str, v: Value| {
        numbers.insert(name.to_string(), v);
    };
    if let Some((seed, bench)) = seed {
        let limits = &bench.physics;
        match gate.gate {
            GateId::Physics => {
                if let Some(p) = &seed.passive {
                    put("simulated_s", json!(p.simulated_s));
                    put("max_speed_mps", json!(p.max_speed_mps));
                    put("max_speed_limit_mps", json!(limits.max_speed_mps));
                    put("max_energy_ratio", json!(p.max_energy_ratio));
                    put("max_energy_ratio_limit", json!(limits.max_energy_ratio));
                    put("settle_time_s", json!(p.settle_time_s));
                }
            }
            GateId::NonTrivial => {
                if let Some(p) = &seed.passive {
                    put(
                        "passive_distance_to_goal_m",
                        json!(p.payload_distance_to_goal_m),
                    );
                    put("passive_in_goal", json!(p.payload_in_goal));
                }
            }
            GateId::Solvable => {
                if let Some(s) = &seed.solution {
                    put("reached_goal", json!(s.reached_goal));
                    put("time_to_goal_s", json!(s.time_to_goal_s));
                    put(
                        "solution_distance_to_goal_m",
                        json!(s.payload_distance_to_goal_m),
                    );
                    put("max_speed_mps", json!(s.max_speed_mps));
                }
            }
            _ => {}
        }
    }
    GateCheck {
        id: gate.gate.number(),
        name: gate.gate.name(),
        passed: gate.passed,
        findings: gate
            .findings
            .iter()
            .map(|f| format!("[{}] {}", f.rule, f.message))
            .collect(),
        numbers,
    }
}

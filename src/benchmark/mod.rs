//! A persisted benchmark folder of the dataset, read back: the one loader that `score`,
//! `export`, `crosscheck`, `render` and `validate` share.
//!
//! It reads `benchmark.json` (id, tier, seeds, seed stream, per-seed scales, scene hashes and
//! payload spawns of the recorded gate report, physics settings, the plan's intent, the file
//! manifest) and `script.rhai`, and rebuilds a variant exactly as the gates built it: seed `k`
//! on the benchmark's seed stream ([`crate::variant::variant_seed`]), at the recorded scale,
//! its scene hash checked against the report and against `variants/seed-<k>/scene.json`.
//!
//! - [`manifest`]: the `{relative path: sha256}` of a folder's files, and the check of it
//!   against `benchmark.json` → `files`.
//! - [`revalidate`]: every gate re-run on every recorded seed (`benchforge validate DIR`).

pub mod manifest;
pub mod revalidate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::intent::Intent;
use crate::physics::PhysicsSettings;
use crate::report::ValidationReport;
use crate::scene::{short_hash, Scene, Vec3};
use crate::script::SceneScript;
use crate::variant::{variant_seed, PayloadSpawn, ScaleRanges};

pub use manifest::{check_manifest, manifest, FileChange, ManifestError};
pub use revalidate::{revalidate, Revalidation, SeedCheck};

/// The file every benchmark folder has; its presence tells a folder from a script.
pub const BENCHMARK_JSON: &str = "benchmark.json";

/// Why a benchmark folder, or one of its variants, cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BenchmarkError {
    /// A file of the folder cannot be read.
    #[error("benchmark {dir}: cannot read {file} ({why}); give a benchmark folder of the dataset (benchmarks/<slug>-<id>/)")]
    Read {
        /// The folder.
        dir: String,
        /// The file, relative to the folder.
        file: String,
        /// The I/O error.
        why: String,
    },
    /// `benchmark.json` is not one benchforge wrote.
    #[error("benchmark {dir}: benchmark.json {why}")]
    BadJson {
        /// The folder.
        dir: String,
        /// What is wrong.
        why: String,
    },
    /// `script.rhai` does not compile.
    #[error("benchmark {dir}: script.rhai does not compile: {why}")]
    Compile {
        /// The folder.
        dir: String,
        /// The compiler's message.
        why: String,
    },
    /// The seed is not one of the benchmark's variants.
    #[error("benchmark {dir} has no seed {seed}; its seeds are {}", list(seeds))]
    NoSuchSeed {
        /// The folder.
        dir: String,
        /// The seed asked for.
        seed: u64,
        /// The seeds it has.
        seeds: Vec<u64>,
    },
    /// The script's `build` or `solve` failed on a recorded seed.
    #[error("benchmark {dir}: seed {seed}: {what} failed: {why}")]
    Script {
        /// The folder.
        dir: String,
        /// The seed.
        seed: u64,
        /// `build` or `solve`.
        what: &'static str,
        /// The script error.
        why: String,
    },
    /// The rebuilt variant is not the one the gates checked.
    #[error("benchmark {dir}: seed {seed}: {why}")]
    Mismatch {
        /// The folder.
        dir: String,
        /// The seed.
        seed: u64,
        /// How it differs.
        why: String,
    },
}

impl BenchmarkError {
    /// True when the folder (or the seed asked for) is unusable as input, rather than a
    /// variant that fails to rebuild as recorded.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            BenchmarkError::Read { .. }
                | BenchmarkError::BadJson { .. }
                | BenchmarkError::NoSuchSeed { .. }
        )
    }
}

fn list(seeds: &[u64]) -> String {
    let shown: Vec<String> = seeds.iter().map(u64::to_string).collect();
    shown.join(", ")
}

/// One seed as the benchmark recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedSeed {
    /// The seed.
    pub seed: u64,
    /// The number the variant is built and sampled with: the seed on the benchmark's seed
    /// stream (see [`crate::variant::variant_seed`]).
    pub built_with: u64,
    /// The per-axis scale handed to `build(seed, scale)` (unitless).
    pub scale: Vec3,
    /// The content hash of the scene the gates saw, when the report recorded it.
    pub scene_hash: Option<String>,
    /// The payload's sampled size and start, when recorded.
    pub spawn: Option<PayloadSpawn>,
}

/// A benchmark folder, opened.
#[derive(Debug, Clone)]
pub struct Benchmark {
    /// The folder.
    pub dir: PathBuf,
    /// The benchmark's id (`benchmark.json` → `id`).
    pub id: String,
    /// The difficulty tier, when recorded.
    pub tier: Option<String>,
    /// The planned difficulty (0 to 1), when recorded.
    pub difficulty: Option<f64>,
    /// The text of `script.rhai`.
    pub source: String,
    /// `script.rhai`, compiled.
    pub script: SceneScript,
    /// The seed stream (`benchmark.json` → `seed_stream`; 0, the plain stream, when absent).
    pub seed_stream: u64,
    /// Every recorded seed, in report order.
    pub seeds: Vec<RecordedSeed>,
    /// The physics settings the gates ran with (`benchmark.json` → `physics`; the defaults
    /// the validation then ran with when absent).
    pub physics: PhysicsSettings,
    /// The theme's intent that gate 8 checked (`benchmark.json` → `plan.intent`).
    pub intent: Option<Intent>,
    /// The scale ranges of the theme, when recorded.
    pub scale_ranges: Option<ScaleRanges>,
    /// The recorded gate report (`benchmark.json` → `gate_results`).
    pub report: Option<ValidationReport>,
    /// The recorded file manifest (`benchmark.json` → `files`), when written.
    pub files: Option<BTreeMap<String, String>>,
    /// The benchmark's own resource budget (`benchmark.json` → `budget`), when recorded:
    /// `score` uses it where the scoring table sets no cap.
    pub budget: Option<crate::score::table::Budget>,
}

/// One variant rebuilt from a benchmark folder.
#[derive(Debug, Clone)]
pub struct Variant {
    /// The seed.
    pub seed: u64,
    /// The number it was built and sampled with.
    pub built_with: u64,
    /// The scale it was built with: the recorded one, to the last bit (see
    /// [`Benchmark::exact_scale`]).
    pub scale: Vec3,
    /// The scene.
    pub scene: Scene,
    /// Where and how big the payload spawns.
    pub spawn: PayloadSpawn,
    /// The canonical scene hash.
    pub scene_hash: String,
    /// What the hash was checked against (`benchmark.json`, `scene.json`); empty when the
    /// folder records no hash for this seed.
    pub verified_against: Vec<String>,
}

impl Benchmark {
    /// Opens `dir`: reads `benchmark.json` and compiles `script.rhai`.
    pub fn load(dir: &Path) -> Result<Benchmark, BenchmarkError> {
        let shown = dir.display().to_string();
        let read = |file: &str| {
            crate::limits::read_text_file(&dir.join(file), crate::limits::current().file_bytes)
                .map_err(|e| BenchmarkError::Read {
                    dir: shown.clone(),
                    file: file.into(),
                    why: match e {
                        crate::limits::FileError::Io { source, .. } => source.to_string(),
                        other => other.to_string(),
                    },
                })
        };
        let bad = |why: String| BenchmarkError::BadJson {
            dir: shown.clone(),
            why,
        };
        let json: Value = serde_json::from_str(&read(BENCHMARK_JSON)?)
            .map_err(|e| bad(format!("is not JSON: {e}")))?;
        let id = json
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("has no \"id\"".into()))?
            .to_string();
        let source = read("script.rhai")?;
        let script = SceneScript::compile(&source).map_err(|e| BenchmarkError::Compile {
            dir: shown.clone(),
            why: e.to_string(),
        })?;
        let field = |name: &str| json.get(name).filter(|v| !v.is_null());
        let physics = match field("physics") {
            Some(v) => PhysicsSettings::deserialize(v)
                .map_err(|e| bad(format!("\"physics\" is unreadable: {e}")))?,
            None => PhysicsSettings::default(),
        };
        physics
            .check()
            .map_err(|e| bad(format!("\"physics\": {e}")))?;
        let seed_stream = match field("seed_stream") {
            Some(v) => v
                .as_u64()
                .ok_or_else(|| bad(format!("\"seed_stream\" is not a number: {v}")))?,
            None => 0,
        };
        let scale_ranges = field("scale_ranges")
            .map(ScaleRanges::deserialize)
            .transpose()
            .map_err(|e| bad(format!("\"scale_ranges\" is unreadable: {e}")))?;
        let report = field("gate_results")
            .map(ValidationReport::deserialize)
            .transpose()
            .map_err(|e| bad(format!("\"gate_results\" is unreadable: {e}")))?;
        let intent = json
            .get("plan")
            .and_then(|p| p.get("intent"))
            .filter(|v| !v.is_null())
            .map(Intent::deserialize)
            .transpose()
            .map_err(|e| bad(format!("\"plan.intent\" is unreadable: {e}")))?;
        let files = field("files")
            .map(BTreeMap::<String, String>::deserialize)
            .transpose()
            .map_err(|e| {
                bad(format!(
                    "\"files\" is not a map of relative path to sha256: {e}"
                ))
            })?;
        let seeds: Vec<RecordedSeed> = match &report {
            Some(report) => report
                .seeds
                .iter()
                .map(|s| RecordedSeed {
                    seed: s.seed,
                    built_with: variant_seed(seed_stream, s.seed),
                    scale: s.scale,
                    scene_hash: s.scene_hash.clone(),
                    spawn: s.payload_spawn,
                })
                .collect(),
            // No report: the listed seeds, with scales drawn as the gates draw them.
            None => {
                let listed: Vec<u64> = field("seeds")
                    .map(Vec::<u64>::deserialize)
                    .transpose()
                    .map_err(|e| bad(format!("\"seeds\" is not a list of seeds: {e}")))?
                    .unwrap_or_default();
                let ranges = scale_ranges.unwrap_or_default();
                listed
                    .into_iter()
                    .map(|seed| {
                        let built_with = variant_seed(seed_stream, seed);
                        RecordedSeed {
                            seed,
                            built_with,
                            scale: ranges.sample(built_with),
                            scene_hash: None,
                            spawn: None,
                        }
                    })
                    .collect()
            }
        };
        if seeds.is_empty() {
            return Err(bad(
                "records no seeds (neither gate_results.seeds nor seeds)".into(),
            ));
        }
        Ok(Benchmark {
            dir: dir.to_path_buf(),
            id,
            tier: field("tier").and_then(Value::as_str).map(String::from),
            difficulty: field("difficulty").and_then(Value::as_f64),
            source,
            script,
            seed_stream,
            seeds,
            physics,
            intent,
            scale_ranges,
            report,
            files,
            budget: field("budget").and_then(|b| serde_json::from_value(b.clone()).ok()),
        })
    }

    /// True when `path` is a benchmark folder (it has a `benchmark.json`).
    pub fn is_folder(path: &Path) -> bool {
        path.is_dir() && path.join(BENCHMARK_JSON).is_file()
    }

    /// The folder's name, for reports.
    pub fn name(&self) -> String {
        self.dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.dir.display().to_string())
    }

    /// The recorded seed `seed`, or which seeds there are.
    pub fn seed(&self, seed: u64) -> Result<&RecordedSeed, BenchmarkError> {
        self.seeds
            .iter()
            .find(|s| s.seed == seed)
            .ok_or_else(|| BenchmarkError::NoSuchSeed {
                dir: self.dir.display().to_string(),
                seed,
                seeds: self.seeds.iter().map(|s| s.seed).collect(),
            })
    }

    /// The seed numbers, in report order.
    pub fn seed_numbers(&self) -> Vec<u64> {
        self.seeds.iter().map(|s| s.seed).collect()
    }

    /// `variants/seed-<k>/scene.json`.
    pub fn scene_json_path(&self, seed: u64) -> PathBuf {
        self.dir
            .join("variants")
            .join(format!("seed-{seed}"))
            .join("scene.json")
    }

    /// The hash of `variants/seed-<k>/scene.json`, when the file exists.
    pub fn scene_json_hash(&self, seed: u64) -> Option<String> {
        std::fs::read(self.scene_json_path(seed))
            .ok()
            .map(|b| short_hash(&b))
    }

    /// The scale the gates built `seed` with: the recorded one, or the float at most
    /// [`MAX_ULPS`] units in the last place away per axis that gives the recorded scene hash.
    ///
    /// Why: a `benchmark.json` written before serde_json's `float_roundtrip` parsing may
    /// store a scale one ULP off, and a scale one ULP off builds a different scene. The
    /// recorded hash tells the true scale apart. Without a recorded hash, or when no
    /// neighbour matches, the recorded scale.
    pub fn exact_scale(&self, seed: &RecordedSeed) -> Vec3 {
        let Some(recorded) = &seed.scene_hash else {
            return seed.scale;
        };
        let hash_at = |scale: Vec3| {
            self.script
                .build(seed.built_with, scale)
                .ok()
                .map(|s| s.content_hash())
        };
        if hash_at(seed.scale).as_ref() == Some(recorded) {
            return seed.scale;
        }
        neighbours(seed.scale)
            .into_iter()
            .find(|s| hash_at(*s).as_ref() == Some(recorded))
            .unwrap_or(seed.scale)
    }

    /// Rebuilds the variant of `seed` exactly as the gates built it, or says how it differs
    /// from what the folder recorded (scene hash in the report or in `scene.json`, payload
    /// spawn).
    pub fn build(&self, seed: &RecordedSeed) -> Result<Variant, BenchmarkError> {
        let dir = self.dir.display().to_string();
        let scale = self.exact_scale(seed);
        let scene =
            self.script
                .build(seed.built_with, scale)
                .map_err(|e| BenchmarkError::Script {
                    dir: dir.clone(),
                    seed: seed.seed,
                    what: "build",
                    why: e.to_string(),
                })?;
        let scene_hash = scene.content_hash();
        let mismatch = |why: String| BenchmarkError::Mismatch {
            dir: dir.clone(),
            seed: seed.seed,
            why,
        };
        let mut verified_against = Vec::new();
        if let Some(recorded) = &seed.scene_hash {
            if *recorded != scene_hash {
                return Err(mismatch(format!(
                    "the rebuilt scene has hash {scene_hash}, benchmark.json records {recorded} (also tried scales within {MAX_ULPS} ULPs of the recorded one): script.rhai no longer builds the variant the gates checked"
                )));
            }
            verified_against.push(BENCHMARK_JSON.to_string());
        }
        if let Some(on_disk) = self.scene_json_hash(seed.seed) {
            if on_disk != scene_hash {
                return Err(mismatch(format!(
                    "the rebuilt scene has hash {scene_hash}, {} has {on_disk}",
                    self.scene_json_path(seed.seed).display()
                )));
            }
            verified_against.push("scene.json".into());
        }
        // Drawn exactly as the gates drew it; the recorded copy only confirms it.
        let spawn = PayloadSpawn::sample(&scene.payload, seed.built_with);
        if let Some(recorded) = &seed.spawn {
            let off = spawn_distance(recorded, &spawn);
            if off > SPAWN_TOLERANCE {
                return Err(mismatch(format!(
                    "the payload spawns {off:.3e} m (or size factor) away from the recorded spawn"
                )));
            }
        }
        Ok(Variant {
            seed: seed.seed,
            built_with: seed.built_with,
            scale,
            scene,
            spawn,
            scene_hash,
            verified_against,
        })
    }

    /// Rebuilds the variant of seed number `seed` (see [`Benchmark::build`]).
    pub fn variant(&self, seed: u64) -> Result<Variant, BenchmarkError> {
        self.build(self.seed(seed)?)
    }

    /// The reference solution for `variant` (the script's `solve`), `None` when the script
    /// has no `solve`.
    pub fn reference_solution(
        &self,
        variant: &Variant,
    ) -> Result<Option<crate::scene::Solution>, BenchmarkError> {
        self.script
            .solve(variant.built_with, variant.scale)
            .map_err(|e| BenchmarkError::Script {
                dir: self.dir.display().to_string(),
                seed: variant.seed,
                what: "solve",
                why: e.to_string(),
            })
    }
}

/// How far a rebuilt spawn may be from the recorded one (metres, or size factor): the
/// recorded copy went through JSON.
pub const SPAWN_TOLERANCE: f64 = 1e-9;

/// The largest difference between two spawns, over the size factor and the start (m).
pub fn spawn_distance(a: &PayloadSpawn, b: &PayloadSpawn) -> f64 {
    (0..3)
        .map(|i| (a.start_m[i] - b.start_m[i]).abs())
        .fold((a.size_factor - b.size_factor).abs(), f64::max)
}

/// How many units in the last place a recorded scale may be off (see
/// [`Benchmark::exact_scale`]).
pub const MAX_ULPS: i64 = 2;

/// Every scale within [`MAX_ULPS`] per axis of `scale` but itself, nearest first.
fn neighbours(scale: Vec3) -> Vec<Vec3> {
    let shift = |v: f64, k: i64| {
        if k == 0 || !v.is_finite() || v <= 0.0 {
            return v;
        }
        f64::from_bits((v.to_bits() as i64 + k) as u64)
    };
    let ks: Vec<i64> = (-MAX_ULPS..=MAX_ULPS).collect();
    let mut out: Vec<(i64, Vec3)> = Vec::new();
    for &a in &ks {
        for &b in &ks {
            for &c in &ks {
                let s = [shift(scale[0], a), shift(scale[1], b), shift(scale[2], c)];
                if s != scale {
                    out.push((a.abs() + b.abs() + c.abs(), s));
                }
            }
        }
    }
    // Stable sort: the same order on every run.
    out.sort_by_key(|(d, _)| *d);
    out.dedup_by(|x, y| x.1 == y.1);
    out.into_iter().map(|(_, s)| s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_are_the_nearest_floats_first() {
        let n = neighbours([1.0, 2.0, 0.5]);
        assert_eq!(n.len(), 124);
        let up = f64::from_bits(1.0f64.to_bits() + 1);
        assert!(n[..6].contains(&[up, 2.0, 0.5]));
        assert!(!n.contains(&[1.0, 2.0, 0.5]));
    }
}

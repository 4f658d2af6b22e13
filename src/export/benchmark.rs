//! Rebuilds the variants of a persisted benchmark folder exactly as the gates checked them:
//! `script.rhai` built with the per-seed scale the validation report recorded, the payload at
//! the recorded spawn, and the canonical scene hash checked against the report and against
//! `variants/seed-<k>/scene.json`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::physics::PhysicsSettings;
use crate::scene::{short_hash, Fixture, Scene, Vec3};
use crate::script::SceneScript;
use crate::variant::{PayloadSpawn, ScaleRanges};

/// Why a benchmark folder's variant cannot be rebuilt.
#[derive(Debug, thiserror::Error)]
pub enum BenchmarkError {
    /// A file of the folder cannot be read.
    #[error("benchmark folder: cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `benchmark.json` is not usable.
    #[error("benchmark folder: {path} is not a benchmark.json benchforge wrote: {why}")]
    BadJson {
        /// The file.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// The script does not compile, build or solve.
    #[error("benchmark folder {dir}: {what}: {why}")]
    Script {
        /// The folder.
        dir: String,
        /// What was being done.
        what: String,
        /// The script error.
        why: String,
    },
    /// The seed is not one of the benchmark's variants.
    #[error("benchmark folder {dir} has no seed {seed}; its seeds are {seeds:?}")]
    NoSuchSeed {
        /// The folder.
        dir: String,
        /// The seed asked for.
        seed: u64,
        /// The seeds it has.
        seeds: Vec<u64>,
    },
    /// The rebuilt scene is not the one the gates checked.
    #[error("seed {seed}: the rebuilt scene has hash {rebuilt} but {recorded_in} records {recorded}: the folder's script or report does not match its variants")]
    HashMismatch {
        /// The seed.
        seed: u64,
        /// Hash of the rebuilt scene.
        rebuilt: String,
        /// The recorded hash.
        recorded: String,
        /// Where it was recorded.
        recorded_in: String,
    },
}

/// A persisted benchmark folder, opened.
pub struct BenchmarkFolder {
    /// The folder.
    pub dir: PathBuf,
    /// Its compiled `script.rhai`.
    pub script: SceneScript,
    /// The variants' seeds, in report order.
    pub seeds: Vec<u64>,
    /// The physics settings of the gates (recorded ones, else the simulator's defaults).
    pub physics: PhysicsSettings,
    /// The benchmark's seed stream (`benchmark.json` → `seed_stream`; 0 when absent).
    pub seed_stream: u64,
    json: Value,
}

/// One variant rebuilt from a benchmark folder.
#[derive(Debug, Clone)]
pub struct BenchmarkVariant {
    /// The seed.
    pub seed: u64,
    /// The per-axis scale it was built with.
    pub scale: Vec3,
    /// The scene.
    pub scene: Scene,
    /// The payload's spawn.
    pub spawn: PayloadSpawn,
    /// The reference solution's parts, when the script has `solve`.
    pub solution: Option<Vec<Fixture>>,
    /// The canonical scene hash.
    pub scene_hash: String,
    /// Where the hash was checked: the report and/or `scene.json` (empty when neither
    /// recorded one).
    pub verified_against: Vec<String>,
}

fn read(path: &Path) -> Result<String, BenchmarkError> {
    std::fs::read_to_string(path).map_err(|source| BenchmarkError::Read {
        path: path.display().to_string(),
        source,
    })
}

impl BenchmarkFolder {
    /// Opens `dir`: reads `benchmark.json` and compiles `script.rhai`.
    pub fn open(dir: &Path) -> Result<Self, BenchmarkError> {
        let json_path = dir.join("benchmark.json");
        let json: Value =
            serde_json::from_str(&read(&json_path)?).map_err(|e| BenchmarkError::BadJson {
                path: json_path.display().to_string(),
                why: e.to_string(),
            })?;
        let source = read(&dir.join("script.rhai"))?;
        let script = SceneScript::compile(&source).map_err(|e| BenchmarkError::Script {
            dir: dir.display().to_string(),
            what: "script.rhai does not compile".into(),
            why: e.to_string(),
        })?;
        // The variants are the report's seeds (validation numbers them 0..N); the theme's
        // seed list only when no report was recorded.
        let from_report: Vec<u64> = report_seeds(&json)
            .iter()
            .filter_map(|s| s.get("seed").and_then(Value::as_u64))
            .collect();
        let seeds = if from_report.is_empty() {
            json.get("seeds")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_u64).collect())
                .unwrap_or_default()
        } else {
            from_report
        };
        if seeds.is_empty() {
            return Err(BenchmarkError::BadJson {
                path: json_path.display().to_string(),
                why: "it records no seeds (neither gate_results.seeds nor seeds)".into(),
            });
        }
        let physics = json
            .get("physics")
            .and_then(|p| serde_json::from_value(p.clone()).ok())
            .unwrap_or_default();
        let seed_stream = json.get("seed_stream").and_then(Value::as_u64).unwrap_or(0);
        Ok(Self {
            dir: dir.to_path_buf(),
            script,
            seeds,
            physics,
            seed_stream,
            json,
        })
    }

    /// The folder's name, for reports.
    pub fn name(&self) -> String {
        self.dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.dir.display().to_string())
    }

    /// Rebuilds the variant of `seed`, checking its hash against what the folder recorded.
    pub fn variant(&self, seed: u64) -> Result<BenchmarkVariant, BenchmarkError> {
        let dir = self.dir.display().to_string();
        if !self.seeds.contains(&seed) {
            return Err(BenchmarkError::NoSuchSeed {
                dir,
                seed,
                seeds: self.seeds.clone(),
            });
        }
        let recorded = report_seeds(&self.json)
            .iter()
            .find(|s| s.get("seed").and_then(Value::as_u64) == Some(seed))
            .cloned();
        let field = |name: &str| recorded.as_ref().and_then(|r| r.get(name)).cloned();
        let built_with = crate::variant::variant_seed(self.seed_stream, seed);
        let scale: Vec3 = match field("scale").and_then(|v| serde_json::from_value(v).ok()) {
            Some(scale) => scale,
            // No report: sample as validation did from the recorded ranges.
            None => self
                .json
                .get("scale_ranges")
                .and_then(|v| serde_json::from_value::<ScaleRanges>(v.clone()).ok())
                .unwrap_or_default()
                .sample(built_with),
        };
        let script_error = |what: String, e: crate::script::ScriptError| BenchmarkError::Script {
            dir: dir.clone(),
            what,
            why: e.to_string(),
        };
        let scene_json = self
            .dir
            .join("variants")
            .join(format!("seed-{seed}"))
            .join("scene.json");
        let json_hash = std::fs::read(&scene_json).ok().map(|b| short_hash(&b));
        let report_hash = field("scene_hash").and_then(|v| v.as_str().map(String::from));
        let (scale, scene) = self
            .rebuild(
                built_with,
                scale,
                report_hash.as_deref().or(json_hash.as_deref()),
            )
            .map_err(|e| script_error(format!("build(seed {seed})"), e))?;
        // Sampled exactly as validation did (the recorded copy went through JSON).
        let spawn = PayloadSpawn::sample(&scene.payload, built_with);
        let scene_hash = scene.content_hash();
        let mut verified_against = Vec::new();
        if let Some(recorded) = report_hash {
            check(seed, &scene_hash, &recorded, "benchmark.json's gate report")?;
            verified_against.push("benchmark.json".into());
        }
        if let Some(recorded) = json_hash {
            check(
                seed,
                &scene_hash,
                &recorded,
                &scene_json.display().to_string(),
            )?;
            verified_against.push("scene.json".into());
        }
        let solution = self
            .script
            .solve(built_with, scale)
            .map_err(|e| script_error(format!("solve(seed {seed})"), e))?;
        Ok(BenchmarkVariant {
            seed,
            scale,
            scene,
            spawn,
            solution,
            scene_hash,
            verified_against,
        })
    }
}

impl BenchmarkFolder {
    /// Builds `seed` at `scale`; when that misses the recorded hash, at the scales a few
    /// units in the last place away: serde_json's default float parsing may be one off, and
    /// the gates built with the exact value.
    fn rebuild(
        &self,
        seed: u64,
        scale: Vec3,
        recorded_hash: Option<&str>,
    ) -> Result<(Vec3, Scene), crate::script::ScriptError> {
        let scene = self.script.build(seed, scale)?;
        let Some(recorded) = recorded_hash else {
            return Ok((scale, scene));
        };
        if scene.content_hash() == recorded {
            return Ok((scale, scene));
        }
        const ULPS: i64 = 2;
        let nudge = |v: f64, k: i64| {
            if v.is_finite() && v > 0.0 {
                f64::from_bits((v.to_bits() as i64 + k) as u64)
            } else {
                v
            }
        };
        for dx in -ULPS..=ULPS {
            for dy in -ULPS..=ULPS {
                for dz in -ULPS..=ULPS {
                    let candidate = [
                        nudge(scale[0], dx),
                        nudge(scale[1], dy),
                        nudge(scale[2], dz),
                    ];
                    if let Ok(s) = self.script.build(seed, candidate) {
                        if s.content_hash() == recorded {
                            return Ok((candidate, s));
                        }
                    }
                }
            }
        }
        Ok((scale, scene))
    }
}

fn check(
    seed: u64,
    rebuilt: &str,
    recorded: &str,
    recorded_in: &str,
) -> Result<(), BenchmarkError> {
    if rebuilt == recorded {
        Ok(())
    } else {
        Err(BenchmarkError::HashMismatch {
            seed,
            rebuilt: rebuilt.into(),
            recorded: recorded.into(),
            recorded_in: recorded_in.into(),
        })
    }
}

/// The per-seed entries of the recorded validation report (`gate_results.seeds`).
fn report_seeds(json: &Value) -> Vec<Value> {
    json.get("gate_results")
        .and_then(|r| r.get("seeds"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

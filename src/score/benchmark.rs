//! A benchmark folder of the dataset, read back for scoring: its id and tier, the compiled
//! scene script, and every recorded seed with the scale, scene hash and payload spawn the
//! validation report (`benchmark.json` → `gate_results`) recorded for it.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::ScoreError;
use crate::physics::PhysicsSettings;
use crate::report::ValidationReport;
use crate::scene::{short_hash, Scene, Vec3};
use crate::script::SceneScript;
use crate::variant::{PayloadSpawn, ScaleRanges};

/// One seed as the benchmark recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedSeed {
    /// The seed.
    pub seed: u64,
    /// The number the variant is built and sampled with: the seed on the benchmark's seed
    /// stream (`benchmark.json` → `seed_stream`, see [`crate::variant::variant_seed`]).
    pub built_with: u64,
    /// The per-axis scale handed to `build(seed, scale)`.
    pub scale: Vec3,
    /// The content hash of the scene the gates saw, when recorded.
    pub scene_hash: Option<String>,
    /// The payload's sampled size and start, when recorded.
    pub spawn: Option<PayloadSpawn>,
}

/// A benchmark folder ready to score against.
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
    /// The compiled scene script.
    pub script: SceneScript,
    /// Every recorded seed, in report order.
    pub seeds: Vec<RecordedSeed>,
    /// The physics settings of the gates: `benchmark.json` → `physics` when recorded, else
    /// the defaults the validation ran with.
    pub physics: PhysicsSettings,
}

/// One variant built for scoring.
#[derive(Debug, Clone)]
pub struct BuiltVariant {
    /// The scale it was built with (the recorded one, to the last bit; see
    /// [`Benchmark::build`]).
    pub scale: Vec3,
    /// The scene.
    pub scene: Scene,
    /// Where and how big the payload spawns.
    pub spawn: PayloadSpawn,
}

impl Benchmark {
    /// Reads `dir/benchmark.json` and `dir/script.rhai`.
    pub fn load(dir: &Path) -> Result<Benchmark, ScoreError> {
        let bad = |why: String| ScoreError::BadBenchmark {
            dir: dir.display().to_string(),
            why,
        };
        let json_path = dir.join("benchmark.json");
        let text = std::fs::read_to_string(&json_path).map_err(|e| {
            bad(format!(
                "cannot read benchmark.json ({e}); give a benchmark folder of the dataset (benchmarks/<slug>-<id>/)"
            ))
        })?;
        let json: Value = serde_json::from_str(&text)
            .map_err(|e| bad(format!("benchmark.json is not JSON: {e}")))?;
        let id = json
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("benchmark.json has no \"id\"".into()))?
            .to_string();
        let source = std::fs::read_to_string(dir.join("script.rhai"))
            .map_err(|e| bad(format!("cannot read script.rhai: {e}")))?;
        let script = SceneScript::compile(&source)
            .map_err(|e| bad(format!("script.rhai does not compile: {e}")))?;
        let physics = match json.get("physics") {
            Some(v) if !v.is_null() => PhysicsSettings::deserialize(v)
                .map_err(|e| bad(format!("benchmark.json \"physics\" is unreadable: {e}")))?,
            _ => PhysicsSettings::default(),
        };
        physics.check().map_err(bad)?;
        let seeds = recorded_seeds(&json).map_err(bad)?;
        if seeds.is_empty() {
            return Err(bad("benchmark.json records no seeds".into()));
        }
        Ok(Benchmark {
            dir: dir.to_path_buf(),
            id,
            tier: json.get("tier").and_then(Value::as_str).map(String::from),
            difficulty: json.get("difficulty").and_then(Value::as_f64),
            script,
            seeds,
            physics,
        })
    }

    /// Builds the variant of `seed` exactly as recorded, or says why it differs.
    pub fn build(&self, seed: &RecordedSeed) -> Result<BuiltVariant, ScoreError> {
        let mismatch = |why: String| ScoreError::VariantMismatch {
            seed: seed.seed,
            why,
        };
        let (scale, scene) = self.rebuild(seed)?;
        let hash = scene.content_hash();
        let file = self
            .dir
            .join("variants")
            .join(format!("seed-{}", seed.seed))
            .join("scene.json");
        if let Ok(bytes) = std::fs::read(&file) {
            let on_disk = short_hash(&bytes);
            if on_disk != hash {
                return Err(mismatch(format!(
                    "the scene built now has hash {hash}, {} has {on_disk}",
                    file.display()
                )));
            }
        }
        // Drawn exactly as the gates drew it; the recorded copy (read back with possibly one
        // ULP of error) only confirms it.
        let spawn = PayloadSpawn::sample(&scene.payload, seed.built_with);
        if let Some(recorded) = &seed.spawn {
            let off = (0..3)
                .map(|i| (recorded.start_m[i] - spawn.start_m[i]).abs())
                .fold((recorded.size_factor - spawn.size_factor).abs(), f64::max);
            if off > 1e-9 {
                return Err(mismatch(format!(
                    "the payload spawns {off:.3e} m (or size factor) away from the recorded spawn"
                )));
            }
        }
        Ok(BuiltVariant {
            scale,
            scene,
            spawn,
        })
    }

    /// Builds the seed's scene with the recorded scale, or with the neighbouring float (up to
    /// [`MAX_ULPS`] units in the last place per axis) that gives the recorded scene hash.
    ///
    /// Why: `benchmark.json` stores the validation report after a round trip through
    /// serde_json's default float parser, which can be one ULP off, and a scale one ULP off
    /// builds a different scene. The recorded hash tells the true scale apart.
    fn rebuild(&self, seed: &RecordedSeed) -> Result<(Vec3, Scene), ScoreError> {
        let mismatch = |why: String| ScoreError::VariantMismatch {
            seed: seed.seed,
            why,
        };
        let build = |scale: Vec3| {
            self.script
                .build(seed.built_with, scale)
                .map_err(|e| mismatch(format!("script.rhai's build failed: {e}")))
        };
        let scene = build(seed.scale)?;
        let Some(recorded) = &seed.scene_hash else {
            return Ok((seed.scale, scene));
        };
        let hash = scene.content_hash();
        if hash == *recorded {
            return Ok((seed.scale, scene));
        }
        for scale in neighbours(seed.scale) {
            let candidate = build(scale)?;
            if candidate.content_hash() == *recorded {
                return Ok((scale, candidate));
            }
        }
        Err(mismatch(format!(
            "the scene built now has hash {hash}, the report recorded {recorded} (also tried scales within {MAX_ULPS} ULPs of {:?})",
            seed.scale
        )))
    }
}

/// How many units in the last place a recorded scale may be off (see [`Benchmark::rebuild`]).
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
                if (a, b, c) != (0, 0, 0) {
                    let s = [shift(scale[0], a), shift(scale[1], b), shift(scale[2], c)];
                    if s != scale {
                        out.push((a.abs() + b.abs() + c.abs(), s));
                    }
                }
            }
        }
    }
    // Stable sort: the same order on every run.
    out.sort_by_key(|(d, _)| *d);
    out.dedup_by(|x, y| x.1 == y.1);
    out.into_iter().map(|(_, s)| s).collect()
}

/// The seeds of the validation report; without one, the listed seeds with scales sampled
/// from the recorded ranges (how the gates draw them).
fn recorded_seeds(json: &Value) -> Result<Vec<RecordedSeed>, String> {
    let stream = json.get("seed_stream").and_then(Value::as_u64).unwrap_or(0);
    let built_with = |seed| crate::variant::variant_seed(stream, seed);
    if let Some(report) = json.get("gate_results").filter(|v| v.is_object()) {
        let report = ValidationReport::deserialize(report)
            .map_err(|e| format!("benchmark.json \"gate_results\" is unreadable: {e}"))?;
        return Ok(report
            .seeds
            .into_iter()
            .map(|s| RecordedSeed {
                seed: s.seed,
                built_with: built_with(s.seed),
                scale: s.scale,
                scene_hash: s.scene_hash,
                spawn: s.payload_spawn,
            })
            .collect());
    }
    let seeds: Vec<u64> = json
        .get("seeds")
        .map(|v| serde_json::from_value(v.clone()))
        .transpose()
        .map_err(|e| format!("benchmark.json \"seeds\" is not a list of seeds: {e}"))?
        .unwrap_or_default();
    let ranges: ScaleRanges = match json.get("scale_ranges") {
        Some(v) if !v.is_null() => serde_json::from_value(v.clone())
            .map_err(|e| format!("benchmark.json \"scale_ranges\" is unreadable: {e}"))?,
        _ => ScaleRanges::default(),
    };
    Ok(seeds
        .into_iter()
        .map(|seed| RecordedSeed {
            seed,
            built_with: built_with(seed),
            scale: ranges.sample(built_with(seed)),
            scene_hash: None,
            spawn: None,
        })
        .collect())
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

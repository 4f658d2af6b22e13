//! A candidate solution: a Rhai script with `fn solve(seed, scale)` (see
//! [`crate::script::scene_view`]) or a JSON file of parts per seed.
//!
//! The JSON format (`"format": "benchforge-solution/1"`) lists parts in the scene model's own
//! fixture form (the same as `variants/seed-K/scene.json` → `fixtures`):
//!
//! ```json
//! {
//!   "format": "benchforge-solution/1",
//!   "seeds": { "0": [ { "label": "ramp", "body": "fixed", "material": "wood",
//!                       "pose": { "position_m": [0.1, 0.0, 0.2], "rotation_deg": [0, 15, 0] },
//!                       "parts": [ { "shape": { "kind": "box", "size_m": [0.4, 0.1, 0.01] },
//!                                    "local_pose": { "position_m": [0, 0, 0],
//!                                                    "rotation_deg": [0, 0, 0] } } ] } ] },
//!   "all_seeds": [ ]
//! }
//! ```
//!
//! `seeds` maps a seed (as a string) to that seed's parts; `all_seeds`, when given, serves every
//! seed not listed. A seed with neither is an error for that seed.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::ScoreError;
use crate::scene::{Fixture, Scene, Vec3};
use crate::script::scene_view::{compile_solution, solve_with_view};
use crate::script::{SceneScript, ScriptError};
use crate::variant::PayloadSpawn;

/// The `format` value of a JSON solution.
pub const JSON_SOLUTION_FORMAT: &str = "benchforge-solution/1";

/// Largest JSON solution accepted, in bytes.
pub const MAX_JSON_BYTES: u64 = 8 * 1024 * 1024;

/// A JSON solution: parts per seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonSolution {
    /// Must be [`JSON_SOLUTION_FORMAT`].
    pub format: String,
    /// Parts per seed, keyed by the seed in decimal.
    #[serde(default)]
    pub seeds: BTreeMap<String, Vec<Fixture>>,
    /// Parts for every seed not in `seeds`.
    #[serde(default)]
    pub all_seeds: Option<Vec<Fixture>>,
}

/// A candidate solution, ready to give parts per seed.
#[derive(Debug, Clone)]
pub enum Solution {
    /// A Rhai script with `fn solve(seed, scale)`.
    Script(SceneScript),
    /// Parts per seed.
    Json(JsonSolution),
}

/// Why a solution gave no parts for one seed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PartsError {
    /// The script failed (limit, runtime error, wrong return value).
    #[error("solve failed: {0}")]
    Script(#[from] ScriptError),
    /// The JSON solution has nothing for this seed.
    #[error("the JSON solution has no parts for seed {0}; add \"{0}\" under \"seeds\" or give \"all_seeds\"")]
    NoPartsForSeed(u64),
}

impl PartsError {
    /// True when the script broke a sandbox limit (later seeds would too: not worth running).
    pub fn is_limit(&self) -> bool {
        matches!(self, PartsError::Script(e) if e.rule() == ScriptError::LIMIT_RULE)
    }
}

impl Solution {
    /// Reads a solution file: `.json` as a JSON solution, anything else as a Rhai script.
    pub fn load(path: &Path) -> Result<Solution, ScoreError> {
        let bad = |why: String| ScoreError::BadSolution {
            path: path.display().to_string(),
            why,
        };
        let size = std::fs::metadata(path)
            .map_err(|e| bad(format!("cannot read it: {e}")))?
            .len();
        let is_json = path.extension().is_some_and(|e| e == "json");
        if is_json {
            if size > MAX_JSON_BYTES {
                return Err(bad(format!(
                    "it is {size} bytes, above the {MAX_JSON_BYTES}-byte limit for JSON solutions"
                )));
            }
            let text =
                std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
            return Solution::from_json(&text).map_err(bad);
        }
        if size > crate::script::MAX_SOURCE_BYTES as u64 {
            return Err(bad(format!(
                "it is {size} bytes, above the {}-byte script limit",
                crate::script::MAX_SOURCE_BYTES
            )));
        }
        let text =
            std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
        Solution::from_rhai(&text).map_err(|e| bad(e.to_string()))
    }

    /// Compiles a Rhai solution.
    pub fn from_rhai(source: &str) -> Result<Solution, ScriptError> {
        compile_solution(source).map(Solution::Script)
    }

    /// Parses a JSON solution, or says in one line what is wrong with it.
    pub fn from_json(text: &str) -> Result<Solution, String> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            format!("not JSON ({e}); see the format \"{JSON_SOLUTION_FORMAT}\" in the README")
        })?;
        if let Some(n) =
            largest_number(&value).filter(|n| *n > crate::script::limits::MAX_MAGNITUDE_M)
        {
            return Err(format!(
                "it holds the number {n}, beyond the 1 km (1000 m) limit of any coordinate or size"
            ));
        }
        let parsed: JsonSolution = serde_json::from_value(value).map_err(|e| {
            format!("not a JSON solution ({e}); see the format \"{JSON_SOLUTION_FORMAT}\" in the README")
        })?;
        if parsed.format != JSON_SOLUTION_FORMAT {
            return Err(format!(
                "\"format\" is \"{}\"; this benchforge reads \"{JSON_SOLUTION_FORMAT}\"",
                parsed.format
            ));
        }
        if let Some(bad) = parsed.seeds.keys().find(|k| k.parse::<u64>().is_err()) {
            return Err(format!(
                "\"seeds\" has key \"{bad}\"; keys are seeds in decimal, e.g. \"0\""
            ));
        }
        let counts = parsed
            .seeds
            .values()
            .chain(parsed.all_seeds.iter())
            .map(Vec::len);
        // The limits in force, the same the sandbox applies to a script's solution.
        let limits = crate::limits::current();
        let cap = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
        if let Some(n) = counts.clone().find(|n| *n > cap(limits.parts)) {
            return Err(format!(
                "a seed has {n} parts, above the {}-part limit of solutions (limits.parts)",
                limits.parts
            ));
        }
        for parts in parsed.seeds.values().chain(parsed.all_seeds.iter()) {
            let total: usize = parts.iter().map(|f| f.parts.len()).sum();
            if total > cap(limits.shapes_total) {
                return Err(format!(
                    "a seed has {total} shapes in all, above the {}-shape limit of solutions (limits.shapes_total)",
                    limits.shapes_total
                ));
            }
        }
        let shapes = parsed
            .seeds
            .values()
            .chain(parsed.all_seeds.iter())
            .flatten();
        if let Some(f) = shapes
            .clone()
            .find(|f| f.parts.len() > cap(limits.shapes_per_part))
        {
            return Err(format!(
                "part \"{}\" has {} shapes, above the {}-shape limit per part (limits.shapes_per_part)",
                f.label,
                f.parts.len(),
                limits.shapes_per_part
            ));
        }
        Ok(Solution::Json(parsed))
    }

    /// The solution for one variant, its parts and joints (with their motors): a script's
    /// `solve` gets the number the variant was built with (`build` got the same); JSON parts
    /// are listed by the variant's seed (JSON solutions have no joints).
    pub fn parts(
        &self,
        seed: u64,
        built_with: u64,
        scale: Vec3,
        scene: &Scene,
        spawn: &PayloadSpawn,
    ) -> Result<crate::scene::Solution, PartsError> {
        match self {
            Solution::Script(script) => {
                Ok(solve_with_view(script, built_with, scale, scene, spawn)?)
            }
            Solution::Json(json) => json
                .seeds
                .get(&seed.to_string())
                .or(json.all_seeds.as_ref())
                .cloned()
                .map(crate::scene::Solution::of_parts)
                .ok_or(PartsError::NoPartsForSeed(seed)),
        }
    }
}

/// The largest magnitude of any number in a JSON value.
fn largest_number(value: &serde_json::Value) -> Option<f64> {
    use serde_json::Value;
    match value {
        Value::Number(n) => n.as_f64().map(f64::abs),
        Value::Array(items) => items.iter().filter_map(largest_number).reduce(f64::max),
        Value::Object(map) => map.values().filter_map(largest_number).reduce(f64::max),
        _ => None,
    }
}

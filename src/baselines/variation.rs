//! Variants that vary: every randomized quantity a benchmark declares — each scale axis
//! with a real range, the payload's start jitter per axis, the payload's size factor — must
//! change the scene measurably across the seeds. A scale axis is judged alone: the scene of
//! the first seed is rebuilt with only that axis set to each seed's value and to its range's
//! two ends, so a quantity the script ignores cannot hide behind another that it uses, and
//! a few seeds drawing close together do not make a used axis look constant.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::gates::fixture_world_aabb;
use crate::report::Finding;
use crate::scene::{Aabb, Scene};
use crate::script::SceneScript;
use crate::variant::{PayloadSpawn, ScaleRanges};

/// Rule id: a declared randomized quantity changes nothing measurable.
pub const RULE_QUANTITY_CONSTANT: &str = "randomized_quantity_constant";

/// One declared randomized quantity and what it did across the seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuantityVariation {
    /// `scale_x`, `scale_y`, `scale_z`, `payload_jitter_x_m` (y, z), `payload_size_factor`.
    pub name: String,
    /// The declared range `[min, max]` (unitless for scales and the size factor, metres of
    /// offset for jitter).
    pub range: [f64; 2],
    /// The value drawn for each seed, in seed order.
    pub per_seed: Vec<(u64, f64)>,
    /// The largest spread across seeds of any affected position or size, in metres.
    pub spread_m: f64,
    /// What moved or resized the most (a fixture label, `goal_zone`, `payload`...).
    pub most_changed: String,
    /// The spread that element needed, in metres (the smaller of the relative share of its
    /// nominal size and the absolute minimum).
    pub needed_m: f64,
    /// True when `spread_m` reached `needed_m`.
    pub varies: bool,
}

/// Thresholds of the check (`[worth.variation]`; a key left out keeps its default).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VariationSettings {
    /// A spread of this fraction of an element's nominal size (its largest extent) counts
    /// as measurable (unitless).
    pub min_relative: f64,
    /// ...and so does a spread of this many metres.
    pub min_absolute_m: f64,
}

impl Default for VariationSettings {
    /// 10 % of the nominal size or 2 cm, whichever is smaller.
    fn default() -> Self {
        Self {
            min_relative: 0.10,
            min_absolute_m: 0.02,
        }
    }
}

/// The boxes of every labelled element of a scene: fixtures, zones and the payload's
/// nominal spawn box.
fn elements(scene: &Scene) -> BTreeMap<String, Aabb> {
    let mut out: BTreeMap<String, Aabb> = scene
        .fixtures
        .iter()
        .map(|f| (format!("fixture \"{}\"", f.label), fixture_world_aabb(f)))
        .collect();
    out.insert("goal_zone".into(), scene.goal_zone);
    out.insert("build_zone".into(), scene.build_zone);
    for z in &scene.forbid_zones {
        out.insert(format!("forbid zone \"{}\"", z.name), z.zone);
    }
    let h = scene.payload.shape.local_half_extents_m();
    out.insert(
        "payload".into(),
        Aabb::from_center_half_extents(scene.payload.start_m, h),
    );
    out
}

/// The largest spread over the given boxes of one element's six faces, in metres, and the
/// element's nominal size (its largest extent in the first box).
fn spread_of(boxes: &[Aabb]) -> (f64, f64) {
    let mut spread: f64 = 0.0;
    for axis in 0..3 {
        for upper in [false, true] {
            let values = boxes
                .iter()
                .map(|b| if upper { b.max_m[axis] } else { b.min_m[axis] });
            let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
            spread = spread.max(hi - lo);
        }
    }
    let nominal = boxes
        .first()
        .map(|b| b.size_m().into_iter().fold(0.0, f64::max))
        .unwrap_or(0.0);
    (spread, nominal)
}

/// The element that varies the most relative to what it needs, across `scenes`.
fn judge(scenes: &[Scene], settings: &VariationSettings) -> (f64, String, f64, bool) {
    let per_scene: Vec<BTreeMap<String, Aabb>> = scenes.iter().map(elements).collect();
    let Some(first) = per_scene.first() else {
        return (0.0, String::new(), settings.min_absolute_m, false);
    };
    let mut best = (0.0, String::new(), settings.min_absolute_m, false);
    let mut best_ratio = -1.0;
    for name in first.keys() {
        let boxes: Vec<Aabb> = per_scene
            .iter()
            .filter_map(|m| m.get(name).copied())
            .collect();
        if boxes.len() != per_scene.len() {
            // Appears on some seeds only: that is variation too.
            return (f64::INFINITY, name.clone(), 0.0, true);
        }
        let (spread, nominal) = spread_of(&boxes);
        let needed = (settings.min_relative * nominal)
            .min(settings.min_absolute_m)
            .max(1e-6);
        let ratio = spread / needed;
        if ratio > best_ratio {
            best_ratio = ratio;
            best = (spread, name.clone(), needed, spread >= needed);
        }
    }
    best
}

/// A spread and threshold for one number measured in metres across seeds.
fn judge_values(values: &[f64], nominal: f64, settings: &VariationSettings) -> (f64, f64, bool) {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let spread = if values.is_empty() { 0.0 } else { hi - lo };
    let needed = (settings.min_relative * nominal)
        .min(settings.min_absolute_m)
        .max(1e-6);
    (spread, needed, spread >= needed)
}

/// A quantity the engine samples itself (start jitter, size factor) always reaches the
/// scene, so what must be measurable is the range it declares (`width_m`, in metres), judged
/// against the payload's size like any element; judging the spread of a few draws instead
/// would refuse a sound benchmark whenever 3 seeds happen to land close together. The
/// spread actually drawn is still reported.
fn judge_sampled(
    values: &[f64],
    width_m: f64,
    nominal: f64,
    settings: &VariationSettings,
) -> (f64, f64, bool) {
    let (spread, needed, _) = judge_values(values, nominal, settings);
    (spread, needed, width_m >= needed)
}

/// Measures every declared randomized quantity over `seeds` (of the stream `seed_stream`, 0
/// for a lone script) and returns what each did, with
/// a finding naming each that changes nothing measurable. A seed whose scene cannot be
/// built is left out (gate 1 reports it).
pub fn variation_check(
    script: &SceneScript,
    seeds: &[u64],
    seed_stream: u64,
    ranges: &ScaleRanges,
    settings: &VariationSettings,
) -> (Vec<QuantityVariation>, Vec<Finding>) {
    let mut out = Vec::new();
    // Each seed is built and sampled with its number on the stream, as validation does.
    let n = |seed: u64| crate::variant::variant_seed(seed_stream, seed);
    let Some(&first_seed) = seeds.first() else {
        return (out, Vec::new());
    };
    let base_scale = ranges.sample(n(first_seed));
    let Ok(base) = script.build(n(first_seed), base_scale) else {
        return (out, Vec::new());
    };
    for (axis, name) in ["scale_x", "scale_y", "scale_z"].into_iter().enumerate() {
        let range = [ranges.x, ranges.y, ranges.z][axis];
        if range[0] == range[1] {
            continue;
        }
        let mut per_seed = Vec::new();
        let mut scenes = Vec::new();
        for &seed in seeds {
            let value = ranges.sample(n(seed))[axis];
            let mut scale = base_scale;
            scale[axis] = value;
            if let Ok(scene) = script.build(n(first_seed), scale) {
                per_seed.push((seed, value));
                scenes.push(scene);
            }
        }
        // The range's ends too: whether the script uses the axis must not depend on how
        // close together a few seeds happen to draw it.
        for value in range {
            let mut scale = base_scale;
            scale[axis] = value;
            if let Ok(scene) = script.build(n(first_seed), scale) {
                scenes.push(scene);
            }
        }
        let (spread_m, most_changed, needed_m, varies) = judge(&scenes, settings);
        out.push(QuantityVariation {
            name: name.into(),
            range,
            per_seed,
            spread_m,
            most_changed,
            needed_m,
            varies,
        });
    }
    let payload = &base.payload;
    let nominal_size = 2.0
        * payload
            .shape
            .local_half_extents_m()
            .into_iter()
            .fold(0.0, f64::max);
    let spawns: Vec<(u64, PayloadSpawn)> = seeds
        .iter()
        .map(|&s| (s, PayloadSpawn::sample(payload, n(s))))
        .collect();
    for (axis, name) in [
        "payload_jitter_x_m",
        "payload_jitter_y_m",
        "payload_jitter_z_m",
    ]
    .into_iter()
    .enumerate()
    {
        let jitter = payload.jitter_m[axis].abs();
        if jitter == 0.0 {
            continue;
        }
        let per_seed: Vec<(u64, f64)> = spawns
            .iter()
            .map(|(s, sp)| (*s, sp.start_m[axis] - payload.start_m[axis]))
            .collect();
        let values: Vec<f64> = per_seed.iter().map(|p| p.1).collect();
        let (spread_m, needed_m, varies) =
            judge_sampled(&values, 2.0 * jitter, nominal_size, settings);
        out.push(QuantityVariation {
            name: name.into(),
            range: [-jitter, jitter],
            per_seed,
            spread_m,
            most_changed: "payload".into(),
            needed_m,
            varies,
        });
    }
    let [lo, hi] = payload.size_factor_range;
    if lo != hi {
        let per_seed: Vec<(u64, f64)> = spawns.iter().map(|(s, sp)| (*s, sp.size_factor)).collect();
        let sizes: Vec<f64> = per_seed.iter().map(|p| p.1 * nominal_size).collect();
        let (spread_m, needed_m, varies) =
            judge_sampled(&sizes, (hi - lo) * nominal_size, nominal_size, settings);
        out.push(QuantityVariation {
            name: "payload_size_factor".into(),
            range: [lo, hi],
            per_seed,
            spread_m,
            most_changed: "payload".into(),
            needed_m,
            varies,
        });
    }
    let findings = out
        .iter()
        .filter(|q| !q.varies)
        .map(|q| {
            Finding::new(
                RULE_QUANTITY_CONSTANT,
                format!(
                    "randomized quantity {} (declared range {:.3}..{:.3}) changes the scene by at most {:.4} m across {} seeds \
                     (largest: {}), below the {:.4} m that counts as a real variant; {}",
                    q.name,
                    q.range[0],
                    q.range[1],
                    q.spread_m,
                    q.per_seed.len(),
                    if q.most_changed.is_empty() { "nothing" } else { &q.most_changed },
                    q.needed_m,
                    if q.name.starts_with("scale_") {
                        "multiply the sizes and positions along that axis by it, or pin its range to 1"
                    } else {
                        "widen its range or drop it"
                    }
                ),
            )
        })
        .collect();
    (out, findings)
}

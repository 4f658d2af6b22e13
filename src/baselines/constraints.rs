//! Obstacles and zones that constrain: the build zone is a small part of the world, and
//! every obstacle the plan names blocks the naive chute.

use serde::{Deserialize, Serialize};

use crate::physics::PhysicsSettings;
use crate::report::Finding;
use crate::scene::Scene;

use super::naive::naive_solves;
use super::Variant;

/// Rule id: the build zone takes too much of the bounds.
pub const RULE_BUILD_ZONE_TOO_LARGE: &str = "build_zone_too_large";
/// Rule id: a named obstacle does not block the naive chute.
pub const RULE_DECORATION: &str = "decoration_obstacle";
/// Rule id: an obstacle the plan names is not in the scene.
pub const RULE_OBSTACLE_MISSING: &str = "obstacle_missing";

/// The build zone's share of the bounds' volume (unitless, 0–1 when inside).
pub fn build_zone_fraction(scene: &Scene) -> f64 {
    let bounds = scene.bounds.volume_m3();
    if bounds <= 0.0 {
        return 1.0;
    }
    scene
        .build_zone
        .intersection(&scene.bounds)
        .map(|b| b.volume_m3())
        .unwrap_or(0.0)
        / bounds
}

/// A finding per variant whose build zone exceeds `max_fraction` of the bounds' volume
/// (only the worst seed is reported).
pub fn build_zone_findings(variants: &[Variant], max_fraction: f64) -> Vec<Finding> {
    let worst = variants
        .iter()
        .map(|v| (v.seed, build_zone_fraction(&v.scene), &v.scene))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    match worst {
        Some((seed, fraction, scene)) if fraction > max_fraction => vec![Finding::new(
            RULE_BUILD_ZONE_TOO_LARGE,
            format!(
                "on seed {seed} the build zone ({:.3} m³) is {:.0} % of the bounds' volume ({:.3} m³), above the {:.0} % limit: \
                 size the build zone to the task, so a solver has to decide where to build",
                scene.build_zone.volume_m3(),
                100.0 * fraction,
                scene.bounds.volume_m3(),
                100.0 * max_fraction
            ),
        )],
        _ => Vec::new(),
    }
}

/// What the obstacle check found about one named obstacle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObstacleVerdict {
    /// The obstacle's fixture label.
    pub label: String,
    /// Seeds on which the naive chute succeeds with every named obstacle removed and fails
    /// with this one put back.
    pub blocks_on_seeds: Vec<u64>,
    /// Seeds on which the naive chute succeeds with every named obstacle removed.
    pub open_on_seeds: Vec<u64>,
}

impl ObstacleVerdict {
    /// True when the obstacle blocks the naive chute on every seed where the path is
    /// otherwise open (and it is open on at least one).
    pub fn blocks(&self) -> bool {
        !self.open_on_seeds.is_empty() && self.blocks_on_seeds == self.open_on_seeds
    }
}

/// The scene without the fixtures in `remove` (and without joints and springs that use them).
pub fn without_fixtures(scene: &Scene, remove: &[&str]) -> Scene {
    let mut out = scene.clone();
    out.fixtures.retain(|f| !remove.contains(&f.label.as_str()));
    out.joints.retain(|j| {
        !remove.contains(&j.fixture_a.as_str()) && !remove.contains(&j.fixture_b.as_str())
    });
    out.springs.retain(|s| {
        !remove.contains(&s.fixture_a.as_str()) && !remove.contains(&s.fixture_b.as_str())
    });
    out
}

/// Checks every named obstacle on every variant: with all named obstacles removed the naive
/// chute must succeed, and putting any one back must make it fail. Returns a verdict per
/// obstacle and a finding per obstacle that is decoration (or missing from the scene).
/// Several obstacles in a row are judged one at a time against the otherwise open path, so
/// two that both block are both kept.
pub fn obstacle_check(
    variants: &[Variant],
    obstacles: &[String],
    settings: &PhysicsSettings,
    parallel: bool,
) -> (Vec<ObstacleVerdict>, Vec<Finding>) {
    use rayon::prelude::*;
    let mut findings = Vec::new();
    let mut present: Vec<&str> = Vec::new();
    for label in obstacles {
        if variants.iter().all(|v| v.scene.fixture(label).is_some()) {
            present.push(label);
        } else {
            findings.push(Finding::new(
                RULE_OBSTACLE_MISSING,
                format!(
                    "the plan names obstacle \"{label}\" but the scene has no fixture with that label on every seed; \
                     add it or drop it from the plan"
                ),
            ));
        }
    }
    if present.is_empty() {
        return (Vec::new(), findings);
    }
    // Per variant: is the path open without the obstacles, and which obstacles block it.
    let per_variant = |v: &Variant| -> (u64, bool, Vec<bool>) {
        let open_scene = without_fixtures(&v.scene, &present);
        let open = naive_solves(&open_scene, &v.spawn, settings);
        let blocked = if open {
            present
                .iter()
                .map(|label| {
                    let others: Vec<&str> =
                        present.iter().copied().filter(|l| l != label).collect();
                    !naive_solves(&without_fixtures(&v.scene, &others), &v.spawn, settings)
                })
                .collect()
        } else {
            vec![false; present.len()]
        };
        (v.seed, open, blocked)
    };
    let runs: Vec<(u64, bool, Vec<bool>)> = if parallel {
        variants.par_iter().map(per_variant).collect()
    } else {
        variants.iter().map(per_variant).collect()
    };
    let open_on: Vec<u64> = runs.iter().filter(|r| r.1).map(|r| r.0).collect();
    let mut verdicts = Vec::new();
    for (i, label) in present.iter().enumerate() {
        let verdict = ObstacleVerdict {
            label: label.to_string(),
            blocks_on_seeds: runs.iter().filter(|r| r.1 && r.2[i]).map(|r| r.0).collect(),
            open_on_seeds: open_on.clone(),
        };
        if !verdict.blocks() {
            let why = if open_on.is_empty() {
                "even with every named obstacle removed the naive chute fails on every seed, so nothing shows the obstacle is what makes the task hard".to_string()
            } else {
                let free: Vec<String> = open_on
                    .iter()
                    .filter(|s| !verdict.blocks_on_seeds.contains(s))
                    .map(u64::to_string)
                    .collect();
                format!(
                    "with only \"{label}\" in place the naive chute from the payload to the goal still succeeds on seed(s) {}",
                    free.join(", ")
                )
            };
            findings.push(Finding::new(
                RULE_DECORATION,
                format!(
                    "obstacle \"{label}\" is decoration: {why}; place it across the direct path from the payload to the goal, or drop it"
                ),
            ));
        }
        verdicts.push(verdict);
    }
    (verdicts, findings)
}

//! The scoring table: how a seed's outcome becomes a number, versioned so scores made with
//! different tables are never compared by mistake. The built-in table is
//! [`DEFAULT_TABLE_VERSION`]; `--table FILE` overrides any of its fields from TOML and must
//! name its own `version`.

use serde::{Deserialize, Serialize};

use super::ScoreError;
use crate::scene::Material;

/// Version of the built-in table. Bump it whenever a default below changes.
pub const DEFAULT_TABLE_VERSION: &str = "benchforge-score-2";

/// The scoring table (see the README section "Score an agent's solution").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoringTable {
    /// The table's version, recorded in every score.
    pub version: String,
    /// How long the payload's centre must stay inside the goal zone at the end of the run, in
    /// seconds (a run that stopped because everything came to rest counts as holding).
    pub hold_s: f64,
    /// Violation rules that make a seed's score 0 (its success is then false too).
    pub disqualify: Vec<String>,
    /// Weights of the seed score.
    pub weights: Weights,
    /// Caps on the solution's resources; a cap left out is not checked.
    pub budget: Budget,
    /// Prices of parts.
    pub catalogue: Catalogue,
}

/// Weights of a seed's score: `(success·w_success + progress·w_progress) / (w_success +
/// w_progress)`, times the resource penalties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    /// Weight of success (0 or 1).
    pub success: f64,
    /// Weight of progress (0 to 1).
    pub progress: f64,
}

/// Caps on a solution's resources (each optional): the budget of [`crate::budget`].
pub use crate::budget::Budget;

/// The parts catalogue: what a solution's parts and motors cost ([`crate::budget`]).
pub use crate::budget::Catalogue;

impl Default for Weights {
    fn default() -> Self {
        Self {
            success: 0.7,
            progress: 0.3,
        }
    }
}

/// Rule ids a violation can have.
pub mod rules {
    /// A solution part sticks out of the build zone at spawn.
    pub const PART_OUTSIDE_BUILD_ZONE: &str = "part_outside_build_zone";
    /// A solution part reaches into a forbid zone at spawn.
    pub const PART_IN_FORBID_ZONE: &str = "part_in_forbid_zone";
    /// A solution part cuts into a scene part or the payload at spawn.
    pub const PART_OVERLAPS_SCENE: &str = "part_overlaps_scene";
    /// A solution part reuses a label already in the scene or the solution.
    pub const PART_LABEL_TAKEN: &str = "part_label_taken";
    /// The payload's centre entered a forbid zone during the run.
    pub const PAYLOAD_ENTERED_FORBID_ZONE: &str = "payload_entered_forbid_zone";
    /// The run failed a stability check of the gates (speed, energy, fixed parts, bounds,
    /// non-finite state).
    pub const UNSTABLE_RUN: &str = "unstable_run";
    /// A resource is above its cap (the benchmark's budget or the table's).
    pub const OVER_BUDGET: &str = crate::budget::OVER_BUDGET_RULE;
    /// Every rule id.
    pub const ALL: [&str; 7] = [
        PART_OUTSIDE_BUILD_ZONE,
        PART_IN_FORBID_ZONE,
        PART_OVERLAPS_SCENE,
        PART_LABEL_TAKEN,
        PAYLOAD_ENTERED_FORBID_ZONE,
        UNSTABLE_RUN,
        OVER_BUDGET,
    ];
}

impl Default for ScoringTable {
    fn default() -> Self {
        Self {
            version: DEFAULT_TABLE_VERSION.into(),
            hold_s: 1.0,
            weights: Weights::default(),
            disqualify: [
                rules::PART_OUTSIDE_BUILD_ZONE,
                rules::PART_IN_FORBID_ZONE,
                rules::PART_OVERLAPS_SCENE,
                rules::PART_LABEL_TAKEN,
                rules::PAYLOAD_ENTERED_FORBID_ZONE,
                rules::UNSTABLE_RUN,
                rules::OVER_BUDGET,
            ]
            .map(String::from)
            .to_vec(),
            budget: Budget::default(),
            catalogue: Catalogue::default(),
        }
    }
}

/// The penalty factor of one resource: `max(0, 1 − max(0, used/cap − 1))` — 1 up to the cap,
/// falling linearly to 0 at twice the cap. A cap of 0 gives 1 when nothing is used and 0
/// otherwise.
pub fn penalty(used: f64, cap: f64) -> f64 {
    if cap <= 0.0 {
        return if used <= 0.0 { 1.0 } else { 0.0 };
    }
    (1.0 - (used / cap - 1.0).max(0.0)).max(0.0)
}

impl ScoringTable {
    /// Reads a table override from TOML: every field left out keeps the built-in value, and
    /// `version` is required so the scores say which table made them.
    pub fn from_toml(text: &str, path: &str) -> Result<ScoringTable, ScoreError> {
        let bad = |why: String| ScoreError::BadTable {
            path: path.to_string(),
            why,
        };
        let raw: toml::Value = toml::from_str(text).map_err(|e| bad(one_line(&e.to_string())))?;
        if raw.get("version").and_then(|v| v.as_str()).is_none() {
            return Err(bad(
                "it has no `version = \"...\"`; name your table's version so scores made with it are told apart from the built-in one".into(),
            ));
        }
        let table: ScoringTable =
            toml::from_str(text).map_err(|e| bad(one_line(&e.to_string())))?;
        table.check().map_err(bad)?;
        Ok(table)
    }

    /// A one-line error when a number of the table makes no sense.
    pub fn check(&self) -> Result<(), String> {
        if self.version.trim().is_empty() {
            return Err("version is empty".into());
        }
        if !(self.hold_s.is_finite() && self.hold_s >= 0.0) {
            return Err(format!(
                "hold_s must be a number of seconds ≥ 0, got {}",
                self.hold_s
            ));
        }
        if let Some(r) = self
            .disqualify
            .iter()
            .find(|r| !rules::ALL.contains(&r.as_str()))
        {
            return Err(format!(
                "disqualify names unknown rule \"{r}\"; known: {}",
                rules::ALL.join(", ")
            ));
        }
        let w = &self.weights;
        let usable = w.success.is_finite()
            && w.progress.is_finite()
            && w.success >= 0.0
            && w.progress >= 0.0
            && w.success + w.progress > 0.0;
        if !usable {
            return Err(format!(
                "weights.success ({}) and weights.progress ({}) must be ≥ 0 and not both 0",
                w.success, w.progress
            ));
        }
        if let Some(problem) = self.budget.problems("budget.").into_iter().next() {
            return Err(problem);
        }
        if let Some(problem) = self.catalogue.problems("catalogue.").into_iter().next() {
            return Err(problem);
        }
        Ok(())
    }

    /// The price per kilogram of a material (0 when the catalogue leaves it out).
    pub fn usd_per_kg(&self, material: Material) -> f64 {
        self.catalogue.usd_per_kg(material)
    }

    /// The table as TOML, for `--print-table` and the README.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn penalty_matches_hand_computed_values() {
        assert_eq!(penalty(5.0, 10.0), 1.0);
        assert_eq!(penalty(10.0, 10.0), 1.0);
        assert!((penalty(12.5, 10.0) - 0.75).abs() < 1e-12);
        assert!((penalty(15.0, 10.0) - 0.5).abs() < 1e-12);
        assert_eq!(penalty(20.0, 10.0), 0.0);
        assert_eq!(penalty(35.0, 10.0), 0.0);
        assert_eq!(penalty(0.0, 0.0), 1.0);
        assert_eq!(penalty(1.0, 0.0), 0.0);
    }

    #[test]
    fn overrides_keep_defaults_and_need_a_version() {
        let t = ScoringTable::from_toml(
            "version = \"lab-2\"\nhold_s = 2.0\n[budget]\nmax_parts = 3\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(t.version, "lab-2");
        assert_eq!(t.hold_s, 2.0);
        assert_eq!(t.budget.max_parts, Some(3.0));
        assert_eq!(t.weights, Weights::default());
        let err = ScoringTable::from_toml("hold_s = 2.0\n", "t.toml").unwrap_err();
        assert!(err.to_string().contains("version"), "{err}");
        let err = ScoringTable::from_toml("version = \"x\"\nhold = 2.0\n", "t.toml").unwrap_err();
        assert!(err.to_string().contains("hold"), "{err}");
        let err = ScoringTable::from_toml(
            "version = \"x\"\n[catalogue.usd_per_kg]\nunobtainium = 1.0\n",
            "t.toml",
        )
        .unwrap_err();
        assert!(err.to_string().contains("unobtainium"), "{err}");
        let default_text = ScoringTable::default().to_toml();
        assert_eq!(
            ScoringTable::from_toml(&default_text, "d.toml").unwrap(),
            ScoringTable::default()
        );
    }
}

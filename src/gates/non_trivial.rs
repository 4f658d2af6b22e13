//! Gate 5, non-trivial: gravity alone must not deliver the payload into the goal zone.

use crate::gates::overlap::fmt_m;
use crate::physics::SimulationOutcome;
use crate::report::{Finding, GateId, GateResult};
use crate::scene::Scene;

/// Runs gate 5 on the passive run's measurements.
pub fn check_non_trivial(scene: &Scene, passive: &SimulationOutcome) -> GateResult {
    let mut findings = Vec::new();
    if passive.payload_in_goal {
        findings.push(Finding::new(
            "solves_itself",
            format!(
                "with no solution at all the payload ends in the goal zone (it entered at t={:.2} s and \
                 rests at {}; goal {} to {}): the benchmark solves itself — move the goal away from \
                 where gravity takes the payload, or add an obstacle",
                passive.payload_first_in_goal_s.unwrap_or(0.0),
                fmt_m(passive.payload_final_m),
                fmt_m(scene.goal_zone.min_m),
                fmt_m(scene.goal_zone.max_m)
            ),
        ));
    }
    GateResult::from_findings(GateId::NonTrivial, findings)
}

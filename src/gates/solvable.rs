//! Gate 6, solvable: with the reference solution's parts added (inside the build zone, cutting
//! into nothing), the payload reaches the goal zone and the run stays stable.

use crate::gates::geometry::solution_placement_findings;
use crate::gates::overlap::fmt_m;
use crate::gates::physics::stability_findings;
use crate::physics::{build_world, simulate, PhysicsSettings, SimulationOutcome};
use crate::report::{Finding, GateId, GateResult, SolutionRun};
use crate::scene::{Fixture, Scene};
use crate::variant::PayloadSpawn;

/// What gate 6 produced.
#[derive(Debug, Clone)]
pub struct SolutionCheck {
    /// Gate 6's verdict.
    pub gate: GateResult,
    /// The numbers for the report, when the simulation ran.
    pub run: Option<SolutionRun>,
    /// Everything the simulation measured, when it ran.
    pub outcome: Option<SimulationOutcome>,
}

/// Runs gate 6 on one variant with the reference solution's parts. With `record_every_s`,
/// the outcome carries the trajectory. A panic inside becomes a failed gate.
pub fn check_solvable(
    scene: &Scene,
    spawn: &PayloadSpawn,
    solution: &[Fixture],
    settings: &PhysicsSettings,
    record_every_s: Option<f64>,
) -> SolutionCheck {
    let ran = crate::guard::catch_panic(|| {
        let mut world = build_world(scene, spawn, solution)?;
        let placement = solution_placement_findings(scene, &world, settings);
        if !placement.is_empty() {
            return Ok((placement, None));
        }
        let outcome = simulate(&mut world, scene, settings, record_every_s);
        Ok::<_, crate::physics::PhysicsError>((
            solution_findings(scene, &outcome, settings),
            Some(outcome),
        ))
    });
    let (findings, outcome) = match ran {
        Ok(Ok(done)) => done,
        Ok(Err(err)) => (
            vec![Finding::new(
                "solution_not_buildable",
                format!("the reference solution cannot be built: {err}"),
            )],
            None,
        ),
        Err(panic) => (
            vec![Finding::new(
                "physics_panicked",
                format!(
                    "the physics engine crashed while simulating the reference solution: {panic}"
                ),
            )],
            None,
        ),
    };
    let run = outcome.as_ref().map(|o| SolutionRun {
        reached_goal: o.payload_in_goal,
        time_to_goal_s: o.payload_first_in_goal_s,
        payload_final_m: o.payload_final_m,
        payload_distance_to_goal_m: o.payload_distance_to_goal_m,
        max_speed_mps: o.max_speed_mps,
    });
    SolutionCheck {
        gate: GateResult::from_findings(GateId::Solvable, findings),
        run,
        outcome,
    }
}

fn solution_findings(
    scene: &Scene,
    outcome: &SimulationOutcome,
    settings: &PhysicsSettings,
) -> Vec<Finding> {
    // Stable, yes; settled, not required: a payload still rolling slowly inside the goal at
    // the end has been delivered.
    let mut findings: Vec<Finding> =
        stability_findings(outcome, settings, "with the reference solution, ")
            .into_iter()
            .filter(|f| f.rule != "not_settled")
            .collect();
    if !outcome.payload_in_goal {
        let closest = outcome
            .payload_path_m
            .iter()
            .map(|(t, p)| (*t, scene.goal_zone.distance_to_point_m(*p)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0.0, outcome.payload_distance_to_goal_m));
        let passed_through = match outcome.payload_first_in_goal_s {
            Some(t) => format!("it passed through the goal at t={t:.2} s but did not stay; "),
            None => format!(
                "it came closest ({:.3} m) at t={:.2} s; ",
                closest.1, closest.0
            ),
        };
        findings.push(Finding::new(
            "solution_misses_goal",
            format!(
                "with the reference solution the payload ended at {}, {:.3} m from the goal zone {} to {} \
                 after {:.1} s; {passed_through}change the solution so it guides the payload into the goal",
                fmt_m(outcome.payload_final_m),
                outcome.payload_distance_to_goal_m,
                fmt_m(scene.goal_zone.min_m),
                fmt_m(scene.goal_zone.max_m),
                outcome.simulated_s
            ),
        ));
    }
    for (zone, t) in &outcome.payload_forbid_entries {
        findings.push(Finding::new(
            "solution_enters_forbid_zone",
            format!(
                "with the reference solution the payload entered forbid zone \"{zone}\" at t={t:.2} s; \
                 route it around the zone"
            ),
        ));
    }
    findings
}

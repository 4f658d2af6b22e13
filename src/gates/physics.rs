//! Gate 4, passive physics: simulate the scene under gravity alone and fail on non-finite
//! state, excessive speed, energy appearing from nowhere (kinetic energy beyond what gravity
//! released plus what the motors worked and the springs released, see `physics::simulate`), fixed
//! parts moving, bodies leaving
//! the bounds, or a scene that never comes to rest.

use crate::gates::overlap::fmt_m;
use crate::physics::{build_world, simulate, PhysicsSettings, SimulationOutcome, PAYLOAD_LABEL};
use crate::report::{Finding, GateId, GateResult, PassiveRun};
use crate::scene::Scene;
use crate::variant::PayloadSpawn;

/// What gate 4 produced: the verdict, the report's numbers and the raw measurements (gate 5
/// reads them).
#[derive(Debug, Clone)]
pub struct PassiveCheck {
    /// Gate 4's verdict.
    pub gate: GateResult,
    /// The numbers for the report, when the simulation ran.
    pub run: Option<PassiveRun>,
    /// Everything the simulation measured, when it ran.
    pub outcome: Option<SimulationOutcome>,
}

/// Runs gate 4 on one variant: the passive (gravity-only) simulation. With
/// `record_every_s`, the outcome carries the trajectory for rendering. A panic inside
/// becomes a failed gate with its message.
pub fn check_physics(
    scene: &Scene,
    spawn: &PayloadSpawn,
    settings: &PhysicsSettings,
    record_every_s: Option<f64>,
) -> PassiveCheck {
    let ran = crate::guard::catch_panic(|| {
        let mut world = build_world(scene, spawn, &[])?;
        Ok::<_, crate::physics::PhysicsError>(simulate(&mut world, scene, settings, record_every_s))
    });
    let outcome = match ran {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(err)) => return failed(Finding::new("scene_not_buildable", err.to_string())),
        Err(panic) => {
            return failed(Finding::new(
                "physics_panicked",
                format!("the physics engine crashed during the passive simulation: {panic}"),
            ))
        }
    };
    let findings = stability_findings(&outcome, settings, "");
    PassiveCheck {
        gate: GateResult::from_findings(GateId::Physics, findings),
        run: Some(passive_run(&outcome)),
        outcome: Some(outcome),
    }
}

fn failed(finding: Finding) -> PassiveCheck {
    PassiveCheck {
        gate: GateResult::from_findings(GateId::Physics, vec![finding]),
        run: None,
        outcome: None,
    }
}

/// The report's numbers of a passive run.
pub fn passive_run(outcome: &SimulationOutcome) -> PassiveRun {
    PassiveRun {
        simulated_s: outcome.simulated_s,
        max_speed_mps: outcome.max_speed_mps,
        max_energy_ratio: outcome.max_energy_ratio,
        settle_time_s: outcome.settle_time_s,
        payload_start_m: outcome.payload_start_m,
        payload_final_m: outcome.payload_final_m,
        payload_distance_to_goal_m: outcome.payload_distance_to_goal_m,
        payload_in_goal: outcome.payload_in_goal,
    }
}

fn who(label: &str) -> String {
    if label == PAYLOAD_LABEL {
        "the payload".into()
    } else {
        format!("part \"{label}\"")
    }
}

/// The stability findings of any run (gate 4 on the passive run, gate 6 on the run with the
/// reference solution); `context` prefixes each message, e.g. "with the reference solution, ".
pub fn stability_findings(
    outcome: &SimulationOutcome,
    settings: &PhysicsSettings,
    context: &str,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    // A run the watchdog stopped was judged on part of its time only: never a pass.
    if let Some(reason) = &outcome.cut_short {
        findings.push(Finding::new(
            crate::gates::geometry::RULE_GATE_TIME_LIMIT,
            format!("{context}{reason}"),
        ));
    }
    if let Some((label, t)) = &outcome.non_finite {
        findings.push(Finding::new(
            "non_finite_state",
            format!(
                "{context}{} got a NaN or infinite position or velocity at t={t:.2} s and was frozen by the engine; \
                 look for parts with near-zero size or mass, or joints between far-apart parts",
                who(label)
            ),
        ));
    }
    if outcome.max_speed_mps > settings.max_speed_mps {
        findings.push(Finding::new(
            "too_fast",
            format!(
                "{context}{} reached {:.2} m/s at t={:.2} s, above the {} m/s limit (gates.max_speed_mps); \
                 something is launching it — check for overlapping parts or very long falls",
                who(&outcome.max_speed_label),
                outcome.max_speed_mps,
                outcome.max_speed_time_s,
                crate::limits::fmt_number(settings.max_speed_mps)
            ),
        ));
    }
    if outcome.max_energy_ratio > settings.max_energy_ratio {
        let total = outcome.max_energy_ratio_released_j
            + outcome.max_energy_ratio_motor_j
            + outcome.max_energy_ratio_spring_j;
        let mut sources = vec!["gravity had released".to_string()];
        if outcome.max_energy_ratio_motor_j != 0.0 {
            sources.push(format!(
                "the motors had supplied ({:.3} J of motor work)",
                outcome.max_energy_ratio_motor_j
            ));
        }
        if outcome.max_energy_ratio_spring_j != 0.0 || outcome.spring_energy_start_j != 0.0 {
            sources.push(format!(
                "the springs had released ({:.3} J of {:.3} J stored at the start)",
                outcome.max_energy_ratio_spring_j, outcome.spring_energy_start_j
            ));
        }
        let supplied = format!("{:.3} J that {}", total.max(0.0), sources.join(" and "));
        findings.push(Finding::new(
            "energy_explosion",
            format!(
                "{context}kinetic energy reached {:.3} J at t={:.2} s, {:.2}× the {supplied} \
                 (limit {:.2}× incl. a margin): the scene gains energy from nowhere, usually parts spawned \
                 inside each other being pushed apart, or a joint fighting a contact",
                outcome.max_energy_ratio_kinetic_j,
                outcome.max_energy_ratio_time_s,
                outcome.max_energy_ratio,
                settings.max_energy_ratio
            ),
        ));
    }
    for drift in &outcome.fixed_drift {
        if drift.moved_m > settings.fixed_tolerance_m || drift.turned_deg > 0.01 {
            findings.push(Finding::new(
                "fixed_part_moved",
                format!(
                    "{context}fixed part \"{}\" moved {:.4} m and turned {:.2}° during the run \
                     (tolerance {} m); a fixed part must stay put",
                    drift.label, drift.moved_m, drift.turned_deg, settings.fixed_tolerance_m
                ),
            ));
        }
    }
    for exit in &outcome.exits {
        findings.push(Finding::new(
            "left_bounds",
            format!(
                "{context}{} left the bounds through {} at t={:.2} s (centre at {}); \
                 add a floor, wall or rim on that side, or enlarge the bounds",
                who(&exit.label),
                exit.side,
                exit.time_s,
                fmt_m(exit.position_m)
            ),
        ));
    }
    let stopped_early = outcome.non_finite.is_some() || !outcome.exits.is_empty();
    if outcome.settle_time_s.is_none() && !stopped_early {
        let moving: Vec<String> = outcome
            .still_moving
            .iter()
            .map(|m| {
                format!(
                    "{} at {:.3} m/s and {:.2} rad/s",
                    who(&m.label),
                    m.speed_mps,
                    m.angular_speed_radps
                )
            })
            .collect();
        findings.push(Finding::new(
            "not_settled",
            format!(
                "{context}the scene had not come to rest after {:.2} s of simulation ({}); \
                 rest means below {} m/s and {} rad/s for {} s — add friction, limits or supports",
                outcome.simulated_s,
                if moving.is_empty() {
                    "bodies kept moving".to_string()
                } else {
                    format!("still moving: {}", moving.join(", "))
                },
                settings.settle_speed_mps,
                settings.settle_angular_speed_radps,
                settings.settle_window_s
            ),
        ));
    }
    findings
}

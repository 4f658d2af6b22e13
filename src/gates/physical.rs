//! Gates 3–6 in order on one variant, stopping after the first failed gate (later gates need
//! the earlier ones to hold): the one call `validate` makes per seed after gates 1–2.

use crate::gates::geometry::check_geometry;
use crate::gates::non_trivial::check_non_trivial;
use crate::gates::physics::check_physics;
use crate::physics::{PhysicsSettings, SimulationOutcome};
use crate::report::{GateResult, PassiveRun, SolutionRun};
use crate::scene::{Scene, Solution};
use crate::variant::PayloadSpawn;

/// The results of gates 3–6 on one variant.
#[derive(Debug, Clone, Default)]
pub struct PhysicalGates {
    /// Each gate that ran, in order.
    pub gates: Vec<GateResult>,
    /// The passive run's numbers (gate 4), when it ran.
    pub passive: Option<PassiveRun>,
    /// The reference solution's numbers (gate 6), when it ran.
    pub solution: Option<SolutionRun>,
    /// The passive run's full measurements (and trajectory, when recorded).
    pub passive_outcome: Option<SimulationOutcome>,
    /// The solution run's full measurements (and trajectory, when recorded).
    pub solution_outcome: Option<SimulationOutcome>,
}

impl PhysicalGates {
    /// True when every gate that ran passed.
    pub fn passed(&self) -> bool {
        self.gates.iter().all(|g| g.passed)
    }
}

/// Runs gates 3, 4, 5 and — when `solution` is given — 6 on one variant.
pub fn run_physical_gates(
    scene: &Scene,
    spawn: &PayloadSpawn,
    solution: Option<&Solution>,
    settings: &PhysicsSettings,
    record_every_s: Option<f64>,
) -> PhysicalGates {
    let mut out = PhysicalGates::default();
    let geometry = check_geometry(scene, spawn, settings);
    let ok = geometry.passed;
    out.gates.push(geometry);
    if !ok {
        return out;
    }
    let passive = check_physics(scene, spawn, settings, record_every_s);
    let ok = passive.gate.passed;
    out.gates.push(passive.gate);
    out.passive = passive.run;
    out.passive_outcome = passive.outcome;
    if !ok {
        return out;
    }
    let Some(outcome) = out.passive_outcome.as_ref() else {
        return out;
    };
    let non_trivial = check_non_trivial(scene, outcome);
    let ok = non_trivial.passed;
    out.gates.push(non_trivial);
    if !ok {
        return out;
    }
    if let Some(solution) = solution {
        let check = crate::gates::solvable::check_solvable_with_solution(
            scene,
            spawn,
            solution,
            settings,
            record_every_s,
        );
        out.gates.push(check.gate);
        out.solution = check.run;
        out.solution_outcome = check.outcome;
    }
    out
}

//! The validation report: per seed, per gate, pass/fail with findings in words a person or a
//! model can act on, and the numbers behind them. The same value is printed for people,
//! written as JSON, fed back to the Coder and read by the Reviewer.

use serde::{Deserialize, Serialize};

use crate::scene::Vec3;
use crate::variant::PayloadSpawn;

/// The gates of DESIGN.md, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateId {
    /// 1: compiles, defines `build`, stays within limits, returns a scene, deterministic.
    Script,
    /// 2: zones and payload are consistent with each other.
    Consistency,
    /// 3: no interpenetration, everything in bounds, goal not obstructed.
    Geometry,
    /// 4: the passive simulation is stable and settles.
    Physics,
    /// 5: gravity alone does not solve it.
    NonTrivial,
    /// 6: the reference solution reaches the goal.
    Solvable,
    /// 7: all of the above on every seed, and the variants differ.
    Randomized,
    /// 8: the theme's stated facts hold (sizes, material, displacement, relations, named
    /// elements), on the scene and on the reference solution's run.
    Fidelity,
    /// 9: the Reviewer approved.
    Reviewed,
}

impl GateId {
    /// The gate's number in DESIGN.md.
    pub fn number(self) -> u8 {
        self as u8 + 1
    }

    /// The gate's short name.
    pub fn name(self) -> &'static str {
        match self {
            GateId::Script => "script",
            GateId::Consistency => "consistency",
            GateId::Geometry => "geometry",
            GateId::Physics => "physics",
            GateId::NonTrivial => "non-trivial",
            GateId::Solvable => "solvable",
            GateId::Randomized => "randomized",
            GateId::Fidelity => "fidelity",
            GateId::Reviewed => "reviewed",
        }
    }
}

impl std::fmt::Display for GateId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "gate {} ({})", self.number(), self.name())
    }
}

/// One thing a gate found wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// A stable snake_case id of the rule that was broken, e.g. `spawn_outside_build_zone`.
    pub rule: String,
    /// What went wrong, naming the labels and numbers, e.g. "payload spawn envelope
    /// [..] leaves build zone [..] on +z by 0.012 m".
    pub message: String,
}

impl Finding {
    /// A finding for `rule` with `message`.
    pub fn new(rule: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            rule: rule.into(),
            message: message.into(),
        }
    }
}

/// The outcome of one gate on one seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateResult {
    /// Which gate.
    pub gate: GateId,
    /// True when the gate holds.
    pub passed: bool,
    /// Everything it found wrong (empty when it passed).
    pub findings: Vec<Finding>,
}

impl GateResult {
    /// A gate result from its findings: passed exactly when there are none.
    pub fn from_findings(gate: GateId, findings: Vec<Finding>) -> Self {
        Self {
            gate,
            passed: findings.is_empty(),
            findings,
        }
    }
}

/// Numbers from the passive (gravity-only) simulation of one seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PassiveRun {
    /// Simulated time in seconds.
    pub simulated_s: f64,
    /// Highest linear speed of any body, in m/s.
    pub max_speed_mps: f64,
    /// Highest ratio of kinetic energy to potential energy released so far (plus margin).
    pub max_energy_ratio: f64,
    /// When every dynamic body came to rest, in seconds, if it did.
    pub settle_time_s: Option<f64>,
    /// Where the payload started, in metres.
    pub payload_start_m: Vec3,
    /// Where the payload ended, in metres.
    pub payload_final_m: Vec3,
    /// Distance from the payload's final centre to the goal zone, in metres (0 inside).
    pub payload_distance_to_goal_m: f64,
    /// True when the payload ended inside the goal zone.
    pub payload_in_goal: bool,
}

/// Numbers from the simulation with the reference solution added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SolutionRun {
    /// True when the payload reached the goal zone.
    pub reached_goal: bool,
    /// When the payload first entered the goal zone, in seconds.
    pub time_to_goal_s: Option<f64>,
    /// Where the payload ended, in metres.
    pub payload_final_m: Vec3,
    /// Distance from the payload's final centre to the goal zone, in metres (0 inside).
    pub payload_distance_to_goal_m: f64,
    /// Highest linear speed of any body, in m/s.
    pub max_speed_mps: f64,
}

/// Everything validation found for one seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedReport {
    /// The seed.
    pub seed: u64,
    /// The per-axis scale handed to `build(seed, scale)`.
    pub scale: Vec3,
    /// Content hash of the built scene, when `build` returned one.
    pub scene_hash: Option<String>,
    /// The payload's sampled size and start, when the scene was built.
    pub payload_spawn: Option<PayloadSpawn>,
    /// True when the script defines `solve`.
    pub has_solution: bool,
    /// Each gate that ran, in order; gates after a failed prerequisite are absent.
    pub gates: Vec<GateResult>,
    /// The passive run's numbers, when it ran.
    pub passive: Option<PassiveRun>,
    /// The reference solution's run, when it ran.
    pub solution: Option<SolutionRun>,
}

impl SeedReport {
    /// True when every gate that ran passed.
    pub fn passed(&self) -> bool {
        self.gates.iter().all(|g| g.passed)
    }

    /// The failed gates.
    pub fn failures(&self) -> impl Iterator<Item = &GateResult> {
        self.gates.iter().filter(|g| !g.passed)
    }
}

/// The whole validation of one script over N seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationReport {
    /// Hash of the script's source text.
    pub script_hash: String,
    /// One report per seed, in seed order.
    pub seeds: Vec<SeedReport>,
    /// Gate 7 across all seeds.
    pub randomized: GateResult,
}

impl ValidationReport {
    /// True when every gate held on every seed and the variants differ.
    pub fn passed(&self) -> bool {
        self.randomized.passed && self.seeds.iter().all(SeedReport::passed)
    }
}

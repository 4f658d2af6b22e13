//! Rigid-body simulation of scenes on rapier3d: building the world ([`world`]) and stepping
//! it while measuring what the physics gates judge ([`simulate`]). No actix here.

pub mod simulate;
pub mod world;

use serde::{Deserialize, Serialize};

pub use simulate::{
    simulate, BodyExit, BoundsSide, FixedDrift, MotorPeakPower, MovingBody, SimulationOutcome,
    Trajectory, TrajectoryFrame, TrajectoryPose,
};
pub use world::{
    build_world, build_world_with_solution, BodyRole, ColliderOwner, SceneBody, SceneWorld,
    PAYLOAD_LABEL,
};

/// A scene that cannot be turned into a physics world.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PhysicsError {
    /// A primitive's numbers make no shape.
    #[error("part \"{owner}\": {why}")]
    BadShape {
        /// The fixture's label (or "payload").
        owner: String,
        /// What is wrong, in words.
        why: String,
    },
    /// A joint cannot be built.
    #[error("{why}")]
    BadJoint {
        /// What is wrong, in words.
        why: String,
    },
}

/// Every knob of the physics gates, with defaults that suit the example scenes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PhysicsSettings {
    /// Simulated time of each run, in seconds.
    pub duration_s: f64,
    /// Physics timestep, in seconds.
    pub timestep_s: f64,
    /// Any body faster than this (m/s) fails gate 4.
    pub max_speed_mps: f64,
    /// Kinetic energy may reach at most this multiple of (potential energy released +
    /// margin) before gate 4 calls it an explosion (unitless).
    pub max_energy_ratio: f64,
    /// The energy margin, as the drop height in metres of every dynamic body's mass: it keeps
    /// the ratio meaningful at t ≈ 0, when almost no energy has been released yet.
    pub energy_margin_drop_m: f64,
    /// A fixed fixture that moves further than this (m) fails gate 4.
    pub fixed_tolerance_m: f64,
    /// Overlaps deeper than this (m) fail gate 3.
    pub penetration_tolerance_m: f64,
    /// The goal zone fails gate 3 when more than this fraction of it is inside fixtures.
    pub max_goal_obstruction: f64,
    /// Bodies count as at rest below this linear speed (m/s)...
    pub settle_speed_mps: f64,
    /// ...and this angular speed (rad/s)...
    pub settle_angular_speed_radps: f64,
    /// ...held for this long (s), or when rapier put them to sleep.
    pub settle_window_s: f64,
    /// Stop stepping once the scene has settled (a settled scene no longer changes).
    pub stop_when_settled: bool,
    /// Angular damping (1/s) on every dynamic body: a stand-in for rolling resistance, which
    /// rapier does not model — without it a ball on a flat floor rolls forever and the scene
    /// never settles.
    pub rolling_damping_per_s: f64,
}

impl Default for PhysicsSettings {
    fn default() -> Self {
        Self {
            duration_s: 10.0,
            timestep_s: 1.0 / 60.0,
            max_speed_mps: 100.0,
            max_energy_ratio: 1.25,
            energy_margin_drop_m: 0.01,
            fixed_tolerance_m: 1e-4,
            penetration_tolerance_m: 2e-3,
            max_goal_obstruction: 0.5,
            settle_speed_mps: 0.01,
            settle_angular_speed_radps: 0.05,
            settle_window_s: 0.25,
            stop_when_settled: true,
            rolling_damping_per_s: 0.3,
        }
    }
}

impl PhysicsSettings {
    /// A one-line error when a setting makes no sense, naming it.
    pub fn check(&self) -> Result<(), String> {
        let positive = [
            ("duration_s", self.duration_s),
            ("timestep_s", self.timestep_s),
            ("max_speed_mps", self.max_speed_mps),
            ("max_energy_ratio", self.max_energy_ratio),
            ("settle_window_s", self.settle_window_s),
        ];
        for (name, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!(
                    "physics setting {name} must be a positive number, got {v}"
                ));
            }
        }
        if self.timestep_s > 0.1 {
            return Err(format!(
                "physics setting timestep_s = {} s is too coarse; use at most 0.1 s (1/60 is typical)",
                self.timestep_s
            ));
        }
        if self.duration_s / self.timestep_s > 1.0e6 {
            return Err("physics settings ask for more than a million steps; shorten duration_s or raise timestep_s".into());
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests;

//! Glue between the physics engine and the media: converts a recorded [`Trajectory`] into
//! [`SimFrame`]s, and runs the passive simulation (and the reference solution's, when there
//! is one) to render both.

use super::media::{render_simulation_media, MediaOptions, SimFrame, SimulationMedia};
use super::{BodyPose, BodyPoses, RenderError};
use crate::physics::{build_world, simulate, PhysicsSettings, Trajectory};
use crate::scene::{Fixture, Scene};
use crate::variant::PayloadSpawn;

/// How often the media runs record poses, in seconds (30 frames per simulated second).
pub const RECORD_EVERY_S: f64 = 1.0 / 30.0;

/// The frames of a recorded run, poses keyed by body label (`"payload"` for the payload).
pub fn frames_from_trajectory(trajectory: &Trajectory) -> Vec<SimFrame> {
    trajectory
        .frames
        .iter()
        .map(|frame| SimFrame {
            time_s: frame.time_s,
            poses: frame
                .poses
                .iter()
                .map(|(label, pose)| {
                    (
                        label.clone(),
                        BodyPose {
                            position_m: pose.position_m,
                            rotation_wxyz: pose.rotation_wxyz,
                        },
                    )
                })
                .collect::<BodyPoses>(),
        })
        .collect()
}

/// Media of the passive run and, when the scene has a reference solution, of the run with it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunMedia {
    /// The scene under gravity alone.
    pub passive: SimulationMedia,
    /// The scene with the reference solution's parts.
    pub solution: Option<SimulationMedia>,
}

impl RunMedia {
    /// Writes `contact_sheet.png` and `sim.gif`, plus `solution_contact_sheet.png` and
    /// `solution_sim.gif` when there is a solution run. Returns the paths.
    pub fn write(&self, dir: &std::path::Path) -> Result<Vec<std::path::PathBuf>, RenderError> {
        let mut paths = self.passive.write(dir, "")?;
        if let Some(solution) = &self.solution {
            paths.extend(solution.write(dir, "solution_")?);
        }
        Ok(paths)
    }
}

/// Simulates the variant (with `settings`, recording every [`RECORD_EVERY_S`]) and renders
/// its media; with `solution`, simulates and renders the solved run too.
pub fn simulate_media(
    scene: &Scene,
    spawn: &PayloadSpawn,
    solution: Option<&[Fixture]>,
    settings: &PhysicsSettings,
    options: &MediaOptions,
) -> Result<RunMedia, RenderError> {
    let passive = run_and_render(scene, spawn, &[], settings, options)?;
    let solution = match solution {
        Some(parts) => Some(run_and_render(scene, spawn, parts, settings, options)?),
        None => None,
    };
    Ok(RunMedia { passive, solution })
}

fn run_and_render(
    scene: &Scene,
    spawn: &PayloadSpawn,
    solution: &[Fixture],
    settings: &PhysicsSettings,
    options: &MediaOptions,
) -> Result<SimulationMedia, RenderError> {
    settings.check().map_err(RenderError::Simulation)?;
    let trajectory = crate::guard::catch_panic(|| {
        let mut world = build_world(scene, spawn, solution).map_err(|e| e.to_string())?;
        let outcome = simulate(&mut world, scene, settings, Some(RECORD_EVERY_S));
        Ok::<_, String>(outcome.trajectory.unwrap_or_default())
    })
    .map_err(|panic| RenderError::Simulation(format!("the physics engine panicked: {panic}")))?
    .map_err(RenderError::Simulation)?;
    render_simulation_media(
        scene,
        spawn,
        solution,
        &frames_from_trajectory(&trajectory),
        options,
    )
}

//! Steps a [`SceneWorld`] under gravity and measures what the physics gates judge: speeds,
//! the energy balance, bounds, fixed parts, settling, the payload's path and when it reaches
//! the goal. Optionally records every body's pose over time as a [`Trajectory`] (the
//! renderer turns it into a contact sheet and a GIF).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rapier3d::prelude::*;
use serde::{Deserialize, Serialize};

use super::world::{from_vector, BodyRole, SceneWorld};
use super::PhysicsSettings;
use crate::scene::{Aabb, BodyKind, Scene, Vec3, GRAVITY_Z_MPS2};

/// A body's world pose in one trajectory frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryPose {
    /// Position of the body origin (the fixture's pose origin, or the payload's centre), in
    /// metres.
    pub position_m: Vec3,
    /// Orientation as a unit quaternion `[w, x, y, z]`.
    pub rotation_wxyz: [f64; 4],
}

impl TrajectoryPose {
    /// The same pose as a scene pose (extrinsic X→Y→Z Euler angles in degrees).
    pub fn to_scene_pose(&self) -> crate::scene::Pose {
        let [w, x, y, z] = self.rotation_wxyz;
        // Rotation matrix entries of q; R = Rz·Ry·Rx for extrinsic X→Y→Z.
        let r20 = 2.0 * (x * z - w * y);
        let r21 = 2.0 * (y * z + w * x);
        let r22 = 1.0 - 2.0 * (x * x + y * y);
        let r10 = 2.0 * (x * y + w * z);
        let r00 = 1.0 - 2.0 * (y * y + z * z);
        crate::scene::Pose {
            position_m: self.position_m,
            rotation_deg: [
                r21.atan2(r22).to_degrees(),
                (-r20).clamp(-1.0, 1.0).asin().to_degrees(),
                r10.atan2(r00).to_degrees(),
            ],
        }
    }

    fn of(pose: &Pose) -> Self {
        let q = pose.rotation;
        Self {
            position_m: from_vector(pose.translation),
            rotation_wxyz: [q.w as f64, q.x as f64, q.y as f64, q.z as f64],
        }
    }
}

/// Every body's pose at one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryFrame {
    /// Simulated time of the frame, in seconds.
    pub time_s: f64,
    /// `(label, pose)` for every body: fixtures and solution parts by label, the payload as
    /// `"payload"`, in [`SceneWorld::bodies`] order.
    pub poses: Vec<(String, TrajectoryPose)>,
}

/// The recorded motion of a run: frames every `record_every_s`, the first at t = 0 and the
/// last at the end of the run.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Trajectory {
    /// The frames in time order.
    pub frames: Vec<TrajectoryFrame>,
}

/// A face of the simulation bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BoundsSide {
    /// Below min x.
    #[serde(rename = "-x")]
    MinX,
    /// Above max x.
    #[serde(rename = "+x")]
    MaxX,
    /// Below min y.
    #[serde(rename = "-y")]
    MinY,
    /// Above max y.
    #[serde(rename = "+y")]
    MaxY,
    /// Below min z (fell off the world).
    #[serde(rename = "-z")]
    MinZ,
    /// Above max z.
    #[serde(rename = "+z")]
    MaxZ,
}

impl std::fmt::Display for BoundsSide {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BoundsSide::MinX => "-x",
            BoundsSide::MaxX => "+x",
            BoundsSide::MinY => "-y",
            BoundsSide::MaxY => "+y",
            BoundsSide::MinZ => "-z",
            BoundsSide::MaxZ => "+z",
        })
    }
}

impl BoundsSide {
    /// The side of `bounds` that `point` lies beyond, if any (the one it is furthest past).
    pub fn of_point(bounds: &Aabb, point: Vec3) -> Option<(BoundsSide, f64)> {
        let sides = [
            (BoundsSide::MinX, bounds.min_m[0] - point[0]),
            (BoundsSide::MaxX, point[0] - bounds.max_m[0]),
            (BoundsSide::MinY, bounds.min_m[1] - point[1]),
            (BoundsSide::MaxY, point[1] - bounds.max_m[1]),
            (BoundsSide::MinZ, bounds.min_m[2] - point[2]),
            (BoundsSide::MaxZ, point[2] - bounds.max_m[2]),
        ];
        sides
            .into_iter()
            .filter(|(_, past)| *past > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }
}

/// A body whose centre of mass left the simulation bounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BodyExit {
    /// Label of the body ("payload" for the payload).
    pub label: String,
    /// The face it crossed.
    pub side: BoundsSide,
    /// When, in seconds.
    pub time_s: f64,
    /// Its centre of mass at that moment, in metres.
    pub position_m: Vec3,
}

/// How far a fixed fixture ended from where it started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixedDrift {
    /// The fixture's label.
    pub label: String,
    /// Distance moved, in metres.
    pub moved_m: f64,
    /// Angle turned, in degrees.
    pub turned_deg: f64,
}

/// One motor's highest mechanical power over a run (see
/// [`SimulationOutcome::motor_peak_power`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MotorPeakPower {
    /// Who the motor's joint joins, e.g. "\"post\" and \"arm\"".
    pub between: String,
    /// True for a motor of the solution's joints, false for one of the scene's.
    pub of_solution: bool,
    /// The highest |work in one step| ÷ the step's duration, in watts.
    pub peak_w: f64,
}

/// A dynamic body still moving at the end of a run that did not settle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MovingBody {
    /// Its label.
    pub label: String,
    /// Linear speed in m/s at the end.
    pub speed_mps: f64,
    /// Angular speed in rad/s at the end.
    pub angular_speed_radps: f64,
}

/// Everything one simulation run measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationOutcome {
    /// Simulated time actually stepped, in seconds (less than the duration after an early
    /// stop: settled, non-finite state, or a body leaving the bounds).
    pub simulated_s: f64,
    /// Number of steps taken.
    pub steps: usize,
    /// Highest linear speed of any dynamic body, in m/s...
    pub max_speed_mps: f64,
    /// ...which body it was...
    pub max_speed_label: String,
    /// ...and when, in seconds.
    pub max_speed_time_s: f64,
    /// Highest kinetic energy / (potential energy released + motor work + elastic energy the
    /// springs released + margin) seen (unitless).
    pub max_energy_ratio: f64,
    /// When the highest energy ratio was seen, in seconds.
    pub max_energy_ratio_time_s: f64,
    /// Kinetic energy in joules at that moment.
    pub max_energy_ratio_kinetic_j: f64,
    /// Potential energy released (joules) at that moment.
    pub max_energy_ratio_released_j: f64,
    /// Work the motors had done (joules) at that moment.
    #[serde(default)]
    pub max_energy_ratio_motor_j: f64,
    /// Work every motor did over the run, in joules (negative when they mostly braked).
    #[serde(default)]
    pub motor_work_j: f64,
    /// Each motor's highest mechanical power over the run, in the world's motor order (the
    /// scene's joints first, then the solution's): |the work it did in one step| ÷ the
    /// step's duration (`timestep_s`), in watts. Braking counts like driving: a motor must
    /// be rated for the power it handles either way. The solution budget's motor power
    /// (`budget::BudgetUse`) reads it.
    #[serde(default)]
    pub motor_peak_power: Vec<MotorPeakPower>,
    /// Elastic energy the springs had released (joules) at the highest energy ratio: what
    /// they held at the start minus what they held then (negative when they were charged).
    #[serde(default)]
    pub max_energy_ratio_spring_j: f64,
    /// Elastic energy the springs held at the start (a preload), in joules.
    #[serde(default)]
    pub spring_energy_start_j: f64,
    /// The first body whose state went NaN/infinite or that rapier quarantined, and when.
    pub non_finite: Option<(String, f64)>,
    /// Bodies that left the bounds (the run stops at the first such step).
    pub exits: Vec<BodyExit>,
    /// How far each fixed fixture moved over the run.
    pub fixed_drift: Vec<FixedDrift>,
    /// When every dynamic body came to rest (start of the calm window), if it did.
    pub settle_time_s: Option<f64>,
    /// Dynamic bodies still moving at the end, when the scene did not settle.
    pub still_moving: Vec<MovingBody>,
    /// The payload's centre at t = 0, in metres.
    pub payload_start_m: Vec3,
    /// The payload's centre at the end, in metres.
    pub payload_final_m: Vec3,
    /// The payload's centre every 0.1 s (time in s, position in m).
    pub payload_path_m: Vec<(f64, Vec3)>,
    /// When the payload's centre first entered the goal zone, in seconds.
    pub payload_first_in_goal_s: Option<f64>,
    /// True when the payload's centre is inside the goal zone at the end.
    pub payload_in_goal: bool,
    /// Distance from the payload's final centre to the goal zone, in metres (0 inside).
    pub payload_distance_to_goal_m: f64,
    /// Forbid zones the payload's centre entered, with the first time, in seconds.
    pub payload_forbid_entries: Vec<(String, f64)>,
    /// The recorded poses, when recording was asked for.
    pub trajectory: Option<Trajectory>,
    /// Why the run stopped before its simulated duration: the gate's step or time limit
    /// (`limits.physics_steps`, `limits.gate_wall_time_s`) or a cancel. A gate must fail a
    /// run that was cut short: what it did not simulate was not checked.
    #[serde(default)]
    pub cut_short: Option<String>,
}

const PATH_EVERY_S: f64 = 0.1;

/// Steps `world` (built from `scene`) for `settings.duration_s` of simulated time, or until it
/// settles (when `settings.stop_when_settled`), a state goes non-finite or a body leaves the
/// bounds. With `record_every_s`, every body's pose is recorded at that interval.
pub fn simulate(
    world: &mut SceneWorld,
    scene: &Scene,
    settings: &PhysicsSettings,
    record_every_s: Option<f64>,
) -> SimulationOutcome {
    simulate_cancellable(
        world,
        scene,
        settings,
        record_every_s,
        &AtomicBool::new(false),
    )
}

/// How often (in steps) the watchdog looks at the clock and the cancel flag.
const WATCH_EVERY_STEPS: usize = 8;

/// [`simulate`] with a watchdog: the run stops, with the reason in
/// [`SimulationOutcome::cut_short`], at `limits.physics_steps` steps, after
/// `limits.gate_wall_time_s` seconds of wall-clock time, or as soon as `cancel` is set (a
/// session that is stopped or timed out).
pub fn simulate_cancellable(
    world: &mut SceneWorld,
    scene: &Scene,
    settings: &PhysicsSettings,
    record_every_s: Option<f64>,
    cancel: &AtomicBool,
) -> SimulationOutcome {
    let limits = crate::limits::current();
    let started = Instant::now();
    let time_limit = limits.gate_wall_time();
    let dt = settings.timestep_s;
    // A world with motors takes rapier's substeps as steps of their own (one solver
    // iteration each, the same sub-timestep): rapier writes back only the last substep's
    // motor impulse, so only then does every bit of motor work get counted.
    let motor_substeps = if world.motors.is_empty() {
        1
    } else {
        world
            .world
            .integration_parameters
            .num_solver_iterations
            .max(1)
    };
    world.world.integration_parameters.num_solver_iterations /= motor_substeps;
    let sub_dt = dt / motor_substeps as f64;
    world.world.integration_parameters.dt = sub_dt as Real;
    let total_steps = (settings.duration_s / dt).round().max(1.0) as usize;
    let g = -GRAVITY_Z_MPS2;

    let dynamic: Vec<usize> = (0..world.bodies.len())
        .filter(|&i| world.bodies[i].kind == BodyKind::Dynamic)
        .collect();
    for &i in &dynamic {
        let rb = &mut world.world.bodies[world.bodies[i].handle];
        rb.set_angular_damping(settings.rolling_damping_per_s.max(0.0) as Real);
    }
    let start_com_z: Vec<f64> = dynamic
        .iter()
        .map(|&i| {
            world.world.bodies[world.bodies[i].handle]
                .center_of_mass()
                .z as f64
        })
        .collect();
    let masses: Vec<f64> = dynamic
        .iter()
        .map(|&i| world.world.bodies[world.bodies[i].handle].mass() as f64)
        .collect();
    let margin_j = masses.iter().sum::<f64>() * g * settings.energy_margin_drop_m;
    // rapier's solver pushes overlapping or limit-violating bodies apart positionally and
    // then drops that correction from the velocities, so a body can jump while its reported
    // velocity stays near zero. The velocity that counts here is the larger of the reported
    // one and the centre of mass's actual displacement per step.
    let mut previous_com: Vec<Vector> = dynamic
        .iter()
        .map(|&i| world.world.bodies[world.bodies[i].handle].center_of_mass())
        .collect();

    let mut joint_coordinates: Vec<f64> = world
        .motors
        .iter()
        .map(|drive| world.joint_coordinate(drive))
        .collect();

    let payload_handle = world.bodies[world.payload].handle;
    let payload_pos = |w: &SceneWorld| from_vector(w.world.bodies[payload_handle].translation());
    let payload_start_m = payload_pos(world);

    let mut out = SimulationOutcome {
        simulated_s: 0.0,
        steps: 0,
        max_speed_mps: 0.0,
        max_speed_label: String::new(),
        max_speed_time_s: 0.0,
        max_energy_ratio: 0.0,
        max_energy_ratio_time_s: 0.0,
        max_energy_ratio_kinetic_j: 0.0,
        max_energy_ratio_released_j: 0.0,
        max_energy_ratio_motor_j: 0.0,
        motor_work_j: 0.0,
        motor_peak_power: world
            .motors
            .iter()
            .map(|d| MotorPeakPower {
                between: d.between.clone(),
                of_solution: d.of_solution,
                peak_w: 0.0,
            })
            .collect(),
        max_energy_ratio_spring_j: 0.0,
        spring_energy_start_j: world.elastic_energy_j(),
        non_finite: None,
        exits: Vec::new(),
        fixed_drift: Vec::new(),
        settle_time_s: None,
        still_moving: Vec::new(),
        payload_start_m,
        payload_final_m: payload_start_m,
        payload_path_m: vec![(0.0, payload_start_m)],
        payload_first_in_goal_s: scene
            .goal_zone
            .contains_point(payload_start_m)
            .then_some(0.0),
        payload_in_goal: false,
        payload_distance_to_goal_m: 0.0,
        payload_forbid_entries: Vec::new(),
        trajectory: record_every_s.map(|_| Trajectory::default()),
        cut_short: None,
    };
    if let Some(trajectory) = out.trajectory.as_mut() {
        trajectory.frames.push(frame(world, 0.0));
    }
    let record_every_steps = record_every_s.map(|s| ((s / dt).round() as usize).max(1));
    let path_every_steps = ((PATH_EVERY_S / dt).round() as usize).max(1);
    let settle_steps = ((settings.settle_window_s / dt).round() as usize).max(1);
    // A scene at rest before a motor starts (or before its ramp or step is over) is waiting,
    // not settled: calm counts only from then on.
    let motors_quiet_after_s = world
        .motors
        .iter()
        .map(|d| {
            d.motor.start_s
                + match d.motor.profile {
                    crate::scene::MotorProfile::Ramp { duration_s } => duration_s,
                    crate::scene::MotorProfile::Step { at_s } => at_s,
                    _ => 0.0,
                }
        })
        .fold(0.0, f64::max);
    let mut calm_since: Option<usize> = None;

    for step in 1..=total_steps {
        if step as u64 > limits.physics_steps {
            out.cut_short = Some(format!(
                "the simulation needs {total_steps} steps, more than the physics step limit of {} (limits.physics_steps); shorten it or lengthen the timestep",
                limits.physics_steps
            ));
            break;
        }
        if step % WATCH_EVERY_STEPS == 0 {
            if cancel.load(Ordering::Relaxed) {
                out.cut_short = Some(format!(
                    "the simulation was cancelled after {} s",
                    out.simulated_s
                ));
                break;
            }
            if started.elapsed() > time_limit {
                out.cut_short = Some(format!(
                    "the simulation stopped at {:.3} s of simulated time after {:.1} s of wall-clock time, the gate time limit (limits.gate_wall_time_s = {} s); use fewer or simpler parts",
                    out.simulated_s,
                    started.elapsed().as_secs_f64(),
                    limits.gate_wall_time_s
                ));
                break;
            }
        }
        let mut step_work_j = vec![0.0; world.motors.len()];
        for sub in 0..motor_substeps {
            world.drive_motors((step - 1) as f64 * dt + sub as f64 * sub_dt);
            world.world.step();
            add_motor_work(world, sub_dt, &mut joint_coordinates, &mut step_work_j);
        }
        for (peak, work_j) in out.motor_peak_power.iter_mut().zip(&step_work_j) {
            out.motor_work_j += work_j;
            peak.peak_w = peak.peak_w.max(work_j.abs() / dt);
        }
        let t = step as f64 * dt;
        out.steps = step;
        out.simulated_s = t;

        if let Some(&h) = world.world.quarantine().bodies().first() {
            let label = label_of(world, h);
            out.non_finite.get_or_insert((label, t));
        }

        let mut kinetic_j = 0.0;
        let mut released_j = 0.0;
        let mut all_calm = true;
        for (k, &i) in dynamic.iter().enumerate() {
            let body = &world.bodies[i];
            let rb = &world.world.bodies[body.handle];
            let com = rb.center_of_mass();
            let linvel = rb.linvel();
            let angvel = rb.angvel();
            if !(com.is_finite() && linvel.is_finite() && angvel.is_finite()) {
                out.non_finite.get_or_insert((body.label.clone(), t));
                continue;
            }
            let moved_mps = ((com - previous_com[k]).length() as f64) / dt;
            previous_com[k] = com;
            let reported_mps = linvel.length() as f64;
            let speed = reported_mps.max(moved_mps);
            if speed > out.max_speed_mps {
                out.max_speed_mps = speed;
                out.max_speed_label = body.label.clone();
                out.max_speed_time_s = t;
            }
            kinetic_j += rb.kinetic_energy() as f64
                + 0.5 * masses[k] * (speed * speed - reported_mps * reported_mps);
            released_j += masses[k] * g * (start_com_z[k] - com.z as f64);
            if !(rb.is_sleeping()
                || (speed < settings.settle_speed_mps
                    && (angvel.length() as f64) < settings.settle_angular_speed_radps))
            {
                all_calm = false;
            }
            let com_m = from_vector(com);
            if let Some((side, _)) = BoundsSide::of_point(&scene.bounds, com_m) {
                out.exits.push(BodyExit {
                    label: body.label.clone(),
                    side,
                    time_s: t,
                    position_m: com_m,
                });
            }
        }
        // Energy may come from gravity, the motors and the springs' stored elastic energy,
        // nowhere else: what they gave together (lifting loses gravity's share to the motor's,
        // charging a spring takes its share back) bounds the kinetic energy.
        let spring_released_j = out.spring_energy_start_j - world.elastic_energy_j();
        let supplied_j = released_j + out.motor_work_j + spring_released_j;
        let ratio = kinetic_j / (supplied_j.max(0.0) + margin_j).max(f64::MIN_POSITIVE);
        if ratio > out.max_energy_ratio {
            out.max_energy_ratio = ratio;
            out.max_energy_ratio_time_s = t;
            out.max_energy_ratio_kinetic_j = kinetic_j;
            out.max_energy_ratio_released_j = released_j;
            out.max_energy_ratio_motor_j = out.motor_work_j;
            out.max_energy_ratio_spring_j = spring_released_j;
        }

        let p = payload_pos(world);
        if out.payload_first_in_goal_s.is_none() && scene.goal_zone.contains_point(p) {
            out.payload_first_in_goal_s = Some(t);
        }
        for zone in &scene.forbid_zones {
            if zone.zone.contains_point(p)
                && !out
                    .payload_forbid_entries
                    .iter()
                    .any(|(n, _)| *n == zone.name)
            {
                out.payload_forbid_entries.push((zone.name.clone(), t));
            }
        }
        if step % path_every_steps == 0 {
            out.payload_path_m.push((t, p));
        }

        if all_calm && t >= motors_quiet_after_s {
            let since = *calm_since.get_or_insert(step);
            if step + 1 - since >= settle_steps && out.settle_time_s.is_none() {
                out.settle_time_s = Some(since as f64 * dt);
            }
        } else {
            calm_since = None;
            out.settle_time_s = None;
        }

        let stop = out.non_finite.is_some()
            || !out.exits.is_empty()
            || (settings.stop_when_settled && out.settle_time_s.is_some())
            || step == total_steps;
        if let (Some(every), Some(trajectory)) = (record_every_steps, out.trajectory.as_mut()) {
            if step % every == 0 || stop {
                trajectory.frames.push(frame(world, t));
            }
        }
        if stop {
            break;
        }
    }

    let p = payload_pos(world);
    out.payload_final_m = p;
    if out.payload_path_m.last().map(|(t, _)| *t) != Some(out.simulated_s) {
        out.payload_path_m.push((out.simulated_s, p));
    }
    out.payload_in_goal = scene.goal_zone.contains_point(p);
    out.payload_distance_to_goal_m = scene.goal_zone.distance_to_point_m(p);

    for body in world.bodies.iter().filter(|b| b.kind == BodyKind::Fixed) {
        let now = world.world.bodies[body.handle].position();
        let moved_m = (now.translation - body.start_pose.translation).length() as f64;
        let turned_deg = (now.rotation.angle_between(body.start_pose.rotation) as f64).to_degrees();
        if body.role != BodyRole::Payload {
            out.fixed_drift.push(FixedDrift {
                label: body.label.clone(),
                moved_m: if moved_m.is_finite() {
                    moved_m
                } else {
                    f64::INFINITY
                },
                turned_deg: if turned_deg.is_finite() {
                    turned_deg
                } else {
                    f64::INFINITY
                },
            });
        }
    }
    if out.settle_time_s.is_none() {
        for &i in &dynamic {
            let rb = &world.world.bodies[world.bodies[i].handle];
            let speed_mps = rb.linvel().length() as f64;
            let angular_speed_radps = rb.angvel().length() as f64;
            if !rb.is_sleeping()
                && (speed_mps >= settings.settle_speed_mps
                    || angular_speed_radps >= settings.settle_angular_speed_radps)
            {
                out.still_moving.push(MovingBody {
                    label: world.bodies[i].label.clone(),
                    speed_mps,
                    angular_speed_radps,
                });
            }
        }
    }
    out
}

/// The work each motor did during the rapier step just taken, in joules, added to its entry
/// of `work_j` (one per motor, in the world's order): the force (or torque) rapier's solver applied along (or about) the joint's axis,
/// its impulse over the step's `dt` seconds, times how far the joint moved in the step (N × m,
/// or N·m × rad). rapier writes back the last substep's impulse only, so this is exact with
/// one substep per step, as [`simulate_cancellable`] runs a world with motors. The impulse
/// is the one applied to body 1 (body 2 gets its opposite), hence the minus sign for body 2's
/// motion relative to body 1. `coordinates` holds each joint's coordinate at the previous
/// step and is updated.
/// `physics::tests::a_velocity_motor_lifts_its_platform_and_its_work_is_the_energy_it_gave`
/// and its hinge twin hold this against the potential energy a lift gains.
fn add_motor_work(world: &SceneWorld, dt: f64, coordinates: &mut [f64], work_j: &mut [f64]) {
    let substeps = world.world.integration_parameters.num_solver_iterations as f64;
    for ((drive, previous), work_j) in world
        .motors
        .iter()
        .zip(coordinates.iter_mut())
        .zip(work_j.iter_mut())
    {
        let now = world.joint_coordinate(drive);
        let mut moved = now - *previous;
        if drive.revolute {
            // The angle wraps at ±π; a step never turns a joint by half a turn.
            moved = (moved + std::f64::consts::PI).rem_euclid(std::f64::consts::TAU)
                - std::f64::consts::PI;
        }
        *previous = now;
        *work_j -= world.motor_impulse(drive) * substeps / dt * moved;
    }
}

fn label_of(world: &SceneWorld, handle: RigidBodyHandle) -> String {
    world
        .bodies
        .iter()
        .find(|b| b.handle == handle)
        .map(|b| b.label.clone())
        .unwrap_or_else(|| "an unknown body".into())
}

fn frame(world: &SceneWorld, time_s: f64) -> TrajectoryFrame {
    TrajectoryFrame {
        time_s,
        poses: world
            .bodies
            .iter()
            .map(|b| {
                (
                    b.label.clone(),
                    TrajectoryPose::of(world.world.bodies[b.handle].position()),
                )
            })
            .collect(),
    }
}

#[cfg(test)]
mod watchdog_tests {
    use super::*;
    use crate::limits::{with_limits, Limits};
    use crate::physics::{build_world, tests::ball_on_floor};
    use crate::variant::PayloadSpawn;

    fn run(limits: Limits, cancel: &AtomicBool) -> SimulationOutcome {
        let scene = ball_on_floor();
        let mut world = build_world(&scene, &PayloadSpawn::sample(&scene.payload, 0), &[]).unwrap();
        let settings = PhysicsSettings {
            stop_when_settled: false,
            ..PhysicsSettings::default()
        };
        with_limits(limits, || {
            simulate_cancellable(&mut world, &scene, &settings, None, cancel)
        })
    }

    #[test]
    fn the_step_limit_cuts_a_run_short_with_its_reason() {
        let limits = Limits {
            physics_steps: 10,
            ..Limits::default()
        };
        let out = run(limits, &AtomicBool::new(false));
        assert_eq!(out.steps, 10);
        let reason = out.cut_short.expect("cut short");
        assert!(reason.contains("limits.physics_steps"), "{reason}");
    }

    #[test]
    fn a_cancel_stops_the_run_at_the_next_watch() {
        let out = run(Limits::default(), &AtomicBool::new(true));
        assert!(out.steps < WATCH_EVERY_STEPS, "{}", out.steps);
        assert!(out.cut_short.expect("cut short").contains("cancelled"));
    }

    #[test]
    fn a_run_within_the_limits_is_not_cut_short() {
        let out = run(Limits::default(), &AtomicBool::new(false));
        assert_eq!(out.cut_short, None);
        assert!(out.simulated_s > 1.0);
    }
}

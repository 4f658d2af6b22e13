//! Gate 6, solvable: with the reference solution's parts added (inside the build zone, cutting
//! into nothing), the payload reaches the goal zone and the run stays stable.

use crate::gates::geometry::solution_placement_findings;
use crate::gates::overlap::fmt_m;
use crate::gates::physics::stability_findings;
use crate::physics::{
    build_world_with_solution, simulate, BodyRole, PhysicsSettings, SceneWorld, SimulationOutcome,
};
use crate::report::{Finding, GateId, GateResult, SolutionRun};
use crate::scene::{BodyKind, Fixture, Scene, Shape};
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
    /// How each body that can move moved over the run (empty when it did not run).
    pub motions: Vec<BodyMotion>,
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
    let solution = crate::scene::Solution::of_parts(solution.to_vec());
    check_solvable_with_solution(scene, spawn, &solution, settings, record_every_s)
}

/// [`check_solvable`] with the whole reference solution: its parts, joints (and their
/// motors) and springs.
pub fn check_solvable_with_solution(
    scene: &Scene,
    spawn: &PayloadSpawn,
    solution: &crate::scene::Solution,
    settings: &PhysicsSettings,
    record_every_s: Option<f64>,
) -> SolutionCheck {
    let ran = crate::guard::catch_panic(|| {
        let mut world = build_world_with_solution(scene, spawn, solution)?;
        let placement = solution_placement_findings(scene, &world, settings);
        if !placement.is_empty() {
            return Ok((placement, None));
        }
        let outcome = simulate(&mut world, scene, settings, record_every_s);
        let motions = body_motions(&world);
        Ok::<_, crate::physics::PhysicsError>((
            solution_findings(scene, &outcome, &motions, settings),
            Some((outcome, motions)),
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
    let (outcome, motions) = match outcome {
        Some((o, m)) => (Some(o), m),
        None => (None, Vec::new()),
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
        motions,
    }
}

fn solution_findings(
    scene: &Scene,
    outcome: &SimulationOutcome,
    motions: &[BodyMotion],
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
        let miss = diagnose_miss(scene, outcome, motions);
        if let MissCause::RolledBack { .. } = miss.cause {
            // The bounds were not too small: the payload ran out of energy and rolled back
            // out of them. Say so where the exit is reported (the rule stays, so a revision
            // keyed on it still sees the exit).
            for f in findings.iter_mut().filter(|f| {
                f.rule == "left_bounds" && f.message.contains("the payload left the bounds")
            }) {
                f.message = format!(
                    "{}; it rolled back out of the bounds after running out of energy short of the goal (see solution_misses_goal)",
                    f.message.split("; add a floor").next().unwrap_or(&f.message)
                );
            }
        }
        findings.insert(0, Finding::new("solution_misses_goal", miss.message));
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

/// Below this the payload's centre counts as never having moved, in metres.
pub const NEVER_MOVED_M: f64 = 0.005;
/// A payload whose progress toward the goal fell this far below its best before it left the
/// bounds rolled back, in metres.
pub const ROLLED_BACK_M: f64 = 0.02;

/// A non-spherical payload whose up axis ended tilted more than this from its start tipped
/// over, in degrees.
pub const TIPPED_OVER_DEG: f64 = 45.0;

/// How far one body that can move (the payload, a dynamic fixture or solution part) moved
/// and turned over a run: start pose to end pose.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyMotion {
    /// The body's label ([`crate::physics::PAYLOAD_LABEL`] for the payload).
    pub label: String,
    /// Fixture, solution part or payload.
    pub role: BodyRole,
    /// Distance between its start and end origin, in metres.
    pub moved_m: f64,
    /// Angle between its local z axis at the start and at the end, in degrees: 0 upright
    /// as it started, 90 on its side, 180 upside down. A turn about the vertical or a roll
    /// about its own z axis (a cylinder lying on its side rolling) does not count.
    pub tilt_deg: f64,
}

/// The motion of every non-fixed body of `world` after its run, in body order.
pub fn body_motions(world: &SceneWorld) -> Vec<BodyMotion> {
    // The body's local z axis in world coordinates, from its unit quaternion.
    fn z_axis(q: [f64; 4]) -> [f64; 3] {
        let [w, x, y, z] = q;
        [
            2.0 * (x * z + w * y),
            2.0 * (y * z - w * x),
            1.0 - 2.0 * (x * x + y * y),
        ]
    }
    world
        .bodies
        .iter()
        .filter(|b| b.kind != BodyKind::Fixed)
        .map(|b| {
            let now = world.world.bodies[b.handle].position();
            let wxyz = |q: rapier3d::prelude::Rotation| [q.w, q.x, q.y, q.z].map(f64::from);
            let (start, end) = (wxyz(b.start_pose.rotation), wxyz(now.rotation));
            let (a, c) = (z_axis(start), z_axis(end));
            let cos = (a[0] * c[0] + a[1] * c[1] + a[2] * c[2]).clamp(-1.0, 1.0);
            let moved_m = f64::from((now.translation - b.start_pose.translation).length());
            BodyMotion {
                label: b.label.clone(),
                role: b.role,
                moved_m,
                tilt_deg: cos.acos().to_degrees(),
            }
        })
        .collect()
}

/// The other moving bodies' motion in words, for a miss message: each dynamic fixture or
/// solution part that moved (how far in metres, how far it tilted), and how many stayed.
/// Empty when the scene has none.
fn others_motion(scene: &Scene, motions: &[BodyMotion]) -> String {
    // A ball's tilt says nothing (it turns as it rolls): only how far it went.
    let is_ball = |label: &str| {
        scene.fixtures.iter().any(|f| {
            f.label == label
                && f.parts
                    .iter()
                    .all(|p| matches!(p.shape, Shape::Sphere { .. }))
        })
    };
    let others: Vec<&BodyMotion> = motions
        .iter()
        .filter(|m| m.role != BodyRole::Payload)
        .collect();
    if others.is_empty() {
        return String::new();
    }
    let moved: Vec<String> = others
        .iter()
        .filter(|m| m.moved_m >= NEVER_MOVED_M || m.tilt_deg >= 1.0)
        .map(|m| {
            let tilt = if is_ball(&m.label) {
                String::new()
            } else {
                format!(" and tilted {:.0}°", m.tilt_deg)
            };
            format!(
                "{}\"{}\" moved {:.3} m{tilt}",
                if m.role == BodyRole::Solution {
                    "solution part "
                } else {
                    ""
                },
                m.label,
                m.moved_m,
            )
        })
        .collect();
    let stayed = others.len() - moved.len();
    let mut text = if moved.is_empty() {
        "no dynamic part moved".to_string()
    } else {
        format!("dynamic parts: {}", moved.join(", "))
    };
    if stayed > 0 && !moved.is_empty() {
        text.push_str(&format!(" ({stayed} other dynamic part(s) stayed put)"));
    }
    text
}

/// Why the payload missed the goal with the reference solution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MissCause {
    /// Its centre stayed within [`NEVER_MOVED_M`] of the start: nothing set it in motion.
    NeverMoved {
        /// The farthest its centre got from the start, in metres.
        moved_m: f64,
    },
    /// It made progress toward the goal, fell back and left the bounds.
    RolledBack {
        /// The most progress toward the goal, in metres along the start→goal direction.
        best_progress_m: f64,
        /// Its centre z where it got farthest, in metres.
        farthest_z_m: f64,
        /// Its speed when it left, in m/s (from the last path samples).
        exit_speed_mps: f64,
    },
    /// Its centre never rose to the goal zone's floor: not enough energy.
    StoppedShort {
        /// Its highest centre z, in metres.
        highest_z_m: f64,
        /// The goal zone's lowest z, in metres.
        goal_min_z_m: f64,
    },
    /// A non-spherical payload ended tilted more than [`TIPPED_OVER_DEG`] from its start.
    TippedOver {
        /// How far its local z axis ended from its start direction, in degrees.
        tilt_deg: f64,
    },
    /// Anything else (it passed beside or over the goal, or through it without staying).
    Elsewhere,
}

/// A classified miss and its message (a headline with the numbers, then what to change,
/// separated by "; ").
#[derive(Debug, Clone, PartialEq)]
pub struct MissDiagnosis {
    /// The cause.
    pub cause: MissCause,
    /// The message for the finding.
    pub message: String,
}

/// Classifies why the payload missed the goal in `outcome` (a run of `scene` with the
/// reference solution), from its sampled path and every moving body's `motions` (see
/// [`body_motions`]); the message ends with what the other dynamic parts did.
pub fn diagnose_miss(
    scene: &Scene,
    outcome: &SimulationOutcome,
    motions: &[BodyMotion],
) -> MissDiagnosis {
    let mut miss = classify_miss(scene, outcome, motions);
    let others = others_motion(scene, motions);
    if !others.is_empty() {
        miss.message = format!("{}; {others}", miss.message);
    }
    miss
}

fn classify_miss(
    scene: &Scene,
    outcome: &SimulationOutcome,
    motions: &[BodyMotion],
) -> MissDiagnosis {
    let start = outcome.payload_start_m;
    let path = &outcome.payload_path_m;
    let dist = |a: [f64; 3], b: [f64; 3]| {
        ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
    };
    let moved_m = path
        .iter()
        .map(|(_, p)| dist(*p, start))
        .fold(0.0, f64::max);
    let (highest_t, highest_z_m) = path
        .iter()
        .map(|(t, p)| (*t, p[2]))
        .fold((0.0, start[2]), |a, b| if b.1 > a.1 { b } else { a });
    let goal = scene.goal_zone;
    let goal_min_z_m = goal.min_m[2];
    let to_goal = {
        let c = goal.center_m();
        let d = [c[0] - start[0], c[1] - start[1], c[2] - start[2]];
        let n = dist(d, [0.0; 3]).max(f64::MIN_POSITIVE);
        d.map(|x| x / n)
    };
    let progress = |p: [f64; 3]| {
        (p[0] - start[0]) * to_goal[0]
            + (p[1] - start[1]) * to_goal[1]
            + (p[2] - start[2]) * to_goal[2]
    };
    let (farthest_t, farthest_m, best_progress_m) = path
        .iter()
        .map(|(t, p)| (*t, *p, progress(*p)))
        .fold((0.0, start, 0.0), |a, b| if b.2 > a.2 { b } else { a });
    let final_m = outcome.payload_final_m;
    let short_m = outcome.payload_distance_to_goal_m;
    let payload_exit = outcome
        .exits
        .iter()
        .find(|e| e.label == crate::physics::PAYLOAD_LABEL);

    if moved_m < NEVER_MOVED_M {
        let message = format!(
            "with the reference solution the payload never moved: its centre stayed within {moved_m:.3} m of its start {} over {:.1} s, {short_m:.3} m from the goal zone; \
             every body starts at rest and gravity, joint motors and springs are the only energy sources, so give it a slope to roll down, an edge to fall from, a part that tips or falls onto it, or a motor or a preloaded spring that moves it",
            fmt_m(start),
            outcome.simulated_s
        );
        return MissDiagnosis {
            cause: MissCause::NeverMoved { moved_m },
            message,
        };
    }
    let payload_tilt = motions
        .iter()
        .find(|m| m.role == BodyRole::Payload)
        .map(|m| m.tilt_deg);
    match (payload_tilt, &scene.payload.shape) {
        (Some(tilt_deg), shape)
            if tilt_deg > TIPPED_OVER_DEG && !matches!(shape, Shape::Sphere { .. }) =>
        {
            let message = format!(
                "with the reference solution the payload tipped over: the {} ended with its z axis tilted {tilt_deg:.0}° from its start (more than {TIPPED_OVER_DEG:.0}°), at {}, {short_m:.3} m from the goal zone after {:.1} s; \
                 keep it upright: a lower drop, a gentler slope, a guide or rail along its path, or a wider base",
                shape.kind_name(),
                fmt_m(final_m),
                outcome.simulated_s
            );
            return MissDiagnosis {
                cause: MissCause::TippedOver { tilt_deg },
                message,
            };
        }
        _ => {}
    }
    if let Some(exit) = payload_exit {
        let at_exit = progress(exit.position_m);
        if best_progress_m - at_exit > ROLLED_BACK_M {
            let exit_speed_mps = match path.len() {
                n if n >= 2 => {
                    let (t0, p0) = path[n - 2];
                    let (t1, p1) = path[n - 1];
                    dist(p1, p0) / (t1 - t0).max(1e-6)
                }
                _ => 0.0,
            };
            let message = format!(
                "with the reference solution the payload got {best_progress_m:.3} m toward the goal (farthest at t={farthest_t:.2} s with its centre at {}; the goal zone starts at z = {goal_min_z_m:.3} m), \
                 then rolled back and left the bounds through {} at t={:.2} s at {exit_speed_mps:.2} m/s; \
                 not enough energy to reach the goal: start the payload higher, lower or bring the goal nearer, or make the solution's path less steep",
                fmt_m(farthest_m),
                exit.side,
                exit.time_s
            );
            return MissDiagnosis {
                cause: MissCause::RolledBack {
                    best_progress_m,
                    farthest_z_m: farthest_m[2],
                    exit_speed_mps,
                },
                message,
            };
        }
    }
    if highest_z_m < goal_min_z_m {
        let message = format!(
            "with the reference solution the payload stopped {short_m:.3} m short of the goal zone: its centre rose at most to z = {highest_z_m:.3} m (t={highest_t:.2} s, start z = {:.3} m) but the goal zone starts at z = {goal_min_z_m:.3} m; \
             not enough energy: gravity, motors and preloaded springs are the only sources, so without a motor or a spring the payload cannot end above its start unless a body falling further lifts it; ended at {} after {:.1} s",
            start[2],
            fmt_m(final_m),
            outcome.simulated_s
        );
        return MissDiagnosis {
            cause: MissCause::StoppedShort {
                highest_z_m,
                goal_min_z_m,
            },
            message,
        };
    }
    let closest = path
        .iter()
        .map(|(t, p)| (*t, goal.distance_to_point_m(*p)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((0.0, short_m));
    let passed_through = match outcome.payload_first_in_goal_s {
        Some(t) => format!("it passed through the goal at t={t:.2} s but did not stay"),
        None => format!(
            "it came closest ({:.3} m) at t={:.2} s",
            closest.1, closest.0
        ),
    };
    MissDiagnosis {
        cause: MissCause::Elsewhere,
        message: format!(
            "with the reference solution the payload ended at {}, {short_m:.3} m from the goal zone {} to {} after {:.1} s; \
             {passed_through}; change the solution so it guides the payload into the goal",
            fmt_m(final_m),
            fmt_m(goal.min_m),
            fmt_m(goal.max_m),
            outcome.simulated_s
        ),
    }
}

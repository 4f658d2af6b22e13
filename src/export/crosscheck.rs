//! Cross-check of the MJCF export: the same variant simulated in rapier (the simulator the
//! gates use) and in MuJoCo (through `scripts/crosscheck.py` and the `mujoco` Python
//! package), compared on the payload's final position and on the outcome (goal reached or
//! not), passive and with the reference solution.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use super::mjcf::{to_mjcf_with_solution, MjcfError, MjcfOptions};
use crate::physics::{build_world_with_solution, simulate, PhysicsSettings};
use crate::scene::{Scene, Vec3};
use crate::variant::PayloadSpawn;

/// The cross-check script, embedded so the binary needs no source tree.
pub const SCRIPT: &str = include_str!("../../scripts/crosscheck.py");

/// Default tolerance on the payload's final position without a solution, in metres.
pub const PASSIVE_TOLERANCE_M: f64 = 0.03;
/// Default tolerance on the payload's final position with the reference solution, in metres.
pub const SOLUTION_TOLERANCE_M: f64 = 0.06;

/// Why a cross-check could not run (a disagreement is a result, not an error).
#[derive(Debug, thiserror::Error)]
pub enum CrosscheckError {
    /// The variant cannot be exported.
    #[error("{name}: {source}")]
    Export {
        /// The variant.
        name: String,
        /// Why.
        source: MjcfError,
    },
    /// rapier cannot build the variant.
    #[error("{name}: rapier cannot build it: {why}")]
    Rapier {
        /// The variant.
        name: String,
        /// Why.
        why: String,
    },
    /// Writing the work files failed.
    #[error("cross-check: cannot write {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Python or its `mujoco` package is missing.
    #[error("cross-check needs MuJoCo: {0}; install it with `python3 -m venv .venv && .venv/bin/pip install mujoco` and put .venv/bin first on PATH")]
    MujocoMissing(String),
    /// MuJoCo rejected a file or the script failed.
    #[error("MuJoCo failed: {0}")]
    Mujoco(String),
}

/// How to cross-check.
#[derive(Debug, Clone, PartialEq)]
pub struct CrosscheckOptions {
    /// Largest allowed distance between the engines' final payload positions without a
    /// solution, in metres.
    pub passive_tolerance_m: f64,
    /// The same with the reference solution, in metres.
    pub solution_tolerance_m: f64,
    /// The Python interpreter that has `mujoco`.
    pub python: String,
    /// The simulator's settings (the gates' defaults unless the benchmark recorded others).
    pub physics: PhysicsSettings,
}

impl Default for CrosscheckOptions {
    fn default() -> Self {
        Self {
            passive_tolerance_m: PASSIVE_TOLERANCE_M,
            solution_tolerance_m: SOLUTION_TOLERANCE_M,
            python: "python3".into(),
            physics: PhysicsSettings::default(),
        }
    }
}

/// One variant to cross-check.
#[derive(Debug, Clone)]
pub struct Variant {
    /// A name for the report, e.g. `ball_gap_bridge seed 3`.
    pub name: String,
    /// The scene.
    pub scene: Scene,
    /// The payload's spawn.
    pub spawn: PayloadSpawn,
    /// The reference solution, when the script has `solve`.
    pub solution: Option<crate::scene::Solution>,
}

/// What one engine did with one variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineRun {
    /// The payload's final centre, in metres.
    pub payload_final_m: Vec3,
    /// True when it ended in the goal zone.
    pub in_goal: bool,
}

/// The two engines on one run (passive or with the solution).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Simulated time of both runs, in seconds (rapier's, which stops once settled).
    pub simulated_s: f64,
    /// rapier's run.
    pub rapier: EngineRun,
    /// MuJoCo's run.
    pub mujoco: EngineRun,
    /// Distance between the two final payload positions, in metres.
    pub distance_m: f64,
    /// The tolerance it is held to, in metres.
    pub tolerance_m: f64,
    /// Warnings MuJoCo raised while stepping.
    pub mujoco_warnings: Vec<String>,
}

impl Comparison {
    /// True when both engines agree on the outcome, the distance is within tolerance and
    /// MuJoCo raised no warning.
    pub fn agrees(&self) -> bool {
        self.rapier.in_goal == self.mujoco.in_goal
            && self.distance_m <= self.tolerance_m
            && self.mujoco_warnings.is_empty()
    }
}

/// The cross-check of one variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantCheck {
    /// The variant's name.
    pub name: String,
    /// Without a solution.
    pub passive: Comparison,
    /// With the reference solution, when there is one.
    pub solution: Option<Comparison>,
}

/// The cross-check of several variants.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CrosscheckReport {
    /// One check per variant, in the order given.
    pub variants: Vec<VariantCheck>,
}

impl CrosscheckReport {
    /// The largest passive distance, in metres, with its variant.
    pub fn worst_passive(&self) -> Option<(&str, f64)> {
        self.variants
            .iter()
            .map(|v| (v.name.as_str(), v.passive.distance_m))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// The largest with-solution distance, in metres, with its variant.
    pub fn worst_solution(&self) -> Option<(&str, f64)> {
        self.variants
            .iter()
            .filter_map(|v| v.solution.as_ref().map(|s| (v.name.as_str(), s.distance_m)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// One line per disagreement (empty when the engines agree everywhere).
    pub fn disagreements(&self) -> Vec<String> {
        let mut out = Vec::new();
        for v in &self.variants {
            let runs = [
                ("passive", Some(&v.passive)),
                ("solution", v.solution.as_ref()),
            ];
            for (what, c) in runs {
                let Some(c) = c else { continue };
                if c.agrees() {
                    continue;
                }
                let mut why = Vec::new();
                if c.rapier.in_goal != c.mujoco.in_goal {
                    why.push(format!(
                        "goal reached in rapier: {}, in MuJoCo: {}",
                        c.rapier.in_goal, c.mujoco.in_goal
                    ));
                }
                if c.distance_m > c.tolerance_m {
                    why.push(format!(
                        "payload ends {:.3} m apart (tolerance {:.3} m): rapier {}, MuJoCo {}",
                        c.distance_m,
                        c.tolerance_m,
                        fmt_m(c.rapier.payload_final_m),
                        fmt_m(c.mujoco.payload_final_m)
                    ));
                }
                if !c.mujoco_warnings.is_empty() {
                    why.push(format!("MuJoCo warned: {}", c.mujoco_warnings.join("; ")));
                }
                out.push(format!("{} ({what}): {}", v.name, why.join("; ")));
            }
        }
        out
    }
}

fn fmt_m(p: Vec3) -> String {
    format!("({:.3}, {:.3}, {:.3}) m", p[0], p[1], p[2])
}

/// One MuJoCo run the script performs.
#[derive(Debug, Clone, Serialize)]
pub struct MujocoCase {
    /// A name to match the answer.
    pub name: String,
    /// The MJCF file.
    pub xml: PathBuf,
    /// Simulated time, in seconds.
    pub duration_s: f64,
    /// How often the payload's position is sampled, in seconds.
    pub sample_every_s: f64,
}

/// What MuJoCo did in one case.
#[derive(Debug, Clone, Deserialize)]
pub struct MujocoRun {
    /// The case's name.
    pub name: String,
    /// The payload's final centre, in metres.
    pub payload_final_m: Vec3,
    /// `(time in s, payload centre in m)` every `sample_every_s`.
    pub payload_path_m: Vec<(f64, Vec3)>,
    /// True when the payload ended in the goal zone.
    pub in_goal: bool,
    /// When the payload first entered the goal zone, in seconds.
    pub first_in_goal_s: Option<f64>,
    /// Every named body's final origin (its fixture pose origin), in metres.
    pub bodies_final_m: std::collections::BTreeMap<String, Vec3>,
    /// Steps taken.
    pub steps: usize,
    /// MuJoCo's timestep, in seconds.
    pub timestep_s: f64,
    /// Warnings raised.
    pub warnings: Vec<String>,
}

#[derive(Deserialize)]
struct MujocoAnswer {
    cases: Vec<MujocoRun>,
}

/// True when `python` can import MuJoCo's Python package (what a cross-check needs).
pub fn mujoco_available(python: &str) -> bool {
    std::process::Command::new(python)
        .args(["-c", "import mujoco"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// A fresh folder for one cross-check's files.
pub fn work_dir() -> Result<PathBuf, CrosscheckError> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "benchforge-crosscheck-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    Ok(dir)
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CrosscheckError {
    let path = path.display().to_string();
    move |source| CrosscheckError::Io { path, source }
}

/// Runs `cases` in MuJoCo with `python` (in one process), from files in `dir`.
pub fn run_mujoco(
    cases: &[MujocoCase],
    python: &str,
    dir: &Path,
) -> Result<Vec<MujocoRun>, CrosscheckError> {
    let script = dir.join("crosscheck.py");
    std::fs::write(&script, SCRIPT).map_err(io(&script))?;
    let manifest = dir.join("manifest.json");
    let text = serde_json::json!({ "cases": cases }).to_string();
    std::fs::write(&manifest, text).map_err(io(&manifest))?;
    let out = Command::new(python)
        .arg(&script)
        .arg(&manifest)
        .output()
        .map_err(|e| CrosscheckError::MujocoMissing(format!("cannot run {python}: {e}")))?;
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
    match out.status.code() {
        Some(0) => {}
        Some(2) => return Err(CrosscheckError::MujocoMissing(stderr)),
        _ => return Err(CrosscheckError::Mujoco(stderr)),
    }
    let answer: MujocoAnswer = serde_json::from_slice(&out.stdout).map_err(|e| {
        CrosscheckError::Mujoco(format!("crosscheck.py printed no usable JSON: {e}"))
    })?;
    Ok(answer.cases)
}

struct Pending {
    simulated_s: f64,
    rapier: EngineRun,
    tolerance_m: f64,
}

/// Simulates every variant in both engines and compares them.
pub fn crosscheck(
    variants: &[Variant],
    options: &CrosscheckOptions,
) -> Result<CrosscheckReport, CrosscheckError> {
    let dir = work_dir()?;
    let result = crosscheck_in(variants, options, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn crosscheck_in(
    variants: &[Variant],
    options: &CrosscheckOptions,
    dir: &Path,
) -> Result<CrosscheckReport, CrosscheckError> {
    let mjcf_options = MjcfOptions::from_physics(&options.physics);
    let mut cases = Vec::new();
    let mut pending = Vec::new();
    for (i, v) in variants.iter().enumerate() {
        let passive = crate::scene::Solution::default();
        let runs = [(false, Some(&passive)), (true, v.solution.as_ref())];
        for (with_solution, parts) in runs {
            let Some(parts) = parts else { continue };
            let mut world = build_world_with_solution(&v.scene, &v.spawn, parts).map_err(|e| {
                CrosscheckError::Rapier {
                    name: v.name.clone(),
                    why: e.to_string(),
                }
            })?;
            let outcome = simulate(&mut world, &v.scene, &options.physics, None);
            let name = format!("{i}-{}", if with_solution { "solution" } else { "passive" });
            let xml = to_mjcf_with_solution(&v.scene, &v.spawn, parts, &name, &mjcf_options)
                .map_err(|source| CrosscheckError::Export {
                    name: v.name.clone(),
                    source,
                })?;
            let path = dir.join(format!("{name}.xml"));
            std::fs::write(&path, xml).map_err(io(&path))?;
            cases.push(MujocoCase {
                name,
                xml: path,
                duration_s: outcome.simulated_s,
                sample_every_s: 0.1,
            });
            pending.push(Pending {
                simulated_s: outcome.simulated_s,
                rapier: EngineRun {
                    payload_final_m: outcome.payload_final_m,
                    in_goal: outcome.payload_in_goal,
                },
                tolerance_m: if with_solution {
                    options.solution_tolerance_m
                } else {
                    options.passive_tolerance_m
                },
            });
        }
    }
    let runs = run_mujoco(&cases, &options.python, dir)?;
    if runs.len() != cases.len() {
        return Err(CrosscheckError::Mujoco(format!(
            "crosscheck.py answered {} of {} cases",
            runs.len(),
            cases.len()
        )));
    }
    let mut comparisons = pending.into_iter().zip(runs).map(|(p, m)| {
        let d = (0..3)
            .map(|k| (p.rapier.payload_final_m[k] - m.payload_final_m[k]).powi(2))
            .sum::<f64>()
            .sqrt();
        Comparison {
            simulated_s: p.simulated_s,
            rapier: p.rapier,
            mujoco: EngineRun {
                payload_final_m: m.payload_final_m,
                in_goal: m.in_goal,
            },
            distance_m: d,
            tolerance_m: p.tolerance_m,
            mujoco_warnings: m.warnings,
        }
    });
    let mut report = CrosscheckReport::default();
    for v in variants {
        let passive = comparisons.next().expect("one passive case per variant");
        let solution = v
            .solution
            .as_ref()
            .map(|_| comparisons.next().expect("one solution case per solution"));
        report.variants.push(VariantCheck {
            name: v.name.clone(),
            passive,
            solution,
        });
    }
    Ok(report)
}

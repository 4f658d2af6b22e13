//! Times validation (gates 3–6, rapier) per variant and for 8 seeds, and steps the same
//! exported scene in MuJoCo side by side, printing the ratio.
//!
//! Run: `cargo bench --bench validate` (release, one thread). MuJoCo's side needs `python3`
//! with the `mujoco` package on PATH (e.g. `PATH=$PWD/.venv-ci/bin:$PATH`); without it that
//! column is skipped.

#[path = "../tests/common/scenes.rs"]
#[allow(dead_code)]
mod scenes;

use std::process::Command;
use std::time::Instant;

use benchforge::export::mjcf::to_mjcf;
use benchforge::gates::physical::run_physical_gates;
use benchforge::physics::{build_world, simulate, PhysicsSettings};
use benchforge::scene::{Scene, Solution};
use benchforge::script::SceneScript;
use benchforge::validate::{validate_script, ValidateOptions};
use benchforge::variant::{PayloadSpawn, ScaleRanges};

const SEEDS: u64 = 8;

/// Builds the variant of one seed.
type MakeVariant = Box<dyn Fn(u64) -> Variant>;

/// One variant to time: the scene, its payload spawn and the reference solution.
struct Variant {
    scene: Scene,
    spawn: PayloadSpawn,
    solution: Option<Solution>,
}

/// Every example script, built per seed the way `validate` builds it.
fn examples() -> Vec<(String, MakeVariant, String)> {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/actors/coder/examples");
    let mut paths: Vec<_> = std::fs::read_dir(folder)
        .expect("examples folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rhai"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let source = std::fs::read_to_string(&path).expect("readable example");
            let script = SceneScript::compile(&source).expect("example compiles");
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let make = move |seed: u64| {
                let scale = ScaleRanges::default().sample(seed);
                let scene = script.build(seed, scale).expect("example builds");
                Variant {
                    spawn: PayloadSpawn::sample(&scene.payload, seed),
                    solution: script.solve(seed, scale).expect("example solves"),
                    scene,
                }
            };
            (name, Box::new(make) as MakeVariant, source)
        })
        .collect()
}

fn hand_built() -> Vec<(String, MakeVariant)> {
    vec![
        (
            "pit (hand-built)".to_string(),
            Box::new(|seed| {
                let scene = scenes::pit();
                Variant {
                    spawn: PayloadSpawn::sample(&scene.payload, seed),
                    scene,
                    solution: Some(Solution::of_parts(vec![scenes::ramp("ramp", true)])),
                }
            }),
        ),
        (
            "mechanism (hand-built)".to_string(),
            Box::new(|seed| {
                let scene = scenes::mechanism();
                Variant {
                    spawn: PayloadSpawn::sample(&scene.payload, seed),
                    scene,
                    solution: None,
                }
            }),
        ),
    ]
}

/// Wall time of stepping the exported variant in MuJoCo for `duration_s`.
fn mujoco_wall_s(variant: &Variant, duration_s: f64) -> Option<f64> {
    let path = std::env::temp_dir().join(format!("benchforge-bench-{}.xml", std::process::id()));
    std::fs::write(
        &path,
        to_mjcf(&variant.scene, &variant.spawn, "bench").ok()?,
    )
    .ok()?;
    let out = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/mujoco_check.py"
        ))
        .arg(&path)
        .args(["--duration-s", &duration_s.to_string(), "--json"])
        .output()
        .ok()?;
    std::fs::remove_file(&path).ok();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    report["wall_s"].as_f64()
}

fn main() {
    let settings = PhysicsSettings::default();
    let mujoco = benchforge::export::crosscheck::mujoco_available("python3");
    if !mujoco {
        println!("(python3 cannot import mujoco: MuJoCo column skipped)");
    }
    println!(
        "timestep {:.4} s, {} s simulated per run, early stop when settled: {}",
        settings.timestep_s, settings.duration_s, settings.stop_when_settled
    );
    // The target: `validate` (gates 1-7, script included) on one thread for all 8 seeds.
    let sequential = ValidateOptions {
        parallel: false,
        ..ValidateOptions::default()
    };
    let mut cases: Vec<(String, MakeVariant)> = Vec::new();
    for (name, make, source) in examples() {
        let started = Instant::now();
        let report = validate_script(&source, &sequential).expect("example compiles");
        println!(
            "validate {name}: all {SEEDS} seeds (gates 1-7, one thread) {:.1} ms, passed: {}",
            started.elapsed().as_secs_f64() * 1e3,
            report.passed()
        );
        cases.push((name, make));
    }
    cases.extend(hand_built());
    for (name, make) in cases {
        println!("\n== {name}");
        let all = Instant::now();
        let mut passed = 0;
        for seed in 0..SEEDS {
            let variant = make(seed);
            let started = Instant::now();
            let gates = run_physical_gates(
                &variant.scene,
                &variant.spawn,
                variant.solution.as_ref(),
                &settings,
                None,
            );
            let took = started.elapsed().as_secs_f64();
            passed += gates.passed() as usize;
            let simulated = gates.passive.as_ref().map_or(0.0, |p| p.simulated_s);
            println!(
                "seed {seed}: gates 3-6 {} in {:.2} ms (passive run stopped at {:.2} s simulated)",
                if gates.passed() { "pass" } else { "FAIL" },
                took * 1e3,
                simulated
            );
        }
        println!(
            "all {SEEDS} seeds: {:.1} ms ({passed}/{SEEDS} passed)",
            all.elapsed().as_secs_f64() * 1e3
        );

        // Side by side: the full 10 s, no early stop, in both engines.
        let variant = make(0);
        let full = PhysicsSettings {
            stop_when_settled: false,
            ..settings.clone()
        };
        let mut world = build_world(&variant.scene, &variant.spawn, &[]).expect("scene builds");
        let started = Instant::now();
        let outcome = simulate(&mut world, &variant.scene, &full, None);
        let rapier_s = started.elapsed().as_secs_f64();
        print!(
            "seed 0, {:.0} s simulated without early stop: rapier {:.2} ms ({} steps of {:.4} s)",
            outcome.simulated_s,
            rapier_s * 1e3,
            outcome.steps,
            full.timestep_s
        );
        if mujoco {
            match mujoco_wall_s(&variant, full.duration_s) {
                Some(mujoco_s) => println!(
                    ", MuJoCo {:.2} ms ({} steps of 0.002 s); rapier/MuJoCo = {:.2}",
                    mujoco_s * 1e3,
                    (full.duration_s / 0.002).round(),
                    rapier_s / mujoco_s
                ),
                None => println!(", MuJoCo: export or run failed"),
            }
        } else {
            println!();
        }
    }
}

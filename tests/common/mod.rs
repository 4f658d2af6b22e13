//! Helpers shared by the integration tests: running the real binary with a hang guard, and
//! a small scene that passes gates 1–2 for tests to break one rule at a time.

#![allow(dead_code)]

pub mod daemon;
pub mod engine;
pub mod revalidate;
pub mod scenes;

#[allow(unused_imports)]
pub use daemon::*;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use benchforge::scene::{Aabb, BodyKind, Fixture, Material, Part, Payload, Pose, Scene, Shape};

/// What one run of the binary produced.
#[derive(Debug)]
pub struct RunOutput {
    /// Exit code (None when killed by the hang guard).
    pub code: Option<i32>,
    /// Everything on stdout.
    pub stdout: String,
    /// Everything on stderr.
    pub stderr: String,
}

/// Generous guard against a hung process; not a timing assertion.
pub const HANG_GUARD: Duration = Duration::from_secs(60);

/// Runs `benchforge` with `args`, killing it if it outlives [`HANG_GUARD`].
pub fn run_benchforge(args: &[&str]) -> RunOutput {
    let mut child = Command::new(env!("CARGO_BIN_EXE_benchforge"))
        .args(args)
        .current_dir(repo_root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the benchforge binary starts");
    let mut stdout_pipe = child.stdout.take().expect("piped stdout");
    let mut stderr_pipe = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout_pipe.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr_pipe.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().expect("waiting on benchforge") {
            break status.code();
        }
        if start.elapsed() > HANG_GUARD {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    RunOutput {
        code,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    }
}

/// The repository root (where Cargo.toml is).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `*.rhai` file in a folder of the repository, sorted.
pub fn rhai_files(folder: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join(folder))
        .expect("folder exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rhai"))
        .collect();
    files.sort();
    files
}

/// The path relative to the repository root, as a string.
pub fn relative(path: &Path) -> String {
    path.strip_prefix(repo_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A scene that passes gate 2: a floor, a ball resting on it inside the build zone, a goal
/// beside it, one forbid zone away from both.
pub fn valid_scene() -> Scene {
    Scene {
        bounds: Aabb::new([-1.0, -1.0, -0.1], [1.0, 1.0, 1.0]),
        fixtures: vec![Fixture {
            label: "floor".into(),
            body: BodyKind::Fixed,
            material: Material::Concrete,
            pose: Pose::at([0.0, 0.0, -0.025]),
            parts: vec![Part {
                shape: Shape::Box {
                    size_m: [2.0, 2.0, 0.05],
                },
                local_pose: Pose::default(),
            }],
        }],
        joints: vec![],
        springs: vec![],
        payload: Payload {
            shape: Shape::Sphere { radius_m: 0.03 },
            size_factor_range: [0.9, 1.1],
            material: Material::Steel,
            start_m: [0.0, 0.0, 0.04],
            jitter_m: [0.01, 0.01, 0.0],
        },
        goal_zone: Aabb::new([0.4, -0.2, 0.0], [0.8, 0.2, 0.3]),
        forbid_zones: vec![benchforge::scene::ForbidZone {
            name: "pit".into(),
            zone: Aabb::new([-0.6, 0.5, 0.0], [-0.3, 0.8, 0.2]),
        }],
        build_zone: Aabb::new([-0.8, -0.8, 0.0], [0.8, 0.8, 0.9]),
    }
}

/// A solution part: a box of `size_m` centred at `center_m`.
pub fn solution_box(label: &str, size_m: [f64; 3], center_m: [f64; 3]) -> Fixture {
    Fixture {
        label: label.into(),
        body: BodyKind::Fixed,
        material: Material::Wood,
        pose: Pose::at(center_m),
        parts: vec![Part {
            shape: Shape::Box { size_m },
            local_pose: Pose::default(),
        }],
    }
}

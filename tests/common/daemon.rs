//! Helpers for the daemon tests: temporary data dirs, running the real binary, waiting on its
//! log, and checking the dataset on disk.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A fresh, empty folder under the system temp dir.
pub fn temp_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("bf-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The benchforge binary with the given environment, running the real procedural agents.
pub fn benchforge(env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_benchforge"));
    cmd.env("BENCHFORGE_HEARTBEAT_S", "0.5")
        .env_remove("BENCHFORGE_FAULT")
        .env_remove("RUST_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Runs to the end, with a timeout.
pub fn run_to_end(mut cmd: Command, timeout: Duration) -> Output {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_output(child, timeout)
}

/// How long a daemon test waits for a run over a few themes to end.
pub const RUN_GUARD: Duration = Duration::from_secs(90);

/// Runs `run --until-idle --config CONFIG` with `env` to its end and returns its output.
pub fn run_until_idle(env: &[(&str, &str)], config: &Path) -> Output {
    let mut cmd = benchforge(env);
    cmd.args(["run", "--until-idle", "--config"]).arg(config);
    run_to_end(cmd, RUN_GUARD)
}

/// The same, asserting that it exits 0 (the stderr tail shown otherwise).
pub fn run_until_idle_ok(env: &[(&str, &str)], config: &Path) -> Output {
    let out = run_until_idle(env, config);
    assert!(
        out.status.success(),
        "run --until-idle failed: {}",
        tail(&String::from_utf8_lossy(&out.stderr), 30)
    );
    out
}

/// Starts `run --config CONFIG` with `env` in the background, output piped.
pub fn spawn_run(env: &[(&str, &str)], config: &Path) -> Child {
    benchforge(env)
        .args(["run", "--config"])
        .arg(config)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Starts `run --config CONFIG` with `env` in the background, its output discarded (for
/// runs long enough to fill a pipe nobody reads; the log file has everything).
pub fn spawn_run_quiet(env: &[(&str, &str)], config: &Path) -> Child {
    benchforge(env)
        .args(["run", "--config"])
        .arg(config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits for `child` to exit (killing it after `timeout`) and collects its output.
pub fn wait_output(mut child: Child, timeout: Duration) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "process did not finish within {timeout:?}; stderr tail:\n{}",
                tail(&String::from_utf8_lossy(&out.stderr), 40)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The last `n` lines of `text`.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The daemon's log file under `data_dir`.
pub fn log_text(data_dir: &Path) -> String {
    std::fs::read_to_string(data_dir.join("logs").join("benchforge.log")).unwrap_or_default()
}

/// Waits until `cond` holds (panics with `what` after `timeout`).
pub fn wait_until(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        if start.elapsed() > timeout {
            panic!("timed out waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Writes a daemon config with the given themes (prompt, count) into `dir/benchforge.toml`.
pub fn write_config(dir: &Path, data_dir: &Path, themes: &[(&str, u32)]) -> PathBuf {
    let mut text = format!(
        "data_dir = {:?}\nconcurrency = 2\nwatch_interval_s = 0.1\n\n[gates]\nseeds = 2\npassive_time_s = 10.0\nmax_speed_mps = 100.0\npenetration_tolerance_m = 0.002\n",
        data_dir.display().to_string()
    );
    for (prompt, count) in themes {
        text.push_str(&format!(
            "\n[[themes]]\nprompt = {prompt:?}\ncount = {count}\n"
        ));
    }
    let path = dir.join("benchforge.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Index lines' ids.
pub fn index_ids(data_dir: &Path) -> Vec<String> {
    std::fs::read_to_string(data_dir.join("index.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("torn index line {l:?}: {e}"));
            v["id"].as_str().unwrap().to_string()
        })
        .collect()
}

/// Checks the dataset: exactly `expected` benchmarks, each complete, each indexed once, no
/// temporary folder left. Returns the benchmark folders.
pub fn check_dataset(data_dir: &Path, expected: usize) -> Vec<PathBuf> {
    let dirs = check_folders(data_dir, expected);
    // Every benchmark the real agents made reproduces from its own folder.
    for dir in &dirs {
        super::revalidate::assert_reproduces(dir);
    }
    dirs
}

/// Like [`check_dataset`], for stand-in steps whose "benchmarks" have files but no real
/// scenes to re-validate.
pub fn check_stand_in_dataset(data_dir: &Path, expected: usize) -> Vec<PathBuf> {
    check_folders(data_dir, expected)
}

fn check_folders(data_dir: &Path, expected: usize) -> Vec<PathBuf> {
    let root = data_dir.join("benchmarks");
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            !name.starts_with(".tmp-"),
            "leftover temporary folder {name}"
        );
        for f in [
            "benchmark.json",
            "plan.md",
            "todo.md",
            "journal.md",
            "script.rhai",
            "reviews/round-1.md",
        ] {
            assert!(
                path.join(f).is_file(),
                "{name}: {f} missing (half-written benchmark)"
            );
        }
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path.join("benchmark.json")).unwrap())
                .unwrap();
        let id = json["id"].as_str().unwrap().to_string();
        assert!(name.ends_with(&id), "{name} vs {id}");
        dirs.push(path);
    }
    let mut ids = index_ids(data_dir);
    assert_eq!(dirs.len(), expected, "benchmark folders: {dirs:?}");
    assert_eq!(ids.len(), expected, "index lines: {ids:?}");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), expected, "an index line appears twice");
    dirs
}

/// What `benchforge status [extra] --data-dir DIR` printed (it must succeed).
fn status_output(data_dir: &Path, extra: &[&str]) -> Vec<u8> {
    let out = benchforge(&[])
        .arg("status")
        .args(extra)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `benchforge status --json` for `data_dir`.
pub fn status_json(data_dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&status_output(data_dir, &["--json"])).unwrap()
}

/// `benchforge status` (the readable text) for `data_dir`.
pub fn status_text(data_dir: &Path) -> String {
    String::from_utf8(status_output(data_dir, &[])).unwrap()
}

/// Sends SIGTERM to `child`.
pub fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

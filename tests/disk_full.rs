//! A full disk is a wait, not a failure: the real daemon, run over a small tmpfs it fills
//! mid-run (when this machine lets the test mount one) and under the `enospc` fault points
//! (always), pauses admission, says so in `status` and in its log, spends no attempt, and
//! resumes by itself when space returns, finishing every benchmark with no `.tmp-*` left.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

const LONG: Duration = Duration::from_secs(90);

const THEMES: &[(&str, u32)] = &[("a ball must cross a gap", 2), ("a ball onto a shelf", 1)];

/// A daemon config over `data` with the free-space floor `min_free_bytes`.
fn config(dir: &Path, data: &Path, min_free_bytes: u64) -> PathBuf {
    let path = write_config(dir, data, THEMES);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(&format!(
        "\n[limits]\nmin_free_bytes = {min_free_bytes}\n\n[render]\nwidth_px = 160\nheight_px = 120\n"
    ));
    std::fs::write(&path, text).unwrap();
    path
}

/// Every session's attempt counters, by id, from the store of a stopped daemon.
fn attempts(data: &Path) -> BTreeMap<String, benchforge::session::Attempts> {
    let store = benchforge::store::Store::open(data).unwrap();
    store
        .sessions()
        .unwrap()
        .into_iter()
        .map(|s| (s.id.clone(), s.attempts))
        .collect()
}

/// The attempts the same themes take on a disk that never fills (the procedural agents are
/// deterministic per session id), to compare a paused run against.
fn baseline_attempts() -> BTreeMap<String, benchforge::session::Attempts> {
    let dir = temp_dir("disk-baseline");
    let data = dir.join("data");
    let cfg = config(&dir, &data, 1);
    run_until_idle_ok(&[], &cfg);
    let attempts = attempts(&data);
    let _ = std::fs::remove_dir_all(&dir);
    attempts
}

/// The `paused` field of the status file, as the daemon last wrote it.
fn paused(data: &Path) -> Option<String> {
    let text = std::fs::read_to_string(data.join("status.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["paused"].as_str().map(str::to_string)
}

/// What a finished paused run must show: every benchmark, none lost, no half folder, the
/// pause logged once with its path and free space and its end logged, `status` no longer
/// paused, and the attempts the same as on a disk that never filled.
fn check_after_resume(data: &Path, baseline: &BTreeMap<String, benchforge::session::Attempts>) {
    check_dataset(data, 3);
    let log = log_text(data);
    let paused_lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("admission paused"))
        .collect();
    assert!(
        !paused_lines.is_empty(),
        "no pause logged:\n{}",
        tail(&log, 40)
    );
    assert!(
        paused_lines[0].contains("path=") && paused_lines[0].contains("free_bytes="),
        "{}",
        paused_lines[0]
    );
    assert!(
        log.contains("disk space back: resuming admission"),
        "no resume logged:\n{}",
        tail(&log, 40)
    );
    assert!(
        !log.contains("session failed"),
        "a session failed:\n{}",
        tail(&log, 40)
    );
    let status = status_json(data);
    assert_eq!(status["accepted"], 3, "{status}");
    assert_eq!(status["failed"], 0, "{status}");
    assert!(status["paused"].is_null(), "{status}");
    assert_eq!(
        &attempts(data),
        baseline,
        "the pause changed attempt counters"
    );
}

/// Starts `run --until-idle` with `cfg` and waits until it has started.
fn start_daemon(cfg: &Path, data: &Path) -> Killed {
    let mut cmd = benchforge(&[]);
    cmd.args(["run", "--until-idle", "--config"])
        .arg(cfg)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = Killed(Some(cmd.spawn().unwrap()));
    wait_until("the daemon to start", LONG, || {
        log_text(data).contains("daemon started")
    });
    child
}

/// The daemon paused on a full disk stays paused while it is full (nothing admitted, nothing
/// failed); once `ballast` is removed it resumes by itself and finishes as on a disk that
/// never filled.
fn hold_full_then_free(
    child: Killed,
    data: &Path,
    ballast: &Path,
    baseline: &BTreeMap<String, benchforge::session::Attempts>,
) {
    let reason = paused(data);
    assert!(reason.is_some(), "not paused");
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        paused(data),
        reason,
        "the pause changed while the disk is full"
    );
    assert!(!log_text(data).contains("session failed"));

    std::fs::remove_file(ballast).unwrap();
    let out = wait_output(child.take(), LONG);
    assert!(
        out.status.success(),
        "{}",
        tail(&String::from_utf8_lossy(&out.stderr), 30)
    );
    check_after_resume(data, baseline);
}

/// Mounts a tmpfs of `size` (e.g. `64m`) on `dir`; false where mounting is not permitted.
fn mount_tmpfs(dir: &Path, size: &str) -> bool {
    Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// A daemon killed when the test ends early, so a failed test leaves no process behind
/// holding its tmpfs.
struct Killed(Option<std::process::Child>);

impl Killed {
    fn take(mut self) -> std::process::Child {
        self.0.take().unwrap()
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[test]
fn a_dataset_disk_filled_mid_run_pauses_the_daemon_until_space_returns() {
    let dir = temp_dir("disk-tmpfs");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let mounted = mount_tmpfs(&data, "64m");
    if !mounted {
        eprintln!(
            "SKIPPED: cannot mount a tmpfs here (needs root); the enospc fault-point test covers the pause"
        );
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
            if let Some(dir) = self.0.parent() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }
    let _unmount = Unmount(data.clone());
    let baseline = baseline_attempts();

    // The floor leaves room for the writes already past it (two simulations' artifacts of a
    // few MB each), so the disk never fills for real and the store keeps writing.
    const FLOOR: u64 = 24 << 20;
    let child = start_daemon(&config(&dir, &data, FLOOR), &data);
    // Fill the disk to 8 MiB under the floor: real files, the store still has room.
    let free = benchforge::disk::free_bytes(&data).unwrap();
    let ballast = data.join("ballast");
    std::fs::write(&ballast, vec![0u8; (free - (FLOOR - (8 << 20))) as usize]).unwrap();
    assert!(benchforge::disk::free_bytes(&data).unwrap() < FLOOR);

    wait_until("status to show the pause", LONG, || paused(&data).is_some());
    let reason = paused(&data).unwrap();
    assert!(
        reason.starts_with("disk full at ") && reason.contains(&data.display().to_string()),
        "{reason}"
    );
    let shown = benchforge(&[])
        .args(["status", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.contains(&reason),
        "status does not show the pause:\n{shown}"
    );
    hold_full_then_free(child, &data, &ballast, &baseline);
}

#[test]
fn enospc_at_every_disk_write_waits_instead_of_spending_attempts() {
    let baseline = baseline_attempts();
    for fault in [
        // A disk that stays full for a few tries of each write, then has space again.
        "dataset.write:enospc:times-5",
        "simulator.write_artifacts:enospc:times-4",
        "store.commit.before_write:enospc:times-5",
    ] {
        let dir = temp_dir("disk-fault");
        let data = dir.join("data");
        let cfg = config(&dir, &data, 1);
        let mut cmd = benchforge(&[("BENCHFORGE_FAULT", fault)]);
        cmd.args(["run", "--until-idle", "--config"])
            .arg(&cfg)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let child = cmd.spawn().unwrap();
        wait_until(&format!("{fault}: status to show the pause"), LONG, || {
            paused(&data).is_some_and(|p| p.starts_with("disk full at "))
        });
        let out = wait_output(child, LONG);
        assert!(
            out.status.success(),
            "{fault}: {}",
            tail(&String::from_utf8_lossy(&out.stderr), 30)
        );
        check_after_resume(&data, &baseline);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn leftover_temporary_benchmark_folders_are_removed_at_start() {
    let dir = temp_dir("disk-tmp-left");
    let data = dir.join("data");
    let half = data.join("benchmarks").join(".tmp-gone-000");
    std::fs::create_dir_all(half.join("variants")).unwrap();
    std::fs::write(half.join("plan.md"), "half").unwrap();
    let cfg = write_config(&dir, &data, &[]);
    run_until_idle_ok(&[], &cfg);
    assert!(!half.exists(), "the half folder is still there");
    assert!(log_text(&data).contains("leftover temporary benchmark folders (.tmp-*) removed"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// On a disk with no room for a new file, the status file is still rewritten (in place), so
/// `status` can say the daemon is paused while the disk is full.
#[test]
fn the_status_file_is_rewritten_on_a_full_disk() {
    use benchforge::store::{
        read_snapshot, status_snapshot_path, write_status_file, StatusSnapshot,
    };
    let dir = temp_dir("disk-status");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let mounted = mount_tmpfs(&data, "1m");
    if !mounted {
        eprintln!("SKIPPED: cannot mount a tmpfs here (needs root)");
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    let path = status_snapshot_path(&data);
    write_status_file(&path, &StatusSnapshot::default()).unwrap();
    // Fill the disk to the last byte.
    let filler = data.join("filler");
    let mut f = std::fs::File::create(&filler).unwrap();
    let chunk = vec![0u8; 4096];
    while std::io::Write::write_all(&mut f, &chunk).is_ok() {}
    drop(f);
    assert!(
        std::fs::write(data.join("probe"), b"x").is_err(),
        "the disk should be full"
    );
    let paused = StatusSnapshot {
        paused: Some(format!("disk full at {}", data.display())),
        ..StatusSnapshot::default()
    };
    let written = write_status_file(&path, &paused);
    let read = read_snapshot(&data);
    let _ = Command::new("umount").arg(&data).status();
    let _ = std::fs::remove_dir_all(&dir);
    written.expect("the status file is rewritten on a full disk");
    assert_eq!(read.unwrap().paused, paused.paused);
}

/// The state store's own disk (a tmpfs mounted on `data/state`) filled to the last byte
/// mid-run: sled's writes fail with `ENOSPC`. The daemon pauses (status says so, naming the
/// store's folder), spends no attempt, reopens the store by itself once space returns, and
/// finishes every benchmark.
#[test]
fn a_store_disk_filled_mid_run_pauses_the_daemon_until_space_returns() {
    let dir = temp_dir("disk-store");
    let data = dir.join("data");
    let state = data.join("state");
    std::fs::create_dir_all(&state).unwrap();
    if !mount_tmpfs(&state, "32m") {
        eprintln!(
            "SKIPPED: cannot mount a tmpfs here (needs root); the enospc fault-point test covers the store"
        );
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    struct Unmount(PathBuf, PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
            let _ = std::fs::remove_dir_all(&self.1);
        }
    }
    let _unmount = Unmount(state.clone(), dir.clone());
    let baseline = baseline_attempts();

    let child = start_daemon(&config(&dir, &data, 1), &data);
    // Fill the store's disk to the last byte: sled's next log write fails.
    let ballast = state.join("ballast");
    let mut f = std::fs::File::create(&ballast).unwrap();
    let chunk = vec![0u8; 4096];
    while std::io::Write::write_all(&mut f, &chunk).is_ok() {}
    drop(f);
    assert_eq!(benchforge::disk::free_bytes(&state).unwrap(), 0);

    wait_until("status to show the store's pause", LONG, || {
        paused(&data).is_some_and(|p| p.contains(&state.display().to_string()))
    });
    let reason = paused(&data).unwrap();
    assert!(reason.starts_with("disk full at "), "{reason}");
    hold_full_then_free(child, &data, &ballast, &baseline);
}

//! `status` cannot lie: the real binary on a real data folder, killed with SIGKILL (`dead`),
//! stopped with SIGTERM (`stopped`), a second daemon on the same folder refused, and an
//! error shown with its kind and time until the same kind of work succeeds again.

mod common;

use std::time::Duration;

use common::*;

const LONG: Duration = Duration::from_secs(60);

#[test]
fn status_says_running_then_dead_after_sigkill_then_stopped_after_a_clean_exit_and_a_second_daemon_is_refused(
) {
    let dir = temp_dir("status-life");
    let data = dir.join("data");
    let config = write_config(&dir, &data, &[("a ball must cross a gap", 3)]);
    let mut first = spawn_run_quiet(&[], &config);
    wait_until("a running status", LONG, || {
        data.join("status.json").is_file() && status_json(&data)["daemon"] == "running"
    });
    let status = status_json(&data);
    assert_eq!(status["daemon_pid"], first.id(), "{status}");
    assert!(status["started_unix_ms"].as_u64().unwrap() > 0, "{status}");
    assert!(status_text(&data).contains(&format!("daemon:        running (pid {}", first.id())));

    // A second daemon on the same data folder: refused at once, one clear line, the first
    // one untouched.
    let second = run_to_end(
        {
            let mut c = benchforge(&[]);
            c.args(["run", "--config"]).arg(&config);
            c
        },
        Duration::from_secs(20),
    );
    assert!(!second.status.success());
    let stderr = String::from_utf8_lossy(&second.stderr);
    let refusal = format!(
        "data dir {} is in use by another benchforge daemon (pid {})",
        data.display(),
        first.id()
    );
    assert!(stderr.contains(&refusal), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(first.try_wait().unwrap().is_none(), "the first daemon died");

    // The heartbeat moves while the daemon lives.
    let beat = status_json(&data)["heartbeat_unix_ms"].as_u64().unwrap();
    wait_until("a newer heartbeat", Duration::from_secs(6), || {
        status_json(&data)["heartbeat_unix_ms"].as_u64().unwrap() > beat
    });

    // SIGKILL: no chance to write anything, yet status says dead, not running nor idle.
    let pid = first.id();
    first.kill().unwrap();
    first.wait().unwrap();
    let status = status_json(&data);
    assert_eq!(status["daemon"], "dead", "{status}");
    let text = status_text(&data);
    assert!(
        text.contains("daemon:        dead (no heartbeat since ")
            && text.contains(&format!("pid {pid} gone)")),
        "{text}"
    );

    // The lock died with the process: a new daemon starts and finishes the queue; its clean
    // exit reads as stopped, with the time.
    run_until_idle_ok(&[], &config);
    let status = status_json(&data);
    assert_eq!(status["daemon"], "stopped", "{status}");
    assert_eq!(status["accepted"], 3, "{status}");
    assert!(status["stopped_unix_ms"].as_u64().is_some(), "{status}");
    assert!(
        status_text(&data).contains("daemon:        stopped (clean exit at 20"),
        "{}",
        status_text(&data)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A theme the Planner refuses is listed in `status` and `status.json` with its refusal
/// line, once per theme whatever its count.
#[test]
fn a_refused_theme_is_listed_in_status_with_its_reason() {
    let dir = temp_dir("status-refused");
    let data = dir.join("data");
    let theme = "a gear train must turn an output shaft";
    let out = run_to_end(
        {
            let mut cmd = benchforge(&[]);
            cmd.args(["generate", theme, "--count", "2", "--data-dir"])
                .arg(&data);
            cmd
        },
        LONG,
    );
    assert_eq!(out.status.code(), Some(3), "refused: exit 3");
    let text = status_text(&data);
    assert!(
        text.contains(&format!(
            "refused:       \"{theme}\" (2 sessions): needs_capability"
        )),
        "{text}"
    );
    let json = status_json(&data);
    let refused = json["refused"].as_array().expect("a refused list");
    assert_eq!(refused.len(), 1, "{json}");
    assert_eq!(refused[0]["theme"], theme);
    assert_eq!(refused[0]["sessions"], 2);
    assert!(
        refused[0]["reason"].as_str().unwrap().contains("gear"),
        "{json}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

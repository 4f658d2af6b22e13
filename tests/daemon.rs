//! The daemon under crashes: actor panics, SIGKILL at named points and at random moments,
//! SIGTERM, and config edits while running. Every test drives the real binary (built with the
//! `fault-injection` feature, which this test target requires) over real sled files and a
//! real dataset folder, and checks the stored state after each crash.

mod common;

use std::time::Duration;

use common::*;

const LONG: Duration = Duration::from_secs(60);

#[test]
fn each_actor_panicking_mid_session_still_completes_every_session() {
    for actor in ["planner", "coder", "simulator", "reviewer", "persister"] {
        let data = temp_dir(&format!("panic-{actor}"));
        let fault = format!("{actor}:panic:once");
        let out = run_to_end(
            {
                let mut c = benchforge(&[("BENCHFORGE_FAULT", &fault)]);
                c.args([
                    "generate",
                    "a ball must cross a gap",
                    "--count",
                    "3",
                    "--seeds",
                    "2",
                    "--data-dir",
                ])
                .arg(&data);
                c
            },
            LONG,
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{actor}: {}", tail(&stderr, 30));
        let printed: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
        assert_eq!(printed.len(), 3, "{actor}: {printed:?}");
        let log = log_text(&data);
        assert!(
            log.contains(&format!("injected fault at {actor}")) || log.contains("panicked"),
            "{actor}: the fault never fired"
        );
        assert!(
            log.contains("restarting"),
            "{actor}: the actor was not restarted"
        );
        check_dataset(&data, 3);
        // The panic was recorded in the session's journal, and the session went on.
        let journals: String = printed
            .iter()
            .map(|p| std::fs::read_to_string(std::path::Path::new(p).join("journal.md")).unwrap())
            .collect();
        assert!(
            journals.contains("panicked"),
            "{actor}: no journal entry for the panic"
        );
        let _ = std::fs::remove_dir_all(&data);
    }
}

/// Kills the daemon at a named point (abort = no cleanup at all, like SIGKILL), restarts it
/// without the fault, and checks the dataset.
fn crash_at_point_then_resume(point: &str) {
    let dir = temp_dir(&format!("crash-{}", point.replace('.', "-")));
    let data = dir.join("data");
    let config = write_config(
        &dir,
        &data,
        &[("a ball must cross a gap", 2), ("a ball onto a shelf", 1)],
    );
    // `point` may carry which hit fires, e.g. `store.commit.before_flush:7`.
    let (point, nth) = point.split_once(':').unwrap_or((point, "once"));
    let fault = format!("{point}:abort:{nth}");
    let crashed = run_until_idle(&[("BENCHFORGE_FAULT", &fault)], &config);
    assert!(
        !crashed.status.success(),
        "{point}: the daemon did not crash"
    );
    check_stored_state_after_crash(&data, point);
    run_until_idle_ok(&[], &config);
    check_dataset(&data, 3);
    let status = status_json(&data);
    assert_eq!(status["accepted"], 3, "{point}: {status}");
    assert_eq!(status["queue_length"], 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn killed_during_planning_resumes_to_exactly_the_expected_benchmarks() {
    crash_at_point_then_resume("planner");
}

#[test]
fn killed_during_simulation_resumes_to_exactly_the_expected_benchmarks() {
    crash_at_point_then_resume("simulator");
}

#[test]
fn killed_while_persisting_never_leaves_half_a_benchmark_nor_writes_one_twice() {
    for point in [
        "dataset.before_rename",
        "dataset.after_rename",
        "dataset.after_index",
    ] {
        crash_at_point_then_resume(point);
    }
}

/// The store a crash left behind: every queued session still there exactly once, the stage
/// index and counters agreeing with the records, and no session past a stage whose output is
/// missing (an accepted session has its benchmark folder).
fn check_stored_state_after_crash(data: &std::path::Path, point: &str) {
    let store = benchforge::store::Store::open(data)
        .unwrap_or_else(|e| panic!("{point}: the store does not reopen after the crash: {e}"));
    store
        .check_consistency()
        .unwrap_or_else(|e| panic!("{point}: {e}\n{}", store.dump().unwrap()));
    let sessions = store.sessions().unwrap();
    // The queue is written in one transaction per theme: all of a theme's sessions or none.
    assert!(
        [0, 1, 2, 3].contains(&sessions.len()),
        "{point}: {} sessions",
        sessions.len()
    );
    for s in &sessions {
        if let benchforge::session::Stage::Accepted { path } = &s.stage {
            assert!(
                std::path::Path::new(path).join("benchmark.json").is_file(),
                "{point}: {} accepted without its folder",
                s.id
            );
        }
    }
}

/// Every other fault point: a crash there is resumed from as well.
#[test]
fn killed_at_any_other_named_point_resumes_cleanly() {
    for point in [
        "coder",
        "reviewer",
        "persister",
        "store.queue_theme.before_write:2",
        "store.commit.before_write:4",
        "store.commit.after_flush:6",
        "store.before_flush:8",
    ] {
        crash_at_point_then_resume(point);
    }
}

#[test]
fn killed_between_a_checkpoint_write_and_its_flush_resumes_cleanly() {
    // Hit 2 is the first planner result of a resumed run, which once arrived before the
    // workers' routes were known and was dropped, leaving the session stuck at coding.
    for nth in [1, 2, 5, 9] {
        crash_at_point_then_resume(&format!("store.commit.before_flush:{nth}"));
    }
}

#[test]
fn sigkill_at_a_real_moment_of_simulation_then_restart_finishes_the_queue() {
    let dir = temp_dir("sigkill");
    let data = dir.join("data");
    let config = write_config(&dir, &data, &[("a ball must cross a gap", 3)]);
    let slow: [(&str, &str); 0] = [];
    let mut child = spawn_run_quiet(&slow, &config);
    wait_until("a simulation step", LONG, || {
        log_text(&data).contains("step started role=\"simulator\"")
    });
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    run_until_idle_ok(&[], &config);
    check_dataset(&data, 3);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sigterm_during_work_exits_zero_quickly_and_a_restart_finishes_the_queue() {
    let dir = temp_dir("sigterm");
    let data = dir.join("data");
    let config = write_config(&dir, &data, &[("a ball must cross a gap", 4)]);
    let slow: [(&str, &str); 0] = [];
    let child = spawn_run(&slow, &config);
    wait_until("a coding step", LONG, || {
        log_text(&data).contains("step started role=\"coder\"")
    });
    sigterm(&child);
    let started = std::time::Instant::now();
    let out = wait_output(child, Duration::from_secs(10));
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        tail(&String::from_utf8_lossy(&out.stderr), 20)
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "took {:?}",
        started.elapsed()
    );
    assert!(log_text(&data).contains("stop requested"));
    let before = status_json(&data);
    assert_eq!(before["daemon"], "stopped", "{before}");
    assert!(
        before["accepted"].as_u64().unwrap() < 4,
        "the stop came too late to test anything: {before}"
    );
    run_until_idle_ok(&[], &config);
    check_dataset(&data, 4);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sigterm_with_a_step_far_longer_than_the_grace_in_flight_exits_zero_within_4_s() {
    let dir = temp_dir("sigterm-hang");
    let data = dir.join("data");
    let config = write_config(&dir, &data, &[("a ball must cross a gap", 2)]);
    // The first simulation blocks for two minutes: the stop must abandon it.
    let child = spawn_run(&[("BENCHFORGE_FAULT", "simulator:hang:once")], &config);
    wait_until("the hanging simulation", LONG, || {
        log_text(&data).contains("injected fault fault_point=\"simulator\" action=Hang")
    });
    std::thread::sleep(Duration::from_millis(300));
    sigterm(&child);
    let started = std::time::Instant::now();
    let out = wait_output(child, Duration::from_secs(20));
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        tail(&String::from_utf8_lossy(&out.stderr), 20)
    );
    assert!(took < Duration::from_secs(4), "SIGTERM took {took:?}");
    let log = log_text(&data);
    assert!(log.contains("steps_abandoned=1"), "{}", tail(&log, 10));
    assert_eq!(status_json(&data)["daemon"], "stopped");
    // The abandoned session resumes from its last checkpoint.
    run_until_idle_ok(&[], &config);
    check_dataset(&data, 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_config_edit_adds_new_themes_once_and_a_broken_edit_is_reported_and_ignored() {
    let dir = temp_dir("watch");
    let data = dir.join("data");
    let config = write_config(&dir, &data, &[("a ball must cross a gap", 1)]);
    let child = spawn_run_quiet(&[], &config);
    wait_until("the first benchmark", LONG, || index_ids(&data).len() == 1);

    // A new theme: queued once, even when the file is saved again with the same themes.
    write_config(
        &dir,
        &data,
        &[("a ball must cross a gap", 1), ("a ball onto a shelf", 2)],
    );
    wait_until("the new theme's benchmarks", LONG, || {
        index_ids(&data).len() == 3
    });
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n# saved again\n");
    std::fs::write(&config, &text).unwrap();
    wait_until("the re-read", LONG, || {
        log_text(&data).contains("config file saved without changes")
    });
    assert_eq!(
        log_text(&data).matches("theme queue reloaded").count(),
        1,
        "saving the same themes again queues nothing"
    );

    // A broken edit: reported with file and line, the daemon keeps running on the last good one.
    std::fs::write(&config, text.replace("count = 2", "count = \"two\"")).unwrap();
    wait_until("the error report", LONG, || {
        log_text(&data).contains("config edit is invalid")
    });
    let log = log_text(&data);
    let line = log
        .lines()
        .find(|l| l.contains("config edit is invalid"))
        .unwrap();
    assert!(line.contains("benchforge.toml:"), "{line}");
    wait_until("the last error in status", LONG, || {
        status_json(&data)["last_error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("config edit ignored")
    });
    let error = status_json(&data)["last_error"].clone();
    assert_eq!(error["kind"], "config", "{error}");
    assert!(error["unix_ms"].as_u64().unwrap() > 0, "{error}");
    // Deleted: logged, the daemon goes on with the last good config.
    std::fs::remove_file(&config).unwrap();
    wait_until("the deletion line", LONG, || {
        log_text(&data).contains("config file deleted")
    });
    // Fixed again with one more theme: it still works.
    write_config(
        &dir,
        &data,
        &[
            ("a ball must cross a gap", 1),
            ("a ball onto a shelf", 2),
            ("a gate in a wall", 1),
        ],
    );
    wait_until("the third theme's benchmark", LONG, || {
        index_ids(&data).len() == 4
    });
    assert!(log_text(&data).contains("config file restored"));
    // A good read of the config clears the config error.
    let status = status_json(&data);
    assert!(status["last_error"].is_null(), "{status}");
    assert!(log_text(&data).contains("error cleared"));
    sigterm(&child);
    let out = wait_output(child, Duration::from_secs(10));
    assert!(out.status.success());
    check_dataset(&data, 4);
    assert_eq!(status_json(&data)["themes"], 3);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn raising_a_theme_count_from_3_to_4_while_running_gives_exactly_4_and_a_tier_edit_adds_none() {
    let dir = temp_dir("count-edit");
    let data = dir.join("data");
    let config = write_config(&dir, &data, &[("a ball must cross a gap", 3)]);
    let child = spawn_run_quiet(&[], &config);
    wait_until("the first benchmark", LONG, || !index_ids(&data).is_empty());
    write_config(&dir, &data, &[("a ball must cross a gap", 4)]);
    wait_until("four benchmarks", LONG, || index_ids(&data).len() == 4);
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}tier = \"hard\"\n")).unwrap();
    wait_until("the tier edit", LONG, || {
        log_text(&data).contains("themes[0]")
    });
    std::thread::sleep(Duration::from_millis(1500));
    sigterm(&child);
    let out = wait_output(child, Duration::from_secs(10));
    assert!(out.status.success());
    check_dataset(&data, 4);
    let status = status_json(&data);
    assert_eq!(status["accepted"], 4, "{status}");
    assert_eq!(status["themes"], 1, "{status}");
    assert!(log_text(&data).contains("1 session(s) added"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn refused_and_retried_sessions_end_in_the_right_stage_and_status_counts_them() {
    use benchforge::daemon::{self, DaemonOptions, Mode};
    let dir = temp_dir("mixed");
    let data = dir.join("data");
    let config_path = write_config(
        &dir,
        &data,
        &[
            ("an impossible theme", 1),
            ("retry once: a gate in a wall", 1),
        ],
    );
    let config = benchforge::config::Config::load(&config_path).unwrap();
    // The stand-in steps refuse "impossible" themes and fail the first simulation of "retry
    // once" on demand, so both paths through the stage machine are certain to run.
    let (_stop_tx, stop_rx) = daemon::stop_channel();
    daemon::run(
        DaemonOptions {
            config,
            mode: Mode::Run {
                config_path,
                until_idle: true,
            },
            steps: std::sync::Arc::new(common::engine::StandInSteps::new(Duration::from_millis(
                20,
            ))),
            steps_factory: None,
            heartbeat: Duration::from_secs(1),
            shutdown_grace: Duration::from_secs(1),
        },
        stop_rx,
    )
    .unwrap();
    let store = benchforge::store::Store::open(&data).unwrap();
    let status = store.status().unwrap();
    assert_eq!(status.accepted, 1, "{status:?}");
    assert_eq!(status.rejected, 1, "{status:?}");
    store.check_consistency().unwrap();
    drop(store);
    let dirs = check_stand_in_dataset(&data, 1);
    let journal = std::fs::read_to_string(dirs[0].join("journal.md")).unwrap();
    assert!(journal.contains("failed geometry"), "{journal}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn log_lines_carry_plain_session_theme_and_stage_in_text_and_json() {
    for format in ["text", "json"] {
        let data = temp_dir(&format!("{format}-log"));
        let out = run_to_end(
            {
                let mut c = benchforge(&[]);
                c.args([
                    "generate",
                    "a ball must cross a gap",
                    "--seeds",
                    "2",
                    "--log-format",
                    format,
                    "--data-dir",
                ])
                .arg(&data);
                c
            },
            LONG,
        );
        assert!(
            out.status.success(),
            "{}",
            tail(&String::from_utf8_lossy(&out.stderr), 20)
        );
        let log = log_text(&data);
        assert!(
            !log.contains('\u{1b}'),
            "{format}: an ESC byte in the log file"
        );
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains('\u{1b}'),
            "{format}: an ESC byte on stderr (not a terminal)"
        );
        let bench: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(
                std::path::Path::new(String::from_utf8_lossy(&out.stdout).trim())
                    .join("benchmark.json"),
            )
            .unwrap(),
        )
        .unwrap();
        let (id, theme) = (
            bench["id"].as_str().unwrap(),
            bench["theme_key"].as_str().unwrap(),
        );
        if format == "json" {
            let stage_line = log.lines().find(|l| l.contains("stage changed")).unwrap();
            let v: serde_json::Value = serde_json::from_str(stage_line).unwrap();
            assert_eq!(v["span"]["session"], id, "{v}");
            assert_eq!(v["span"]["theme"], theme, "{v}");
            assert!(v["span"]["stage"].is_string(), "{v}");
            continue;
        }
        // `grep session=<id>` finds the session's whole story, each line with its theme and
        // stage as plain words.
        let lines: Vec<&str> = log
            .lines()
            .filter(|l| l.contains(&format!("session={id} ")))
            .collect();
        assert!(lines.len() >= 8, "{lines:#?}");
        // One stage per line: a checkpoint recorded inside the persist step's span says only
        // the stage it moved to.
        for line in log.lines() {
            assert!(
                line.matches(" stage=").count() <= 1,
                "a line with two stages: {line}"
            );
        }
        assert!(
            lines
                .iter()
                .any(|l| l.contains(&format!("session={id} theme={theme} stage=accepted "))),
            "no line says the session is accepted:\n{}",
            lines.join("\n")
        );
        for stage in [
            "planning",
            "coding",
            "simulating",
            "reviewing",
            "persisting",
        ] {
            let needle = format!("session={id} theme={theme} stage={stage} ");
            assert!(
                lines.iter().any(|l| l.contains(&needle)),
                "no line with `{needle}` in:\n{}",
                lines.join("\n")
            );
        }
        let _ = std::fs::remove_dir_all(&data);
    }
}

/// Steps whose simulation always panics and whose planner is unreachable for one theme: the
/// sessions must end failed with the reason, not hang nor restart forever.
struct Hostile(common::engine::StandInSteps);

impl benchforge::steps::Steps for Hostile {
    fn plan(&self, session: &benchforge::session::Session) -> benchforge::steps::StepFuture {
        if session.theme.prompt.contains("offline") {
            return Box::pin(async {
                benchforge::session::StepResult::StepFailed {
                    role: benchforge::role::Role::Planner,
                    unreachable: true,
                    message: "connection refused at http://127.0.0.1:9/v1".into(),
                }
            });
        }
        self.0.plan(session)
    }
    fn code(&self, session: &benchforge::session::Session) -> benchforge::steps::StepFuture {
        self.0.code(session)
    }
    fn simulate(
        &self,
        _session: &benchforge::session::Session,
        _dir: &std::path::Path,
    ) -> benchforge::session::StepResult {
        panic!("the physics world exploded")
    }
    fn review(&self, session: &benchforge::session::Session) -> benchforge::steps::StepFuture {
        self.0.review(session)
    }
}

#[test]
fn a_step_that_always_panics_or_an_agent_that_is_never_reachable_fails_the_session_with_its_reason()
{
    use benchforge::daemon::{self, DaemonOptions, Mode};
    use benchforge::store::Stage;
    let data = temp_dir("hostile");
    for (theme, expect) in [
        (
            "a ball must cross a gap",
            "the simulator panicked: the physics world exploded",
        ),
        ("offline planner theme", "could not be reached"),
    ] {
        let config = benchforge::config::Config::with_data_dir(data.clone());
        let spec = config.theme_spec(
            &benchforge::config::ThemeConfig {
                prompt: theme.into(),
                count: 2,
                seeds: Some(vec![0]),
                scale: None,
                tier: None,
                budget: None,
            },
            "test",
        );
        let (_stop_tx, stop_rx) = daemon::stop_channel();
        let summary = daemon::run(
            DaemonOptions {
                config,
                mode: Mode::Generate { spec },
                steps: std::sync::Arc::new(Hostile(common::engine::StandInSteps::new(
                    Duration::from_millis(1),
                ))),
                steps_factory: None,
                heartbeat: Duration::from_secs(1),
                shutdown_grace: Duration::from_secs(1),
            },
            stop_rx,
        )
        .unwrap();
        assert_eq!(summary.finished.len(), 2);
        for s in &summary.finished {
            match &s.stage {
                Stage::Failed { reason } => assert!(reason.contains(expect), "{reason}"),
                other => panic!("{theme}: expected failed, got {other}"),
            }
        }
    }
    // The store was released and reopens cleanly, holding both themes' sessions.
    let store = benchforge::store::Store::open(&data).unwrap();
    assert_eq!(store.sessions().unwrap().len(), 4);
    let _ = std::fs::remove_dir_all(&data);
}

//! The one session engine: the in-process driver and the daemon's actors run the same steps
//! through the same `advance`, so the same session ends the same way under both; and every
//! checkpoint the driver records leaves the store consistent (snapshot of the whole store).

mod common;

use std::sync::Arc;
use std::time::Duration;

use benchforge::daemon::{self, DaemonOptions, Mode};
use benchforge::engine::Driver;
use benchforge::session::{AttemptLimits, Session, StageKind, ThemeSpec};
use benchforge::store::Store;
use common::engine::StandInSteps;
use common::temp_dir;

fn theme(prompt: &str) -> ThemeSpec {
    ThemeSpec {
        prompt: prompt.into(),
        count: 1,
        seeds: vec![0, 1],
        scale: None,
        tier: None,
        origin: "test".into(),
    }
}

/// What must agree between drivers: where it ended, how many of each step, the feedback,
/// and the journal's steps in order (times differ).
fn shape(s: &Session) -> String {
    let steps: Vec<String> = s
        .journal
        .iter()
        .map(|e| format!("{} — {}", e.role, e.step))
        .collect();
    format!(
        "{} plans={} scripts={} sims={} reviews={}\nfeedback={:?}\n{}",
        s.stage.kind().name(),
        s.attempts.plans,
        s.attempts.scripts,
        s.attempts.simulations,
        s.attempts.reviews,
        s.feedback,
        steps.join("\n")
    )
}

fn in_process(prompt: &str) -> (Session, String) {
    let data = temp_dir("engine-driver");
    let store = Arc::new(Store::open(&data).unwrap());
    let driver = Driver::new(
        Arc::new(StandInSteps::new(Duration::from_millis(1))),
        AttemptLimits::default(),
        data.clone(),
    )
    .with_store(store.clone());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let session = rt.block_on(driver.run_theme(&theme(prompt)));
    store.check_consistency().unwrap();
    let dump = store.dump().unwrap();
    drop(store);
    let _ = std::fs::remove_dir_all(&data);
    (session, dump)
}

fn by_the_daemon(prompt: &str) -> Session {
    let data = temp_dir("engine-daemon");
    let config = benchforge::config::Config::with_data_dir(data.clone());
    let (_stop, stop_rx) = daemon::stop_channel();
    let summary = daemon::run(
        DaemonOptions {
            config,
            mode: Mode::Generate {
                spec: theme(prompt),
            },
            steps: Arc::new(StandInSteps::new(Duration::from_millis(1))),
            steps_factory: None,
            heartbeat: Duration::from_secs(5),
            shutdown_grace: Duration::from_secs(1),
        },
        stop_rx,
    )
    .unwrap();
    let store = Store::open(&data).unwrap();
    store.check_consistency().unwrap();
    drop(store);
    let _ = std::fs::remove_dir_all(&data);
    summary.finished.into_iter().next().unwrap()
}

#[test]
fn the_driver_and_the_actors_end_every_kind_of_session_the_same_way() {
    for prompt in [
        "a ball must cross a gap",
        "retry once: a gate in a wall",
        "an impossible theme",
    ] {
        let (driven, _) = in_process(prompt);
        let daemon = by_the_daemon(prompt);
        assert_eq!(shape(&driven), shape(&daemon), "{prompt}");
    }
}

#[test]
fn the_store_after_a_session_with_a_retry_is_exactly_as_expected() {
    let (session, dump) = in_process("retry once: a gate in a wall");
    assert_eq!(session.stage.kind(), StageKind::Accepted);
    let id = &session.id;
    // Queued, then 8 commits: admitted, planned, coded, simulated (failed), coded,
    // simulated, reviewed, persisted.
    let expected = format!(
        "format_version {}\ntheme {key} count=1 sessions={id}\nsession {id} rev=8 stage=accepted plans=1 scripts=2 reviews=1\nby_stage accepted {id}\ncount accepted 1\n",
        benchforge::store::FORMAT_VERSION,
        key = session.theme_key,
    );
    assert_eq!(dump, expected);
}

/// The novelty check through the engine: the stand-in Planner gives every session the same
/// plan, so the second theme's benchmark repeats the first one's and is not written; the
/// session fails naming the benchmark it repeats, and its work folder is cleaned up.
#[test]
fn a_benchmark_repeating_one_of_the_dataset_fails_naming_it() {
    let data = temp_dir("engine-duplicate");
    let driver = Driver::new(
        Arc::new(StandInSteps::new(Duration::from_millis(1))),
        AttemptLimits::default(),
        data.clone(),
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let first = rt.block_on(driver.run_theme(&theme("first theme, stand-in plan")));
    assert_eq!(first.stage.kind(), StageKind::Accepted, "{}", first.stage);
    let again = rt.block_on(driver.run_theme(&theme("second theme, same stand-in plan")));
    assert_eq!(again.stage.kind(), StageKind::Failed, "{}", again.stage);
    let reason = again.stage.to_string();
    assert!(
        reason.contains(&format!("same as benchmark {}'s", first.id)) && reason.contains("plan"),
        "{reason}"
    );
    assert_eq!(benchforge::dataset::read_index(&data).len(), 1);
    // Both sessions' work folders are gone; the failed one left its record.
    assert!(!data.join("work").join(&first.id).exists());
    assert!(!data.join("work").join(&again.id).exists());
    let kept =
        std::fs::read_to_string(data.join("failed").join(&again.id).join("report.md")).unwrap();
    assert!(kept.contains(&first.id), "{kept}");
    let _ = std::fs::remove_dir_all(&data);
}

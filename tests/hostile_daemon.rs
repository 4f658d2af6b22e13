//! The daemon survives hostile input from a model: with every role on the llm backend (a
//! fake OpenAI-compatible server on loopback), the Coder answers three themes with hostile
//! scripts — an endless loop, a call to a function that would block, an allocation that
//! grows without end. Each of those sessions fails on its own with the limit named, within
//! the script limits, and the daemon goes on to accept the theme queued after them.

#[path = "common/fake_llm.rs"]
mod fake_llm;

use std::time::{Duration, Instant};

use benchforge::config::Config;
use benchforge::daemon::{self, DaemonOptions, Mode};
use benchforge::session::Stage;
use fake_llm::{FakeLlm, Reply};

const EXAMPLE_PLAN: &str = include_str!("../actors/planner/example_plan.json");
const GOOD_SCRIPT: &str = include_str!("../actors/coder/examples/ball_gap_bridge.rhai");

/// (theme, the script the "model" answers for it, what the failure must name).
const HOSTILE: &[(&str, &str, &str)] = &[
    (
        "a steel ball must cross a gap between two decks",
        "fn build(seed, scale) { let n = 0; loop { n += 1; } }",
        "limits.script_operations",
    ),
    (
        "a rubber ball must cross a gap between two decks",
        "fn build(seed, scale) { sleep(100000); new_scene([-1.0, -1.0, 0.0], [1.0, 1.0, 1.0]) }",
        "sleep",
    ),
    (
        "a wood ball must cross a gap between two decks",
        "fn build(seed, scale) { let a = [1]; loop { a += a; } }",
        "limit",
    ),
];
const GOOD_THEME: &str = "a ball must cross a gap between two decks";

#[test]
fn hostile_scripts_from_the_model_fail_their_sessions_and_the_daemon_goes_on() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(FakeLlm::start(|req, _| {
        let system = req.system_prompt();
        // The whole conversation: a re-ask after a sandbox error quotes no theme itself.
        let asked = req.body.to_string();
        if system.contains("Role: Planner") {
            Reply::answer(format!("```json\n{EXAMPLE_PLAN}\n```"))
        } else if system.contains("Role: Coder") {
            let script = HOSTILE
                .iter()
                .find(|(theme, _, _)| asked.contains(theme))
                .map_or(GOOD_SCRIPT, |(_, script, _)| script);
            Reply::answer(format!("```rhai\n{script}\n```"))
        } else {
            Reply::answer(fake_llm::approval(req, "a clear gap crossing"))
        }
    }));
    let data =
        std::env::temp_dir().join(format!("benchforge-hostile-daemon-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).unwrap();
    // One session at a time, hostile themes first: the good one runs after all of them.
    let mut text = format!(
        "data_dir = \"data\"\nconcurrency = 1\n\n[gates]\nseeds = 2\n\n\
         # The good answer is a straight chute: what is tested here is the daemon going on.\n\
         [worth]\nenforce = false\n\n[render]\nwidth_px = 64\nheight_px = 48\nviews_per_seed = 2\n\n\
         [agents.planner]\nbackend = \"llm\"\nattempts = 1\n\n[agents.coder]\nbackend = \"llm\"\nattempts = 2\n\n[agents.reviewer]\nbackend = \"llm\"\nattempts = 3\n\n\
         [llm]\nbase_url = \"{}\"\nmodel = \"fake-model\"\nrequest_timeout_s = 30.0\n",
        server.base_url()
    );
    for (theme, _, _) in HOSTILE.iter() {
        text.push_str(&format!("\n[[themes]]\nprompt = \"{theme}\"\ncount = 1\n"));
    }
    text.push_str(&format!(
        "\n[[themes]]\nprompt = \"{GOOD_THEME}\"\ncount = 1\n"
    ));
    let path = data.join("benchforge.toml");
    std::fs::write(&path, text).unwrap();
    let config = Config::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let steps = benchforge::agents::llm::agent_steps(&config).expect("llm steps");
    let (_stop_tx, stop_rx) = daemon::stop_channel();
    let started = Instant::now();
    daemon::run(
        DaemonOptions {
            config,
            mode: Mode::Run {
                config_path: path,
                until_idle: true,
            },
            steps,
            steps_factory: None,
            heartbeat: Duration::from_secs(5),
            shutdown_grace: Duration::from_secs(2),
        },
        stop_rx,
    )
    .expect("the daemon runs to the end of its queue");
    let elapsed = started.elapsed();
    // `run` keeps no finished session in memory: read them back from the store.
    let store = benchforge::store::Store::open(&data.join("data")).expect("the store opens");
    let sessions = store.sessions().expect("the sessions read");
    drop(store);
    let stage_of = |theme: &str| {
        sessions
            .iter()
            .find(|s| s.theme.prompt == theme)
            .map(|s| s.stage.clone())
            .unwrap_or_else(|| panic!("{theme} has no session"))
    };
    for (theme, _, named) in HOSTILE {
        match stage_of(theme) {
            Stage::Failed { reason } => assert!(
                reason.contains(named),
                "{theme}: the failure does not name {named:?}: {reason}"
            ),
            other => panic!("{theme}: expected failed, got {other}"),
        }
    }
    assert!(
        matches!(stage_of(GOOD_THEME), Stage::Accepted { .. }),
        "the theme after the hostile ones was not accepted: {}",
        stage_of(GOOD_THEME)
    );
    // Each hostile script costs at most its wall-time limit per call, not a hang.
    assert!(
        elapsed < Duration::from_secs(60),
        "the queue took {elapsed:?}"
    );
    let log = std::fs::read_to_string(data.join("data/logs/benchforge.log")).unwrap_or_default();
    assert!(!log.contains("panicked"), "{log}");
    drop(runtime);
    let _ = std::fs::remove_dir_all(&data);
}

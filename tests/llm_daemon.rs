//! The daemon with every role on the llm backend against a fake OpenAI-compatible server on
//! loopback: one theme becomes an accepted benchmark whose folder holds `traces.jsonl` and
//! whose `benchmark.json` carries the token counts.

#[path = "common/fake_llm.rs"]
mod fake_llm;

use std::time::Duration;

use benchforge::config::{Backend, Config};
use benchforge::daemon::{self, DaemonOptions, Mode};
use benchforge::llm::{LlmConfig, TraceLog};
use benchforge::store::ThemeSpec;
use fake_llm::{FakeLlm, Reply};

const EXAMPLE_PLAN: &str = include_str!("../actors/planner/example_plan.json");
const GOOD_SCRIPT: &str = include_str!("../actors/coder/examples/ball_gap_bridge.rhai");

#[test]
fn the_daemon_with_llm_agents_accepts_a_benchmark_with_traces_and_tokens() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(FakeLlm::start(|req, _| {
        let system = req.system_prompt();
        if system.contains("Role: Planner") {
            Reply::answer(format!("Here is the plan.\n```json\n{EXAMPLE_PLAN}\n```"))
        } else if system.contains("Role: Coder") {
            Reply::answer(format!("```rhai\n{GOOD_SCRIPT}\n```"))
        } else {
            Reply::answer(fake_llm::approval(req, "a clear gap crossing"))
        }
    }));
    let data = std::env::temp_dir().join(format!("benchforge-llm-daemon-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let mut config = Config::with_data_dir(data.clone());
    // The replayed script is a straight chute: the daemon's llm plumbing is what is tested.
    config.worth.enforce = false;
    config.render.width_px = 64;
    config.render.height_px = 48;
    config.agents.planner.backend = Backend::Llm;
    config.agents.coder.backend = Backend::Llm;
    config.agents.reviewer.backend = Backend::Llm;
    config.llm = Some(LlmConfig {
        base_url: server.base_url(),
        model: "fake-model".into(),
        request_timeout_s: 30.0,
        ..LlmConfig::default()
    });
    let steps = benchforge::agents::llm::agent_steps(&config).expect("llm steps");
    let (_stop_tx, stop_rx) = daemon::stop_channel();
    let summary = daemon::run(
        DaemonOptions {
            config,
            mode: Mode::Generate {
                spec: ThemeSpec {
                    prompt: "a ball must cross a gap between two decks".into(),
                    count: 1,
                    seeds: vec![0, 1],
                    scale: None,
                    tier: None,
                    origin: "test".into(),
                },
            },
            steps,
            steps_factory: None,
            heartbeat: Duration::from_secs(5),
            shutdown_grace: Duration::from_secs(2),
        },
        stop_rx,
    )
    .expect("daemon run");
    let accepted = summary.accepted_paths();
    assert_eq!(
        accepted.len(),
        1,
        "finished: {:?}",
        summary
            .finished
            .iter()
            .map(|s| &s.stage)
            .collect::<Vec<_>>()
    );
    let dir = std::path::PathBuf::from(&accepted[0]);
    let traces =
        TraceLog::read_all(&dir.join("traces.jsonl")).expect("traces.jsonl in the benchmark");
    let answers: Vec<_> = traces.iter().filter(|t| t.outcome == "answer").collect();
    assert!(
        answers.len() >= 3,
        "plan, code and review traced: {}",
        answers.len()
    );
    let benchmark: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("benchmark.json")).unwrap())
            .unwrap();
    let usage = &benchmark["telemetry"]["usage"];
    let traced: u64 = answers
        .iter()
        .map(|t| t.tokens.unwrap().prompt_tokens)
        .sum();
    assert_eq!(usage["input_tokens"].as_u64(), Some(traced), "{usage}");
    assert!(usage["output_tokens"].as_u64().unwrap() > 0);
    assert_eq!(usage["calls"].as_u64(), Some(answers.len() as u64));
    assert!(server.received().len() >= 3);
    drop(runtime);
}

#[test]
fn the_readme_llm_config_parses_and_mixes_backends() {
    let text = r#"
data_dir = "data"

[agents.coder]
backend = "llm"
attempts = 4

[llm]
base_url = "http://127.0.0.1:8000/v1"
model = "Qwen/Qwen2.5-Coder-32B-Instruct"
request_timeout_s = 300.0
max_retries = 4
max_concurrent_requests = 16
json_schema = true

[llm.reviewer]
model = "Qwen/Qwen2.5-VL-7B-Instruct"
vision = true
max_images = 6

[llm.caps]
max_tokens = 400000
max_requests = 60

[llm.prices]
input_usd_per_million_tokens = 0.15
output_usd_per_million_tokens = 0.60
"#;
    let config = Config::parse(text, "readme.toml").expect("README config parses");
    let llm = config.llm.as_ref().unwrap();
    assert_eq!(
        llm.model_for(benchforge::llm::LlmRole::Reviewer),
        "Qwen/Qwen2.5-VL-7B-Instruct"
    );
    assert_eq!(llm.caps.max_requests, Some(60));
    assert!(benchforge::agents::llm::agent_steps(&config).is_ok());

    let broken = text.replace("http://127.0.0.1:8000/v1", "127.0.0.1:8000");
    let err = Config::parse(&broken, "readme.toml").unwrap_err();
    assert!(err.reason.contains("llm.base_url"), "{err}");
    assert_eq!(err.line, 9, "{err}"); // the `base_url` line itself
}

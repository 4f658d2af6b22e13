//! `benchforge eval`, the real binary: against a fake OpenAI-compatible server on loopback
//! replaying recorded answers (a theme whose first script fails gate 6 and whose second
//! passes; a theme whose first script passes), and with the procedural backends (no
//! network). The report's numbers are checked against what the replayed answers must give.

mod common;
#[path = "common/fake_llm.rs"]
mod fake_llm;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use common::run_benchforge;
use fake_llm::{FakeLlm, Reply};

const EXAMPLE_PLAN: &str = include_str!("../actors/planner/example_plan.json");
const GOOD_SCRIPT: &str = include_str!("../actors/coder/examples/ball_gap_bridge.rhai");

/// The first theme: its first script fails gate 6, its second passes.
const THEME_RETRY: &str = "a ball must cross a gap between two decks";
/// The second theme: its first script passes.
const THEME_FIRST_TRY: &str = "a steel ball must cross a gap onto a far deck";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("benchforge-eval-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The reference plank shortened to 50 mm: the ball drops into the gap (gate 6, solvable).
fn short_plank_script() -> String {
    let s = GOOD_SCRIPT.replace(
        "plank.box([l.gap - 0.002, l.width, 0.02]",
        "plank.box([0.05, l.width, 0.02]",
    );
    assert_ne!(s, GOOD_SCRIPT, "the replacement applies");
    s
}

/// A passing script with a wider track, so its scene differs from the first theme's (the
/// dataset's novelty check would refuse a repeat).
fn wider_script() -> String {
    let s = GOOD_SCRIPT.replace("let width = 0.3 * sy;", "let width = 0.32 * sy;");
    assert_ne!(s, GOOD_SCRIPT, "the replacement applies");
    s
}

/// The fake server's token count (see `fake_llm::tokens_of`).
fn tokens_of(text: &str) -> u64 {
    (text.chars().count() as u64 / 4).max(1)
}

#[test]
fn eval_against_replayed_answers_reports_attempts_pass_at_1_rounds_and_tokens() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // Per theme: coder answers so far, and the tokens the server reported.
    let coder_calls: Arc<Mutex<HashMap<&'static str, usize>>> = Arc::default();
    let tokens: Arc<Mutex<HashMap<&'static str, (u64, u64)>>> = Arc::default();
    // What each review request carried: its image count and its text.
    let reviews: Arc<Mutex<Vec<(usize, String)>>> = Arc::default();
    let server = {
        let (coder_calls, tokens, reviews) = (coder_calls.clone(), tokens.clone(), reviews.clone());
        runtime.block_on(FakeLlm::start(move |req, _| {
            let body = req.body.to_string();
            // The theme's words reach every role (plan request, plan, review request).
            let theme = if body.contains(THEME_FIRST_TRY) {
                THEME_FIRST_TRY
            } else {
                THEME_RETRY
            };
            let system = req.system_prompt();
            let content = if system.contains("Role: Planner") {
                format!("```json\n{EXAMPLE_PLAN}\n```")
            } else if system.contains("Role: Coder") {
                let mut calls = coder_calls.lock().unwrap();
                let n = calls.entry(theme).or_default();
                *n += 1;
                let script = match (theme, *n) {
                    (THEME_RETRY, 1) => short_plank_script(),
                    (THEME_RETRY, _) => GOOD_SCRIPT.to_string(),
                    _ => wider_script(),
                };
                format!("```rhai\n{script}\n```")
            } else {
                reviews
                    .lock()
                    .unwrap()
                    .push((req.image_count(), req.last_message()));
                fake_llm::approval(req, "the gap and the bin are clear")
            };
            let mut t = tokens.lock().unwrap();
            let e = t.entry(theme).or_default();
            e.0 += tokens_of(&req.body["messages"].to_string());
            e.1 += tokens_of(&content);
            Reply::answer(content)
        }))
    };
    let dir = temp_dir("llm");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            r#"data_dir = "unused"

[gates]
seeds = 2

# The replayed scripts are straight chutes: eval's accounting is what is tested here.
[worth]
enforce = false

[render]
width_px = 64
height_px = 48
views_per_seed = 4

[agents.planner]
backend = "llm"
[agents.coder]
backend = "llm"
[agents.reviewer]
backend = "llm"

[llm]
base_url = "{}"
model = "fake-model"
request_timeout_s = 30.0
"#,
            server.base_url()
        ),
    )
    .unwrap();
    let themes = dir.join("themes.toml");
    std::fs::write(
        &themes,
        format!("[[themes]]\nprompt = \"{THEME_RETRY}\"\n\n[[themes]]\nprompt = \"{THEME_FIRST_TRY}\"\n"),
    )
    .unwrap();
    let report_path = dir.join("report.json");
    let out = run_benchforge(&[
        "eval",
        themes.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--out",
        report_path.to_str().unwrap(),
    ]);
    assert_eq!(
        out.code,
        Some(0),
        "stdout: {}\nstderr: {}",
        out.stdout,
        out.stderr
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    let runs = report["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "{report:#}");

    let retry = &runs[0];
    assert_eq!(retry["theme"], THEME_RETRY);
    assert_eq!(retry["outcome"], "accepted", "{retry:#}");
    assert_eq!(retry["attempts_to_first_pass"], 2, "{retry:#}");
    assert_eq!(retry["first_attempt_passed"], false);
    assert_eq!(retry["coder_attempts"], 2);
    assert_eq!(retry["planner_rounds"], 1);
    assert_eq!(retry["review_rounds"], 1);
    assert_eq!(retry["failed_gates"]["solvable"], 1, "{retry:#}");
    assert_eq!(retry["most_failed_gate"], "solvable");
    // Plan, two scripts, one review.
    assert_eq!(retry["calls"], 4);

    let first = &runs[1];
    assert_eq!(first["theme"], THEME_FIRST_TRY);
    assert_eq!(first["outcome"], "accepted", "{first:#}");
    assert_eq!(first["attempts_to_first_pass"], 1);
    assert_eq!(first["first_attempt_passed"], true);
    assert_eq!(first["most_failed_gate"], serde_json::Value::Null);
    assert_eq!(first["calls"], 3);

    let served = tokens.lock().unwrap().clone();
    for run in runs {
        let theme = if run["theme"] == THEME_FIRST_TRY {
            THEME_FIRST_TRY
        } else {
            THEME_RETRY
        };
        let (input, output) = served[theme];
        assert_eq!(
            run["input_tokens"], input,
            "tokens the server reported for {theme}"
        );
        assert_eq!(
            run["output_tokens"], output,
            "tokens the server reported for {theme}"
        );
        assert!(run["wall_time_s"].as_f64().unwrap() > 0.0);
    }

    let total = &report["total"];
    assert_eq!(total["runs"], 2);
    assert_eq!(total["accepted"], 2);
    assert_eq!(total["pass_at_1"], 0.5);
    assert_eq!(total["mean_attempts_to_first_pass"], 1.5);
    assert_eq!(total["coder_attempts"], 3);
    assert_eq!(total["most_failed_gate"], "solvable");
    let (input, output) = served
        .values()
        .fold((0, 0), |(i, o), (a, b)| (i + a, o + b));
    assert_eq!(total["input_tokens"], input);
    assert_eq!(total["output_tokens"], output);
    assert_eq!(report["backends"]["coder"], "llm (fake-model)");

    // Each review saw both contact sheets (passive and solution) and the task's three views
    // of seed 0 and of seed 1, the parts seed 0 built and the solution's source.
    let reviews = reviews.lock().unwrap().clone();
    assert_eq!(reviews.len(), 2);
    for (images, text) in &reviews {
        assert_eq!(*images, 2 + 3 + 3, "{text}");
        for expected in [
            "contact_sheet (seed 0)",
            "solution_contact_sheet (seed 0)",
            "side (seed 0)",
            "top (seed 1)",
            "along_path (seed 1)",
            "\"left_deck\" (fixed, wood)",
            "solution part \"bridge_plank\" (fixed, wood)",
            "payload: sphere radius",
            "fn solve(seed, scale) {",
            "F1: ",
        ] {
            assert!(
                text.contains(expected),
                "no {expected:?} in the review request:\n{text}"
            );
        }
    }

    // The table says the same.
    let row = out
        .stdout
        .lines()
        .find(|l| l.starts_with("total"))
        .expect("a total row");
    assert!(
        row.contains("2/2") && row.contains("0.50") && row.contains("solvable"),
        "{row}"
    );
    drop(runtime);
}

#[test]
fn eval_with_the_procedural_backends_needs_no_network() {
    let dir = temp_dir("procedural");
    let themes = dir.join("themes.toml");
    std::fs::write(
        &themes,
        "[[themes]]\nprompt = \"a ball must cross a gap between two decks\"\nseeds = [0, 1]\n\n\
         [[themes]]\nprompt = \"roll a ball down a spiral ramp into a bin\"\n",
    )
    .unwrap();
    let report_path = dir.join("report.json");
    let data = dir.join("data");
    let out = run_benchforge(&[
        "eval",
        themes.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--out",
        report_path.to_str().unwrap(),
    ]);
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    let runs = report["runs"].as_array().unwrap();
    assert_eq!(runs[0]["outcome"], "accepted", "{report:#}");
    assert_eq!(runs[0]["first_attempt_passed"], true);
    // No archetype has a spiral ramp: the procedural Planner refuses it.
    assert_eq!(runs[1]["outcome"], "rejected", "{report:#}");
    assert_eq!(runs[1]["coder_attempts"], 0);
    assert_eq!(runs[1]["planner_rounds"], 1);
    assert_eq!(report["total"]["pass_at_1"], 0.5);
    assert_eq!(report["total"]["input_tokens"], 0);
    assert_eq!(report["total"]["calls"], 0);
    assert_eq!(report["backends"]["planner"], "procedural");
    // With --data, the accepted benchmark stays where the report says.
    let folder = PathBuf::from(runs[0]["detail"].as_str().unwrap());
    assert!(
        folder.join("benchmark.json").is_file(),
        "{}",
        folder.display()
    );
}

#[test]
fn a_bad_theme_file_is_one_line_naming_the_file_and_line() {
    let dir = temp_dir("bad");
    let themes = dir.join("themes.toml");
    std::fs::write(
        &themes,
        "[[themes]]\nprompt = \"a ball\"\ncolour = \"red\"\n",
    )
    .unwrap();
    let out = run_benchforge(&["eval", themes.to_str().unwrap()]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", out.stderr);
    assert!(
        lines[0].contains("themes.toml:3") && lines[0].contains("colour"),
        "{}",
        lines[0]
    );

    std::fs::write(&themes, "[[themes]]\nprompt = \"a ball\"\ncount = 0\n").unwrap();
    let out = run_benchforge(&["eval", themes.to_str().unwrap()]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("themes[0].count"), "{}", out.stderr);
}

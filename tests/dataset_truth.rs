//! The dataset says what is true (issue 13): `--count N` gives N different benchmarks, the
//! config's `[gates]` settings and a theme's seed list are the ones the gates use, and every
//! file of a benchmark folder describes the benchmark as accepted.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use benchforge::agents::procedural::{ProceduralCoder, ProceduralPlanner, ProceduralReviewer};
use benchforge::agents::ScriptDraft;
use benchforge::config::Config;
use benchforge::pipeline::AgentSteps;
use benchforge::session::{Session, SimulationReport, StepResult};
use benchforge::steps::Steps;
use serde_json::Value;

use common::{benchforge, run_to_end, temp_dir};

/// Small renders and few views and seeds: the dataset's rules, not its media, are under test.
const SMALL: &str =
    "[gates]\nseeds = 3\n\n[render]\nwidth_px = 160\nheight_px = 120\nviews_per_seed = 6\n";

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs `generate THEME --count N` with `config_text` and returns the accepted folders.
fn generate(data: &Path, config_text: &str, theme: &str, count: u32) -> Vec<PathBuf> {
    let config = data.join("benchforge.toml");
    std::fs::write(&config, format!("data_dir = \"data\"\n{config_text}")).unwrap();
    let mut cmd = benchforge(&[]);
    cmd.args(["generate", theme, "--count", &count.to_string(), "--config"])
        .arg(&config);
    let out = run_to_end(cmd, Duration::from_secs(300));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{theme}: {}",
        common::tail(&String::from_utf8_lossy(&out.stderr), 15)
    );
    stdout
        .lines()
        .filter(|l| l.contains("benchmarks/"))
        .map(|l| {
            data.join("data")
                .join(l.trim().split("data/").last().unwrap())
        })
        .map(|p| {
            // The printed folder, wherever generate printed it from.
            if p.is_dir() {
                p
            } else {
                PathBuf::from(stdout_path(&stdout, &p))
            }
        })
        .collect()
}

fn stdout_path(stdout: &str, fallback: &Path) -> String {
    stdout
        .lines()
        .find(|l| {
            fallback
                .file_name()
                .is_some_and(|n| l.ends_with(&*n.to_string_lossy()))
        })
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn assert_pairwise_distinct(theme: &str, what: &str, values: &[String]) {
    let set: BTreeSet<&String> = values.iter().collect();
    assert_eq!(
        set.len(),
        values.len(),
        "{theme}: {what} repeat: {values:?}"
    );
}

#[test]
fn count_3_gives_three_different_benchmarks_on_each_of_three_themes() {
    for theme in [
        "a ball must cross a gap between two decks",
        "a 90 mm ABS ball onto a shelf 250 mm high",
        "drop a ball into a lower bin past a shield",
    ] {
        let data = temp_dir("truth-count");
        let folders = generate(&data, SMALL, theme, 3);
        assert_eq!(folders.len(), 3, "{theme}: {folders:?}");
        let benches: Vec<Value> = folders
            .iter()
            .map(|f| json(&f.join("benchmark.json")))
            .collect();
        let field = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
        let plans: Vec<String> = benches.iter().map(|b| field(b, "plan_hash")).collect();
        let scenes: Vec<String> = benches
            .iter()
            .map(|b| field(&b["variants"][0], "scene_hash"))
            .collect();
        let scripts: Vec<String> = folders
            .iter()
            .map(|f| std::fs::read_to_string(f.join("script.rhai")).unwrap())
            .collect();
        let streams: Vec<String> = benches
            .iter()
            .map(|b| b["seed_stream"].to_string())
            .collect();
        assert_pairwise_distinct(theme, "plan hashes", &plans);
        assert_pairwise_distinct(theme, "seed-0 scene hashes", &scenes);
        assert_pairwise_distinct(theme, "scripts", &scripts);
        assert_pairwise_distinct(theme, "seed streams", &streams);
        // The same seed draws other scales in each benchmark.
        let scales: Vec<String> = benches
            .iter()
            .map(|b| b["variants"][0]["scale"].to_string())
            .collect();
        assert_pairwise_distinct(theme, "seed-0 scales", &scales);
        for (folder, bench) in folders.iter().zip(&benches) {
            check_folder_tells_the_truth(theme, folder, bench, 6);
            common::revalidate::assert_reproduces(folder);
        }
        // Nothing left behind: every session's work folder is gone.
        let work = data.join("data").join("work");
        let left: Vec<String> = std::fs::read_dir(&work)
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        assert!(left.is_empty(), "{theme}: work folders left: {left:?}");
        let _ = std::fs::remove_dir_all(&data);
    }
}

/// Every file of an accepted folder describes the accepted benchmark.
fn check_folder_tells_the_truth(theme: &str, folder: &Path, bench: &Value, views: usize) {
    let name = folder.display();
    // The reference solution is the script's `solve`, said so; no copy posing as a solution.
    assert!(!folder.join("solution.rhai").exists(), "{name}");
    assert_eq!(bench["reference_solution"]["file"], "script.rhai");
    assert!(std::fs::read_to_string(folder.join("script.rhai"))
        .unwrap()
        .contains("fn solve("));
    // The plan's layout is the first variant's scene.
    let seed0 = bench["variants"][0]["seed"].as_u64().unwrap();
    let scene = json(
        &folder
            .join("variants")
            .join(format!("seed-{seed0}"))
            .join("scene.json"),
    );
    assert_eq!(
        bench["plan"]["zones"]["build"], scene["build_zone"],
        "{name}"
    );
    assert_eq!(bench["plan"]["zones"]["goal"], scene["goal_zone"], "{name}");
    assert_eq!(
        bench["plan"]["payload"]["start_m"], scene["payload"]["start_m"],
        "{name}"
    );
    let plan_md = std::fs::read_to_string(folder.join("plan.md")).unwrap();
    let build = &scene["build_zone"]["min_m"][0];
    assert!(
        plan_md.contains(&format!("{:.3}", build.as_f64().unwrap())),
        "{name}: plan.md does not show the built build zone ({build}):\n{plan_md}"
    );
    // todo.md is ticked: every stage completed.
    let todo = std::fs::read_to_string(folder.join("todo.md")).unwrap();
    assert!(
        todo.contains("- [x]") && !todo.contains("- [ ]"),
        "{name}:\n{todo}"
    );
    assert!(
        !todo.contains("8 seeds"),
        "{name}: todo.md claims 8 seeds:\n{todo}"
    );
    // Every review round says why, the approval included.
    let reviews: Vec<PathBuf> = std::fs::read_dir(folder.join("reviews"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!reviews.is_empty());
    for r in &reviews {
        let text = std::fs::read_to_string(r).unwrap();
        assert!(
            text.contains("comments:\n  - "),
            "{}: a review without a reason:\n{text}",
            r.display()
        );
        // The approval says how each stated fact of the theme is met.
        if text.contains("decision: approve") {
            assert!(text.contains("stated fact"), "{}:\n{text}", r.display());
        }
    }
    // The settings used are recorded: seeds, stream, gates.
    assert_eq!(
        bench["settings"]["seeds"],
        serde_json::json!([0, 1, 2]),
        "{theme}"
    );
    assert_eq!(bench["settings"]["gates"]["duration_s"], 10.0);
    // The baseline battery ran on every checked seed and measured a difficulty.
    let baselines = bench["baselines"]["seeds"]
        .as_array()
        .expect("baselines recorded");
    assert_eq!(baselines.len(), 3, "{name}");
    assert!(bench["baselines"]["difficulty"]["tier"].as_u64().is_some());
    assert!(bench["baselines"]["build_zone_fraction"].as_f64().unwrap() <= 0.4);
    // The media recorded are the media on disk: `views` views per seed at 160×120.
    assert_eq!(bench["media"]["views_per_seed"], views);
    assert_eq!(bench["media"]["width_px"], 160);
    for (seed_dir, entry) in bench["media"]["seeds"].as_object().unwrap() {
        let listed = entry["views"].as_array().unwrap();
        assert_eq!(listed.len(), views, "{name} {seed_dir}");
        for v in listed {
            let png = folder
                .join("variants")
                .join(seed_dir)
                .join("renders")
                .join(v.as_str().unwrap());
            assert!(png.is_file(), "{} listed but missing", png.display());
        }
        for f in entry["files"].as_array().unwrap() {
            let file = folder
                .join("variants")
                .join(seed_dir)
                .join(f.as_str().unwrap());
            assert!(file.is_file(), "{} listed but missing", file.display());
        }
        assert!(entry["files"]
            .as_array()
            .unwrap()
            .contains(&"scene.json".into()));
        // The task views the Reviewer was shown are listed and on disk.
        let review = entry["review_views"].as_array().unwrap();
        assert_eq!(
            review,
            &["along_path.png", "side.png", "top.png"].map(serde_json::Value::from),
            "{name} {seed_dir}"
        );
        for v in review {
            let png = folder
                .join("variants")
                .join(seed_dir)
                .join("review")
                .join(v.as_str().unwrap());
            assert!(png.is_file(), "{} listed but missing", png.display());
        }
    }
}

/// The procedural script of the gap theme: a known scene that passes every gate at the
/// default settings.
fn gap_script() -> ScriptDraft {
    procedural_script("a ball must cross a gap between two decks")
}

/// The procedural Coder's first script for `theme`.
fn procedural_script(theme: &str) -> ScriptDraft {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let plan = match rt
        .block_on(benchforge::agents::Planner::plan(
            &ProceduralPlanner,
            benchforge::agents::PlanRequest::new(theme),
        ))
        .unwrap()
        .value
    {
        benchforge::plan::PlanOutcome::Planned(p) => p,
        other => panic!("{other:?}"),
    };
    rt.block_on(benchforge::agents::Coder::code(
        &ProceduralCoder,
        benchforge::agents::CodeRequest {
            plan,
            attempt: 1,
            feedback: None,
            previous_script: None,
            budget: None,
        },
    ))
    .unwrap()
    .value
}

/// A config file with `gates` under `[gates]` and one theme (with `theme_extra` keys),
/// loaded as the daemon loads it; the Simulator step built from it runs `script` on the
/// theme's session and returns its report.
fn simulate_through_config(
    gates: &str,
    theme_extra: &str,
    script: &ScriptDraft,
) -> SimulationReport {
    simulate_with_sections(&format!("[gates]\n{gates}\n"), theme_extra, script)
}

/// Like [`simulate_through_config`], with whole config sections (`sections`).
fn simulate_with_sections(
    sections: &str,
    theme_extra: &str,
    script: &ScriptDraft,
) -> SimulationReport {
    let dir = temp_dir("truth-config");
    let path = dir.join("benchforge.toml");
    std::fs::write(
        &path,
        format!(
            "data_dir = \"data\"\n\n{sections}\n[render]\nwidth_px = 64\nheight_px = 48\nviews_per_seed = 1\n\n[[themes]]\nprompt = \"a ball must cross a gap between two decks\"\ncount = 1\n{theme_extra}\n"
        ),
    )
    .unwrap();
    let config = Config::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let steps = AgentSteps::new(
        &config,
        Arc::new(ProceduralPlanner),
        Arc::new(ProceduralCoder),
        Arc::new(ProceduralReviewer::default()),
    );
    let mut session = Session::new(&config.theme_specs()[0], 0);
    session.script = Some(script.clone());
    let result = steps.simulate(&session, &dir.join("artifacts"));
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        StepResult::Simulated { report } => report,
        other => panic!("{other:?}"),
    }
}

fn rules(report: &SimulationReport) -> Vec<String> {
    report
        .report
        .iter()
        .flat_map(|r| &r.seeds)
        .flat_map(|s| &s.gates)
        .flat_map(|g| &g.findings)
        .map(|f| f.rule.clone())
        .collect()
}

fn seeds(report: &SimulationReport) -> Vec<u64> {
    report
        .report
        .iter()
        .flat_map(|r| &r.seeds)
        .map(|s| s.seed)
        .collect()
}

#[test]
fn each_gates_setting_and_a_themes_seed_list_take_effect_through_the_config_file() {
    let script = gap_script();
    // The control: the known scene passes at the defaults, on the theme's listed seeds.
    let control = simulate_through_config("", "seeds = [5, 6]", &script);
    assert!(control.passed, "{}", control.summary);
    assert_eq!(seeds(&control), [5, 6]);
    // Without a list: seeds 0..gates.seeds.
    let counted = simulate_through_config("seeds = 3", "", &script);
    assert_eq!(seeds(&counted), [0, 1, 2]);
    // A speed limit below the payload's speed fails the passive run (gate 4).
    let slow = simulate_through_config("max_speed_mps = 0.01", "seeds = [5, 6]", &script);
    assert!(!slow.passed);
    assert!(
        rules(&slow).contains(&"too_fast".to_string()),
        "{}",
        slow.summary
    );
    assert!(slow.summary.contains("0.01 m/s limit"), "{}", slow.summary);
    // A passive run too short for the scene to come to rest fails gate 4.
    let short = simulate_through_config("passive_time_s = 0.05", "seeds = [5, 6]", &script);
    assert!(!short.passed);
    assert!(
        rules(&short).contains(&"not_settled".to_string()),
        "{}",
        short.summary
    );
    assert!(short.summary.contains("after 0.05 s"), "{}", short.summary);
    assert_eq!(
        short.physics.as_ref().map(|p| p.duration_s),
        Some(0.05),
        "the report records the settings used"
    );
    // A part sunk 1 mm into the floor: within the default 2 mm tolerance, not within 0.5 mm.
    let mut sunk = script.clone();
    sunk.source = sink_a_block(&sunk.source);
    let tolerant = simulate_through_config("", "seeds = [5, 6]", &sunk);
    assert!(
        !rules(&tolerant).contains(&"fixtures_overlap".to_string()),
        "{}",
        tolerant.summary
    );
    let strict =
        simulate_through_config("penetration_tolerance_m = 0.0005", "seeds = [5, 6]", &sunk);
    assert!(!strict.passed);
    assert!(
        rules(&strict).contains(&"fixtures_overlap".to_string()),
        "{}",
        strict.summary
    );
}

/// Adds a 50 mm block sunk 1 mm into the floor, beside the track near the scene's corner.
fn sink_a_block(source: &str) -> String {
    let anchor = "    place_payload(scene, g);\n    scene\n}";
    assert!(
        source.contains(anchor),
        "the gap script's build ends as expected"
    );
    let block = "    let marker = scene.fixed_part(\"marker\", \"wood\");\n    \
                 marker.box([0.05, 0.05, 0.05], [g.lo[0] + 0.1, g.hi[1] - 0.04, 0.024]);\n";
    source.replacen(anchor, &format!("{block}{anchor}"), 1)
}

/// The baseline battery runs on every candidate that passed the gates: recorded when not
/// enforced; with `[worth] enforce = true` the naive chute solving the procedural gap
/// benchmark refuses it as gate `worth`, naming the rule.
#[test]
fn the_worth_battery_refuses_a_trivial_candidate_unless_the_config_turns_it_off() {
    // The deflector layout is one straight chute: the naive chute solves it.
    let script = procedural_script("drop an ABS sphere from 120 mm onto a 30° deflector ramp so it ends in a side goal bin while avoiding a forbid zone below the spawn");
    let recorded = simulate_with_sections(
        "[worth]\nenforce = false\nrandom_attempts_per_seed = 10\nheld_out_seeds = 2\n",
        "seeds = [0, 1]",
        &script,
    );
    assert!(recorded.passed, "{}", recorded.summary);
    // Enforced by default.
    let enforced = simulate_with_sections(
        "[worth]\nrandom_attempts_per_seed = 10\nheld_out_seeds = 2\n",
        "seeds = [0, 1]",
        &script,
    );
    assert!(!enforced.passed);
    assert_eq!(enforced.failing_gate.as_deref(), Some("worth"));
    assert!(
        enforced.summary.contains("[trivial_naive_solves]"),
        "{}",
        enforced.summary
    );
}

/// A theme's `tier` is a request: a benchmark measuring as another tier is refused naming
/// both, the one it measures as passes, and a label that is no tier is refused by the config.
#[test]
fn a_requested_tier_refuses_a_benchmark_of_another_tier() {
    let script = gap_script();
    let worth = "[worth]\nrandom_attempts_per_seed = 10\nheld_out_seeds = 2\n";
    let free = simulate_with_sections(worth, "seeds = [0, 1]", &script);
    assert!(free.passed, "{}", free.summary);
    let mut passing = Vec::new();
    for tier in 1..=3 {
        let report =
            simulate_with_sections(worth, &format!("seeds = [0, 1]\ntier = {tier}"), &script);
        if report.passed {
            passing.push(tier);
        } else {
            assert!(
                report.summary.contains("[tier_mismatch]")
                    && report.summary.contains(&format!(
                        "the theme asks for tier {tier} but the benchmark measures as tier"
                    )),
                "{}",
                report.summary
            );
        }
    }
    assert_eq!(
        passing.len(),
        1,
        "exactly the measured tier passes: {passing:?}"
    );
    let dir = temp_dir("truth-tier");
    let path = dir.join("benchforge.toml");
    std::fs::write(
        &path,
        "data_dir = \"data\"\n[[themes]]\nprompt = \"a ball must cross a gap\"\ntier = \"impossible\"\n",
    )
    .unwrap();
    let e = Config::load(&path).unwrap_err().to_string();
    assert!(
        e.contains("themes[0].tier") && e.contains("give 1, 2 or 3"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

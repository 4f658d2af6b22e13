//! `benchforge score` on benchmarks made by the real `benchforge generate`: the reference
//! solution, an empty one, solutions breaking each placement and run rule, budgets, hostile
//! scripts, JSON solutions, determinism and batch scoring.

#[path = "common/benchmark_folder.rs"]
mod benchmark_folder;
mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use benchforge::benchmark::Benchmark;
use benchforge::physics::PhysicsSettings;
use benchforge::scene::Scene;
use benchforge::script::SceneScript;
use benchforge::variant::PayloadSpawn;
use serde_json::Value;

use common::*;

/// Three "cross the gap" benchmarks of three seeds each, generated once for every test.
fn benchmarks() -> &'static (PathBuf, Vec<PathBuf>) {
    static DATA: OnceLock<(PathBuf, Vec<PathBuf>)> = OnceLock::new();
    DATA.get_or_init(|| {
        let data = temp_dir("score-data");
        let dirs = generate_into(&data, "a ball must cross a gap between two decks", 3);
        (data, dirs)
    })
}

/// `count` benchmarks of `theme` on 3 seeds each, generated into `data`, their folders sorted.
fn generate_into(data: &Path, theme: &str, count: u32) -> Vec<PathBuf> {
    let mut cmd = benchforge(&[]);
    cmd.args([
        "generate",
        theme,
        "--count",
        &count.to_string(),
        "--seeds",
        "3",
        "--data-dir",
    ])
    .arg(data);
    let out = run_to_end(cmd, Duration::from_secs(600));
    assert!(
        out.status.success(),
        "generate failed: {}",
        tail(&String::from_utf8_lossy(&out.stderr), 30)
    );
    let mut dirs = check_dataset(data, count as usize);
    dirs.sort();
    dirs
}

fn solution(name: &str) -> PathBuf {
    repo_root().join("tests/data/solutions").join(name)
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// `benchforge score DIR SOLUTION --json [extra]`: exit code and parsed JSON.
fn score_json(bench: &Path, solution: &Path, extra: &[&str]) -> (Option<i32>, Value, String) {
    let mut args = vec!["score", path_str(bench), path_str(solution), "--json"];
    args.extend_from_slice(extra);
    let out = run_benchforge(&args);
    let json = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "score --json printed no JSON ({e}); stdout: {}; stderr: {}",
            out.stdout, out.stderr
        )
    });
    (out.code, json, out.stderr)
}

fn json_of(bench: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(bench.join("benchmark.json")).unwrap()).unwrap()
}

fn seeds(score: &Value) -> &Vec<Value> {
    score["seeds"].as_array().expect("seeds array")
}

fn violations<'a>(seed: &'a Value, rule: &str) -> Vec<&'a Value> {
    seed["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["rule"] == rule)
        .collect()
}

/// The recorded variant of every seed (built by the scorer, which checks it against the
/// recorded scene hash): seed, scale, scene and payload spawn.
fn recorded_variants(bench: &Path) -> Vec<(u64, [f64; 3], Scene, PayloadSpawn)> {
    let loaded = Benchmark::load(bench).expect("the benchmark loads");
    loaded
        .seeds
        .iter()
        .map(|s| {
            let v = loaded.build(s).expect("the variant builds as recorded");
            (s.seed, s.scale, v.scene, v.spawn)
        })
        .collect()
}

#[test]
fn the_reference_solution_succeeds_on_every_seed_with_the_top_score() {
    let (_, benches) = benchmarks();
    for bench in benches {
        let (code, score, stderr) = score_json(bench, &bench.join("script.rhai"), &[]);
        assert_eq!(code, Some(0), "{stderr}");
        assert_eq!(score["table_version"], "benchforge-score-2");
        assert_eq!(seeds(&score).len(), 3);
        for seed in seeds(&score) {
            assert_eq!(seed["success"], true, "{seed:#}");
            assert_eq!(seed["score"], 1.0, "{seed:#}");
            assert_eq!(seed["progress"], 1.0);
            assert_eq!(seed["violations"].as_array().unwrap().len(), 0, "{seed:#}");
            assert!(seed["goal_hold_s"].as_f64().unwrap() > 0.0 || seed["settled"] == true);
            assert_eq!(seed["resources"]["parts"]["used"], 1.0);
            assert!(seed["resources"]["mass_kg"]["used"].as_f64().unwrap() > 0.0);
            // The caps are the benchmark's own budget (the default table sets none): 1.5 ×
            // what the reference used, so the reference is within them.
            let budget = &json_of(bench)["budget"];
            assert_eq!(
                seed["resources"]["parts"]["cap"], budget["max_parts"],
                "{seed:#}"
            );
            assert_eq!(budget["max_parts"], 2.0);
            let mass_cap = seed["resources"]["mass_kg"]["cap"].as_f64().unwrap();
            assert_eq!(Some(mass_cap), budget["max_mass_kg"].as_f64());
            assert!(
                mass_cap >= 1.5 * seed["resources"]["mass_kg"]["used"].as_f64().unwrap() - 1e-9
            );
            assert!(seed["resources"]["cost_usd"]["cap"].as_f64().is_some());
        }
        assert_eq!(score["summary"]["success_rate"], 1.0);
        assert_eq!(score["summary"]["score"], 1.0);
    }
    // The readable table says the same.
    let out = run_benchforge(&[
        "score",
        path_str(&benches[0]),
        path_str(&benches[0].join("script.rhai")),
    ]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stdout.contains("summary: success 100% of 3 seeds")
            && out.stdout.contains("score 1.000"),
        "{}",
        out.stdout
    );
}

#[test]
fn scoring_twice_gives_byte_identical_json() {
    let (_, benches) = benchmarks();
    for sol in [
        benches[1].join("script.rhai"),
        solution("through_forbid_zone.rhai"),
    ] {
        let args = ["score", path_str(&benches[1]), path_str(&sol), "--json"];
        let a = run_benchforge(&args);
        let b = run_benchforge(&args);
        assert!(!a.stdout.is_empty(), "{}", a.stderr);
        assert_eq!(a.stdout, b.stdout, "two runs of {} differ", sol.display());
    }
}

#[test]
fn an_empty_solution_fails_with_the_passive_runs_progress() {
    let (_, benches) = benchmarks();
    let bench = &benches[0];
    let (code, score, stderr) = score_json(bench, &solution("empty.rhai"), &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let settings = PhysicsSettings::default();
    for ((seed, _, scene, spawn), s) in recorded_variants(bench).iter().zip(seeds(&score)) {
        assert_eq!(s["seed"], *seed);
        assert_eq!(s["success"], false, "{s:#}");
        assert_eq!(s["resources"]["parts"]["used"], 0.0);
        // The passive run of gate 4, recorded every step: how close did gravity alone bring
        // the payload's centre?
        let passive = benchforge::gates::physics::check_physics(
            scene,
            spawn,
            &settings,
            Some(settings.timestep_s),
        );
        let outcome = passive.outcome.expect("the passive run ran");
        let d = |p| scene.goal_zone.distance_to_point_m(p);
        let initial = d(outcome.payload_start_m);
        let closest = outcome
            .trajectory
            .unwrap()
            .frames
            .iter()
            .map(|f| d(f.poses.last().unwrap().1.position_m))
            .fold(initial, f64::min);
        let expected = 1.0 - closest / initial;
        let got = s["progress"].as_f64().unwrap();
        assert!(
            (got - expected).abs() < 1e-9,
            "seed {seed}: progress {got}, passive run {expected}"
        );
        assert!(got < 1.0);
        // No success: only the progress weight (0.3) counts.
        assert!((s["score"].as_f64().unwrap() - 0.3 * expected).abs() < 1e-9);
    }
    assert_eq!(score["summary"]["success_rate"], 0.0);
}

#[test]
fn a_part_outside_the_build_zone_is_flagged_with_side_and_distance() {
    let (_, benches) = benchmarks();
    let (code, score, stderr) = score_json(&benches[0], &solution("outside_build_zone.rhai"), &[]);
    assert_eq!(code, Some(0), "{stderr}");
    for s in seeds(&score) {
        let v = violations(s, "part_outside_build_zone");
        assert_eq!(v.len(), 1, "{s:#}");
        assert_eq!(v[0]["part"], "sky_block");
        assert_eq!(v[0]["zone"], "+z");
        // The cube's top is 0.02 + 0.05 m above the build zone's top.
        let by = v[0]["numbers"]["by_m"].as_f64().unwrap();
        assert!((by - 0.07).abs() < 1e-4, "by_m = {by}");
        assert!(v[0]["message"].as_str().unwrap().contains("0.07"));
        assert_eq!(s["disqualified"], true);
        assert_eq!(s["success"], false);
        assert_eq!(s["score"], 0.0);
    }
}

#[test]
fn a_part_in_a_forbid_zone_is_flagged_with_its_depth() {
    let (_, benches) = benchmarks();
    let bench = &benches[0];
    let (code, score, stderr) = score_json(bench, &solution("in_forbid_zone.rhai"), &[]);
    assert_eq!(code, Some(0), "{stderr}");
    for ((_, _, scene, _), s) in recorded_variants(bench).iter().zip(seeds(&score)) {
        let zone = &scene.forbid_zones[0];
        let v = violations(s, "part_in_forbid_zone");
        assert_eq!(v.len(), 1, "{s:#}");
        assert_eq!(v[0]["part"], "pit_block");
        assert_eq!(v[0]["zone"], zone.name.as_str());
        // The block is the zone's middle half: it reaches half the zone's smallest size in.
        let size = zone.zone.size_m();
        let expected = 0.5 * size[0].min(size[1]).min(size[2]);
        let depth = v[0]["numbers"]["depth_m"].as_f64().unwrap();
        assert!(
            (depth - expected).abs() < 1e-4,
            "depth {depth} vs {expected}"
        );
        assert_eq!(s["score"], 0.0);
        assert!(violations(s, "part_outside_build_zone").is_empty(), "{s:#}");
    }
}

/// One benchmark of the shield theme (its forbid zone lies on the shield, in reach of a
/// straight plank; the gap's pit lies behind a portal).
fn shield_benchmark() -> &'static PathBuf {
    static DATA: OnceLock<PathBuf> = OnceLock::new();
    DATA.get_or_init(|| {
        let data = temp_dir("score-shield");
        generate_into(&data, "drop a ball into a lower bin past a shield", 1).remove(0)
    })
}

#[test]
fn a_solution_that_drops_the_payload_into_a_forbid_zone_is_flagged_with_time_and_depth() {
    let mut flagged = 0;
    for bench in [shield_benchmark()] {
        let (code, score, stderr) = score_json(bench, &solution("onto_shield.rhai"), &[]);
        assert_eq!(code, Some(0), "{stderr}");
        for s in seeds(&score) {
            // The ramp itself is legal: the run happened.
            assert_eq!(s["simulated"], true, "{s:#}");
            assert!(violations(s, "part_in_forbid_zone").is_empty(), "{s:#}");
            assert!(violations(s, "part_overlaps_scene").is_empty(), "{s:#}");
            for v in violations(s, "payload_entered_forbid_zone") {
                flagged += 1;
                assert_eq!(v["zone"], "on_shield");
                assert!(v["numbers"]["time_s"].as_f64().unwrap() > 0.0, "{v:#}");
                assert!(v["numbers"]["depth_m"].as_f64().unwrap() > 0.0, "{v:#}");
                assert_eq!(s["success"], false);
                assert_eq!(s["score"], 0.0);
            }
        }
    }
    assert!(flagged > 0, "no seed dropped the payload onto the shield");
}

#[test]
fn budgets_penalize_by_the_formula() {
    let (_, benches) = benchmarks();
    let bench = &benches[2];
    let reference = bench.join("script.rhai");
    let (_, free, _) = score_json(bench, &reference, &[]);
    let seed0 = &seeds(&free)[0];
    let mass = seed0["resources"]["mass_kg"]["used"].as_f64().unwrap();
    let cost = seed0["resources"]["cost_usd"]["used"].as_f64().unwrap();
    // Caps that seed 0 overruns by 25 % (mass) and 50 % (cost): penalties 0.75 and 0.5, in a
    // table that penalizes an overrun instead of disqualifying it (the default does).
    let dir = temp_dir("score-table");
    let table = dir.join("tight.toml");
    std::fs::write(
        &table,
        format!(
            "version = \"test-tight-1\"\ndisqualify = [\"part_outside_build_zone\", \"part_in_forbid_zone\", \"part_overlaps_scene\", \"part_label_taken\", \"payload_entered_forbid_zone\", \"unstable_run\"]\n[budget]\nmax_parts = 1\nmax_mass_kg = {}\nmax_cost_usd = {}\n",
            mass / 1.25,
            cost / 1.5
        ),
    )
    .unwrap();
    let (code, score, stderr) = score_json(bench, &reference, &["--table", path_str(&table)]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(score["table_version"], "test-tight-1");
    let s = &seeds(&score)[0];
    let r = &s["resources"];
    assert_eq!(r["parts"]["penalty"], 1.0);
    assert!(
        (r["mass_kg"]["penalty"].as_f64().unwrap() - 0.75).abs() < 1e-9,
        "{r:#}"
    );
    assert!(
        (r["cost_usd"]["penalty"].as_f64().unwrap() - 0.5).abs() < 1e-9,
        "{r:#}"
    );
    assert_eq!(s["success"], true);
    assert!((s["score"].as_f64().unwrap() - 0.375).abs() < 1e-9, "{s:#}");
    let over = violations(s, "over_budget");
    assert_eq!(over.len(), 2, "{s:#}");
    assert_eq!(over[0]["zone"], "mass_kg");
    assert!((over[0]["numbers"]["used"].as_f64().unwrap() - mass).abs() < 1e-12);
    assert!((over[0]["numbers"]["cap"].as_f64().unwrap() - mass / 1.25).abs() < 1e-12);
    assert_eq!(over[1]["zone"], "cost_usd");
    // A table without a version is refused.
    std::fs::write(&table, "hold_s = 2.0\n").unwrap();
    let out = run_benchforge(&[
        "score",
        path_str(bench),
        path_str(&reference),
        "--table",
        path_str(&table),
    ]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("version"), "{}", out.stderr);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn hostile_and_broken_solutions_get_a_clear_error() {
    let (_, benches) = benchmarks();
    let bench = &benches[0];
    for (file, expected) in [
        ("hostile_loop.rhai", "limit"),
        ("hostile_alloc.rhai", "array size limit"),
    ] {
        let (code, score, stderr) = score_json(bench, &solution(file), &[]);
        assert_eq!(code, Some(1), "{file}: {stderr}");
        let first = &seeds(&score)[0];
        let error = first["error"].as_str().unwrap_or_default();
        assert!(error.contains(expected), "{file}: {error}");
        assert!(
            stderr.lines().count() == 1 && stderr.contains(expected),
            "{file}: {stderr}"
        );
        for later in &seeds(&score)[1..] {
            assert!(
                later["error"].as_str().unwrap().contains("not run"),
                "{later:#}"
            );
        }
        assert_eq!(score["summary"]["score"], 0.0);
    }
    let out = run_benchforge(&[
        "score",
        path_str(bench),
        path_str(&solution("broken_syntax.rhai")),
    ]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("syntax error at line 3"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
}

#[test]
fn a_json_solution_of_the_reference_parts_scores_like_the_reference() {
    let (_, benches) = benchmarks();
    let bench = &benches[1];
    let script =
        SceneScript::compile(&std::fs::read_to_string(bench.join("script.rhai")).unwrap()).unwrap();
    let mut per_seed = serde_json::Map::new();
    // The reference's parts of each variant: `solve` gets the number `build` got.
    for s in Benchmark::load(bench).unwrap().seeds {
        let parts = script.solve(s.built_with, s.scale).unwrap().unwrap().parts;
        per_seed.insert(s.seed.to_string(), serde_json::to_value(parts).unwrap());
    }
    let dir = temp_dir("score-json");
    let file = dir.join("parts.json");
    std::fs::write(
        &file,
        serde_json::json!({"format": "benchforge-solution/1", "seeds": per_seed}).to_string(),
    )
    .unwrap();
    let (code, score, stderr) = score_json(bench, &file, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(score["summary"]["success_rate"], 1.0, "{score:#}");
    assert_eq!(score["summary"]["score"], 1.0);
    // A JSON file in another format is refused in one line.
    std::fs::write(&file, "{\"format\": \"other/9\"}").unwrap();
    let out = run_benchforge(&["score", path_str(bench), path_str(&file)]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("benchforge-solution/1"),
        "{}",
        out.stderr
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn batch_scoring_writes_one_row_per_solution_whatever_happens() {
    let (data, benches) = benchmarks();
    let id = |dir: &Path| -> String {
        let json: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("benchmark.json")).unwrap())
                .unwrap();
        json["id"].as_str().unwrap().to_string()
    };
    let dir = temp_dir("score-batch");
    let solutions = dir.join("solutions");
    std::fs::create_dir_all(&solutions).unwrap();
    let copy = |from: &Path, to: String| std::fs::copy(from, solutions.join(to)).unwrap();
    copy(
        &benches[0].join("script.rhai"),
        format!("{}.rhai", id(&benches[0])),
    );
    copy(
        &solution("hostile_loop.rhai"),
        format!("{}.rhai", id(&benches[1])),
    );
    copy(
        &solution("broken_syntax.rhai"),
        format!("{}.rhai", id(&benches[2])),
    );
    copy(&solution("empty.rhai"), "no-such-benchmark.rhai".into());
    let out = run_benchforge(&[
        "score",
        path_str(data),
        "--solutions",
        path_str(&solutions),
        "--jobs",
        "2",
    ]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let rows: Vec<Value> = std::fs::read_to_string(solutions.join("scores.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 4, "{rows:#?}");
    let row = |name: &str| {
        rows.iter()
            .find(|r| r["solution"] == name)
            .unwrap_or_else(|| panic!("no row for {name}"))
    };
    let good = row(&format!("{}.rhai", id(&benches[0])));
    assert!(good["error"].is_null(), "{good:#}");
    assert_eq!(good["score"], 1.0);
    assert_eq!(good["result"]["seeds"].as_array().unwrap().len(), 3);
    let hostile = row(&format!("{}.rhai", id(&benches[1])));
    assert!(
        hostile["error"].as_str().unwrap().contains("limit"),
        "{hostile:#}"
    );
    assert_eq!(hostile["score"], 0.0);
    let broken = row(&format!("{}.rhai", id(&benches[2])));
    assert!(
        broken["error"].as_str().unwrap().contains("syntax error"),
        "{broken:#}"
    );
    let orphan = row("no-such-benchmark.rhai");
    assert!(
        orphan["error"].as_str().unwrap().contains("no benchmark"),
        "{orphan:#}"
    );
    for r in &rows {
        assert!(!r["error"].as_str().unwrap_or_default().contains('\n'));
    }
    let board: Value =
        serde_json::from_str(&std::fs::read_to_string(solutions.join("leaderboard.json")).unwrap())
            .unwrap();
    assert_eq!(board["overall"]["solutions"], 4);
    assert_eq!(board["overall"]["errors"], 3);
    assert_eq!(board["benchmarks"][0][2], 1.0);
    assert!(
        out.stdout.contains("overall: 4 solutions"),
        "{}",
        out.stdout
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// `score --mjcf DIR` writes each recorded seed's scene with the candidate's parts in it.
#[test]
fn score_writes_each_seeds_scene_with_the_candidate_as_mjcf() {
    let (_, benches) = benchmarks();
    let bench = &benches[0];
    let out_dir = temp_dir("score-mjcf");
    let out = run_benchforge(&[
        "score",
        path_str(bench),
        path_str(&bench.join("script.rhai")),
        "--mjcf",
        path_str(&out_dir),
    ]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let loaded = Benchmark::load(bench).unwrap();
    let script =
        SceneScript::compile(&std::fs::read_to_string(bench.join("script.rhai")).unwrap()).unwrap();
    for s in &loaded.seeds {
        let xml = std::fs::read_to_string(out_dir.join(format!("seed-{}.xml", s.seed)))
            .unwrap_or_else(|e| panic!("seed {}: {e}", s.seed));
        assert!(xml.contains(&format!("model=\"seed_{}\"", s.seed)), "{xml}");
        for part in script.solve(s.built_with, s.scale).unwrap().unwrap().parts {
            assert!(
                xml.contains(&part.label),
                "seed {}: the candidate's part {} is not in the MJCF",
                s.seed,
                part.label
            );
        }
        // The reference is the candidate here: the same file the benchmark ships.
        let shipped = std::fs::read_to_string(
            bench.join(format!("variants/seed-{}/scene_solution.xml", s.seed)),
        )
        .unwrap();
        assert_eq!(xml, shipped, "seed {}", s.seed);
    }
    let _ = std::fs::remove_dir_all(&out_dir);
}

/// A solution with a joint and a motor is scored as gate 6 runs it: the motorized lift's own
/// reference lifts the ball on every seed, and the same solution without its motor does not.
#[test]
fn a_motorized_solution_is_scored_with_its_joint_and_motor() {
    let dir = temp_dir("score-lift");
    let example = repo_root().join("actors/coder/examples/ball_motor_lift.rhai");
    let bench = benchmark_folder::write(
        &dir.join("lift"),
        &example,
        3,
        benchforge::variant::ScaleRanges::default(),
    );
    let (code, score, stderr) = score_json(&bench, &example, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    for seed in seeds(&score) {
        assert_eq!(seed["success"], true, "{seed:#}");
    }
    // The same solution with the motor lines removed: the platform never rises.
    let source = std::fs::read_to_string(&example).unwrap();
    let unpowered: String = source
        .lines()
        .filter(|l| !l.trim_start().starts_with("slider."))
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(
        unpowered, source,
        "the example's motor calls were not found"
    );
    let unpowered_path = dir.join("unpowered.rhai");
    std::fs::write(&unpowered_path, unpowered).unwrap();
    let (_, score, stderr) = score_json(&bench, &unpowered_path, &[]);
    for seed in seeds(&score) {
        assert_eq!(seed["success"], false, "{seed:#} {stderr}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

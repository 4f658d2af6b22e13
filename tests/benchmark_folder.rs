//! A benchmark folder is self-contained and reproducible: benchmarks generated through the
//! engine (procedural agents, real gates, real renders) are re-checked from their folders
//! alone by the real binary (`validate DIR`, `export DIR --seed K`, `render DIR --seed K`),
//! and an edit to a file of the folder is named.

mod common;

#[path = "common/benchmark_folder.rs"]
mod benchmark_folder;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use benchforge::benchmark::Benchmark;
use benchforge::session::Stage;
use serde_json::Value;

use common::engine::{procedural_steps, run_session_on_seeds};
use common::revalidate::{assert_reproduces, record_manifest, validate_folder};
use common::{run_benchforge, temp_dir};

/// Themes of three archetypes (one with a hinged, moving part).
const THEMES: [&str; 3] = [
    "a ball must cross a gap between two decks",
    "a gate in a wall that the ball must pass",
    "a ball pushes through a hinged flap",
];

/// One accepted benchmark per theme, checked on seeds 0..3, generated once for every test.
fn benchmarks() -> &'static Vec<PathBuf> {
    static DIRS: OnceLock<Vec<PathBuf>> = OnceLock::new();
    DIRS.get_or_init(|| {
        let data = temp_dir("benchmark-folder");
        THEMES
            .iter()
            .map(|theme| {
                let session = run_session_on_seeds(procedural_steps(&data), &data, theme, 3);
                match session.stage {
                    Stage::Accepted { path } => PathBuf::from(path),
                    other => panic!("{theme}: the session ended {other}"),
                }
            })
            .collect()
    })
}

/// A private copy of a generated benchmark (for tests that edit it), with its manifest.
fn copy_with_manifest(from: &Path, name: &str) -> PathBuf {
    let to = temp_dir(name).join(from.file_name().unwrap());
    copy_tree(from, &to);
    record_manifest(&to);
    to
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

fn benchmark_json(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("benchmark.json")).unwrap()).unwrap()
}

#[test]
fn every_generated_benchmark_reproduces_from_its_folder() {
    for dir in benchmarks() {
        // As written (no manifest yet) and with its manifest recorded.
        assert_reproduces(dir);
        let copy = copy_with_manifest(dir, "reproduce");
        assert_reproduces(&copy);
        // The readable form: one line per seed, then the verdict.
        let out = run_benchforge(&["validate", s(&copy)]);
        assert_eq!(out.code, Some(0), "{}", out.stderr);
        let lines: Vec<&str> = out.stdout.lines().collect();
        assert_eq!(lines.len(), 4, "{}", out.stdout);
        for (k, line) in lines[..3].iter().enumerate() {
            assert!(
                line.starts_with(&format!("seed {k} (scale ["))
                    && line.contains("matches the recorded hash")
                    && line.contains("gates 1–8 held"),
                "{line}"
            );
        }
        let files = benchforge::benchmark::manifest(&copy).unwrap().len();
        assert!(
            lines[3].starts_with("REPRODUCED: ")
                && lines[3].contains("3 of 3 seeds rebuilt with their recorded scene hash")
                && lines[3].contains(&format!("{files} files as recorded")),
            "{}",
            lines[3]
        );
    }
}

#[test]
fn a_folder_written_on_the_plain_stream_without_a_physics_record_reproduces() {
    let dir = temp_dir("plain-stream");
    let script = common::repo_root().join("actors/coder/examples/ball_gap_bridge.rhai");
    let ranges = benchforge::variant::ScaleRanges {
        x: [0.9, 1.1],
        y: [0.9, 1.1],
        z: [0.9, 1.1],
    };
    let folder = benchmark_folder::write(&dir.join("bench"), &script, 3, ranges);
    assert_reproduces(&folder);
}

#[test]
fn json_lines_carry_every_seed_gate_numbers_and_payload_positions() {
    for dir in benchmarks() {
        let seeds = assert_reproduces(dir);
        let recorded = benchmark_json(dir);
        for (line, rec) in seeds
            .iter()
            .zip(recorded["gate_results"]["seeds"].as_array().unwrap())
        {
            assert_eq!(line["seed"], rec["seed"]);
            assert_eq!(line["scene_hash"], rec["scene_hash"], "{line}");
            assert_eq!(line["recorded_scene_hash"], rec["scene_hash"]);
            let gates = line["gates"].as_array().unwrap();
            let ids: Vec<u64> = gates.iter().map(|g| g["id"].as_u64().unwrap()).collect();
            assert_eq!(ids, [1, 2, 3, 4, 5, 6, 8], "{line}");
            for gate in gates {
                assert_eq!(gate["passed"], true, "{gate}");
                assert!(gate["numbers"].is_object(), "{gate}");
            }
            // The gates' measured quantities are the ones the gates measured when the
            // benchmark was written (the same rapier run, the same numbers).
            let physics = &gates[3]["numbers"];
            assert_eq!(physics["max_speed_mps"], rec["passive"]["max_speed_mps"]);
            assert_eq!(physics["settle_time_s"], rec["passive"]["settle_time_s"]);
            let solvable = &gates[5]["numbers"];
            assert_eq!(solvable["reached_goal"], true);
            assert_eq!(
                solvable["time_to_goal_s"],
                rec["solution"]["time_to_goal_s"]
            );
            let payloads = line["payloads"].as_array().unwrap();
            assert_eq!(payloads.len(), 1, "{line}");
            let p = &payloads[0];
            assert_eq!(p["name"], "payload");
            assert_eq!(p["start"], rec["payload_spawn"]["start_m"]);
            assert_eq!(p["passive_final"], rec["passive"]["payload_final_m"]);
            assert_eq!(p["solution_final"], rec["solution"]["payload_final_m"]);
            for key in ["start", "passive_final", "solution_final"] {
                assert_eq!(p[key].as_array().unwrap().len(), 3, "{key}: {p}");
            }
            // The reference solution moved the payload; the passive run did not bring it
            // where the solution did.
            assert_ne!(p["passive_final"], p["solution_final"]);
        }
    }
}

#[test]
fn an_edited_script_fails_with_a_line_naming_it() {
    let dir = copy_with_manifest(&benchmarks()[0], "edit-script");
    let script = dir.join("script.rhai");
    let source = std::fs::read_to_string(&script).unwrap();
    let recorded = benchforge::benchmark::manifest(&dir).unwrap()["script.rhai"].clone();

    // A harmless-looking edit (a comment) still is an edit: the manifest names it.
    std::fs::write(&script, format!("{source}\n// tweaked\n")).unwrap();
    let r = validate_folder(&dir);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "script.rhai was changed after the benchmark was written (sha256 {}…, recorded {}…)",
            &benchforge::benchmark::manifest(&dir).unwrap()["script.rhai"][..16],
            &recorded[..16]
        )),
        "{}",
        r.stderr
    );
    assert_eq!(r.summary["passed"], false);
    // The scenes themselves still rebuild: only the file changed.
    assert!(r.seeds.iter().all(|s| s["hash_matches"] == true));

    // An edit that changes the scenes: every seed's hash differs, each named.
    assert!(source.contains("fn build(seed, scale) {"));
    let edited = source.replace(
        "fn build(seed, scale) {",
        "fn build(seed, scale) {\n    let seed = seed + 1;",
    );
    std::fs::write(&script, edited).unwrap();
    let r = validate_folder(&dir);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    for seed in &r.seeds {
        assert_eq!(seed["hash_matches"], false, "{seed}");
        let k = seed["seed"].as_u64().unwrap();
        let line = format!(
            "seed {k}: the rebuilt scene has hash {}, benchmark.json records {}",
            seed["scene_hash"].as_str().unwrap(),
            seed["recorded_scene_hash"].as_str().unwrap()
        );
        assert!(r.stderr.contains(&line), "{line}\n{}", r.stderr);
    }
    // Without a manifest the hashes alone still catch it.
    let mut json = benchmark_json(&dir);
    json.as_object_mut().unwrap().remove("files");
    std::fs::write(dir.join("benchmark.json"), json.to_string()).unwrap();
    let r = validate_folder(&dir);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains("records no file manifest"),
        "{}",
        r.stderr
    );
    assert!(r.seeds.iter().all(|s| s["hash_matches"] == false));
}

#[test]
fn an_edited_missing_or_added_file_is_named_one_line_each() {
    let dir = copy_with_manifest(&benchmarks()[1], "edit-files");
    let scene = dir.join("variants/seed-1/scene.json");
    let text = std::fs::read_to_string(&scene).unwrap();
    std::fs::write(&scene, text.replacen("0.", "0.0", 1)).unwrap();
    std::fs::remove_file(dir.join("plan.md")).unwrap();
    std::fs::write(dir.join("variants/seed-0/notes.txt"), "mine").unwrap();
    let r = validate_folder(&dir);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let lines: Vec<&str> = r.stderr.lines().collect();
    let named = |needle: &str| lines.iter().filter(|l| l.contains(needle)).count();
    assert_eq!(
        named("variants/seed-1/scene.json was changed after the benchmark was written (sha256 "),
        1,
        "{}",
        r.stderr
    );
    assert_eq!(named("plan.md is missing"), 1, "{}", r.stderr);
    assert_eq!(
        named("variants/seed-0/notes.txt was added after the benchmark was written"),
        1,
        "{}",
        r.stderr
    );
    // The edited scene.json no longer has the rebuilt scene's hash: seed 1 does not
    // reproduce, seeds 0 and 2 do.
    let matches: Vec<bool> = r
        .seeds
        .iter()
        .map(|s| s["hash_matches"].as_bool().unwrap())
        .collect();
    assert_eq!(matches, [true, false, true]);
    assert!(
        r.stderr.contains("seed 1: the rebuilt scene has hash")
            && r.stderr.contains("variants/seed-1/scene.json has"),
        "{}",
        r.stderr
    );
    let changes = r.summary["file_changes"].as_array().unwrap();
    assert_eq!(changes.len(), 3, "{}", r.summary);
}

#[test]
fn export_with_solution_rebuilds_the_shipped_mjcf_with_the_solution_parts() {
    for dir in benchmarks() {
        let bench = Benchmark::load(dir).unwrap();
        for seed in bench.seed_numbers() {
            let variant = bench.variant(seed).unwrap();
            let parts = bench.reference_solution(&variant).unwrap().unwrap();
            assert!(!parts.is_empty());
            let out = run_benchforge(&["export", s(dir), "--seed", &seed.to_string()]);
            assert_eq!(out.code, Some(0), "{}", out.stderr);
            let plain = out.stdout;
            let out = run_benchforge(&[
                "export",
                s(dir),
                "--seed",
                &seed.to_string(),
                "--with-solution",
                "--format",
                "mjcf",
            ]);
            assert_eq!(out.code, Some(0), "{}", out.stderr);
            let with = out.stdout;
            for part in &parts {
                let body = format!("<body name=\"{}\"", part.label);
                assert!(with.contains(&body), "seed {seed}: {body} missing");
                assert!(
                    !plain.contains(&body),
                    "seed {seed}: {body} without --with-solution"
                );
            }
            // Byte for byte the files the dataset shipped for this seed.
            let shipped = dir.join("variants").join(format!("seed-{seed}"));
            assert_eq!(
                plain,
                std::fs::read_to_string(shipped.join("scene.xml")).unwrap()
            );
            assert_eq!(
                with,
                std::fs::read_to_string(shipped.join("scene_solution.xml")).unwrap()
            );
        }
    }
}

#[test]
fn render_and_export_take_a_folder_and_a_recorded_seed() {
    let dir = &benchmarks()[2];
    let bench = Benchmark::load(dir).unwrap();
    let out_dir = temp_dir("render-folder");
    let out = run_benchforge(&[
        "render",
        s(dir),
        "--seed",
        "2",
        "--out",
        s(&out_dir),
        "--views",
        "1",
        "--size",
        "64x48",
    ]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let scale = bench.seed(2).unwrap().scale;
    assert!(
        out.stdout.contains(&format!(
            "seed 2, scale [{:.3}, {:.3}, {:.3}]",
            scale[0], scale[1], scale[2]
        )),
        "{}",
        out.stdout
    );
    let views = std::fs::read_dir(&out_dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("view_")
        })
        .count();
    assert_eq!(views, 1);
    assert!(out_dir.join("solution_sim.gif").is_file());

    // A seed the benchmark does not have: one line listing its seeds, exit 2.
    for args in [
        vec!["render", s(dir), "--seed", "9", "--out", s(&out_dir)],
        vec!["export", s(dir), "--seed", "9"],
    ] {
        let out = run_benchforge(&args);
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(
            out.stderr.contains("has no seed 9; its seeds are 0, 1, 2"),
            "{}",
            out.stderr
        );
    }

    // A folder whose script no longer builds the recorded scene: exit 1, the hash named.
    let copy = copy_with_manifest(dir, "render-edited");
    let script = copy.join("script.rhai");
    let source = std::fs::read_to_string(&script).unwrap();
    std::fs::write(
        &script,
        source.replace(
            "fn build(seed, scale) {",
            "fn build(seed, scale) {\n    let seed = seed + 1;",
        ),
    )
    .unwrap();
    for args in [
        vec!["render", s(&copy), "--seed", "0", "--out", s(&out_dir)],
        vec!["export", s(&copy), "--seed", "0"],
    ] {
        let out = run_benchforge(&args);
        assert_eq!(out.code, Some(1), "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("seed 0: the rebuilt scene has hash")
                && out.stderr.contains("benchmark.json records"),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn validate_refuses_a_folder_it_cannot_use_in_one_line() {
    let empty = temp_dir("not-a-benchmark");
    let out = run_benchforge(&["validate", s(&empty)]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("without benchmark.json") && out.stderr.lines().count() == 1,
        "{}",
        out.stderr
    );
    let dir = copy_with_manifest(&benchmarks()[0], "bad-json");
    let out = run_benchforge(&["validate", s(&dir), "--seeds", "3"]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("--seeds does not apply"),
        "{}",
        out.stderr
    );
    std::fs::write(dir.join("benchmark.json"), "{ not json").unwrap();
    let out = run_benchforge(&["validate", s(&dir)]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("benchmark.json is not JSON") && out.stderr.lines().count() == 1,
        "{}",
        out.stderr
    );
}

/// `benchforge render DIR` writes the Reviewer's task views of the variant, says where, and
/// they are byte for byte the ones the Simulator wrote for that seed (one code path,
/// `render::write_task_views`), at the size the benchmark was made with.
#[test]
fn render_writes_the_reviewers_task_views_of_the_variant() {
    let dir = &benchmarks()[0];
    let out_dir = temp_dir("render-task-views");
    let out = run_benchforge(&[
        "render",
        s(dir),
        "--seed",
        "1",
        "--out",
        s(&out_dir),
        "--views",
        "1",
        "--size",
        "160x120",
        "--no-media",
    ]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let review = out_dir.join("seed-1").join("review");
    assert!(
        out.stdout.contains(&format!(
            "wrote the Reviewer's task views (side.png, top.png, along_path.png) to {}",
            review.display()
        )),
        "{}",
        out.stdout
    );
    let shipped = dir.join("variants").join("seed-1").join("review");
    for name in ["side.png", "top.png", "along_path.png"] {
        let written = std::fs::read(review.join(name)).unwrap();
        let kept = std::fs::read(shipped.join(name))
            .unwrap_or_else(|e| panic!("{}: {e}", shipped.join(name).display()));
        assert!(written == kept, "{name} differs from the Simulator's");
    }
    assert!(review.join("views.json").is_file());
}

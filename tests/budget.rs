//! Solution budgets (issue #15): what a known solution uses (mass by hand from density ×
//! volume, motor power against the work a lift must do), the Simulator's budget check on a
//! stated budget (over it: the named finding; within it: recorded with where each cap came
//! from), a derived budget recorded in `benchmark.json` with the reference's use, a bad budget
//! in the config as one line of `check-config`, and `score` failing an over-budget agent
//! solution naming the budget.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use benchforge::budget::{solution_use, Budget, BudgetUse, Catalogue, Quantity};
use benchforge::config::{Config, ThemeConfig};
use benchforge::physics::{build_world_with_solution, PhysicsSettings};
use benchforge::scene::{
    BodyKind, Joint, JointKind, Material, Motor, MotorProfile, MotorTarget, Solution,
};
use serde_json::Value;

use common::engine::{run_session_on_seeds, simulate_source, test_config};
use common::scenes::{fixed_box, pit, spawn};
use common::*;

const LIFT_THEME: &str = "lift a 90 mm ABS ball onto a shelf 250 mm higher";
const GAP_THEME: &str = "a ball must cross a gap between two decks";

fn example(name: &str) -> String {
    std::fs::read_to_string(repo_root().join("actors/coder/examples").join(name)).unwrap()
}

/// A config whose only theme is `prompt` with `budget`, rendering small and running a small
/// baseline battery that records without refusing (the budget is what these tests check).
fn config_with_budget(data: &Path, prompt: &str, budget: Budget) -> Config {
    let mut config = test_config(data);
    config.worth.enforce = false;
    config.worth.random_attempts_per_seed = 2;
    config.worth.held_out_seeds = 1;
    config.themes = vec![ThemeConfig {
        prompt: prompt.into(),
        count: 1,
        seeds: None,
        scale: None,
        tier: None,
        budget: Some(budget),
    }];
    config
}

/// The pit scene's solution: a fixed wooden shelf and a dynamic steel platform that a
/// slider motor on the floor raises at 0.05 m/s, reached over a 0.5 s ramp.
fn shelf_and_lift() -> Solution {
    let mut platform = fixed_box("platform", [0.1, 0.1, 0.02], [0.0, 0.3, 0.1]);
    platform.body = BodyKind::Dynamic;
    platform.material = Material::Steel;
    let shelf = fixed_box("shelf", [0.4, 0.2, 0.02], [-0.5, -0.3, 0.3]);
    Solution {
        parts: vec![shelf, platform],
        joints: vec![Joint {
            fixture_a: "floor".into(),
            fixture_b: "platform".into(),
            anchor_m: [0.0, 0.3, 0.1],
            axis: [0.0, 0.0, 1.0],
            kind: JointKind::Prismatic { limits_m: None },
            motor: Some(Motor {
                target: MotorTarget::Velocity { value: 0.05 },
                profile: MotorProfile::Ramp { duration_s: 0.5 },
                max_effort: 100.0,
                start_s: 0.0,
            }),
        }],
        springs: Vec::new(),
    }
}

#[test]
fn a_known_solution_uses_its_parts_their_mass_by_density_a_motor_and_the_catalogue_price() {
    let scene = pit();
    let solution = shelf_and_lift();
    let world = build_world_with_solution(&scene, &spawn(&scene), &solution).unwrap();
    let used = BudgetUse::of_world(&world, &solution, &Catalogue::default());
    // By hand: the wooden shelf is 0.4 × 0.2 × 0.02 m = 0.0016 m³ × 700 kg/m³ = 1.12 kg; the
    // steel platform 0.1 × 0.1 × 0.02 m = 0.0002 m³ × 7850 kg/m³ = 1.57 kg.
    let (shelf_kg, platform_kg) = (0.0016 * 700.0, 0.0002 * 7850.0);
    assert_eq!((used.parts, used.shapes, used.motors), (2, 2, 1));
    assert!(
        (used.mass_kg - (shelf_kg + platform_kg)).abs() < 1e-4,
        "mass {} kg, by hand {} kg",
        used.mass_kg,
        shelf_kg + platform_kg
    );
    // Two parts of one shape each (2.00 + 0.50 USD each), wood 1.2 and steel 1.5 USD/kg, and
    // one slider motor of 100 N, in the ≤ 200 N band: 30 USD.
    let cost = 2.0 * 2.5 + 1.2 * shelf_kg + 1.5 * platform_kg + 30.0;
    assert!(
        (used.cost_usd - cost).abs() < 1e-3,
        "cost {}",
        used.cost_usd
    );
    assert_eq!(used.motor_power_w, None, "not measured before the run");

    // Measured in the run: lifting 1.57 kg at v = 0.05 m/s takes m·g·v = 0.770 W, plus m·a·v
    // while the ramp accelerates it (a = 0.1 m/s²): the peak lies between the two.
    let measured = solution_use(
        &scene,
        &spawn(&scene),
        &solution,
        &PhysicsSettings::default(),
        &Catalogue::default(),
    )
    .unwrap();
    let power = measured.motor_power_w.expect("measured");
    let (steady, accelerating) = (platform_kg * 9.81 * 0.05, platform_kg * (9.81 + 0.1) * 0.05);
    assert!(
        power > 0.98 * steady && power < 1.03 * accelerating,
        "peak motor power {power} W; lifting takes {steady} W, {accelerating} W while accelerating"
    );
    assert_eq!(measured.mass_kg, used.mass_kg);

    // A budget below each use names the quantity, the use and the cap with units.
    let tight = Budget {
        max_parts: Some(1.0),
        max_mass_kg: Some(2.0),
        max_motor_power_w: Some(0.5),
        max_cost_usd: Some(100.0),
    };
    let over: Vec<String> = tight
        .overruns(&measured)
        .iter()
        .map(|o| o.describe())
        .collect();
    assert_eq!(over.len(), 3, "{over:?}");
    assert_eq!(
        over[0],
        "part count 2 parts is over the budget's max_parts of 1 part"
    );
    assert!(
        over[1].starts_with("total mass 2.69 kg is over the budget's max_mass_kg of 2 kg"),
        "{over:?}"
    );
    assert!(
        over[2].starts_with("total motor power 0.7")
            && over[2].ends_with(" W is over the budget's max_motor_power_w of 0.5 W"),
        "{over:?}"
    );
    // A derived budget holds its reference, with headroom.
    let derived = Budget::derive(&measured);
    assert!(derived.overruns(&measured).is_empty());
    assert_eq!(derived.max_parts, Some(3.0));
    assert_eq!(
        derived.max_mass_kg,
        Some((1.5 * measured.mass_kg * 1000.0).ceil() / 1000.0)
    );
    assert!(derived.max_motor_power_w.unwrap() >= 1.5 * power);
}

#[test]
fn a_stated_budget_the_reference_exceeds_fails_the_simulator_naming_each_quantity() {
    let data = temp_dir("budget-over");
    let config = config_with_budget(
        &data,
        LIFT_THEME,
        Budget {
            max_mass_kg: Some(0.001),
            max_motor_power_w: Some(0.01),
            ..Budget::default()
        },
    );
    let (report, artifacts) = simulate_source(
        &config,
        LIFT_THEME,
        &example("ball_motor_lift.rhai"),
        vec![0, 1],
        "over",
    );
    assert!(!report.passed, "{}", report.summary);
    assert_eq!(report.failing_gate.as_deref(), Some("budget"));
    let lines: Vec<&str> = report.summary.lines().collect();
    assert_eq!(lines.len(), 2, "{}", report.summary);
    assert!(
        lines[0].starts_with("budget: [over_budget] the reference solution's total mass ")
            && lines[0].contains(" kg is over the budget's max_mass_kg of 0.001 kg (seed ")
            && lines[0].contains("2 of 2 seeds over); use fewer or smaller parts"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("budget: [over_budget] the reference solution's total motor power ")
            && lines[1].contains(" W is over the budget's max_motor_power_w of 0.01 W"),
        "{}",
        lines[1]
    );
    // Refused: nothing written for the Reviewer or the dataset.
    assert!(report.artifacts_dir.is_none());
    assert!(!artifacts.join(benchforge::budget::BUDGET_FILE).exists());
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn a_stated_budget_the_reference_meets_passes_and_is_recorded_with_the_derived_caps() {
    let data = temp_dir("budget-within");
    let config = config_with_budget(
        &data,
        LIFT_THEME,
        Budget {
            max_motor_power_w: Some(500.0),
            ..Budget::default()
        },
    );
    let (report, artifacts) = simulate_source(
        &config,
        LIFT_THEME,
        &example("ball_motor_lift.rhai"),
        vec![0, 1],
        "within",
    );
    assert!(report.passed, "{}", report.summary);
    let text = std::fs::read_to_string(artifacts.join(benchforge::budget::BUDGET_FILE)).unwrap();
    let budget: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(budget["budget"]["max_motor_power_w"], 500.0);
    assert_eq!(budget["source"]["max_motor_power_w"], "theme");
    assert_eq!(budget["source"]["max_mass_kg"], "derived");
    assert_eq!(budget["reference"].as_array().unwrap().len(), 2);
    let most = &budget["reference_most"];
    eprintln!("the motor lift's reference uses at most {most}");
    assert_eq!(most["parts"], 1);
    assert_eq!(most["motors"], 1);
    // The lift raises a ball and a platform: its motor does measurable work.
    assert!(most["motor_power_w"].as_f64().unwrap() > 0.01, "{most}");
    let cap = budget["budget"]["max_mass_kg"].as_f64().unwrap();
    let used = most["mass_kg"].as_f64().unwrap();
    assert!(
        cap >= 1.5 * used - 1e-9 && cap < 1.5 * used + 0.001,
        "{cap} for {used}"
    );
    let _ = std::fs::remove_dir_all(&data);
}

/// One "cross the gap" benchmark made by the procedural agents on 2 seeds, its theme stating
/// only `max_parts = 5` (every other cap derived): its folder.
fn gap_benchmark() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let data = temp_dir("budget-gap");
        let config = config_with_budget(
            &data,
            GAP_THEME,
            Budget {
                max_parts: Some(5.0),
                ..Budget::default()
            },
        );
        let steps = std::sync::Arc::new(benchforge::pipeline::AgentSteps::new(
            &config,
            std::sync::Arc::new(benchforge::agents::procedural::ProceduralPlanner),
            std::sync::Arc::new(benchforge::agents::procedural::ProceduralCoder),
            std::sync::Arc::new(benchforge::agents::procedural::ProceduralReviewer::default()),
        ));
        let session = run_session_on_seeds(steps, &data, GAP_THEME, 2);
        match session.stage {
            benchforge::session::Stage::Accepted { path } => PathBuf::from(path),
            other => panic!("not accepted: {other}"),
        }
    })
}

fn json_of(bench: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(bench.join("benchmark.json")).unwrap()).unwrap()
}

#[test]
fn benchmark_json_records_the_budget_where_each_cap_came_from_and_the_references_use() {
    let json = json_of(gap_benchmark());
    let budget = &json["budget"];
    let most = &json["reference_use"]["most"];
    let seeds = json["reference_use"]["seeds"].as_array().unwrap();
    assert_eq!(seeds.len(), 2, "{json:#}");
    assert_eq!(seeds[0]["seed"], 0);
    assert_eq!(budget["max_parts"], 5.0, "stated by the theme");
    assert_eq!(json["budget_source"]["caps"]["max_parts"], "theme");
    // Every other cap is 1.5 × the reference's most, rounded up.
    for q in [Quantity::MassKg, Quantity::CostUsd] {
        let used = most[q.use_key()].as_f64().unwrap();
        assert!(used > 0.0, "{most}");
        let cap = budget[q.cap_key()].as_f64().unwrap();
        assert!(
            cap >= 1.5 * used - 1e-9 && cap < 1.5 * used + q.step() + 1e-9,
            "{}: cap {cap} for a use of {used}",
            q.cap_key()
        );
        assert_eq!(json["budget_source"]["caps"][q.cap_key()], "derived");
        let worst = seeds
            .iter()
            .map(|s| s[q.use_key()].as_f64().unwrap())
            .fold(0.0, f64::max);
        assert_eq!(worst, used);
    }
    // A passive reference: no motor, so motor power is not capped (motors still cost).
    assert_eq!(most["motors"], 0);
    assert_eq!(most["motor_power_w"], 0.0);
    assert_eq!(budget["max_motor_power_w"], Value::Null);
    assert_eq!(json["budget_source"]["caps"]["max_motor_power_w"], "none");
    assert_eq!(json["catalogue"]["hinge_motors"][0]["max_torque_nm"], 0.5);
}

#[test]
fn scoring_an_over_budget_agent_solution_fails_the_seed_naming_the_budget() {
    let bench = gap_benchmark();
    let json = json_of(bench);
    let cap = json["budget"]["max_parts"].as_f64().unwrap() as usize;
    let reference_parts = json["reference_use"]["most"]["parts"].as_u64().unwrap() as usize;
    // The reference solution plus enough 1 cm wooden cubes high in the build zone's corner
    // to pass the part cap by one.
    let extra = cap + 1 - reference_parts;
    let script = std::fs::read_to_string(bench.join("script.rhai"))
        .unwrap()
        .replace("fn solve(seed, scale)", "fn reference_solve(seed, scale)");
    let solution_file = bench.parent().unwrap().join("over_budget.rhai");
    std::fs::write(
        &solution_file,
        format!(
            "{script}\nfn solve(seed, scale) {{\n    let solution = reference_solve(seed, scale);\n    let bz = scene_view().build_zone;\n    for i in 0..{extra} {{\n        let cube = solution.fixed_part(\"extra_\" + i, \"wood\");\n        cube.box([0.01, 0.01, 0.01], [bz.max_m[0] - 0.01 - 0.02 * i, bz.max_m[1] - 0.01, bz.max_m[2] - 0.01]);\n    }}\n    solution\n}}\n"
        ),
    )
    .unwrap();
    let out = run_benchforge(&[
        "score",
        bench.to_str().unwrap(),
        solution_file.to_str().unwrap(),
        "--json",
    ]);
    let score: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} {}", out.stdout, out.stderr));
    assert_eq!(score["table_version"], "benchforge-score-2");
    for seed in score["seeds"].as_array().unwrap() {
        assert_eq!(seed["success"], false, "{seed:#}");
        assert_eq!(seed["score"], 0.0, "{seed:#}");
        assert_eq!(seed["disqualified"], true);
        // The cubes cost too, so the cost cap may be passed as well: each overrun is named.
        let over: Vec<&Value> = seed["violations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["rule"] == "over_budget")
            .collect();
        assert!(
            over.iter().all(|v| v["message"]
                .as_str()
                .unwrap()
                .starts_with("the solution's ")),
            "{seed:#}"
        );
        let parts = over
            .iter()
            .find(|v| v["zone"] == "parts")
            .unwrap_or_else(|| panic!("no part-count overrun: {seed:#}"));
        assert_eq!(parts["numbers"]["cap"], cap as f64);
        assert_eq!(parts["numbers"]["used"], (cap + 1) as f64);
        assert!(
            parts["message"].as_str().unwrap().starts_with(&format!(
                "the solution's part count {} parts is over the budget's max_parts of {cap} parts",
                cap + 1
            )),
            "{}",
            parts["message"]
        );
        assert_eq!(seed["resources"]["parts"]["cap"], cap as f64);
    }
    // The reference itself is within the budget and scores full marks.
    let out = run_benchforge(&[
        "score",
        bench.to_str().unwrap(),
        bench.join("script.rhai").to_str().unwrap(),
        "--json",
    ]);
    let score: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(score["summary"]["score"], 1.0, "{}", out.stdout);
}

#[test]
fn check_config_names_each_bad_budget_value_on_one_line() {
    let dir = temp_dir("budget-config");
    let file = dir.join("benchforge.toml");
    std::fs::write(
        &file,
        "data_dir = \"data\"\n\n[[themes]]\nprompt = \"a ball must cross a gap between two decks\"\nbudget = { max_parts = 12, max_mass_kg = -0.5, max_cost_usd = 15.0 }\n",
    )
    .unwrap();
    let out = run_benchforge(&["check-config", file.to_str().unwrap()]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", out.stderr);
    assert!(
        lines[0].contains("benchforge.toml:3: themes[0].budget.max_mass_kg = -0.5: must be a number of kilograms ≥ 0, or drop the key"),
        "{}",
        lines[0]
    );
    // A misspelt key is named too, and a good budget passes.
    std::fs::write(
        &file,
        "data_dir = \"data\"\n\n[[themes]]\nprompt = \"a ball must cross a gap between two decks\"\nbudget = { max_mass = 0.5 }\n",
    )
    .unwrap();
    let out = run_benchforge(&["check-config", file.to_str().unwrap()]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("max_mass"), "{}", out.stderr);
    std::fs::write(
        &file,
        "data_dir = \"data\"\n\n[[themes]]\nprompt = \"a ball must cross a gap between two decks\"\nbudget = { max_parts = 12, max_mass_kg = 0.5, max_motor_power_w = 20, max_cost_usd = 15.0 }\n",
    )
    .unwrap();
    let out = run_benchforge(&["check-config", file.to_str().unwrap()]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

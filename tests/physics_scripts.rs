//! Scene scripts under `tests/scenes/`, each built to break one gate, run through the real
//! `validate` (Rhai sandbox + rapier): the report names that gate, its rule and its numbers.
//! And every example passes gates 3–6 on 8 seeds with its reference solution reaching the goal.

mod common;

use benchforge::report::{GateId, ValidationReport};
use benchforge::validate::{validate_script, ValidateOptions};
use common::{relative, rhai_files};

fn validate(name: &str) -> ValidationReport {
    let path = format!("{}/tests/scenes/{name}", env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(&path).unwrap();
    validate_script(&source, &ValidateOptions::default()).unwrap()
}

/// The first failed gate of seed 0 with its findings' rules and messages.
fn first_failure(report: &ValidationReport) -> (GateId, Vec<String>, Vec<String>) {
    let gate = report.seeds[0]
        .failures()
        .next()
        .expect("seed 0 should fail a gate");
    (
        gate.gate,
        gate.findings.iter().map(|f| f.rule.clone()).collect(),
        gate.findings.iter().map(|f| f.message.clone()).collect(),
    )
}

#[test]
fn overlapping_parts_fail_gate_3_with_pair_and_depth() {
    let report = validate("overlapping_parts.rhai");
    let (gate, rules, messages) = first_failure(&report);
    assert_eq!(
        (gate, rules),
        (GateId::Geometry, vec!["fixtures_overlap".to_string()])
    );
    assert!(
        messages[0].contains("\"block_a\" and \"block_b\" interpenetrate by 0.04"),
        "{}",
        messages[0]
    );
}

#[test]
fn a_ball_rolling_off_the_plank_fails_gate_4_with_side_and_time() {
    let report = validate("rolls_off_world.rhai");
    assert!(!report.passed());
    for seed in &report.seeds {
        let gate = seed.failures().next().unwrap();
        assert_eq!(gate.gate, GateId::Physics, "{gate:?}");
        let message = &gate.findings[0].message;
        assert!(
            message.starts_with("the payload left the bounds through -z at t="),
            "{message}"
        );
        let passive = seed.passive.as_ref().unwrap();
        assert!(passive.payload_final_m[2] < -0.5, "{passive:?}");
    }
}

#[test]
fn a_ball_that_drops_into_the_goal_fails_gate_5() {
    let report = validate("falls_into_goal.rhai");
    let (gate, rules, _) = first_failure(&report);
    assert_eq!(
        (gate, rules),
        (GateId::NonTrivial, vec!["solves_itself".to_string()])
    );
    assert!(report.seeds[0].passive.as_ref().unwrap().payload_in_goal);
}

#[test]
fn a_script_that_ignores_seed_and_scale_fails_gate_7_only() {
    let report = validate("same_every_seed.rhai");
    assert!(
        report.seeds.iter().all(|s| s.passed()),
        "{:?}",
        report.seeds[0].gates
    );
    let rules: Vec<&str> = report
        .randomized
        .findings
        .iter()
        .map(|f| f.rule.as_str())
        .collect();
    assert_eq!(rules, vec!["variants_identical"]);
}

#[test]
fn every_example_passes_gates_3_to_6_on_8_seeds_and_its_solution_reaches_the_goal() {
    for path in rhai_files("actors/coder/examples") {
        let source = std::fs::read_to_string(&path).unwrap();
        let report = validate_script(&source, &ValidateOptions::default()).unwrap();
        assert_eq!(report.seeds.len(), 8);
        for seed in &report.seeds {
            let gates: Vec<GateId> = seed.gates.iter().map(|g| g.gate).collect();
            assert_eq!(
                gates,
                vec![
                    GateId::Script,
                    GateId::Consistency,
                    GateId::Geometry,
                    GateId::Physics,
                    GateId::NonTrivial,
                    GateId::Solvable
                ],
                "{} seed {}: {:?}",
                relative(&path),
                seed.seed,
                seed.failures().collect::<Vec<_>>()
            );
            assert!(
                seed.passed(),
                "{} seed {}: {:?}",
                relative(&path),
                seed.seed,
                seed.failures().collect::<Vec<_>>()
            );
            let passive = seed.passive.as_ref().unwrap();
            assert!(
                passive.settle_time_s.is_some()
                    && !passive.payload_in_goal
                    && passive.max_speed_mps < 100.0
            );
            let solution = seed.solution.as_ref().unwrap();
            assert!(
                solution.reached_goal && solution.payload_distance_to_goal_m == 0.0,
                "{solution:?}"
            );
        }
    }
}

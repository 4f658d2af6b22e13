//! Every example in `actors/coder/examples/` passes `benchforge validate`, so the API
//! reference and its examples cannot drift from the code.

mod common;

use benchforge::script::SceneScript;
use benchforge::validate::{validate_script, ValidateOptions};
use common::{relative, rhai_files, run_benchforge};

#[test]
fn there_are_at_least_four_examples_each_with_a_solution() {
    let examples = rhai_files("actors/coder/examples");
    assert!(examples.len() >= 4, "{examples:?}");
    for path in examples {
        let script = SceneScript::compile(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert!(script.has_solve(), "{} has no solve", relative(&path));
    }
}

#[test]
fn every_example_passes_validate_in_the_library() {
    for path in rhai_files("actors/coder/examples") {
        let source = std::fs::read_to_string(&path).unwrap();
        let report = validate_script(&source, &ValidateOptions::default()).unwrap();
        let failures: Vec<String> = report
            .seeds
            .iter()
            .flat_map(|s| {
                s.failures()
                    .flat_map(|g| g.findings.iter().map(|f| f.message.clone()))
            })
            .collect();
        assert!(
            report.passed(),
            "{}: {failures:?} {:?}",
            relative(&path),
            report.randomized
        );
        for seed in &report.seeds {
            assert!(seed.has_solution);
        }
    }
}

#[test]
fn every_example_passes_the_binary_with_exit_zero() {
    for path in rhai_files("actors/coder/examples") {
        let name = relative(&path);
        let out = run_benchforge(&["validate", &name]);
        assert_eq!(out.code, Some(0), "{name}: {}{}", out.stdout, out.stderr);
        assert!(out.stdout.starts_with("PASSED"), "{}", out.stdout);
        assert!(out.stderr.is_empty(), "{}", out.stderr);
    }
}

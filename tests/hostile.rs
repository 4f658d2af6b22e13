//! The hostile corpus: scripts a careless or adversarial model could write. Each states its
//! expected exit code and a message substring in its header; the real binary must exit with
//! that code, one line on stderr containing the substring, and never panic.

mod common;

use common::{relative, rhai_files, run_benchforge};

struct Expectation {
    exit: i32,
    message: String,
}

fn expectation(source: &str, name: &str) -> Expectation {
    let header = |key: &str| {
        source
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_else(|| panic!("{name} lacks a `{key}` header line"))
            .trim()
            .to_string()
    };
    Expectation {
        exit: header("// expect-exit:")
            .parse()
            .expect("exit code is a number"),
        message: header("// expect-message:"),
    }
}

#[test]
fn corpus_has_at_least_sixty_inputs() {
    let configs = std::fs::read_dir(common::repo_root().join("tests/hostile/configs"))
        .map(|d| d.count())
        .unwrap_or(0);
    let scripts = rhai_files("tests/hostile").len();
    assert!(scripts >= 60, "{scripts} scripts");
    assert!(
        scripts + configs >= 90,
        "{scripts} scripts + {configs} configs"
    );
}

#[test]
fn every_hostile_script_fails_with_its_own_one_line_reason() {
    let mut failures = Vec::new();
    for path in rhai_files("tests/hostile") {
        let name = relative(&path);
        let source = std::fs::read_to_string(&path).expect("readable");
        let expected = expectation(&source, &name);
        let started = std::time::Instant::now();
        let out = run_benchforge(&["validate", &name]);
        // Reported, not asserted (speed is measured on release builds by a script).
        eprintln!("{:>7.3} s  {name}", started.elapsed().as_secs_f64());
        let stderr_lines: Vec<&str> = out.stderr.lines().collect();
        let problems = [
            (out.code != Some(expected.exit))
                .then(|| format!("exit {:?}, expected {}", out.code, expected.exit)),
            (stderr_lines.len() != 1)
                .then(|| format!("{} stderr lines, expected 1", stderr_lines.len())),
            (!out.stderr.contains(&expected.message))
                .then(|| format!("stderr lacks {:?}", expected.message)),
            (out.stderr.contains("panicked") || out.stderr.contains("internal error"))
                .then(|| "the process panicked".to_string()),
        ];
        let problems: Vec<String> = problems.into_iter().flatten().collect();
        if !problems.is_empty() {
            failures.push(format!(
                "{name}: {} | stderr: {}",
                problems.join("; "),
                out.stderr.trim()
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn json_report_of_a_failing_script_is_valid_json_on_stdout() {
    let out = run_benchforge(&[
        "validate",
        "tests/hostile/goal_in_forbid_zone.rhai",
        "--json",
        "--seeds",
        "2",
    ]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let report: benchforge::report::ValidationReport =
        serde_json::from_str(&out.stdout).expect("stdout is the JSON report");
    assert_eq!(report.seeds.len(), 2);
    assert_eq!(
        report.seeds[0].gates[1].findings[0].rule,
        "goal_in_forbid_zone"
    );
}

#[test]
fn unusable_input_exits_two_with_one_line() {
    for args in [
        vec!["validate", "tests/hostile/does_not_exist.rhai"],
        vec![
            "validate",
            "actors/coder/examples/ball_gap_bridge.rhai",
            "--seeds",
            "0",
        ],
        vec![
            "validate",
            "actors/coder/examples/ball_gap_bridge.rhai",
            "--bogus-flag",
        ],
    ] {
        let out = run_benchforge(&args);
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
        assert!(!out.stderr.trim().is_empty(), "{args:?}");
        assert!(!out.stderr.contains("panicked"), "{args:?}: {}", out.stderr);
    }
    let missing = run_benchforge(&["validate", "tests/hostile/does_not_exist.rhai"]);
    assert_eq!(missing.stderr.lines().count(), 1, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("cannot read script"),
        "{}",
        missing.stderr
    );
}

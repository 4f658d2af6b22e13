//! Hostile command-line arguments and files for the commands this layer owns (`validate`,
//! `check-config`): numbers beyond their range, files that are huge, endless, not text or
//! not files, and names that carry newlines and terminal escapes. Each must exit 2 with one
//! clear line naming the argument or the limit, never a panic or a backtrace.

mod common;

use common::run_benchforge;

const SCRIPT: &str = "actors/coder/examples/ball_gap_bridge.rhai";

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("benchforge-hostile-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn refused(args: &[&str], message: &str) {
    let out = run_benchforge(args);
    assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert!(!lines.is_empty(), "{args:?}: nothing on stderr");
    assert!(out.stderr.contains(message), "{args:?}: {}", out.stderr);
    assert!(
        !out.stderr.contains("panicked") && !out.stderr.contains("RUST_BACKTRACE"),
        "{args:?}: {}",
        out.stderr
    );
}

#[test]
fn seeds_beyond_the_limit_or_the_integer_are_refused() {
    refused(
        &["validate", SCRIPT, "--seeds", "100000"],
        "--seeds 100000 is out of range",
    );
    refused(
        &["validate", SCRIPT, "--seeds", "18446744073709551615"],
        "--seeds",
    );
    refused(
        &["validate", SCRIPT, "--seeds", "18446744073709551616"],
        "--seeds",
    );
    refused(&["validate", SCRIPT, "--seeds", "-1"], "-1");
    refused(&["validate", SCRIPT, "--seeds", "1e3"], "--seeds");
}

#[test]
fn scripts_that_are_huge_endless_binary_or_folders_are_refused() {
    let big = temp("big.rhai");
    std::fs::write(&big, "// x\n".repeat(400_000)).unwrap();
    refused(&["validate", &big.display().to_string()], "file size limit");
    refused(&["validate", "/dev/zero"], "file size limit");
    let binary = temp("binary.rhai");
    std::fs::write(&binary, [0xff_u8, 0xfe, 0x00, 0x80]).unwrap();
    refused(&["validate", &binary.display().to_string()], "not UTF-8");
    // A folder is a benchmark folder or nothing: it says which file it lacks.
    refused(
        &["validate", "tests/hostile"],
        "tests/hostile is a folder without benchmark.json",
    );
}

#[test]
fn a_file_name_with_a_newline_and_escapes_stays_one_line() {
    let name = temp("evil\n2026-01-01 INFO forged\u{1b}[31m.rhai");
    let out = run_benchforge(&["validate", &name.display().to_string()]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{:?}", out.stderr);
    assert!(!out.stderr.contains('\u{1b}'), "{:?}", out.stderr);
    refused(
        &["check-config", "/nonexistent/\u{1b}[2Jconfig.toml"],
        "cannot read the config",
    );
}

/// `validate --config` runs under that config's limits and gate settings, as `generate` and
/// the daemon do; a broken config is one line and exit 2.
#[test]
fn validate_applies_the_limits_and_gates_of_the_config_it_is_given() {
    let plain = run_benchforge(&["validate", SCRIPT, "--seeds", "2"]);
    assert_eq!(plain.code, Some(0), "{}", plain.stdout);
    let config = temp("validate-limits.toml");
    std::fs::write(
        &config,
        "data_dir = \"data\"\n[limits]\nscript_operations = 200\n",
    )
    .unwrap();
    let limited = run_benchforge(&[
        "validate",
        SCRIPT,
        "--seeds",
        "2",
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(limited.code, Some(1), "{}", limited.stdout);
    assert!(
        limited.stdout.contains("script_operations"),
        "the line names the limit: {}",
        limited.stdout
    );
    std::fs::write(
        &config,
        "data_dir = \"data\"\n[gates]\nseeds = 3\nmax_speed_mps = 0.01\n",
    )
    .unwrap();
    let slow = run_benchforge(&["validate", SCRIPT, "--config", config.to_str().unwrap()]);
    assert_eq!(slow.code, Some(1), "{}", slow.stdout);
    assert!(slow.stdout.contains("0.01 m/s limit"), "{}", slow.stdout);
    assert!(
        slow.stdout.contains("of 3 seeds"),
        "gates.seeds is the default: {}",
        slow.stdout
    );
    std::fs::write(
        &config,
        "data_dir = \"data\"\n[gates]\nmax_speed_mps = \"fast\"\n",
    )
    .unwrap();
    refused(
        &["validate", SCRIPT, "--config", config.to_str().unwrap()],
        "max_speed_mps",
    );
}

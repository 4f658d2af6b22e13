//! Hostile configs: every file in `tests/hostile/configs` states its exit code and a message
//! substring (naming the key) in its header. `check-config` must exit with that code and one
//! `file:line: key: reason` line per problem, never panic; `run` must refuse the same file
//! with exactly `check-config`'s first line, because both load through the same checks.

mod common;

use common::{relative, repo_root, run_benchforge};

fn header(source: &str, key: &str) -> String {
    source
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .unwrap_or_else(|| panic!("a hostile config lacks `{key}`"))
        .trim()
        .to_string()
}

fn configs() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(repo_root().join("tests/hostile/configs"))
        .expect("the folder exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn clean(stderr: &str) -> bool {
    !stderr.contains("panicked")
        && !stderr.contains("internal error")
        && !stderr.contains("RUST_BACKTRACE")
}

#[test]
fn every_hostile_config_is_refused_by_check_config_and_run_alike() {
    let files = configs();
    assert!(files.len() >= 30, "{} configs", files.len());
    let mut failures = Vec::new();
    for path in files {
        let name = relative(&path);
        let source = std::fs::read_to_string(&path).expect("readable");
        let exit: i32 = header(&source, "# expect-exit:").parse().expect("a number");
        let message = header(&source, "# expect-message:");
        let check = run_benchforge(&["check-config", &name]);
        let run = run_benchforge(&["run", "--config", &name, "--until-idle"]);
        let first = check.stderr.lines().next().unwrap_or("").to_string();
        let problems = [
            (check.code != Some(exit)).then(|| format!("check-config exit {:?}", check.code)),
            (run.code != Some(exit)).then(|| format!("run exit {:?}", run.code)),
            (!first.contains(&message)).then(|| format!("first line lacks {message:?}")),
            (!first.contains(&format!("{name}:")))
                .then(|| "first line lacks file:line".to_string()),
            (run.stderr.trim() != first.trim())
                .then(|| format!("run said {:?}", run.stderr.trim())),
            (!clean(&check.stderr) || !clean(&run.stderr)).then(|| "panicked".to_string()),
        ];
        let problems: Vec<String> = problems.into_iter().flatten().collect();
        if !problems.is_empty() {
            failures.push(format!(
                "{name}: {} | {}",
                problems.join("; "),
                check.stderr.trim()
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn check_config_reports_every_problem_not_just_the_first() {
    let dir = std::env::temp_dir().join(format!("benchforge-hostile-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("many.toml");
    std::fs::write(
        &path,
        "data_dir = \"d\"\nconcurency = 3\n\n[llm]\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel = \"m\"\ntimeout_s = 1.0\nbackoff_max_s = 1e300\n\n[limits]\nparts = 0\n",
    )
    .unwrap();
    let shown = path.display().to_string();
    let out = run_benchforge(&["check-config", &shown]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 4, "{}", out.stderr);
    assert!(
        lines[0].contains(&format!("{shown}:2: concurency: unknown key")),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains(&format!("{shown}:7: timeout_s: unknown key")),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("`request_timeout_s`"), "{}", lines[1]);
    assert!(
        lines
            .iter()
            .any(|l| l.contains(":11: limits.parts: 0 is out of range")),
        "{}",
        out.stderr
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(":8: llm.backoff_max_s: 1e300 is out of range")),
        "{}",
        out.stderr
    );
}

#[test]
fn the_shipped_config_is_valid_with_its_llm_section_uncommented() {
    let shipped = std::fs::read_to_string(repo_root().join("config/benchforge.toml")).unwrap();
    let out = run_benchforge(&["check-config", "config/benchforge.toml"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    // The commented [llm] example must be valid too once a user uncomments it (it had an
    // unknown key, `timeout_s`).
    let lines: Vec<&str> = shipped.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim() == "# [llm]")
        .expect("the shipped config shows an [llm] example");
    let section: Vec<&str> = lines[start..]
        .iter()
        .take_while(|l| l.starts_with("# "))
        .map(|l| &l[2..])
        .collect();
    let dir = std::env::temp_dir().join(format!("benchforge-shipped-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("benchforge.toml");
    std::fs::write(&path, format!("{shipped}\n{}\n", section.join("\n"))).unwrap();
    let out = run_benchforge(&["check-config", &path.display().to_string()]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
}

#[test]
fn a_config_file_beyond_the_file_limit_is_refused_unread() {
    let dir = std::env::temp_dir().join(format!("benchforge-hostile-big-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.toml");
    let mut text = String::from("data_dir = \"d\"\n");
    text.push_str(&"# padding padding padding padding padding padding padding\n".repeat(300_000));
    std::fs::write(&path, text).unwrap();
    let out = run_benchforge(&["check-config", &path.display().to_string()]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("file size limit"), "{}", out.stderr);
    let dev = run_benchforge(&["check-config", "/dev/zero"]);
    assert_eq!(dev.code, Some(2), "{}", dev.stderr);
    assert!(dev.stderr.contains("file size limit"), "{}", dev.stderr);
}

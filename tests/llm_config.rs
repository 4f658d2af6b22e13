//! The shipped config's commented `[llm]` block, uncommented, with every role on the `llm`
//! backend: the real `benchforge check-config` builds the three LLM agents from it (prompts
//! loaded, client built, the key read from the variable it names) and exits 0. The same
//! block with an unknown key or a `max_tokens` out of range is refused naming the key.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SHIPPED: &str = include_str!("../config/benchforge.toml");

/// The commented `[llm]` block of the shipped config, uncommented.
fn llm_block() -> Vec<String> {
    let lines: Vec<&str> = SHIPPED.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim() == "# [llm]")
        .expect("the shipped config shows an [llm] example");
    lines[start..]
        .iter()
        .map_while(|l| l.strip_prefix("# "))
        .map(str::to_string)
        .collect()
}

/// The shipped config with every role on the llm backend, `block` appended, in a fresh
/// folder (so `data_dir` resolves there).
fn write_config(name: &str, block: &[String]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "benchforge-llm-config-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    assert_eq!(
        SHIPPED.matches("\nbackend = \"procedural\"").count(),
        3,
        "three roles"
    );
    let text = SHIPPED.replace("\nbackend = \"procedural\"", "\nbackend = \"llm\"");
    let path = dir.join("benchforge.toml");
    std::fs::write(&path, format!("{text}\n{}\n", block.join("\n"))).unwrap();
    path
}

/// Runs `benchforge check-config path` with the API key variable set; (exit code, stderr).
fn check_config(path: &Path) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_benchforge"))
        .args(["check-config", &path.display().to_string()])
        .env("BENCHFORGE_API_KEY", "sk-test-not-a-real-key")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the benchforge binary starts");
    let mut pipe = child.stderr.take().expect("piped stderr");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = pipe.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().expect("waiting on benchforge") {
            break status.code();
        }
        // A hang guard, not a timing assertion.
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    (code, reader.join().unwrap_or_default())
}

#[test]
fn the_shipped_llm_block_uncommented_builds_every_llm_agent() {
    let block = llm_block();
    for key in [
        "[llm]",
        "base_url",
        "model",
        "request_timeout_s",
        "[llm.planner]",
        "max_tokens",
    ] {
        assert!(
            block.iter().any(|l| l.contains(key)),
            "the example shows {key}: {block:?}"
        );
    }
    let (code, stderr) = check_config(&write_config("shipped", &block));
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn the_block_with_an_unknown_key_or_a_bad_budget_is_refused_naming_the_key() {
    let mut block = llm_block();
    block.insert(1, "timeout_s = 120.0".into());
    let (code, stderr) = check_config(&write_config("unknown", &block));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("timeout_s"), "{stderr}");

    let mut block = llm_block();
    let coder = block
        .iter()
        .position(|l| l == "[llm.coder]")
        .expect("the example has [llm.coder]");
    block[coder + 1] = "max_tokens = 0".into();
    let (code, stderr) = check_config(&write_config("zero", &block));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("llm.coder.max_tokens: 0 is out of range"),
        "{stderr}"
    );
}

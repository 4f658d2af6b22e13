//! A config edit while the daemon runs: every reloadable key is applied to the next session
//! (seen in what that session produced), each change is logged on its own line, and a key
//! that cannot change live is logged as needing a restart and kept. Drives the real binary.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;

const LONG: Duration = Duration::from_secs(120);

struct Settings<'a> {
    data_dir: &'a Path,
    concurrency: u32,
    width_px: u32,
    max_speed_mps: f64,
    attempts: u32,
    llm: bool,
    themes: &'a [&'a str],
}

fn write(path: &Path, s: &Settings) {
    let mut text = format!(
        "data_dir = {:?}\nconcurrency = {}\nwatch_interval_s = 0.1\n\n[gates]\nseeds = 2\npassive_time_s = 10.0\nmax_speed_mps = {:?}\npenetration_tolerance_m = 0.002\n\n[render]\nwidth_px = {}\nheight_px = 48\n\n[agents.planner]\nattempts = {}\n\n[agents.coder]\nattempts = {}\n\n[agents.reviewer]\nattempts = 3\n",
        s.data_dir.display().to_string(),
        s.concurrency,
        s.max_speed_mps,
        s.width_px,
        s.attempts,
        s.attempts,
    );
    if s.llm {
        text.push_str("\n[llm]\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel = \"unused-by-procedural-roles\"\n");
    }
    for prompt in s.themes {
        text.push_str(&format!("\n[[themes]]\nprompt = {prompt:?}\ncount = 1\n"));
    }
    // Write then rename, as editors do, so the watcher never reads half a file.
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// Width in pixels of a PNG file (from its IHDR chunk).
fn png_width(path: &Path) -> u32 {
    let bytes = std::fs::read(path).unwrap_or_else(|e| {
        let listing: Vec<String> = walk(path.ancestors().nth(3).unwrap());
        panic!("{}: {e}; the benchmark holds {listing:?}", path.display())
    });
    u32::from_be_bytes(bytes[16..20].try_into().unwrap())
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}

fn render_width_of(benchmark: &Path) -> u32 {
    png_width(&benchmark.join("variants/seed-0/renders/view_e45_a090.png"))
}

fn benchmark_of(data: &Path, prompt: &str) -> Option<std::path::PathBuf> {
    let root = data.join("benchmarks");
    std::fs::read_dir(root).ok()?.find_map(|e| {
        let path = e.ok()?.path();
        // A benchmark being written is not there yet.
        if path.file_name()?.to_string_lossy().starts_with(".tmp-") {
            return None;
        }
        let json = std::fs::read_to_string(path.join("benchmark.json")).ok()?;
        let v: serde_json::Value = serde_json::from_str(&json).ok()?;
        (v["theme"] == prompt).then_some(path)
    })
}

#[test]
fn each_reloadable_key_reaches_the_next_session_and_data_dir_needs_a_restart() {
    let dir = temp_dir("reload");
    let data = dir.join("data");
    let config = dir.join("benchforge.toml");
    let a = "a ball must cross a gap between two decks";
    let b = "a 60 mm HDPE ball must cross a 180 mm gap";
    let c = "drop a ball into a lower bin past a shield";
    let mut s = Settings {
        data_dir: &data,
        concurrency: 2,
        width_px: 64,
        max_speed_mps: 100.0,
        attempts: 3,
        llm: false,
        themes: &[a],
    };
    write(&config, &s);
    let child = spawn_run(&[], &config);
    wait_until("the first benchmark", LONG, || {
        benchmark_of(&data, a).is_some()
    });
    assert_eq!(render_width_of(&benchmark_of(&data, a).unwrap()), 64);

    // Render size, concurrency and a new theme: applied to the next session.
    s.width_px = 80;
    s.concurrency = 1;
    let ab = [a, b];
    s.themes = &ab;
    write(&config, &s);
    wait_until("the second benchmark", LONG, || {
        benchmark_of(&data, b).is_some()
    });
    assert_eq!(render_width_of(&benchmark_of(&data, b).unwrap()), 80);
    let log = log_text(&data);
    assert!(
        log.contains("applied to every step from now on: render.width_px 64 -> 80"),
        "{}",
        tail(&log, 30)
    );
    assert!(
        log.contains("applied now: concurrency 2 -> 1"),
        "{}",
        tail(&log, 30)
    );
    assert!(log.contains("theme queue: themes[1]"), "{}", tail(&log, 30));

    // Gate thresholds, attempts and the llm section: the next session is judged by them. A
    // speed limit of 0.01 m/s fails every scene at gate 4, and one attempt each ends it.
    s.max_speed_mps = 0.01;
    s.attempts = 1;
    s.llm = true;
    let abc = [a, b, c];
    s.themes = &abc;
    write(&config, &s);
    // Log lines name a theme by its key (`theme=<key>`); its words are on its queued line.
    let theme_of = |log: &str| -> Option<String> {
        let queued = log
            .lines()
            .find(|l| l.contains("theme queued") && l.contains("lower bin"))?;
        let key = queued.split("theme=").nth(1)?.split(' ').next()?;
        Some(format!("theme={key} "))
    };
    wait_until("the third session to fail", LONG, || {
        let log = log_text(&data);
        theme_of(&log).is_some_and(|theme| {
            log.lines()
                .any(|l| l.contains("session failed") && l.contains(&theme))
        })
    });
    let log = log_text(&data);
    let theme = theme_of(&log).unwrap();
    let failed = log
        .lines()
        .find(|l| l.contains("session failed") && l.contains(&theme))
        .unwrap();
    assert!(
        failed.contains("1 script attempts") && failed.contains("1 plans tried"),
        "{failed}"
    );
    assert!(failed.contains("physics"), "{failed}");
    for key in [
        "gates.max_speed_mps 100.0 -> 0.01",
        "agents.coder.attempts 3 -> 1",
        "agents.planner.attempts 3 -> 1",
        "llm.model unset -> \"unused-by-procedural-roles\"",
    ] {
        assert!(
            log.contains(&format!("applied to every step from now on: {key}")),
            "{key}: {}",
            tail(&log, 40)
        );
    }
    assert!(benchmark_of(&data, c).is_none());

    // The data folder cannot move under a running daemon.
    let elsewhere = dir.join("elsewhere");
    s.data_dir = &elsewhere;
    write(&config, &s);
    wait_until("the restart line", LONG, || {
        log_text(&data).contains("needs a restart: data_dir")
    });
    assert!(!elsewhere.exists(), "the daemon moved to the new data dir");

    sigterm(&child);
    let out = wait_output(child, Duration::from_secs(20));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

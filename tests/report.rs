//! `benchforge report`: two real benchmarks made by `benchforge generate`, the static page
//! written over them, and the page opened in headless Chromium — every card present, every
//! image loaded, no console message.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::*;

const CHROMIUM: &str = "/usr/bin/chromium";
const LONG: Duration = Duration::from_secs(180);

/// Chromium's path, or `None` to skip — never on CI, where a missing browser must fail.
fn chromium() -> Option<&'static str> {
    if Path::new(CHROMIUM).is_file() {
        return Some(CHROMIUM);
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !ci,
        "{CHROMIUM} is missing on CI: .ci/run installs Debian's chromium package"
    );
    eprintln!(
        "\n\n!!! SKIPPING the browser half of tests/report.rs: {CHROMIUM} is missing \
         (apt-get install chromium) !!!\n\n"
    );
    None
}

/// Runs headless Chromium on `page` with `args`, with its own profile under `dir`.
fn headless(browser: &str, dir: &Path, args: &[&str], page: &Path) -> std::process::Output {
    let profile = dir.join("chromium-profile");
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=5000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(args)
    .arg(format!("file://{}", page.display()));
    run_to_end(cmd, Duration::from_secs(90))
}

/// The value of `name="..."` on the `<body>` tag of a dumped DOM.
fn body_attr(dom: &str, name: &str) -> Option<String> {
    let body = &dom[dom.find("<body")?..];
    let tag = &body[..body.find('>')?];
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    Some(tag[start..start + tag[start..].find('"')?].to_string())
}

#[test]
fn the_report_of_two_generated_benchmarks_opens_with_every_card_and_image() {
    let data = temp_dir("report");
    let out = run_to_end(
        {
            let mut c = benchforge(&[]);
            c.args([
                "generate",
                "a ball must cross a gap between two decks",
                "--count",
                "2",
                "--seeds",
                "2",
                "--data-dir",
            ])
            .arg(&data);
            c
        },
        LONG,
    );
    assert!(
        out.status.success(),
        "generate: {}",
        tail(&String::from_utf8_lossy(&out.stderr), 30)
    );
    check_dataset(&data, 2);

    // The battery, cheaply, so the cards carry measured baselines.
    let out = run_to_end(
        {
            let mut c = benchforge(&[]);
            c.args([
                "report",
                "--baselines",
                "--random-attempts",
                "3",
                "--held-out",
                "1",
            ])
            .arg(&data);
            c
        },
        LONG,
    );
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "report: {}",
        tail(&String::from_utf8_lossy(&out.stderr), 30)
    );
    let page = data.join("report.html");
    assert_eq!(
        stdout.lines().last().map(str::trim),
        Some(page.to_str().unwrap())
    );
    assert!(stdout.contains("dataset: 2 benchmark(s)"), "{stdout}");
    let html = std::fs::read_to_string(&page).unwrap();
    // Self-contained: nothing fetched from elsewhere.
    for remote in ["http://", "https://", "//cdn", "@import"] {
        assert!(!html.contains(remote), "the page references {remote}");
    }
    assert_eq!(html.matches("<article class=\"card\"").count(), 2);
    // Every check the Simulator runs is a step of the funnel, the last ones included.
    for step in [
        "passed gate 6 (solvable)",
        "passed gate 8 (fidelity)",
        "passed the plan check",
        "passed the budget check",
        "passed the worth checks",
    ] {
        assert!(
            html.contains("Acceptance funnel") && html.contains(step),
            "the funnel lacks {step}"
        );
    }
    assert!(html.contains("contact_sheet.png") && html.contains("sim.gif"));
    assert!(
        html.contains("Baselines:"),
        "baselines missing from the cards"
    );
    // Each card shows the solution budget beside the reference solution's use.
    assert_eq!(
        html.matches("Solution budget: part count ≤ ").count(),
        2,
        "solution budgets missing from the cards"
    );
    assert!(html.contains("total mass ≤ ") && html.contains(" kg (reference "));
    for id in index_ids(&data) {
        assert!(html.contains(&format!("id=\"{id}\"")), "no card for {id}");
    }

    let Some(browser) = chromium() else {
        let _ = std::fs::remove_dir_all(&data);
        return;
    };
    let out = headless(browser, &data, &["--dump-dom"], &page);
    let dom = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "chromium: {}", tail(&stderr, 20));
    assert_eq!(
        body_attr(&dom, "data-cards").as_deref(),
        Some("2"),
        "{}",
        tail(&dom, 5)
    );
    assert_eq!(
        body_attr(&dom, "data-images").as_deref(),
        Some("ok"),
        "images that did not load: {:?}",
        body_attr(&dom, "data-broken")
    );
    // Two cards, each with a contact sheet and a GIF.
    assert_eq!(body_attr(&dom, "data-image-count").as_deref(), Some("4"));
    let console: Vec<&str> = stderr.lines().filter(|l| l.contains("CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:?}");

    let shot = data.join("report.png");
    let out = headless(
        browser,
        &data,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1400,2400",
        ],
        &page,
    );
    assert!(out.status.success(), "screenshot failed");
    let png = std::fs::read(&shot).expect("a screenshot was written");
    assert_eq!(&png[1..4], b"PNG");
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn report_of_a_missing_data_dir_says_so_in_one_line() {
    let out = run_benchforge(&["report", "/nonexistent/benchforge-data"]);
    assert_eq!(out.code, Some(2));
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("/nonexistent/benchforge-data") && out.stderr.contains("index.jsonl")
    );
}

//! The store under a long run: fills a real sled store with 10 000 finished sessions (each
//! queued, then walked through every stage, as the daemon writes them), then measures what
//! the daemon does all day on top of that history: commit latency of open sessions (each
//! commit is a transaction plus a flush), `status` (counters), admission's queue read and a
//! resume's `waiting_at`. Run: `cargo bench --bench store` (release). Prints p50/p99/max.

use std::time::Instant;

use benchforge::session::{Session, Stage, StageKind, ThemeSpec};
use benchforge::store::Store;

const FINISHED: u32 = 10_000;
const MEASURED: u32 = 1_000;

fn theme(prompt: &str, count: u32) -> ThemeSpec {
    ThemeSpec {
        prompt: prompt.into(),
        count,
        seeds: (0..8).collect(),
        scale: None,
        tier: None,
        origin: "bench".into(),
    }
}

/// Walks `s` through the open stages to `end`, committing each step.
fn walk(store: &Store, mut s: Session, end: Stage) -> Session {
    for stage in [
        Stage::Planning,
        Stage::Coding { attempt: 1 },
        Stage::Simulating { attempt: 1 },
        Stage::Reviewing { round: 1 },
        Stage::Persisting,
        end,
    ] {
        s.stage = stage;
        s.feedback
            .push("simulator: seed 3 (scale [1.0, 1.0, 1.0]) gate 3: overlap 0.004 m".into());
        s = store.commit(&s).expect("commit");
    }
    s
}

fn percentiles(mut micros: Vec<f64>) -> String {
    micros.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| micros[((micros.len() - 1) as f64 * q).round() as usize];
    format!(
        "p50 {:.3} ms  p99 {:.3} ms  max {:.3} ms  (n = {})",
        at(0.5) / 1000.0,
        at(0.99) / 1000.0,
        at(1.0) / 1000.0,
        micros.len()
    )
}

fn main() {
    let dir = std::env::temp_dir().join(format!("benchforge-store-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).expect("store");
    let start = Instant::now();
    let queued = store
        .queue_theme(&theme("history", FINISHED))
        .expect("queue");
    for id in &queued.sessions {
        let s = store.session(id).expect("session");
        walk(
            &store,
            s,
            Stage::Accepted {
                path: format!("/data/benchmarks/{id}"),
            },
        );
    }
    println!(
        "filled {FINISHED} finished sessions in {:.1} s ({} commits)",
        start.elapsed().as_secs_f64(),
        FINISHED * 6
    );

    let open = store.queue_theme(&theme("today", MEASURED)).expect("queue");
    let mut commit_us = Vec::new();
    for id in &open.sessions {
        let mut s = store.session(id).expect("session");
        s.stage = Stage::Planning;
        let t = Instant::now();
        store.commit(&s).expect("commit");
        commit_us.push(t.elapsed().as_secs_f64() * 1e6);
    }
    println!(
        "commit (transaction + flush) over {FINISHED} finished: {}",
        percentiles(commit_us)
    );

    let mut status_us = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let status = store.status().expect("status");
        status_us.push(t.elapsed().as_secs_f64() * 1e6);
        assert_eq!(status.accepted as u32, FINISHED);
    }
    println!("status: {}", percentiles(status_us));

    let mut admit_us = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let open_now = store.open_count().expect("open");
        let ids = store.ids_at(StageKind::Queued, 2).expect("ids");
        admit_us.push(t.elapsed().as_secs_f64() * 1e6);
        assert!(open_now > 0 && ids.is_empty());
    }
    println!(
        "admission read (open count + oldest queued): {}",
        percentiles(admit_us)
    );

    let t = Instant::now();
    let waiting = store.waiting_at(StageKind::Planning).expect("waiting");
    println!(
        "waiting_at(planning) with {} waiting among {} sessions: {:.3} ms",
        waiting.len(),
        FINISHED + MEASURED,
        t.elapsed().as_secs_f64() * 1e3
    );
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

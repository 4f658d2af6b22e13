//! How long one `build(seed, scale)` evaluation of each example takes (target: < 5 ms).
//! Plain `std::time::Instant`; run with `cargo bench --bench script_build`.

use std::time::{Duration, Instant};

use benchforge::script::SceneScript;
use benchforge::variant::ScaleRanges;

const RUNS: u64 = 200;

fn main() {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("actors/coder/examples");
    let mut examples: Vec<_> = std::fs::read_dir(&folder)
        .expect("examples folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rhai"))
        .collect();
    examples.sort();
    println!("one build(seed, scale) evaluation, {RUNS} runs per example (seeds 0..{RUNS}):");
    for path in examples {
        let source = std::fs::read_to_string(&path).expect("readable example");
        let compile_start = Instant::now();
        let script = SceneScript::compile(&source).expect("example compiles");
        let compile = compile_start.elapsed();
        let ranges = ScaleRanges::default();
        // Warm up once (engine construction happens on first use).
        script.build(0, ranges.sample(0)).expect("example builds");
        let mut times: Vec<Duration> = (0..RUNS)
            .map(|seed| {
                let scale = ranges.sample(seed);
                let start = Instant::now();
                let scene = script.build(seed, scale).expect("example builds");
                let elapsed = start.elapsed();
                std::hint::black_box(scene);
                elapsed
            })
            .collect();
        times.sort();
        let mean = times.iter().sum::<Duration>() / RUNS as u32;
        let median = times[times.len() / 2];
        let max = times[times.len() - 1];
        println!(
            "{:<28} mean {:>8.3} ms  median {:>8.3} ms  max {:>8.3} ms  (compile {:.3} ms)",
            path.file_name().unwrap().to_string_lossy(),
            mean.as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e3,
            max.as_secs_f64() * 1e3,
            compile.as_secs_f64() * 1e3
        );
    }
}

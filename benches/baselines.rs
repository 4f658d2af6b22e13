//! Times the worth-solving battery (do nothing, reference on the shipped and 32 held-out
//! seeds, 200 random builders per seed, the naive chute, the obstacle and variation checks)
//! on a 30-fixture scene over 8 seeds on one core, with the default settings.
//!
//! Run: `cargo bench --bench baselines` (release). Prints wall time and the process's CPU
//! time (user + system, from /proc/self/stat).

use std::time::Instant;

use benchforge::baselines::{assess, WorthSettings};
use benchforge::physics::PhysicsSettings;
use benchforge::script::SceneScript;
use benchforge::variant::ScaleRanges;

/// The open-chute test scene (with its reference solution) plus 27 posts along the edges:
/// 30 fixtures.
fn scene_source() -> String {
    let base = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/scenes/worth_open_chute.rhai"
    ))
    .expect("tests/scenes/worth_open_chute.rhai");
    let extra = r#"
    for k in 0..27 {
        let post = scene.fixed_part("post_" + k, "wood");
        let side = if k % 2 == 0 { 0.33 } else { -0.33 };
        post.box([0.03, 0.03, 0.1], [-0.3 + 0.04 * k * sx, side, 0.05]);
    }
    scene.payload_sphere"#;
    base.replacen("\n    scene.payload_sphere", extra, 1)
}

fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per s on
    // Linux unless the kernel says otherwise).
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn main() {
    let source = scene_source();
    let script = SceneScript::compile(&source).expect("bench scene compiles");
    let scene = script.build(0, [1.0; 3]).expect("bench scene builds");
    assert_eq!(scene.fixtures.len(), 30, "the bench scene has 30 fixtures");
    let seeds: Vec<u64> = (0..8).collect();
    let settings = WorthSettings {
        parallel: false,
        random_time_budget_s: 600.0,
        ..WorthSettings::default()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("one-thread pool");
    let cpu0 = cpu_seconds();
    let start = Instant::now();
    let report = pool.install(|| {
        assess(
            &script,
            &seeds,
            0,
            &ScaleRanges::default(),
            &PhysicsSettings::default(),
            &[],
            &settings,
        )
    });
    let wall = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
    let attempts: u32 = report.seeds.iter().map(|s| s.random_attempts).sum();
    let invalid: u32 = report.seeds.iter().map(|s| s.random_invalid).sum();
    println!(
        "baselines: 30 fixtures, 8 seeds, {} random attempts per seed ({attempts} ran, {invalid} without a legal placement), \
         {} held-out seeds, one thread: wall {wall:.2} s, CPU {}",
        settings.random_attempts_per_seed,
        settings.held_out_seeds,
        cpu.map(|c| format!("{c:.2} s")).unwrap_or_else(|| "n/a".into())
    );
    println!(
        "  random success {:.1} %, naive solves {} seed(s), reference solves {} of 8, held-out failures {}, tier {}, findings: {:?}",
        100.0 * report.random_success_rate,
        report.seeds.iter().filter(|s| s.naive_solved).count(),
        report.seeds.iter().filter(|s| s.reference_solved).count(),
        report.held_out.failures.len(),
        report.difficulty.tier,
        report.findings.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>()
    );
}

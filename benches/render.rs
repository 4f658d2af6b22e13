//! Times the renderer in a release build on one core:
//! `cargo bench --bench render` prints, per scene, the wall-clock time of the 24 standard
//! views at 512×384 (colour PNGs, then with depth and segmentation too), and of the
//! simulation media. The target is under 300 ms for the 24 colour views of the largest
//! example on one core.

use std::time::{Duration, Instant};

use benchforge::render::{self, BodyPoses, MediaOptions, RenderOptions, SimFrame};
use benchforge::scene::Scene;
use benchforge::variant::PayloadSpawn;

#[path = "../tests/render_scenes/mod.rs"]
mod render_scenes;

const RUNS: usize = 7;

/// CPU time of the whole process so far (sum over its threads, from
/// `/proc/self/task/*/schedstat`), or `None` off Linux. On a shared machine this is the
/// figure that says what one core needs; wall-clock time also counts waiting for the CPU.
fn process_cpu_time() -> Option<Duration> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(total))
}

/// (min wall, median wall, median CPU) over [`RUNS`] runs after a warm-up.
fn time(mut work: impl FnMut()) -> (Duration, Duration, Duration) {
    work(); // warm-up
    let mut wall = Vec::new();
    let mut cpu = Vec::new();
    for _ in 0..RUNS {
        let cpu_start = process_cpu_time();
        let start = Instant::now();
        work();
        wall.push(start.elapsed());
        if let (Some(a), Some(b)) = (cpu_start, process_cpu_time()) {
            cpu.push(b.saturating_sub(a));
        }
    }
    wall.sort();
    cpu.sort();
    (
        wall[0],
        wall[RUNS / 2],
        cpu.get(cpu.len() / 2).copied().unwrap_or_default(),
    )
}

fn report(
    name: &str,
    parts: usize,
    what: &str,
    (min, median, cpu): (Duration, Duration, Duration),
) {
    println!(
        "{name:<26} {parts:>4} parts  {what:<34} wall min {:7.1} ms  median {:7.1} ms  CPU median {:7.1} ms",
        ms(min),
        ms(median),
        ms(cpu)
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn bench_scene(name: &str, scene: &Scene) {
    let spawn = PayloadSpawn::sample(&scene.payload, 1);
    let parts: usize = scene.fixtures.iter().map(|f| f.parts.len()).sum();
    let colour = RenderOptions::default();
    let all = RenderOptions {
        depth: true,
        segmentation: true,
        ..RenderOptions::default()
    };
    let t = time(|| {
        render::render_views(scene, &spawn, &BodyPoses::new(), &colour).unwrap();
    });
    report(name, parts, "24 views 512x384, colour", t);
    let t = time(|| {
        render::render_views(scene, &spawn, &BodyPoses::new(), &all).unwrap();
    });
    report(name, parts, "24 views + depth + segmentation", t);
    let frames: Vec<SimFrame> = (0..=90)
        .map(|k| SimFrame {
            time_s: k as f64 / 30.0,
            poses: BodyPoses::new(),
        })
        .collect();
    let t = time(|| {
        render::render_simulation_media(scene, &spawn, &[], &frames, &MediaOptions::default())
            .unwrap();
    });
    report(name, parts, "contact sheet + 60-frame GIF", t);
}

fn main() {
    // One core, as the target says; the renderer itself spreads views over whatever pool
    // it runs in.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool");
    pool.install(|| {
        bench_scene("ramp (hand-built)", &render_scenes::ramp_scene());
        bench_scene("busy (ramp + 100 parts)", &render_scenes::busy_scene(100));
        // The Coder's examples, seed 0, largest (most triangles' worth of parts) last.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("actors/coder/examples");
        let mut examples: Vec<(usize, String, Scene)> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "rhai"))
            .filter_map(|p| {
                let script =
                    benchforge::script::SceneScript::compile(&std::fs::read_to_string(&p).ok()?)
                        .ok()?;
                let scene = script
                    .build(0, benchforge::variant::ScaleRanges::default().sample(0))
                    .ok()?;
                let parts = scene.fixtures.iter().map(|f| f.parts.len()).sum();
                Some((parts, p.file_stem()?.to_string_lossy().into_owned(), scene))
            })
            .collect();
        examples.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        for (_, name, scene) in &examples {
            bench_scene(name, scene);
        }
    });
}

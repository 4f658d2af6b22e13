//! Worth solving: the baseline battery and the checks on real scripts, real rapier runs.
//! Small attempt counts keep the suite fast; the defaults are measured by
//! `benches/baselines.rs`.

mod common;

use benchforge::baselines::{
    assess, constraints, naive, variation, WorthReport, WorthSettings, RULE_FRAGILE,
    RULE_TRIVIAL_NAIVE, RULE_UNFAIR,
};
use benchforge::physics::PhysicsSettings;
use benchforge::script::SceneScript;
use benchforge::variant::ScaleRanges;

fn script(name: &str) -> SceneScript {
    let path = common::repo_root().join("tests/scenes").join(name);
    let source = std::fs::read_to_string(&path).expect("test scene exists");
    SceneScript::compile(&source).expect("test scene compiles")
}

/// Few attempts and held-out seeds: these tests check verdicts, not rates.
fn quick() -> WorthSettings {
    WorthSettings {
        random_attempts_per_seed: 4,
        held_out_seeds: 0,
        ..WorthSettings::default()
    }
}

fn run(name: &str, seeds: &[u64], obstacles: &[&str]) -> WorthReport {
    let obstacles: Vec<String> = obstacles.iter().map(|s| s.to_string()).collect();
    assess(
        &script(name),
        seeds,
        0,
        &ScaleRanges::default(),
        &PhysicsSettings::default(),
        &obstacles,
        &quick(),
    )
}

fn rules(report: &WorthReport) -> Vec<&str> {
    report.findings.iter().map(|f| f.rule.as_str()).collect()
}

#[test]
fn the_naive_chute_solves_an_open_scene_and_it_is_refused_as_trivial() {
    let report = run("worth_open_chute.rhai", &[0, 1, 2], &[]);
    assert!(
        report.seeds.iter().all(|s| s.naive_solved),
        "the straight chute should deliver on every seed: {:?}",
        report.seeds
    );
    assert!(report.seeds.iter().all(|s| !s.do_nothing_solved));
    let trivial = report
        .findings
        .iter()
        .find(|f| f.rule == RULE_TRIVIAL_NAIVE)
        .expect("refused as trivial");
    assert!(trivial.message.contains("0, 1, 2"), "{}", trivial.message);
    // Its build zone is small and every declared quantity varies: refused for being
    // trivial, not for that.
    assert!(
        report.build_zone_fraction <= 0.4,
        "{}",
        report.build_zone_fraction
    );
    assert!(
        !rules(&report).contains(&variation::RULE_QUANTITY_CONSTANT),
        "{:?}",
        report.findings
    );
    assert!(report
        .quantities
        .iter()
        .any(|q| q.name == "scale_z" && q.varies));
    // Every seed's random-builder count adds up and is recorded for benchmark.json.
    for s in &report.seeds {
        assert_eq!(s.random_attempts + s.random_invalid + s.random_skipped, 4);
    }
    let json = serde_json::to_value(&report).expect("serializes");
    assert!(json["seeds"][0]["random_success_rate"].is_number());
    assert!(matches!(report.difficulty.tier, 1..=3));
}

#[test]
fn a_decoration_obstacle_is_refused_by_name_and_a_blocking_one_is_kept() {
    let report = run("worth_obstacles.rhai", &[0, 1], &["wall", "rock"]);
    let decoration: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.rule == constraints::RULE_DECORATION)
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(decoration.len(), 1, "{decoration:?}");
    assert!(decoration[0].contains("\"rock\""), "{}", decoration[0]);
    let wall = report
        .obstacles
        .iter()
        .find(|o| o.label == "wall")
        .expect("wall judged");
    assert!(wall.blocks(), "{wall:?}");
    // The wall really stops the naive chute: the scene is not trivial.
    assert!(
        report.seeds.iter().all(|s| !s.naive_solved),
        "{:?}",
        report.seeds
    );
    assert!(!rules(&report).contains(&RULE_TRIVIAL_NAIVE));
}

#[test]
fn a_named_obstacle_missing_from_the_scene_is_reported() {
    let report = run("worth_obstacles.rhai", &[0], &["boulder"]);
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == constraints::RULE_OBSTACLE_MISSING)
        .expect("missing obstacle reported");
    assert!(f.message.contains("\"boulder\""), "{}", f.message);
}

#[test]
fn a_scale_axis_the_script_ignores_is_refused_by_name() {
    let script = script("worth_flat_z.rhai");
    let seeds: Vec<u64> = (0..8).collect();
    let (quantities, findings) = variation::variation_check(
        &script,
        &seeds,
        0,
        &ScaleRanges::default(),
        &variation::VariationSettings::default(),
    );
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].rule, variation::RULE_QUANTITY_CONSTANT);
    assert!(
        findings[0].message.contains("scale_z"),
        "{}",
        findings[0].message
    );
    let by_name = |n: &str| quantities.iter().find(|q| q.name == n).expect(n);
    assert!(by_name("scale_x").varies && by_name("scale_y").varies);
    assert_eq!(by_name("scale_z").per_seed.len(), 8);
    assert_eq!(by_name("scale_z").spread_m, 0.0);
    // The payload's jitter of ±1 cm spreads it by more than 10 % of its 6 cm diameter.
    assert!(by_name("payload_jitter_x_m").varies);
    // Pinning the ignored axis declares nothing there: no finding.
    let pinned = ScaleRanges {
        z: [1.0, 1.0],
        ..ScaleRanges::default()
    };
    let (_, findings) = variation::variation_check(
        &script,
        &seeds,
        0,
        &pinned,
        &variation::VariationSettings::default(),
    );
    assert!(findings.is_empty(), "{findings:?}");
}

#[test]
fn a_build_zone_filling_the_bounds_is_refused() {
    let script = script("worth_open_chute.rhai");
    let mut v = benchforge::baselines::build_variant(&script, 0, 0, &ScaleRanges::default())
        .expect("builds");
    v.scene.build_zone = v.scene.bounds;
    let findings = constraints::build_zone_findings(&[v], 0.4);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].rule, constraints::RULE_BUILD_ZONE_TOO_LARGE);
    assert!(
        findings[0].message.contains("100 %"),
        "{}",
        findings[0].message
    );
}

#[test]
fn the_naive_chute_starts_clear_of_the_payload() {
    let script = script("worth_open_chute.rhai");
    let v = benchforge::baselines::build_variant(&script, 3, 0, &ScaleRanges::default())
        .expect("builds");
    let chutes = naive::naive_chutes(&v.scene, &v.spawn);
    assert_eq!(chutes.len(), 3);
    let world = benchforge::physics::build_world(&v.scene, &v.spawn, &chutes[..1]).unwrap();
    // Gate 6's placement rule, minus the build zone: the chute cuts into nothing dynamic.
    let findings = benchforge::gates::geometry::solution_placement_findings(
        &v.scene,
        &world,
        &PhysicsSettings::default(),
    );
    assert!(
        findings.iter().all(|f| !f.message.contains("the payload")),
        "{findings:?}"
    );
}

#[test]
fn a_reference_that_fails_on_seeds_is_unfair_on_shipped_ones_and_fragile_on_held_out_ones() {
    let script = script("worth_open_chute.rhai");
    let ranges = ScaleRanges::default();
    let physics = PhysicsSettings::default();
    let shipped: Vec<u64> = (0..8).collect();
    let report = assess(&script, &shipped, 0, &ranges, &physics, &[], &quick());
    let solved: Vec<u64> = report
        .seeds
        .iter()
        .filter(|s| s.reference_solved)
        .map(|s| s.seed)
        .collect();
    assert!(!solved.is_empty(), "the plank reference solves some seeds");
    let unfair = report.findings.iter().find(|f| f.rule == RULE_UNFAIR);
    assert_eq!(unfair.is_some(), solved.len() < shipped.len(), "{unfair:?}");
    // Shipping only the seeds it solves hides nothing: the held-out seeds find it out.
    let settings = WorthSettings {
        held_out_seeds: 32,
        ..quick()
    };
    let report = assess(&script, &solved, 0, &ranges, &physics, &[], &settings);
    assert!(
        !rules(&report).contains(&RULE_UNFAIR),
        "{:?}",
        report.findings
    );
    let fragile = report
        .findings
        .iter()
        .find(|f| f.rule == RULE_FRAGILE)
        .expect("refused as fragile");
    assert!(!report.held_out.failures.is_empty());
    assert!(report
        .held_out
        .failures
        .iter()
        .all(|(s, _)| *s >= 1_000_000));
    assert!(fragile.message.contains("held-out"), "{}", fragile.message);
}

//! Gate 1, script: the script runs for this seed within the sandbox limits, `build` returns
//! a scene (and `solve`, when present, a solution), and two runs with the same seed give
//! byte-identical canonical scenes. Compiling (syntax, `build` defined) happens once per
//! script in [`SceneScript::compile`], before any seed.

use crate::report::Finding;
use crate::scene::{Scene, Solution, Vec3};
use crate::script::{SceneScript, ScriptError};

/// Rule id: two runs with the same seed gave different scenes or solutions.
pub const RULE_NOT_DETERMINISTIC: &str = "not_deterministic";

/// What gate 1 produced for one seed when it held.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltVariant {
    /// The scene `build(seed, scale)` returned.
    pub scene: Scene,
    /// The solution `solve(seed, scale)` returned, when the script has `solve`.
    pub solution: Option<Solution>,
}

/// A runtime error of the script as a gate-1 finding (rule id = the error kind).
pub fn error_finding(function: &str, err: &ScriptError) -> Finding {
    Finding::new(err.rule(), format!("{function}: {err}"))
}

/// Runs gate 1 for one seed: `build` (and `solve`) twice each, compared byte for byte.
pub fn check(script: &SceneScript, seed: u64, scale: Vec3) -> Result<BuiltVariant, Vec<Finding>> {
    let scene = script
        .build(seed, scale)
        .map_err(|e| vec![error_finding("build", &e)])?;
    let again = script
        .build(seed, scale)
        .map_err(|e| vec![error_finding("build (second run)", &e)])?;
    let mut findings = determinism_findings(
        "build",
        seed,
        &scene.canonical_json(),
        &again.canonical_json(),
    );
    let solution = script
        .solve(seed, scale)
        .map_err(|e| vec![error_finding("solve", &e)])?;
    if let Some(first) = &solution {
        let again = script
            .solve(seed, scale)
            .map_err(|e| vec![error_finding("solve (second run)", &e)])?;
        findings.extend(determinism_findings(
            "solve",
            seed,
            &solution_json(Some(first)),
            &solution_json(again.as_ref()),
        ));
    }
    if findings.is_empty() {
        Ok(BuiltVariant { scene, solution })
    } else {
        Err(findings)
    }
}

fn solution_json(solution: Option<&Solution>) -> String {
    serde_json::to_string(&solution).unwrap_or_default()
}

/// The determinism rule: the two canonical forms of one seed must be identical bytes.
pub fn determinism_findings(function: &str, seed: u64, first: &str, second: &str) -> Vec<Finding> {
    if first == second {
        return Vec::new();
    }
    let at = first
        .bytes()
        .zip(second.bytes())
        .position(|(a, b)| a != b)
        .unwrap_or(first.len().min(second.len()));
    let excerpt = |s: &str| {
        let (lo, hi) = (at.saturating_sub(20), at + 20);
        s.char_indices()
            .filter(|(i, _)| (lo..hi).contains(i))
            .map(|(_, c)| c)
            .collect::<String>()
    };
    vec![Finding::new(
        RULE_NOT_DETERMINISTIC,
        format!(
            "{function} gave different results for seed {seed} on two runs (first difference at byte {at}: `{}` vs `{}`); draw every random number from `generator(seed)`",
            excerpt(first),
            excerpt(second)
        ),
    )]
}

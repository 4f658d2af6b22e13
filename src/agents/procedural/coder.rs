//! The procedural Coder: writes the plan's archetype as a Rhai scene script (the same API a
//! language model writes), and revises it from the Simulator's findings.
//!
//! The script's knobs (clearance, bin wall height, parameter ranges, scale ranges) are kept
//! in a `// tuning:` header line, so a revision reads the previous attempt's knobs back from
//! its source and changes only what the findings point at.

use async_trait::async_trait;

use super::archetypes::{self, Archetype, Axis, CHUTE_SOLVE_RHAI, CORE_RHAI};
use crate::agents::{AgentError, Answer, CodeRequest, Coder, ScriptDraft};
use crate::journal::JournalEntry;
use crate::plan::{ParameterRange, PayloadShape, Plan, Role};
use crate::report::ValidationReport;
use crate::variant::ScaleRanges;

/// The knobs a revision turns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    /// Clearance between the solution's chute and everything around it, in metres.
    pub clear_m: f64,
    /// Multiplier on the goal bin's wall heights (and far wall distance).
    pub wall_factor: f64,
    /// How much of each parameter's range is used, around its nominal (1 = all of it).
    pub range_keep: f64,
    /// Multiplier on the path angle's range (below 1 = gentler, slower payload).
    pub angle_factor: f64,
    /// Multiplier on the drop above the chute.
    pub drop_factor: f64,
    /// Extra room added to the bounds on every side, in metres.
    pub bounds_extra_m: f64,
    /// Scale ranges to validate with.
    pub scale: ScaleRanges,
    /// Hinge limit sign of flap archetypes (+1 or -1): which way the flap may swing.
    pub flap_sign: f64,
}

impl Tuning {
    /// The first attempt's knobs for `plan`.
    pub fn initial(plan: &Plan) -> Self {
        Self {
            clear_m: 0.004,
            wall_factor: 1.0,
            range_keep: 1.0,
            angle_factor: 1.0,
            drop_factor: 1.0,
            bounds_extra_m: 0.0,
            scale: plan.scale_ranges,
            flap_sign: -1.0,
        }
    }

    fn header(&self) -> String {
        let s = &self.scale;
        format!(
            "// tuning: clear_m={} wall_factor={} range_keep={} angle_factor={} drop_factor={} bounds_extra_m={} flap_sign={} scale={},{},{},{},{},{}",
            self.clear_m,
            self.wall_factor,
            self.range_keep,
            self.angle_factor,
            self.drop_factor,
            self.bounds_extra_m,
            self.flap_sign,
            s.x[0],
            s.x[1],
            s.y[0],
            s.y[1],
            s.z[0],
            s.z[1]
        )
    }

    /// Reads the knobs back from a script this Coder wrote; None for any other script.
    pub fn from_source(source: &str) -> Option<Self> {
        let line = source.lines().find(|l| l.starts_with("// tuning: "))?;
        let mut t = Tuning {
            clear_m: 0.004,
            wall_factor: 1.0,
            range_keep: 1.0,
            angle_factor: 1.0,
            drop_factor: 1.0,
            bounds_extra_m: 0.0,
            scale: ScaleRanges::unit(),
            flap_sign: -1.0,
        };
        for kv in line.trim_start_matches("// tuning: ").split_whitespace() {
            let (k, v) = kv.split_once('=')?;
            if k == "scale" {
                let n: Vec<f64> = v.split(',').filter_map(|x| x.parse().ok()).collect();
                if n.len() != 6 {
                    return None;
                }
                t.scale = ScaleRanges {
                    x: [n[0], n[1]],
                    y: [n[2], n[3]],
                    z: [n[4], n[5]],
                };
                continue;
            }
            let v: f64 = v.parse().ok()?;
            match k {
                "clear_m" => t.clear_m = v,
                "wall_factor" => t.wall_factor = v,
                "range_keep" => t.range_keep = v,
                "angle_factor" => t.angle_factor = v,
                "drop_factor" => t.drop_factor = v,
                "bounds_extra_m" => t.bounds_extra_m = v,
                "flap_sign" => t.flap_sign = v,
                _ => {}
            }
        }
        Some(t)
    }
}

/// The procedural Coder.
#[derive(Debug, Clone, Default)]
pub struct ProceduralCoder;

#[async_trait]
impl Coder for ProceduralCoder {
    fn backend(&self) -> String {
        "procedural".to_string()
    }

    async fn code(&self, request: CodeRequest) -> Result<Answer<ScriptDraft>, AgentError> {
        let archetype =
            archetypes::by_id(&request.plan.archetype).ok_or_else(|| AgentError::Unsupported {
                role: Role::Coder,
                message: format!(
                    "the plan's archetype \"{}\" is not in the procedural library; use one of: {}",
                    request.plan.archetype,
                    archetypes::CATALOG
                        .iter()
                        .map(|a| a.id)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?;
        let previous = request
            .previous_script
            .as_ref()
            .and_then(|s| Tuning::from_source(&s.source));
        let (tuning, changes) = match (previous, request.feedback.as_ref()) {
            (Some(prev), Some(feedback)) => {
                revise(prev, feedback.report.as_ref(), &feedback.review_comments)
            }
            _ => (
                Tuning::initial(&request.plan),
                vec!["first draft from the plan".to_string()],
            ),
        };
        let source = write_script(&request.plan, archetype, &tuning, request.attempt);
        let entry = JournalEntry::new(
            Role::Coder,
            format!("code attempt {}", request.attempt),
            if request.attempt == 1 {
                format!(
                    "write the `{}` archetype as a scene script whose solution is {}",
                    archetype.id, archetype.solution_idea
                )
            } else {
                "revise the script from the last report".to_string()
            },
            format!(
                "wrote {} lines; {}",
                source.lines().count(),
                changes.join("; ")
            ),
            "hand it to the Simulator and read which gates fail, if any",
        );
        Ok(Answer::free(
            ScriptDraft {
                source,
                attempt: request.attempt,
                changes,
                scale_ranges: tuning.scale,
            },
            vec![entry],
        ))
    }
}

/// Turns the knobs the report's findings point at; returns the new knobs and what changed.
pub fn revise(
    prev: Tuning,
    report: Option<&ValidationReport>,
    review_comments: &[String],
) -> (Tuning, Vec<String>) {
    let mut t = prev;
    let mut changes = Vec::new();
    let mut rules: Vec<String> = Vec::new();
    let mut failing_scales = Vec::new();
    if let Some(report) = report {
        for seed in &report.seeds {
            let mut failed = false;
            for gate in seed.failures() {
                failed = true;
                for f in &gate.findings {
                    if !rules.contains(&f.rule) {
                        rules.push(f.rule.clone());
                    }
                }
            }
            if failed {
                failing_scales.push(seed.scale);
            }
        }
    }
    let has = |needle: &str| rules.iter().any(|r| r.contains(needle));
    if has("overlap") || has("penetrat") || has("obstruct") {
        t.clear_m = (t.clear_m * 2.0).clamp(0.008, 0.03);
        changes.push(format!(
            "parts overlapped: widened every clearance to {:.3} m",
            t.clear_m
        ));
    }
    if has("bounds") || has("exit") || has("outside") || has("leaves") {
        t.bounds_extra_m += 0.2;
        changes.push(format!(
            "something left the bounds or a zone: added {:.2} m of room on every side",
            t.bounds_extra_m
        ));
    }
    if has("misses_goal") || has("forbid") || has("not_settled") || has("speed") || has("energy") {
        t.drop_factor *= 0.5;
        t.angle_factor *= 0.85;
        t.wall_factor *= 1.4;
        changes.push(format!(
            "the payload did not stay in the goal: halved the drop, made the path {:.0} % gentler and the bin walls {:.0} % taller",
            (1.0 - t.angle_factor) * 100.0,
            (t.wall_factor - 1.0) * 100.0
        ));
        if t.flap_sign != 0.0 {
            t.flap_sign = -t.flap_sign;
        }
    }
    if !failing_scales.is_empty() && report.is_some_and(|r| r.seeds.len() > failing_scales.len()) {
        // Some seeds pass: the failures sit at the scale extremes, so narrow the ranges.
        t.scale = shrink(t.scale, 0.5);
        t.range_keep *= 0.5;
        changes.push(format!(
            "only some seeds failed (scales {}): halved the scale and parameter ranges around 1",
            failing_scales
                .iter()
                .map(|s| format!("[{:.2}, {:.2}, {:.2}]", s[0], s[1], s[2]))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !review_comments.is_empty() && changes.is_empty() {
        t.clear_m = (t.clear_m * 1.5).min(0.03);
        t.wall_factor *= 1.2;
        changes.push(format!(
            "answered the review ({}) by widening clearances and raising the bin walls",
            review_comments.join(" / ")
        ));
    }
    if changes.is_empty() {
        t.range_keep *= 0.5;
        t.scale = shrink(t.scale, 0.5);
        changes.push(format!(
            "no finding I know how to answer ({}): narrowed every range by half",
            if rules.is_empty() {
                "none".to_string()
            } else {
                rules.join(", ")
            }
        ));
    }
    (t, changes)
}

fn shrink(s: ScaleRanges, keep: f64) -> ScaleRanges {
    let f = |[lo, hi]: [f64; 2]| [1.0 - (1.0 - lo) * keep, 1.0 + (hi - 1.0) * keep];
    ScaleRanges {
        x: f(s.x),
        y: f(s.y),
        z: f(s.z),
    }
}

/// The axis a parameter follows (the archetype's own, or the shared ones).
fn axis_of(archetype: &Archetype, name: &str) -> Axis {
    archetype
        .params
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.axis)
        .unwrap_or(Axis::None)
}

/// A parameter range narrowed to `keep` of its width around the nominal.
fn kept(p: &ParameterRange, keep: f64) -> (f64, f64) {
    let lo = p.nominal - (p.nominal - p.min) * keep;
    let hi = p.nominal + (p.max - p.nominal) * keep;
    (lo, hi.max(lo + 1e-9))
}

fn num(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0');
    if s.ends_with('.') {
        format!("{s}0")
    } else {
        s.to_string()
    }
}

/// Writes the whole scene script for `plan` with the knobs of `tuning`.
pub fn write_script(plan: &Plan, archetype: &Archetype, tuning: &Tuning, attempt: u32) -> String {
    use std::fmt::Write;
    let payload = &plan.payload;
    let smax = payload.size_factor_range[1];
    let h = payload.shape.half_extents_m().map(|v| v * smax);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "// benchforge procedural coder: archetype `{}`, attempt {attempt}\n// theme: {}\n{}",
        archetype.id,
        plan.theme.replace('\n', " "),
        tuning.header()
    );
    let _ = writeln!(s, "\nfn layout(seed, scale) {{");
    s.push_str("    let rng = generator(seed);\n    let sx = scale[0];\n    let sy = scale[1];\n    let sz = scale[2];\n");
    let _ = writeln!(
        s,
        "    let g = #{{ hx: {}, hy: {}, hz: {}, jx: {}, jy: {}, clear: {}, wall_factor: {}, extra_x_lo: {}, extra_y: {}, round: {} }};",
        num(h[0]),
        num(h[1]),
        num(h[2]),
        num(payload.jitter_m[0]),
        num(payload.jitter_m[1]),
        num(tuning.clear_m),
        num(tuning.wall_factor),
        num(tuning.bounds_extra_m),
        num(tuning.bounds_extra_m),
        matches!(payload.shape, PayloadShape::Sphere { .. })
    );
    for p in &plan.parameters {
        let factor = match axis_of(archetype, &p.name) {
            Axis::X => " * sx",
            Axis::Y => " * sy",
            Axis::Z => " * sz",
            Axis::None => "",
        };
        if p.min == p.max {
            // Stated by the theme: exact in every variant, whatever the revision knobs.
            let _ = writeln!(
                s,
                "    g.{} = {}{factor};   // {} ({})",
                p.name,
                num(p.nominal),
                p.description,
                p.unit
            );
            continue;
        }
        let (mut lo, mut hi) = kept(p, tuning.range_keep);
        if p.name == "path_angle_deg" {
            lo *= tuning.angle_factor;
            hi *= tuning.angle_factor;
        }
        if p.name == "drop_m" {
            lo *= tuning.drop_factor;
            hi *= tuning.drop_factor;
        }
        let _ = writeln!(
            s,
            "    g.{} = rng.uniform({}, {}){factor};   // {} ({})",
            p.name,
            num(lo),
            num(hi.max(lo + 1e-6)),
            p.description,
            p.unit
        );
    }
    s.push_str("    let ph = g.hx + g.jx + g.clear + 0.006;\n    ");
    s.push_str(archetype.place);
    s.push_str("\n    finish(g)\n}\n\n");
    let payload_call = match payload.shape {
        PayloadShape::Sphere { radius_m } => format!(
            "scene.payload_sphere({}, \"{}\", [g.x_s, 0.0, g.z_s]);",
            num(radius_m),
            payload.material.name()
        ),
        PayloadShape::Box { size_m } => format!(
            "scene.payload_box([{}, {}, {}], \"{}\", [g.x_s, 0.0, g.z_s]);",
            num(size_m[0]),
            num(size_m[1]),
            num(size_m[2]),
            payload.material.name()
        ),
        PayloadShape::Cylinder { radius_m, length_m } => format!(
            "scene.payload_cylinder({}, {}, \"{}\", [g.x_s, 0.0, g.z_s]);",
            num(radius_m),
            num(length_m),
            payload.material.name()
        ),
    };
    let chute_material = match payload.shape {
        PayloadShape::Sphere { .. } => "wood",
        _ => "hdpe",
    };
    let (flap_lo, flap_hi) = if tuning.flap_sign < 0.0 {
        ("-85.0", "0.0")
    } else {
        ("0.0", "85.0")
    };
    let core = format!(
        "{CORE_RHAI}\n{}",
        archetype.solve.unwrap_or(CHUTE_SOLVE_RHAI)
    );
    s.push_str(
        &core
            .replace("PAYLOAD_CALL", &payload_call)
            .replace("SIZE_MIN", &num(payload.size_factor_range[0]))
            .replace("SIZE_MAX", &num(payload.size_factor_range[1]))
            .replace("CHUTE_MATERIAL", chute_material)
            .replace(
                "PAYLOAD_DENSITY",
                &num(payload.material.properties().density_kg_per_m3),
            ),
    );
    let _ = writeln!(
        s,
        "\nfn build(seed, scale) {{\n    let g = layout(seed, scale);\n    let scene = new_scene(g.lo, g.hi);\n    common(scene, g, {});",
        archetype.uses_pad
    );
    s.push_str(
        &archetype
            .fixtures
            .replace("FLAP_LOWER", flap_lo)
            .replace("FLAP_UPPER", flap_hi),
    );
    s.push_str("    place_payload(scene, g);\n    scene\n}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Finding, GateId, GateResult, SeedReport, ValidationReport};

    fn seed(seed: u64, scale: [f64; 3], failure: Option<(GateId, &str)>) -> SeedReport {
        let mut gates = vec![GateResult::from_findings(GateId::Script, vec![])];
        if let Some((gate, rule)) = failure {
            gates.push(GateResult::from_findings(
                gate,
                vec![Finding::new(rule, "it failed")],
            ));
        }
        SeedReport {
            seed,
            scale,
            scene_hash: None,
            payload_spawn: None,
            has_solution: true,
            gates,
            passive: None,
            solution: None,
        }
    }

    fn report(seeds: Vec<SeedReport>) -> ValidationReport {
        ValidationReport {
            script_hash: "x".into(),
            randomized: crate::gates::randomized(&seeds),
            seeds,
        }
    }

    fn start() -> Tuning {
        Tuning {
            clear_m: 0.004,
            wall_factor: 1.0,
            range_keep: 1.0,
            angle_factor: 1.0,
            drop_factor: 1.0,
            bounds_extra_m: 0.0,
            scale: ScaleRanges::default(),
            flap_sign: -1.0,
        }
    }

    #[test]
    fn failures_at_the_scale_extremes_narrow_the_ranges() {
        let r = report(vec![
            seed(0, [1.0, 1.0, 1.0], None),
            seed(
                1,
                [1.95, 1.0, 0.52],
                Some((GateId::Solvable, "solution_misses_goal")),
            ),
        ]);
        let (t, changes) = revise(start(), Some(&r), &[]);
        assert_eq!(t.scale.x, [0.75, 1.5]);
        assert!(t.range_keep < 1.0);
        assert!(
            t.drop_factor < 1.0 && t.wall_factor > 1.0,
            "a missed goal lowers the drop"
        );
        assert!(
            changes.iter().any(|c| c.contains("[1.95, 1.00, 0.52]")),
            "{changes:?}"
        );
    }

    #[test]
    fn an_overlap_widens_the_clearance_and_the_knobs_survive_the_script() {
        let r = report(vec![seed(
            0,
            [1.0; 3],
            Some((GateId::Geometry, "fixture_overlap")),
        )]);
        let (t, changes) = revise(start(), Some(&r), &[]);
        assert_eq!(t.clear_m, 0.008);
        assert!(changes[0].contains("clearance"));
        let back = Tuning::from_source(&format!("// x\n{}\nfn build() {{}}", t.header())).unwrap();
        assert_eq!(back, t);
    }
}

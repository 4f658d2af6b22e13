//! The built scene compared with its plan: each planned fixture present by label, of the
//! planned body kind, its bounding box's full size and centre within [`tolerance_m`] on every
//! axis plus the plan's randomization slack ([`randomization_slack_m`]: a seed draws its
//! lengths away from the nominal values the plan's boxes are drawn at), and each planned
//! joint present between the same two fixtures with the same kind.
//! The Simulator runs it on the first seed built at scale 1 (the plan's scale); a difference
//! fails the candidate with one line per difference, which the Coder gets as feedback, and the
//! Reviewer gets the list. [`Plan`]'s own check (`validate_plan`) uses the same tolerance for
//! a fixture's pieces against its stated bounding box, so plan and script are held to one
//! rule.

use crate::plan::Plan;
use crate::scene::{Aabb, Scene};

/// The relative part of the tolerance: 15 % of the planned full size on the axis.
pub const TOLERANCE_FRACTION: f64 = 0.15;
/// The floor of the tolerance, in metres: 2 cm, so a thin plate or a small offset is not
/// held to rounding.
pub const TOLERANCE_FLOOR_M: f64 = 0.02;

/// How far a built size or centre may be from the plan on one axis whose planned full size
/// is `planned_size_m`: max(15 % of it, 2 cm), in metres.
pub fn tolerance_m(planned_size_m: f64) -> f64 {
    (TOLERANCE_FRACTION * planned_size_m.abs()).max(TOLERANCE_FLOOR_M)
}

/// The tolerance in words, for messages and prompts.
pub fn tolerance_words() -> String {
    format!(
        "max({:.0} % of the planned full size on that axis, {:.0} cm)",
        TOLERANCE_FRACTION * 100.0,
        TOLERANCE_FLOOR_M * 100.0
    )
}

const AXES: [&str; 3] = ["x", "y", "z"];

/// How far a seed's lengths may be from the plan's nominal ones, in metres: the sum of the
/// half-ranges of the plan's randomized quantities in metres — lengths (`m`) as they are,
/// fractions (`1`, such as where an obstacle stands along the run) times the bounds' longest
/// side, angles (`deg`) as the change of their slope times that side. A part may move and
/// grow by as much as those add up; 0 for a plan whose quantities are pinned.
pub fn randomization_slack_m(plan: &Plan) -> f64 {
    let span = plan.zones.bounds.size_m().into_iter().fold(0.0, f64::max);
    plan.parameters
        .iter()
        .filter(|p| p.min.is_finite() && p.max.is_finite())
        .map(|p| match p.unit.trim() {
            "m" => 0.5 * (p.max - p.min).abs(),
            "1" => 0.5 * (p.max - p.min).abs() * span,
            "deg" => 0.5 * (p.max.to_radians().tan() - p.min.to_radians().tan()).abs() * span,
            _ => 0.0,
        })
        .sum()
}

/// One line per axis on which `built`'s full size or centre is beyond [`tolerance_m`] plus
/// `slack_m` of `planned`'s; `what` names the thing (`fixture "wall"`) and `built_word` the
/// other side (`the script builds it`).
pub fn box_differences(
    what: &str,
    planned: &Aabb,
    built: &Aabb,
    built_word: &str,
    slack_m: f64,
) -> Vec<String> {
    let (ps, bs) = (planned.size_m(), built.size_m());
    let (pc, bc) = (planned.center_m(), built.center_m());
    let mut out = Vec::new();
    let words = if slack_m > 0.0 {
        format!(
            "{} plus {slack_m:.3} m, the half-ranges of the plan's randomized quantities",
            tolerance_words()
        )
    } else {
        tolerance_words()
    };
    for i in 0..3 {
        let tol = tolerance_m(ps[i]) + slack_m;
        if (bs[i] - ps[i]).abs() > tol {
            out.push(format!(
                "{what}: full size along {} is {:.3} m where {built_word}, the plan says {:.3} m (tolerance ±{tol:.3} m, {words})",
                AXES[i],
                bs[i],
                ps[i],
            ));
        }
        if (bc[i] - pc[i]).abs() > tol {
            out.push(format!(
                "{what}: centre {} is {:.3} m where {built_word}, the plan says {:.3} m (tolerance ±{tol:.3} m, {words})",
                AXES[i],
                bc[i],
                pc[i],
            ));
        }
    }
    out
}

/// Every difference between `plan` and `scene` (built at scale 1), one line each naming the
/// fixture or joint and the dimension; empty when the scene is the plan within tolerance.
/// Parts the plan does not list are not differences.
pub fn differences(plan: &Plan, scene: &Scene) -> Vec<String> {
    let slack = randomization_slack_m(plan);
    let mut out = Vec::new();
    for f in &plan.fixtures {
        let what = format!("fixture \"{}\"", f.label);
        let Some(built) = scene.fixture(&f.label) else {
            out.push(format!(
                "{what} of the plan is missing: the script builds no part labelled \"{}\" (planned full size {} m at {} m)",
                f.label,
                fmt3(f.size_m),
                fmt3(f.center_m)
            ));
            continue;
        };
        if built.body != f.body.kind() {
            out.push(format!(
                "{what} is {} where the script builds it, the plan says {}",
                crate::world_rules::body_rule(built.body).plan_word,
                crate::world_rules::body_rule(f.body.kind()).plan_word
            ));
        }
        out.extend(box_differences(
            &what,
            &f.bounding_box(),
            &crate::gates::fixture_world_aabb(built),
            "the script builds it",
            slack,
        ));
    }
    for j in &plan.joints {
        let same_pair = |a: &str, b: &str| {
            (a == j.fixture_a && b == j.fixture_b) || (a == j.fixture_b && b == j.fixture_a)
        };
        match scene
            .joints
            .iter()
            .find(|s| same_pair(&s.fixture_a, &s.fixture_b))
        {
            None => out.push(format!(
                "{} joint between \"{}\" and \"{}\" of the plan is missing: the script joins no such pair",
                j.kind_name(),
                j.fixture_a,
                j.fixture_b
            )),
            Some(s) => {
                let built = crate::world_rules::joint_rule(&s.kind).name;
                if built != j.kind_name() {
                    out.push(format!(
                        "joint between \"{}\" and \"{}\" is {built} where the script builds it, the plan says {}",
                        j.fixture_a,
                        j.fixture_b,
                        j.kind_name()
                    ));
                }
            }
        }
    }
    out
}

fn fmt3(v: [f64; 3]) -> String {
    format!("[{:.3}, {:.3}, {:.3}]", v[0], v[1], v[2])
}

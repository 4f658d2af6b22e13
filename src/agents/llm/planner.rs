//! The LLM Planner: asks for the plan as JSON (with `response_format` where the server
//! supports it, else extracted from the text), reads it into the plan types, checks the
//! plan's own rules, and re-asks with the exact error when it does not fit.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use super::{LlmShared, Turn};
use crate::agents::{AgentError, Answer, PlanRequest, Planner};
use crate::journal::JournalEntry;
use crate::llm::{extract_json, AnswerError, ChatCall, ChatMessage, LlmRole};
use crate::plan::{Plan, PlanOutcome, Refusal, RefusalCode};
use crate::scene::{Aabb, RESERVED_LABELS};

/// The Planner over an OpenAI-compatible endpoint.
#[derive(Debug, Clone)]
pub struct LlmPlanner {
    shared: Arc<LlmShared>,
}

impl LlmPlanner {
    /// A Planner sharing `shared`'s client and prompts.
    pub fn new(shared: Arc<LlmShared>) -> Self {
        Self { shared }
    }
}

/// A loose JSON schema of the answer: an object (the plan or a refusal). The plan's exact
/// form is taught by the example in the prompt and enforced by [`read_outcome`].
fn answer_schema() -> Value {
    serde_json::json!({"type": "object"})
}

/// The request in words.
fn user_message(request: &PlanRequest) -> String {
    let mut text = format!("Theme: \"{}\"\n", request.theme);
    if request.count > 1 || !request.siblings.is_empty() {
        text.push_str(&format!(
            "\nThis is benchmark {} of {} made from this theme; each must be a different task.\n",
            request.index + 1,
            request.count.max(request.index + 1)
        ));
    }
    if !request.siblings.is_empty() {
        text.push_str(
            "The dataset already has these plans of the theme. Make yours clearly different \
             (another layout, other values of what the theme leaves open) while keeping every \
             stated fact:\n",
        );
        let mut siblings = String::new();
        for plan in &request.siblings {
            let values: Vec<String> = plan
                .parameters
                .iter()
                .map(|p| format!("{} {:.3} {}", p.name, p.nominal, p.unit))
                .collect();
            siblings.push_str(&format!(
                "- {} (archetype {}): {}\n",
                plan.title,
                plan.archetype,
                values.join(", ")
            ));
        }
        // The list grows with the dataset: it gets half the variable budget, the first
        // plans kept (see `budget`).
        let room = super::budget::budget(LlmRole::Planner).variable_chars / 2;
        text.push_str(&super::budget::fit_lines(&siblings, room));
    }
    if let Some(previous) = &request.previous {
        text.push_str("\nThe Reviewer sent back your previous plan. Previous plan:\n```json\n");
        text.push_str(&serde_json::to_string(previous).unwrap_or_default());
        text.push_str("\n```\n");
    }
    if !request.comments.is_empty() {
        text.push_str("\nThe Reviewer's comments, to address in the new plan:\n");
        for c in &request.comments {
            text.push_str(&format!("- {c}\n"));
        }
    }
    text.push_str("\nAnswer with the plan JSON object only.");
    text
}

/// Reads an answer's JSON into a plan or a refusal, and checks the plan's rules.
pub fn read_outcome(json: Value, theme: &str) -> Result<PlanOutcome, AnswerError> {
    if let Some(refusal) = json.get("refusal") {
        let code: RefusalCode = serde_json::from_value(refusal["code"].clone()).map_err(|_| {
            AnswerError::Invalid(
                "refusal.code must be \"contradictory\", \"unsolvable\", \"ambiguous\", \"needs_capability\" or \"unplaced_number\"".into(),
            )
        })?;
        let reason = refusal["reason"].as_str().unwrap_or("").trim().to_string();
        if reason.is_empty() {
            return Err(AnswerError::Invalid(
                "refusal.reason must say what cannot be built, with the numbers".into(),
            ));
        }
        return Ok(PlanOutcome::Refused(Refusal {
            theme: theme.to_string(),
            code,
            reason,
        }));
    }
    let mut plan: Plan = serde_json::from_value(json).map_err(|e| {
        AnswerError::Invalid(format!(
            "the JSON does not have the plan's form: {e}; follow the example's keys and types exactly"
        ))
    })?;
    plan.theme = theme.to_string();
    plan.intent.theme = theme.to_string();
    plan.allow_deviations = false;
    // The model's intent is checked against the same number-and-unit extraction the
    // procedural grammar uses: no stated number lost, none invented.
    crate::intent::cross_check(&plan.intent, theme)
        .map_err(|e| AnswerError::Invalid(format!("intent: {e}")))?;
    if !plan.allow_deviations && !plan.deviations.is_empty() {
        return Err(AnswerError::Invalid(
            "deviations are not allowed: embody every stated fact exactly, or refuse".into(),
        ));
    }
    validate_plan(&plan).map_err(AnswerError::Invalid)?;
    Ok(PlanOutcome::Planned(plan))
}

fn check_box(name: &str, b: &Aabb) -> Result<(), String> {
    let finite = b.min_m.iter().chain(&b.max_m).all(|v| v.is_finite());
    if !finite || !b.is_proper() {
        return Err(format!(
            "{name} {:?} → {:?}: every min_m must be strictly below its max_m",
            b.min_m, b.max_m
        ));
    }
    Ok(())
}

/// The plan's own rules (a subset of the gates that can be checked before any script): boxes
/// proper, zones consistent, payload spawn inside the build zone and able to fit the goal,
/// labels unique and not reserved, fixtures' rotations and pieces consistent with their
/// bounding boxes, no overlaps, joints between planned fixtures with unit axes, ordered
/// limits and motors within the limits, ranges ordered, difficulty in [0, 1]. The error says
/// exactly what to change.
pub fn validate_plan(plan: &Plan) -> Result<(), String> {
    let z = &plan.zones;
    check_box("zones.bounds", &z.bounds)?;
    check_box("zones.goal", &z.goal)?;
    check_box("zones.build", &z.build)?;
    for f in &z.forbid {
        check_box(&format!("forbid zone {:?}", f.name), &f.zone)?;
        if f.zone.intersects(&z.goal) {
            return Err(format!("forbid zone {:?} overlaps the goal zone", f.name));
        }
    }
    if !z.goal.intersects(&z.build) {
        return Err("the goal zone must overlap the build zone".into());
    }
    if !z.bounds.contains_box(&z.build) {
        return Err("the build zone must lie inside the bounds".into());
    }
    let p = &plan.payload;
    let [lo, hi] = p.size_factor_range;
    if !(lo > 0.0 && lo <= hi && hi.is_finite()) {
        return Err("payload.size_factor_range must be [min, max] with 0 < min ≤ max".into());
    }
    let half = p.shape.half_extents_m();
    if half.iter().any(|h| !(h.is_finite() && *h > 0.0)) {
        return Err("payload.shape sizes must be positive metres".into());
    }
    let reach: Vec<f64> = (0..3).map(|i| half[i] * hi + p.jitter_m[i].abs()).collect();
    let envelope = Aabb::new(
        [0, 1, 2].map(|i| p.start_m[i] - reach[i]),
        [0, 1, 2].map(|i| p.start_m[i] + reach[i]),
    );
    if !z.build.contains_box(&envelope) {
        return Err(format!(
            "the payload's spawn envelope {:?} → {:?} (start ± jitter ± largest size) must lie inside the build zone",
            envelope.min_m, envelope.max_m
        ));
    }
    for f in &z.forbid {
        if f.zone.intersects(&envelope) {
            return Err(format!(
                "the payload's spawn envelope touches forbid zone {:?}",
                f.name
            ));
        }
    }
    let goal = z.goal.size_m();
    if (0..3).any(|i| 2.0 * half[i] * hi > goal[i]) {
        return Err("the largest payload does not fit inside the goal zone".into());
    }
    let mut labels = std::collections::BTreeSet::new();
    for f in &plan.fixtures {
        let ok = !f.label.is_empty()
            && f.label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            return Err(format!(
                "fixture label {:?} must be lowercase letters, digits and _",
                f.label
            ));
        }
        if RESERVED_LABELS.contains(&f.label.as_str()) {
            return Err(format!("fixture label {:?} is reserved", f.label));
        }
        if !labels.insert(f.label.as_str()) {
            return Err(format!("fixture label {:?} is used twice", f.label));
        }
        if f.size_m.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(format!(
                "fixture {:?}: size_m must be positive metres",
                f.label
            ));
        }
        check_fixture_shape(f)?;
    }
    let limits = crate::limits::current();
    limits.check_plan_fixtures(plan.fixtures.len())?;
    // Joints first: a valid joint is what lets two fixtures share volume.
    check_joints(plan, &limits)?;
    check_overlaps(plan, &envelope)?;
    for q in &plan.parameters {
        if !(q.min.is_finite() && q.max.is_finite() && q.min <= q.max) {
            return Err(format!("parameter {:?}: min must be ≤ max", q.name));
        }
    }
    let s = &plan.scale_ranges;
    for (axis, [lo, hi]) in [("x", s.x), ("y", s.y), ("z", s.z)] {
        if !(lo > 0.0 && lo <= hi && hi <= 10.0) {
            return Err(format!(
                "scale_ranges.{axis} must be [min, max] with 0 < min ≤ max ≤ 10"
            ));
        }
    }
    if !(0.0..=1.0).contains(&plan.difficulty.score) {
        return Err("difficulty.score must be within [0, 1]".into());
    }
    Ok(())
}

/// Largest magnitude of a planned rotation angle, in degrees (one full turn).
pub const PLAN_MAX_ROTATION_DEG: f64 = 360.0;
/// How far a planned joint axis's length may be from 1.
pub const PLAN_AXIS_UNIT_TOLERANCE: f64 = 1e-3;

/// A fixture's rotation and pieces: angles finite and within a turn, a turned fixture lists
/// its pieces, each piece's sizes positive metres, at most `limits.shapes_per_part` pieces, and
/// the pieces' bounding box is the stated `size_m` around `center_m` within the tolerance the
/// script is held to (`plan_match::tolerance_m`).
fn check_fixture_shape(f: &crate::plan::FixturePlan) -> Result<(), String> {
    use crate::plan::PieceShape;
    let name = format!("fixture {:?}", f.label);
    let angle_ok = |r: &[f64; 3]| {
        r.iter()
            .all(|v| v.is_finite() && v.abs() <= PLAN_MAX_ROTATION_DEG)
    };
    if !angle_ok(&f.rotation_deg) {
        return Err(format!(
            "{name}: rotation_deg {:?} must be three finite angles in degrees within ±{PLAN_MAX_ROTATION_DEG}",
            f.rotation_deg
        ));
    }
    if f.pieces.is_empty() {
        if f.rotation_deg != [0.0; 3] {
            return Err(format!(
                "{name}: rotation_deg is {:?} but it lists no pieces; a turned fixture lists its pieces (e.g. one box with its own full size_m, offset_m [0, 0, 0]) so that its bounding size_m can be checked",
                f.rotation_deg
            ));
        }
        return Ok(());
    }
    let max_pieces = crate::limits::current().shapes_per_part;
    if f.pieces.len() as u64 > max_pieces {
        return Err(format!(
            "{name}: {} pieces, more than the limit of {max_pieces} (limits.shapes_per_part)",
            f.pieces.len()
        ));
    }
    for (i, p) in f.pieces.iter().enumerate() {
        let piece = format!("{name} pieces[{i}]");
        for (key, v) in p.shape.sizes_m() {
            if !(v.is_finite() && v > 0.0) {
                let meaning = match key {
                    "radius_m" => "a radius, half the diameter",
                    "length_m" => "a full length end to end",
                    _ => "a full size, twice the half extent",
                };
                return Err(format!(
                    "{piece}: {key} = {v} must be positive metres ({meaning})"
                ));
            }
        }
        if let PieceShape::ConvexHull { points_m } = &p.shape {
            if points_m.len() < 4 || points_m.iter().flatten().any(|v| !v.is_finite()) {
                return Err(format!(
                    "{piece}: a convex_hull needs at least four finite points_m"
                ));
            }
        }
        if !(angle_ok(&p.rotation_deg) && p.offset_m.iter().all(|v| v.is_finite())) {
            return Err(format!(
                "{piece}: offset_m must be finite metres and rotation_deg finite degrees within ±{PLAN_MAX_ROTATION_DEG}"
            ));
        }
    }
    let built = crate::gates::fixture_world_aabb(&f.to_fixture());
    let differences = crate::plan_match::box_differences(
        &name,
        &f.bounding_box(),
        &built,
        "its pieces make it",
        0.0,
    );
    if let Some(first) = differences.first() {
        return Err(format!(
            "{first}; size_m and center_m are the fixture's world bounding box after rotation_deg, and each piece's offset_m is from center_m"
        ));
    }
    Ok(())
}

/// The plan's joints: at most `limits.joints`; each joins two different planned fixtures, not
/// both fixed; the anchor is finite and inside the bounds; the axis a unit vector; limits
/// ordered within their physical range (`script::limits::joint_limit_range`, as gate 2);
/// the motor within `limits.motor_*` (`scene::Motor::problem`, as gate 2).
fn check_joints(plan: &Plan, limits: &crate::limits::Limits) -> Result<(), String> {
    use crate::plan::JointPlanKind;
    if plan.joints.len() as u64 > limits.joints {
        return Err(format!(
            "joints: {} joints, more than the limit of {} (limits.joints)",
            plan.joints.len(),
            limits.joints
        ));
    }
    let labels: Vec<&str> = plan.fixtures.iter().map(|f| f.label.as_str()).collect();
    for (i, j) in plan.joints.iter().enumerate() {
        let at = format!("joints[{i}]");
        for (key, label) in [("fixture_a", &j.fixture_a), ("fixture_b", &j.fixture_b)] {
            if !labels.contains(&label.as_str()) {
                return Err(format!(
                    "{at}.{key} {label:?} names no planned fixture; planned fixtures: {}",
                    labels.join(", ")
                ));
            }
        }
        if j.fixture_a == j.fixture_b {
            return Err(format!(
                "{at} joins fixture {:?} to itself; a joint needs two different fixtures",
                j.fixture_a
            ));
        }
        let body = |label: &str| {
            plan.fixtures
                .iter()
                .find(|f| f.label == label)
                .map(|f| f.body)
        };
        if body(&j.fixture_a) == Some(crate::plan::FixtureBody::Fixed)
            && body(&j.fixture_b) == Some(crate::plan::FixtureBody::Fixed)
        {
            return Err(format!(
                "{at} joins two fixed fixtures ({:?} and {:?}), which can never move; make one of them dynamic",
                j.fixture_a, j.fixture_b
            ));
        }
        if !plan.zones.bounds.contains_point(j.anchor_m)
            || j.anchor_m.iter().any(|v| !v.is_finite())
        {
            return Err(format!(
                "{at}.anchor_m {:?} must be a point in metres inside zones.bounds",
                j.anchor_m
            ));
        }
        let norm = j.axis.iter().map(|v| v * v).sum::<f64>().sqrt();
        if !(norm.is_finite() && (norm - 1.0).abs() <= PLAN_AXIS_UNIT_TOLERANCE) {
            return Err(format!(
                "{at}.axis {:?} has length {norm:.4}; give a unit vector (length 1 within {PLAN_AXIS_UNIT_TOLERANCE}), e.g. [0, 1, 0]",
                j.axis
            ));
        }
        let (range, key, unit) = match j.kind {
            JointPlanKind::Revolute { limits_deg } => (limits_deg, "limits_deg", "deg"),
            JointPlanKind::Prismatic { limits_m } => (limits_m, "limits_m", "m"),
        };
        if let Some([lo, hi]) = range {
            let (bound, meaning) = crate::script::limits::joint_limit_range(unit);
            if !(lo.is_finite()
                && hi.is_finite()
                && lo.abs() <= bound
                && hi.abs() <= bound
                && lo <= hi)
            {
                return Err(format!(
                    "{at}.kind.{key} [{lo}, {hi}] {unit}: give lower ≤ upper within ±{bound} {unit} ({meaning})"
                ));
            }
        }
        if let Some(motor) = &j.motor {
            if let Some(problem) = motor.to_motor().problem(&j.kind.to_kind(), limits) {
                return Err(format!("{at}.motor: {problem}"));
            }
        }
    }
    Ok(())
}

/// Planned boxes may touch but not share more than this depth on every axis, in metres
/// (rounding in a plan's numbers).
pub const PLAN_OVERLAP_TOLERANCE_M: f64 = 0.001;

/// No two planned fixtures (centre ± size / 2; two joined by a planned joint excepted) share a volume deeper than
/// [`PLAN_OVERLAP_TOLERANCE_M`], and no piece of one (convex hulls excepted) cuts into the
/// payload's spawn envelope: a plan whose
/// parts interpenetrate cannot be built as planned (gate 1 would refuse the script).
fn check_overlaps(plan: &Plan, spawn_envelope: &Aabb) -> Result<(), String> {
    let boxes: Vec<(&str, Aabb)> = plan
        .fixtures
        .iter()
        .map(|f| (f.label.as_str(), f.bounding_box()))
        .collect();
    // Two fixtures joined by a joint may share volume (a hinge pin through its bracket), as
    // the overlap gate allows.
    let joined = |a: &str, b: &str| {
        plan.joints.iter().any(|j| {
            (j.fixture_a == a && j.fixture_b == b) || (j.fixture_a == b && j.fixture_b == a)
        })
    };
    let depth = |a: &Aabb, b: &Aabb| -> Option<[f64; 3]> {
        let shared = a.intersection(b)?.size_m();
        shared
            .iter()
            .all(|d| *d > PLAN_OVERLAP_TOLERANCE_M)
            .then_some(shared)
    };
    for (i, (a, box_a)) in boxes.iter().enumerate() {
        for (b, box_b) in &boxes[i + 1..] {
            if joined(a, b) {
                continue;
            }
            if let Some(d) = depth(box_a, box_b) {
                return Err(format!(
                    "fixtures {a:?} and {b:?} overlap (a shared box of {:.3} × {:.3} × {:.3} m); planned boxes may touch but not interpenetrate: move or shrink one",
                    d[0], d[1], d[2]
                ));
            }
        }
    }
    // The spawn envelope against each piece's own world box (a compound fixture's overall box
    // holds air a payload may start in, e.g. above a wedge); convex-hull pieces are left to
    // gate 1, which measures the real shapes: their box would refuse a ball resting on a
    // slope.
    for f in &plan.fixtures {
        let fixture = f.to_fixture();
        let pieces = fixture
            .parts
            .iter()
            .filter(|p| !matches!(p.shape, crate::scene::Shape::ConvexHull { .. }))
            .map(|p| crate::gates::part_world_aabb(&fixture.pose, p));
        for piece in pieces {
            if let Some(d) = depth(&piece, spawn_envelope) {
                return Err(format!(
                    "fixture {:?} cuts into the payload's spawn envelope (start ± jitter ± largest size) by {:.3} × {:.3} × {:.3} m: the payload must start clear of every fixture",
                    f.label, d[0], d[1], d[2]
                ));
            }
        }
    }
    Ok(())
}

#[async_trait]
impl Planner for LlmPlanner {
    fn backend(&self) -> String {
        format!("llm:{}", self.shared.config().model_for(LlmRole::Planner))
    }

    async fn plan(&self, request: PlanRequest) -> Result<Answer<PlanOutcome>, AgentError> {
        let mut turn = Turn::new(&self.shared, LlmRole::Planner);
        let max_attempts = turn.settings().max_answer_attempts;
        let mut call = ChatCall {
            role: LlmRole::Planner,
            messages: vec![
                ChatMessage::system(self.shared.prompts().planner.clone()),
                ChatMessage::user(user_message(&request)),
            ],
            json_schema: Some(("benchmark_plan".into(), answer_schema())),
        };
        let mut last_error = None;
        for attempt in 1..=max_attempts {
            let answer = turn.ask(&call).await?;
            let outcome = answer
                .usable_text()
                .and_then(extract_json)
                .and_then(|json| read_outcome(json, &request.theme));
            match outcome {
                Ok(outcome) => {
                    let result = match &outcome {
                        PlanOutcome::Planned(p) => {
                            format!(
                                "plan `{}` ({}), {} fixture(s)",
                                p.title,
                                p.archetype,
                                p.fixtures.len()
                            )
                        }
                        PlanOutcome::Refused(r) => format!("refused ({}): {}", r.code, r.reason),
                    };
                    turn.journal.push(JournalEntry::new(
                        crate::plan::Role::Planner,
                        format!("plan attempt {}", request.attempt),
                        format!("turn the theme \"{}\" into a plan", request.theme),
                        result,
                        if attempt > 1 {
                            format!("the model needed {attempt} answers")
                        } else {
                            "the first answer fitted".into()
                        },
                    ));
                    return Ok(Answer {
                        value: outcome,
                        usage: turn.usage,
                        journal: turn.journal,
                    });
                }
                Err(error) => {
                    turn.bad_answer(attempt, &error);
                    call.messages
                        .push(ChatMessage::assistant(answer.content.clone()));
                    call.messages.push(ChatMessage::user(format!(
                        "Your answer could not be used: {error}\nAnswer again with the whole corrected JSON object only."
                    )));
                    last_error = Some(error);
                }
            }
        }
        Err(turn.give_up(
            max_attempts,
            last_error.unwrap_or(AnswerError::Invalid("no answer".into())),
        ))
    }
}

//! The LLM Reviewer: sends the report in words, the theme's stated facts, the parts the
//! script built, the reference solution's source and the renders chosen for the task (the
//! passive and solution contact sheets, then the side, top and along-path views of seed 0
//! and of a second seed) as PNG image parts — or the text alone for a model that cannot
//! see — and validates a strict answer: decision, target (coder or planner), comments and,
//! for an approval, how each stated fact is met.

use std::fmt::Write;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use super::{LlmShared, Turn};
use crate::agents::{
    AgentError, Answer, ChecklistItem, Decision, Review, ReviewRequest, Reviewer, ViewRender,
};
use crate::journal::JournalEntry;
use crate::llm::{extract_json, AnswerError, ChatCall, ChatMessage, ContentPart, LlmRole};
use crate::plan::Role;
use crate::report::ValidationReport;

/// The Reviewer over an OpenAI-compatible endpoint.
#[derive(Debug, Clone)]
pub struct LlmReviewer {
    shared: Arc<LlmShared>,
}

impl LlmReviewer {
    /// A Reviewer sharing `shared`'s client and prompts.
    pub fn new(shared: Arc<LlmShared>) -> Self {
        Self { shared }
    }
}

fn fmt_m(v: [f64; 3]) -> String {
    format!("[{:.3}, {:.3}, {:.3}] m", v[0], v[1], v[2])
}

/// The validation report in words a model (or a person) can read.
pub fn report_in_words(report: &ValidationReport) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "Overall: {} on {} seed(s); {}: {}.",
        if report.passed() {
            "every gate passed"
        } else {
            "some gates FAILED"
        },
        report.seeds.len(),
        report.randomized.gate,
        if report.randomized.passed {
            "passed"
        } else {
            "FAILED"
        }
    );
    for f in &report.randomized.findings {
        let _ = writeln!(t, "  - {}: {}", f.rule, f.message);
    }
    for s in &report.seeds {
        let _ = writeln!(
            t,
            "Seed {} (scale [{:.2}, {:.2}, {:.2}]): {}",
            s.seed,
            s.scale[0],
            s.scale[1],
            s.scale[2],
            if s.passed() {
                "all gates passed"
            } else {
                "FAILED"
            }
        );
        for g in s.failures() {
            for f in &g.findings {
                let _ = writeln!(t, "  - {} {}: {}", g.gate, f.rule, f.message);
            }
        }
        if let Some(p) = &s.passive {
            let _ = writeln!(
                t,
                "  passive run {:.1} s: payload from {} to {}, {:.3} m from the goal, in goal: {}, max speed {:.2} m/s, settled: {}",
                p.simulated_s,
                fmt_m(p.payload_start_m),
                fmt_m(p.payload_final_m),
                p.payload_distance_to_goal_m,
                p.payload_in_goal,
                p.max_speed_mps,
                p.settle_time_s.map_or("no".into(), |t| format!("after {t:.2} s"))
            );
        }
        if let Some(r) = &s.solution {
            let _ = writeln!(
                t,
                "  with the reference solution: reached goal: {}{}, final {}",
                r.reached_goal,
                r.time_to_goal_s
                    .map_or(String::new(), |t| format!(" after {t:.2} s")),
                fmt_m(r.payload_final_m)
            );
        }
    }
    t
}

/// The names under which the Reviewer gets the passive and the solution contact sheets.
pub const SHEET_NAMES: [&str; 2] = ["contact_sheet", "solution_contact_sheet"];

/// The renders to send: the contact sheets first (passive, then with the reference
/// solution, of the first seed that has them), then up to `max_views` views with pixels in
/// the order given (the task's views of seed 0, then of the second seed).
pub fn pick_renders(renders: &[ViewRender], max_views: usize) -> Vec<&ViewRender> {
    let with_png: Vec<&ViewRender> = renders.iter().filter(|r| !r.png.is_empty()).collect();
    let (sheets, views): (Vec<&ViewRender>, Vec<&ViewRender>) = with_png
        .into_iter()
        .partition(|r| SHEET_NAMES.contains(&r.name.as_str()));
    let sheet_seed = sheets.first().map(|r| r.seed);
    let mut picked: Vec<&ViewRender> = SHEET_NAMES
        .iter()
        .filter_map(|name| {
            sheets
                .iter()
                .find(|r| r.name == *name && Some(r.seed) == sheet_seed)
                .copied()
        })
        .collect();
    picked.extend(views.into_iter().take(max_views));
    picked
}

/// The stated facts of the theme the Reviewer must account for, numbered `F1`, `F2`, ...:
/// the plan's intent in words.
pub fn stated_facts(request: &ReviewRequest) -> Vec<String> {
    request.plan.intent.describe()
}

/// The body of `fn solve(...)` in a scene script, braces included; `None` when the script
/// has no solve function. Braces inside strings and `//` comments are skipped.
pub fn solve_source(source: &str) -> Option<&str> {
    // The line that starts the function, not a mention in a comment.
    let mut offset = 0;
    let mut start = None;
    for line in source.split_inclusive('\n') {
        let indent = line.len() - line.trim_start().len();
        if line.trim_start().starts_with("fn solve(") {
            start = Some(offset + indent);
            break;
        }
        offset += line.len();
    }
    let start = start?;
    let bytes = source.as_bytes();
    let (mut depth, mut i, mut opened) = (0i32, start, false);
    let (mut in_string, mut in_comment) = (false, false);
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\n' => in_comment = false,
            _ if in_comment => {}
            b'"' => in_string = !in_string,
            _ if in_string => {}
            b'/' if bytes.get(i + 1) == Some(&b'/') => in_comment = true,
            b'{' => {
                depth += 1;
                opened = true;
            }
            b'}' => {
                depth -= 1;
                if opened && depth == 0 {
                    return Some(&source[start..=i]);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The parts of a built variant in words, one line each: every fixture (kind, material,
/// pose, each primitive's size with its meaning), every joint with its motor, the reference
/// solution's parts and joints, the payload, the goal, forbid and build zones.
pub fn parts_in_words(
    scene: &crate::scene::Scene,
    solution: &crate::scene::Solution,
) -> Vec<String> {
    use crate::scene::Shape;
    let shape = |s: &Shape| match s {
        Shape::Box { size_m } => format!(
            "box {:.3} × {:.3} × {:.3} m (full size)",
            size_m[0], size_m[1], size_m[2]
        ),
        Shape::Sphere { radius_m } => format!("sphere radius {radius_m:.3} m"),
        Shape::Cylinder { radius_m, length_m } => {
            format!("cylinder radius {radius_m:.3} m, length {length_m:.3} m along local z")
        }
        Shape::Capsule { radius_m, length_m } => {
            format!("capsule radius {radius_m:.3} m, straight length {length_m:.3} m along local z")
        }
        Shape::ConvexHull { points_m } => format!("convex hull of {} points", points_m.len()),
    };
    let fixture = |f: &crate::scene::Fixture, whose: &str| {
        let parts: Vec<String> = f
            .parts
            .iter()
            .map(|p| {
                let at = p.local_pose.position_m;
                if at == [0.0; 3] {
                    shape(&p.shape)
                } else {
                    format!("{} at local {}", shape(&p.shape), fmt_m(at))
                }
            })
            .collect();
        let r = f.pose.rotation_deg;
        let rotated = if r == [0.0; 3] {
            String::new()
        } else {
            format!(", rotated [{:.1}, {:.1}, {:.1}]°", r[0], r[1], r[2])
        };
        format!(
            "{whose}\"{}\" ({}, {}) at {}{rotated}: {}",
            f.label,
            format!("{:?}", f.body).to_lowercase(),
            f.material.name(),
            fmt_m(f.pose.position_m),
            parts.join("; ")
        )
    };
    let joint = |j: &crate::scene::Joint, whose: &str| {
        use crate::scene::{JointKind, MotorTarget};
        let (kind, unit, speed) = match j.kind {
            JointKind::Revolute { .. } => ("hinge", "°", "°/s"),
            JointKind::Prismatic { .. } => ("slider", "m", "m/s"),
        };
        let motor = match &j.motor {
            None => String::new(),
            Some(m) => {
                let effort = match j.kind {
                    JointKind::Revolute { .. } => "N·m",
                    JointKind::Prismatic { .. } => "N",
                };
                let target = match m.target {
                    MotorTarget::Velocity { value } => format!("velocity {value:.3} {speed}"),
                    MotorTarget::Position { value } => format!("position {value:.3} {unit}"),
                };
                format!(
                    ", motor: {target}, {:?} profile, at most {:.3} {effort}, from {:.2} s",
                    m.profile, m.max_effort, m.start_s
                )
            }
        };
        format!(
            "{whose}{kind} joint between \"{}\" and \"{}\", anchor {} m, axis {}{motor}",
            j.fixture_a,
            j.fixture_b,
            fmt_m(j.anchor_m),
            fmt_m(j.axis),
        )
    };
    let mut out: Vec<String> = scene.fixtures.iter().map(|f| fixture(f, "")).collect();
    out.extend(scene.joints.iter().map(|j| joint(j, "")));
    out.extend(solution.iter().map(|f| fixture(f, "solution part ")));
    out.extend(solution.joints.iter().map(|j| joint(j, "solution ")));
    let p = &scene.payload;
    out.push(format!(
        "payload: {}, {}, centre starts at {} (± jitter {}), size factor {:.2}–{:.2}",
        shape(&p.shape),
        p.material.name(),
        fmt_m(p.start_m),
        fmt_m(p.jitter_m),
        p.size_factor_range[0],
        p.size_factor_range[1]
    ));
    let zone = |name: &str, z: &crate::scene::Aabb| {
        format!("{name}: from {} to {}", fmt_m(z.min_m), fmt_m(z.max_m))
    };
    out.push(zone("goal zone", &scene.goal_zone));
    for f in &scene.forbid_zones {
        out.push(zone(&format!("forbid zone \"{}\"", f.name), &f.zone));
    }
    out.push(zone("build zone", &scene.build_zone));
    out
}

fn user_message(request: &ReviewRequest, images: &[&ViewRender]) -> Vec<ContentPart> {
    let plan = &request.plan;
    let mut text = format!(
        "Review round {}. Theme: \"{}\"\nPlan: {} (archetype `{}`)\nObjectives:\n",
        request.round, plan.theme, plan.title, plan.archetype
    );
    for o in &plan.objectives {
        let _ = writeln!(text, "- {o}");
    }
    let facts = stated_facts(request);
    if !facts.is_empty() {
        text.push_str("\nStated facts of the theme (your approval must say, in `facts`, how the benchmark meets each one, by its number):\n");
        for (i, f) in facts.iter().enumerate() {
            let _ = writeln!(text, "F{}: {f}", i + 1);
        }
    }
    let _ = writeln!(
        text,
        "\nReference solution idea (the plan's): {}",
        plan.solution_idea
    );
    if request.parts.is_empty() {
        text.push_str("\nThe built parts could not be listed.\n");
    } else {
        text.push_str("\nThe parts seed 0 built (sizes as the script set them):\n");
        for part in &request.parts {
            let _ = writeln!(text, "- {part}");
        }
    }
    if request.plan_differences.is_empty() {
        let _ = writeln!(
            text,
            "\nPlan vs script (seed 0 at scale 1, tolerance {} per axis): no differences; every planned fixture and joint is built as planned.",
            crate::plan_match::tolerance_words()
        );
    } else {
        text.push_str("\nPlan vs script (seed 0 at scale 1), the differences:\n");
        for d in &request.plan_differences {
            let _ = writeln!(text, "- {d}");
        }
    }
    match solve_source(&request.script.source) {
        Some(solve) => {
            let _ = writeln!(
                text,
                "\nThe reference solution as built (the script's solve):\n```rhai\n{solve}\n```"
            );
        }
        None => text.push_str("\nThe script has no solve function.\n"),
    }
    text.push_str("\nThe automatic checks:\n");
    // The report gets what is left of the variable budget (the image list and the closing
    // line need little).
    let room = super::budget::budget(LlmRole::Reviewer)
        .variable_chars
        .saturating_sub(text.len() + 1_500);
    text.push_str(&super::budget::fit_lines(
        &report_in_words(&request.report),
        room,
    ));
    if images.is_empty() {
        text.push_str("\nNo images are attached: judge from the report and the plan.\n");
    } else {
        let names: Vec<String> = images
            .iter()
            .map(|r| format!("{} (seed {})", r.name, r.seed))
            .collect();
        let _ = writeln!(
            text,
            "\nAttached, in order: {}. `side` looks perpendicular to the payload's path (a rise or drop shows as height), `top` from above, `along_path` from behind the start; the motion runs left to right in `side` and `top`. \
             Colours: payload orange (ringed), goal zone translucent green, forbid zones translucent red, build zone outlined blue, reference solution purple. \
             The contact sheets show the passive run and the run with the reference solution.",
            names.join(", ")
        );
    }
    text.push_str("\nAnswer with the JSON object only.");
    let mut parts = vec![ContentPart::text(text)];
    parts.extend(images.iter().map(|r| ContentPart::png(&r.png)));
    parts
}

/// An approval must account for every stated fact: `facts` holds one entry per fact,
/// each starting with its number (`F1: ...`). The error names the facts left out.
pub fn check_facts(json: &Value, fact_count: usize) -> Result<(), AnswerError> {
    if fact_count == 0 {
        return Ok(());
    }
    let entries: Vec<&str> = match json.get("facts") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let missing: Vec<String> = (1..=fact_count)
        .map(|n| format!("F{n}"))
        .filter(|tag| {
            !entries.iter().any(|e| {
                let e = e.trim_start();
                e.strip_prefix(tag.as_str())
                    .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_digit()))
            })
        })
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(AnswerError::Invalid(format!(
            "an approval must say in `facts` how the benchmark meets each stated fact, one entry per fact starting with its number; missing: {}",
            missing.join(", ")
        )))
    }
}

/// The `facts` entries of an answer, trimmed (empty when absent).
fn fact_lines(json: &Value) -> Vec<String> {
    match json.get("facts") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(|f| f.trim().to_string())
            .filter(|f| !f.is_empty())
            .collect(),
        _ => Vec::new(),
    }
}

/// Reads the strict answer format into a decision and comments.
pub fn read_review(json: &Value) -> Result<(Decision, Vec<String>), AnswerError> {
    let invalid = |m: &str| Err(AnswerError::Invalid(m.to_string()));
    let decision = json.get("decision").and_then(Value::as_str);
    let target = match json.get("target") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s == "null" || s.is_empty() => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return invalid("`target` must be null, \"coder\" or \"planner\""),
    };
    let decision = match (decision, target) {
        (Some("approve"), None) => Decision::Approve,
        (Some("approve"), Some(_)) => return invalid("`target` must be null when approving"),
        (Some("reject"), Some("coder")) => Decision::RejectToCoder,
        (Some("reject"), Some("planner")) => Decision::RejectToPlanner,
        (Some("reject"), _) => return invalid(
            "a rejection needs `target`: \"coder\" (script problem) or \"planner\" (plan problem)",
        ),
        _ => return invalid("`decision` must be \"approve\" or \"reject\""),
    };
    let comments: Vec<String> = match json.get("comments") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|c| c.as_str())
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect(),
        Some(Value::String(s)) if !s.trim().is_empty() => vec![s.trim().to_string()],
        _ => Vec::new(),
    };
    if comments.is_empty() {
        return invalid("`comments` must be a list with at least one sentence");
    }
    Ok((decision, comments))
}

#[async_trait]
impl Reviewer for LlmReviewer {
    fn backend(&self) -> String {
        format!("llm:{}", self.shared.config().model_for(LlmRole::Reviewer))
    }

    async fn review(&self, request: ReviewRequest) -> Result<Answer<Review>, AgentError> {
        let mut turn = Turn::new(&self.shared, LlmRole::Reviewer);
        let settings = turn.settings().clone();
        let images = if settings.vision {
            pick_renders(&request.renders, settings.max_images)
        } else {
            Vec::new()
        };
        let schema: Value = serde_json::from_str(super::prompts::REVIEWER_SCHEMA)
            .unwrap_or_else(|_| serde_json::json!({"type": "object"}));
        let mut call = ChatCall {
            role: LlmRole::Reviewer,
            messages: vec![
                ChatMessage::system(self.shared.prompts().reviewer.clone()),
                ChatMessage::user_parts(user_message(&request, &images)),
            ],
            json_schema: Some(("benchmark_review".into(), schema)),
        };
        let fact_count = stated_facts(&request).len();
        let mut last_error = None;
        for answer_no in 1..=settings.max_answer_attempts {
            let answer = turn.ask(&call).await?;
            let read = answer
                .usable_text()
                .and_then(extract_json)
                .and_then(|json| {
                    let read = read_review(&json)?;
                    if read.0 == Decision::Approve {
                        check_facts(&json, fact_count)?;
                    }
                    Ok((read, fact_lines(&json)))
                });
            match read {
                Ok(((decision, mut comments), facts)) => {
                    // How each fact is met is part of the verdict: kept with the comments.
                    comments.extend(facts);
                    let checklist = vec![
                        ChecklistItem {
                            item: "every gate passed on every seed".into(),
                            passed: request.report.passed(),
                            note: format!("{} seed(s) validated", request.report.seeds.len()),
                        },
                        ChecklistItem {
                            item: "the model reviewed the scene".into(),
                            passed: decision == Decision::Approve,
                            note: if images.is_empty() {
                                "from the report in words (no images)".into()
                            } else {
                                format!("from the report and {} image(s)", images.len())
                            },
                        },
                    ];
                    turn.journal.push(JournalEntry::new(
                        Role::Reviewer,
                        format!("review round {}", request.round),
                        "judge the benchmark from its report and renders",
                        format!("{}: {}", decision.name(), comments.join(" ")),
                        format!(
                            "{} image(s) shown, {answer_no} answer(s) needed",
                            images.len()
                        ),
                    ));
                    return Ok(Answer {
                        value: Review {
                            decision,
                            comments,
                            checklist,
                            round: request.round,
                        },
                        usage: turn.usage,
                        journal: turn.journal,
                    });
                }
                Err(error) => {
                    turn.bad_answer(answer_no, &error);
                    call.messages
                        .push(ChatMessage::assistant(answer.content.clone()));
                    call.messages.push(ChatMessage::user(format!(
                        "Your answer could not be used: {error}\nAnswer again with the JSON object only: {{\"decision\": ..., \"target\": ..., \"comments\": [...], \"facts\": [\"F1: ...\", ...]}}."
                    )));
                    last_error = Some(error);
                }
            }
        }
        Err(turn.give_up(
            settings.max_answer_attempts,
            last_error.unwrap_or(AnswerError::Invalid("no answer".into())),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_review_format() {
        let ok = serde_json::json!({"decision": "reject", "target": "coder", "comments": ["widen the gap"]});
        assert_eq!(read_review(&ok).unwrap().0, Decision::RejectToCoder);
        let ok = serde_json::json!({"decision": "approve", "target": null, "comments": ["fine"]});
        assert_eq!(read_review(&ok).unwrap().0, Decision::Approve);
        for bad in [
            serde_json::json!({"decision": "reject", "target": null, "comments": ["x"]}),
            serde_json::json!({"decision": "approve", "target": "coder", "comments": ["x"]}),
            serde_json::json!({"decision": "maybe", "target": null, "comments": ["x"]}),
            serde_json::json!({"decision": "approve", "target": null, "comments": []}),
            serde_json::json!({"decision": "reject", "target": "simulator", "comments": ["x"]}),
        ] {
            assert!(read_review(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn picks_both_contact_sheets_then_the_task_views_in_order() {
        let view = |name: &str, seed: u64| ViewRender {
            name: name.into(),
            seed,
            png: vec![1],
            visibility: Default::default(),
        };
        let mut renders = vec![
            view("side", 0),
            view("top", 0),
            view("along_path", 0),
            view("side", 3),
            view("top", 3),
            view("along_path", 3),
            view("solution_contact_sheet", 0),
            view("contact_sheet", 0),
            view("contact_sheet", 3),
        ];
        renders.push(ViewRender {
            png: vec![],
            ..view("view_e15_a000", 0)
        });
        let picked = pick_renders(&renders, 4);
        let names: Vec<(&str, u64)> = picked.iter().map(|r| (r.name.as_str(), r.seed)).collect();
        assert_eq!(
            names,
            [
                ("contact_sheet", 0),
                ("solution_contact_sheet", 0),
                ("side", 0),
                ("top", 0),
                ("along_path", 0),
                ("side", 3)
            ]
        );
        assert_eq!(pick_renders(&renders, 0).len(), 2);
    }

    #[test]
    fn an_approval_must_account_for_every_stated_fact() {
        let ok =
            serde_json::json!({"facts": ["F1: a 40 mm ball", "F2: it rises 0.25 m", "F10: x"]});
        assert!(check_facts(&ok, 2).is_ok());
        let err = check_facts(&serde_json::json!({"facts": ["F1: ball", "F12: y"]}), 2)
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing: F2"), "{err}");
        assert!(check_facts(&serde_json::json!({}), 1).is_err());
        assert!(check_facts(&serde_json::json!({}), 0).is_ok());
    }

    #[test]
    fn the_solve_function_is_cut_out_of_the_script() {
        let src = "fn build(s, k) { let x = \"}\"; x }\n// fn solve( in a comment {\nfn solve(seed, scale) {\n    let s = new_solution(); // a { brace\n    if true { s }\n    s\n}\nfn after() {}";
        let solve = solve_source(src).unwrap();
        assert!(solve.starts_with("fn solve(seed, scale) {"), "{solve}");
        assert!(solve.ends_with("    s\n}"), "{solve}");
        assert_eq!(solve_source("fn build() {}"), None);
    }
}

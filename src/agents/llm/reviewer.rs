//! The LLM Reviewer: sends the report in words and a chosen subset of the renders (a spread
//! of views plus the contact sheet) as PNG image parts — or the text alone for a model that
//! cannot see — and validates a strict answer: decision, target (coder or planner) and
//! comments.

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

/// The renders to send: contact sheets first, then up to `max_views` views with pixels,
/// spread evenly over the list (so different azimuths and elevations are seen).
pub fn pick_renders(renders: &[ViewRender], max_views: usize) -> Vec<&ViewRender> {
    let with_png: Vec<&ViewRender> = renders.iter().filter(|r| !r.png.is_empty()).collect();
    let (sheets, views): (Vec<&ViewRender>, Vec<&ViewRender>) = with_png
        .into_iter()
        .partition(|r| r.name.contains("contact"));
    let mut picked: Vec<&ViewRender> = sheets.into_iter().take(1).collect();
    if max_views > 0 && !views.is_empty() {
        let n = max_views.min(views.len());
        picked.extend((0..n).map(|i| views[i * views.len() / n]));
    }
    picked
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
    let _ = writeln!(text, "Reference solution idea: {}\n", plan.solution_idea);
    text.push_str("The automatic checks:\n");
    text.push_str(&report_in_words(&request.report));
    if images.is_empty() {
        text.push_str("\nNo images are attached: judge from the report and the plan.\n");
    } else {
        let names: Vec<String> = images
            .iter()
            .map(|r| format!("{} (seed {})", r.name, r.seed))
            .collect();
        let _ = writeln!(
            text,
            "\nAttached, in order: {}. Colours: goal zone green, forbid zones red, build zone outlined.",
            names.join(", ")
        );
    }
    text.push_str("\nAnswer with the JSON object only.");
    let mut parts = vec![ContentPart::text(text)];
    parts.extend(images.iter().map(|r| ContentPart::png(&r.png)));
    parts
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
        let mut last_error = None;
        for answer_no in 1..=settings.max_answer_attempts {
            let answer = turn.ask(&call).await?;
            let read = answer
                .usable_text()
                .and_then(extract_json)
                .and_then(|json| read_review(&json));
            match read {
                Ok((decision, comments)) => {
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
                        "Your answer could not be used: {error}\nAnswer again with the JSON object only: {{\"decision\": ..., \"target\": ..., \"comments\": [...]}}."
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
    fn picks_contact_sheet_and_spread_views() {
        let view = |name: &str| ViewRender {
            name: name.into(),
            seed: 0,
            png: vec![1],
            visibility: Default::default(),
        };
        let mut renders: Vec<ViewRender> = (0..24).map(|i| view(&format!("v{i:02}"))).collect();
        renders.push(view("contact_sheet"));
        renders.push(ViewRender {
            png: vec![],
            ..view("empty")
        });
        let picked = pick_renders(&renders, 6);
        assert_eq!(picked.len(), 7);
        assert_eq!(picked[0].name, "contact_sheet");
        assert_eq!(picked[1].name, "v00");
        assert_eq!(picked[2].name, "v04");
        assert!(pick_renders(&renders, 0).len() == 1);
    }
}

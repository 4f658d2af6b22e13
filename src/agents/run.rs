//! One whole session in-process, without actix: plan → code → validate (→ render → review),
//! with the feedback loop. Tests use it directly; the daemon's actors do the same steps one
//! message at a time and can use it as the reference.

use serde::{Deserialize, Serialize};

use crate::agents::{
    CodeRequest, Coder, Decision, Feedback, PlanRequest, Planner, Review, ReviewRequest, Reviewer,
    ScriptDraft, Usage, ViewRender,
};
use crate::journal::JournalEntry;
use crate::plan::{Plan, PlanOutcome, Refusal, Role};
use crate::report::ValidationReport;

/// What runs the gates (and renders) for the session.
pub trait Simulator: Send + Sync {
    /// Validates `script` with its scale ranges on `seeds` seeds. `Err` is a script that could
    /// not even be compiled, in words.
    fn validate(&self, script: &ScriptDraft, seeds: u64) -> Result<ValidationReport, String>;
    /// Renders the validated script for the Reviewer (empty when rendering is off).
    fn render(&self, _script: &ScriptDraft, _report: &ValidationReport) -> Vec<ViewRender> {
        Vec::new()
    }
}

/// Limits of one session.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SessionSettings {
    /// Scripts the Coder may write per plan.
    pub max_code_attempts: u32,
    /// Plans the Planner may write (the first plus re-plans).
    pub max_plan_attempts: u32,
    /// Reviews per session.
    pub max_review_rounds: u32,
    /// Seeds each script is validated on.
    pub seeds: u64,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            max_code_attempts: 4,
            max_plan_attempts: 2,
            max_review_rounds: 3,
            seeds: 8,
        }
    }
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// The Reviewer approved a script that passed every gate.
    Accepted,
    /// The Planner refused the theme.
    Refused(Refusal),
    /// The session ran out of attempts or an agent failed; the reason in words.
    Failed(String),
}

/// One Coder attempt and what the Simulator said about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptRecord {
    /// Attempt number within its plan.
    pub attempt: u32,
    /// True when every gate held on every seed.
    pub passed: bool,
    /// Why the attempt was written (the Coder's changes).
    pub reason: String,
    /// The failures in words (empty when it passed).
    pub verdict: String,
}

/// Everything a session produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionOutcome {
    /// The theme.
    pub theme: String,
    /// How it ended.
    pub status: SessionStatus,
    /// The last plan.
    pub plan: Option<Plan>,
    /// The last script.
    pub script: Option<ScriptDraft>,
    /// The last script's report.
    pub report: Option<ValidationReport>,
    /// Every review, in order.
    pub reviews: Vec<Review>,
    /// Every Coder attempt, in order, rejected ones included.
    pub attempts: Vec<AttemptRecord>,
    /// The journal of every step.
    pub journal: Vec<JournalEntry>,
    /// Total usage of all agents.
    pub usage: Usage,
}

/// The failures of a report in words a person or a model can act on.
pub fn describe_failures(report: &ValidationReport) -> String {
    let mut lines = Vec::new();
    for seed in &report.seeds {
        for gate in seed.failures() {
            for f in gate.findings.iter().take(2) {
                lines.push(format!(
                    "seed {} (scale [{:.2}, {:.2}, {:.2}]) {}: {}",
                    seed.seed, seed.scale[0], seed.scale[1], seed.scale[2], gate.gate, f.message
                ));
            }
        }
    }
    if !report.randomized.passed {
        for f in &report.randomized.findings {
            lines.push(format!("{}: {}", report.randomized.gate, f.message));
        }
    }
    lines.truncate(12);
    lines.join("\n")
}

/// Runs one session for `theme` to its end.
pub async fn run_session(
    theme: &str,
    planner: &dyn Planner,
    coder: &dyn Coder,
    reviewer: &dyn Reviewer,
    simulator: &dyn Simulator,
    settings: &SessionSettings,
) -> SessionOutcome {
    let mut out = SessionOutcome {
        theme: theme.to_string(),
        status: SessionStatus::Failed("not started".into()),
        plan: None,
        script: None,
        report: None,
        reviews: Vec::new(),
        attempts: Vec::new(),
        journal: Vec::new(),
        usage: Usage::default(),
    };
    let mut plan_request = PlanRequest::new(theme);
    let mut review_round = 0;
    for plan_attempt in 1..=settings.max_plan_attempts.max(1) {
        plan_request.attempt = plan_attempt;
        let planned = match planner.plan(plan_request.clone()).await {
            Ok(a) => a,
            Err(e) => {
                out.status = SessionStatus::Failed(e.to_string());
                return out;
            }
        };
        out.usage += planned.usage;
        out.journal.extend(planned.journal);
        let plan = match planned.value {
            PlanOutcome::Refused(r) => {
                out.status = SessionStatus::Refused(r);
                return out;
            }
            PlanOutcome::Planned(p) => p,
        };
        out.plan = Some(plan.clone());
        let mut feedback: Option<Feedback> = None;
        let mut previous: Option<ScriptDraft> = None;
        let mut code_attempt = 0;
        let mut replan_comments: Option<Vec<String>> = None;
        while code_attempt < settings.max_code_attempts.max(1) {
            code_attempt += 1;
            let coded = match coder
                .code(CodeRequest {
                    plan: plan.clone(),
                    attempt: code_attempt,
                    feedback: feedback.clone(),
                    previous_script: previous.clone(),
                })
                .await
            {
                Ok(a) => a,
                Err(e) => {
                    out.status = SessionStatus::Failed(e.to_string());
                    return out;
                }
            };
            out.usage += coded.usage;
            out.journal.extend(coded.journal);
            let script = coded.value;
            out.script = Some(script.clone());
            let reason = script.changes.join("; ");
            let report = match simulator.validate(&script, settings.seeds) {
                Ok(r) => r,
                Err(msg) => {
                    out.attempts.push(AttemptRecord {
                        attempt: code_attempt,
                        passed: false,
                        reason,
                        verdict: msg.clone(),
                    });
                    out.journal.push(JournalEntry::new(
                        Role::Simulator,
                        format!("validate attempt {code_attempt}"),
                        "run the gates",
                        format!("the script did not compile: {msg}"),
                        "the Coder gets the error back",
                    ));
                    feedback = Some(Feedback {
                        summary: msg,
                        report: None,
                        review_comments: Vec::new(),
                    });
                    previous = Some(script);
                    continue;
                }
            };
            out.report = Some(report.clone());
            let verdict = describe_failures(&report);
            out.attempts.push(AttemptRecord {
                attempt: code_attempt,
                passed: report.passed(),
                reason,
                verdict: verdict.clone(),
            });
            out.journal.push(JournalEntry::new(
                Role::Simulator,
                format!("validate attempt {code_attempt}"),
                format!("run every gate on {} seeds", settings.seeds),
                if report.passed() {
                    "every gate held on every seed".to_string()
                } else {
                    verdict.clone()
                },
                if report.passed() {
                    "on to the Reviewer"
                } else {
                    "back to the Coder with the findings"
                },
            ));
            if !report.passed() {
                feedback = Some(Feedback {
                    summary: verdict,
                    report: Some(report),
                    review_comments: Vec::new(),
                });
                previous = Some(script);
                continue;
            }
            if review_round >= settings.max_review_rounds {
                out.status = SessionStatus::Failed(format!(
                    "no approval within {} review rounds",
                    settings.max_review_rounds
                ));
                return out;
            }
            review_round += 1;
            let renders = simulator.render(&script, &report);
            let reviewed = match reviewer
                .review(ReviewRequest {
                    plan: plan.clone(),
                    script: script.clone(),
                    report: report.clone(),
                    renders,
                    round: review_round,
                })
                .await
            {
                Ok(a) => a,
                Err(e) => {
                    out.status = SessionStatus::Failed(e.to_string());
                    return out;
                }
            };
            out.usage += reviewed.usage;
            out.journal.extend(reviewed.journal);
            let review = reviewed.value;
            out.reviews.push(review.clone());
            match review.decision {
                Decision::Approve => {
                    out.status = SessionStatus::Accepted;
                    return out;
                }
                Decision::RejectToCoder => {
                    feedback = Some(Feedback {
                        summary: review.comments.join("\n"),
                        report: Some(report),
                        review_comments: review.comments.clone(),
                    });
                    previous = Some(script);
                }
                Decision::RejectToPlanner => {
                    replan_comments = Some(review.comments.clone());
                    break;
                }
            }
        }
        match replan_comments {
            Some(comments) => {
                plan_request.previous = Some(plan);
                plan_request.comments = comments;
            }
            None => {
                out.status = SessionStatus::Failed(format!(
                    "no script passed every gate within {} attempts; last findings:\n{}",
                    settings.max_code_attempts,
                    out.attempts
                        .last()
                        .map(|a| a.verdict.clone())
                        .unwrap_or_default()
                ));
                return out;
            }
        }
    }
    out.status = SessionStatus::Failed(format!(
        "the Reviewer sent the plan back {} times",
        settings.max_plan_attempts
    ));
    out
}

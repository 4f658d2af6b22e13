//! The three agent roles — Planner, Coder, Reviewer — as object-safe async traits that both
//! backends implement: `procedural` (built in, no network) and the LLM backend. Inputs and
//! outputs are typed and serde, so the daemon can checkpoint them (bincode 2 via serde: plain
//! structs and externally tagged enums only). Every answer carries its token usage and the
//! journal entries the step produced.
//!
//! Errors keep apart three different things: the agent could not be reached (an endpoint
//! problem: retry later, it says nothing about the model), the agent answered badly (a model
//! problem: counts against the attempt budget), and a budget ran out.

#![warn(missing_docs)]

pub mod llm;
pub mod procedural;

use std::ops::{Add, AddAssign};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::journal::JournalEntry;
use crate::plan::{Plan, PlanOutcome};
use crate::report::ValidationReport;
use crate::role::Role;

/// Resources an agent used for one answer (or a sum of answers).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Usage {
    /// Model calls made (0 for the procedural backend).
    pub calls: u32,
    /// Prompt tokens sent.
    pub input_tokens: u64,
    /// Completion tokens received.
    pub output_tokens: u64,
    /// Cost in US dollars, when prices are configured (else 0).
    pub cost_usd: f64,
}

impl Add for Usage {
    type Output = Usage;
    fn add(self, other: Usage) -> Usage {
        Usage {
            calls: self.calls + other.calls,
            input_tokens: self.input_tokens + other.input_tokens,
            output_tokens: self.output_tokens + other.output_tokens,
            cost_usd: self.cost_usd + other.cost_usd,
        }
    }
}

impl AddAssign for Usage {
    fn add_assign(&mut self, other: Usage) {
        *self = *self + other;
    }
}

/// An agent's answer: the value, what it cost, and the journal entries of the step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer<T> {
    /// The answer itself.
    pub value: T,
    /// What producing it used.
    pub usage: Usage,
    /// The journal entries (intent, result, reflection) the step produced.
    pub journal: Vec<JournalEntry>,
}

impl<T> Answer<T> {
    /// An answer with no usage (procedural backend) and the given journal entries.
    pub fn free(value: T, journal: Vec<JournalEntry>) -> Self {
        Self {
            value,
            usage: Usage::default(),
            journal,
        }
    }
}

/// Why an agent produced no answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum AgentError {
    /// The agent's endpoint could not be reached or failed at the transport level (refused,
    /// timeout, 5xx, malformed HTTP). Says nothing about the model; retry later.
    #[error("{role:?} agent unreachable at {endpoint}: {message}")]
    Unreachable {
        /// The role whose agent failed.
        role: Role,
        /// The endpoint (base URL), never a key.
        endpoint: String,
        /// What went wrong.
        message: String,
    },
    /// The agent answered, but the answer could not be used (does not parse, does not fit
    /// the schema, script does not compile) even after the allowed re-asks.
    #[error("{role:?} agent gave a bad answer: {message}")]
    BadAnswer {
        /// The role whose answer was bad.
        role: Role,
        /// What is wrong with it.
        message: String,
    },
    /// A per-session budget (tokens, cost, attempts) ran out.
    #[error("{role:?} agent over budget: {what} reached its limit of {limit}")]
    BudgetExceeded {
        /// The role that hit the limit.
        role: Role,
        /// Which budget, e.g. `output_tokens`, `cost_usd`, `attempts`.
        what: String,
        /// The limit, in the budget's unit.
        limit: String,
    },
    /// The request itself cannot be served by this backend (e.g. a plan of an archetype the
    /// procedural Coder does not know). Not the agent's fault and not retryable as is.
    #[error("{role:?} agent cannot serve this request: {message}")]
    Unsupported {
        /// The role asked.
        role: Role,
        /// Why.
        message: String,
    },
}

impl AgentError {
    /// True when the failure is the endpoint's (transport), not the model's.
    pub fn is_endpoint_failure(&self) -> bool {
        matches!(self, AgentError::Unreachable { .. })
    }
}

/// What the Planner is asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanRequest {
    /// The theme as the user wrote it.
    pub theme: String,
    /// 1 for the first plan; higher when the Reviewer sent the plan back.
    pub attempt: u32,
    /// The plan the Reviewer rejected, when re-planning.
    pub previous: Option<Plan>,
    /// The Reviewer's comments on the previous plan (empty on the first attempt).
    pub comments: Vec<String>,
    /// Which of the theme's benchmarks this is (0-based).
    pub index: u32,
    /// The benchmark's id: a Planner that varies layouts draws this benchmark's from it.
    pub benchmark_id: String,
    /// How many benchmarks the theme asks for.
    pub count: u32,
    /// Plans the dataset already holds for this theme (the same words): the new plan must
    /// differ from each.
    pub siblings: Vec<Plan>,
}

impl PlanRequest {
    /// A first request for `theme`, its only benchmark.
    pub fn new(theme: impl Into<String>) -> Self {
        Self {
            theme: theme.into(),
            attempt: 1,
            previous: None,
            comments: Vec::new(),
            index: 0,
            benchmark_id: String::new(),
            count: 1,
            siblings: Vec::new(),
        }
    }
}

/// What the Coder learned from the last attempt: the Simulator's report (in words and in
/// full) and/or the Reviewer's comments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    /// The failures in words a person or a model can act on.
    pub summary: String,
    /// The full validation report of the previous script, when it was validated.
    pub report: Option<ValidationReport>,
    /// The Reviewer's comments, when the Reviewer sent the script back.
    pub review_comments: Vec<String>,
}

/// What the Coder is asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeRequest {
    /// The plan to implement.
    pub plan: Plan,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// What went wrong last time (None on the first attempt).
    pub feedback: Option<Feedback>,
    /// The previous attempt's script (None on the first attempt).
    pub previous_script: Option<ScriptDraft>,
    /// The budget the theme states for the solution (`[[themes]]` → `budget`), which the
    /// reference solution must stay within; None when it states none (a budget is then
    /// derived from the reference, which it meets by construction).
    #[serde(default)]
    pub budget: Option<crate::budget::Budget>,
}

/// A scene script the Coder wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScriptDraft {
    /// The Rhai source, with `build(seed, scale)` and usually `solve(seed, scale)`.
    pub source: String,
    /// The attempt number that produced it.
    pub attempt: u32,
    /// Why it looks the way it does: for a revision, what was changed in answer to which
    /// finding.
    pub changes: Vec<String>,
    /// The per-axis scale ranges the script is meant to be validated with (a revision may
    /// narrow the plan's).
    pub scale_ranges: crate::variant::ScaleRanges,
}

/// Pixel counts per role in one segmentation image.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct RoleVisibility {
    /// Pixels showing the payload.
    pub payload_px: u32,
    /// Pixels showing the goal zone.
    pub goal_px: u32,
    /// Pixels showing any forbid zone.
    pub forbid_px: u32,
    /// Pixels showing fixtures.
    pub fixtures_px: u32,
    /// Pixels showing the build zone outline.
    pub build_px: u32,
    /// All pixels of the image.
    pub total_px: u32,
}

/// One rendered view with its segmentation statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViewRender {
    /// The view's name, e.g. `az045_el45`.
    pub name: String,
    /// The seed whose variant was rendered.
    pub seed: u64,
    /// PNG bytes of the shaded view (may be empty when only statistics were kept).
    pub png: Vec<u8>,
    /// How many pixels each role covers in this view.
    pub visibility: RoleVisibility,
}

/// What the Reviewer is asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewRequest {
    /// The plan the script implements.
    pub plan: Plan,
    /// The script under review.
    pub script: ScriptDraft,
    /// Its validation report on every seed.
    pub report: ValidationReport,
    /// The renders (views + segmentation statistics); empty when rendering is off.
    pub renders: Vec<ViewRender>,
    /// 1 for the first review of the session.
    pub round: u32,
    /// The parts seed 0 actually built (scene and reference solution), one line each (see
    /// `agents::llm::reviewer::parts_in_words`); empty when the scene could not be rebuilt.
    #[serde(default)]
    pub parts: Vec<String>,
    /// The differences between the plan and seed 0's scene at scale 1, one line each
    /// (`pipeline::plan_differences`); empty when the scene is the plan within tolerance.
    #[serde(default)]
    pub plan_differences: Vec<String>,
}

/// The Reviewer's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Keep the benchmark.
    Approve,
    /// The script is at fault: back to the Coder.
    RejectToCoder,
    /// The plan is at fault: back to the Planner.
    RejectToPlanner,
}

impl Decision {
    /// The decision's snake_case name, as written in `reviews/round-<k>.md`.
    pub fn name(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::RejectToCoder => "reject_to_coder",
            Decision::RejectToPlanner => "reject_to_planner",
        }
    }
}

/// One rubric item and how it went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// The rubric item, e.g. "every gate passed on every seed".
    pub item: String,
    /// Whether it holds.
    pub passed: bool,
    /// The evidence, with numbers.
    pub note: String,
}

/// The Reviewer's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    /// Approve or reject, and to whom.
    pub decision: Decision,
    /// Concrete comments: what to change, naming labels, seeds and numbers.
    pub comments: Vec<String>,
    /// The rubric, item by item.
    pub checklist: Vec<ChecklistItem>,
    /// The round this review belongs to.
    pub round: u32,
}

impl Review {
    /// Renders `reviews/round-<k>.md` with YAML front matter (`decision`, `comments`,
    /// `checklist`) and a readable body.
    pub fn to_markdown(&self) -> String {
        use std::fmt::Write;
        let mut md = String::from("---\n");
        let _ = writeln!(md, "round: {}", self.round);
        let _ = writeln!(md, "decision: {}", self.decision.name());
        md.push_str("comments:");
        if self.comments.is_empty() {
            md.push_str(" []\n");
        } else {
            md.push('\n');
            for c in &self.comments {
                let _ = writeln!(md, "  - {}", yaml_string(c));
            }
        }
        md.push_str("checklist:");
        if self.checklist.is_empty() {
            md.push_str(" []\n");
        } else {
            md.push('\n');
            for c in &self.checklist {
                let _ = writeln!(md, "  - item: {}", yaml_string(&c.item));
                let _ = writeln!(md, "    passed: {}", c.passed);
                let _ = writeln!(md, "    note: {}", yaml_string(&c.note));
            }
        }
        md.push_str("---\n\n");
        let _ = writeln!(
            md,
            "# Review, round {}: {}\n",
            self.round,
            self.decision.name()
        );
        for c in &self.checklist {
            let _ = writeln!(
                md,
                "- [{}] {} — {}",
                if c.passed { "x" } else { " " },
                c.item,
                c.note
            );
        }
        if !self.comments.is_empty() {
            md.push_str("\n## Comments\n\n");
            for c in &self.comments {
                let _ = writeln!(md, "- {c}");
            }
        }
        md
    }
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
fn yaml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

/// Turns a theme into a plan or a reasoned refusal.
#[async_trait]
pub trait Planner: Send + Sync {
    /// The backend's name for logs (`procedural`, `llm:<model>`).
    fn backend(&self) -> String;
    /// Plans (or refuses) the theme of `request`.
    async fn plan(&self, request: PlanRequest) -> Result<Answer<PlanOutcome>, AgentError>;
}

/// Turns a plan (and feedback) into a scene script.
#[async_trait]
pub trait Coder: Send + Sync {
    /// The backend's name for logs.
    fn backend(&self) -> String;
    /// Writes (or revises) the script for `request.plan`.
    async fn code(&self, request: CodeRequest) -> Result<Answer<ScriptDraft>, AgentError>;
}

/// Judges a validated script from its report and renders.
#[async_trait]
pub trait Reviewer: Send + Sync {
    /// The backend's name for logs.
    fn backend(&self) -> String;
    /// Approves or rejects the script of `request`.
    async fn review(&self, request: ReviewRequest) -> Result<Answer<Review>, AgentError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_adds_field_by_field() {
        let a = Usage {
            calls: 1,
            input_tokens: 10,
            output_tokens: 5,
            cost_usd: 0.5,
        };
        let mut b = a + a;
        b += a;
        assert_eq!(b.calls, 3);
        assert_eq!(b.input_tokens, 30);
        assert_eq!(b.output_tokens, 15);
        assert!((b.cost_usd - 1.5).abs() < 1e-12);
    }

    #[test]
    fn review_markdown_has_yaml_front_matter() {
        let review = Review {
            decision: Decision::RejectToCoder,
            comments: vec!["widen the gap: \"deck\" overlaps".into()],
            checklist: vec![ChecklistItem {
                item: "gates".into(),
                passed: false,
                note: "seed 3 failed gate 3".into(),
            }],
            round: 2,
        };
        let md = review.to_markdown();
        assert!(md.starts_with("---\nround: 2\ndecision: reject_to_coder\ncomments:\n  - "));
        assert!(md.contains("\\\"deck\\\""));
        assert!(md.contains("  - item: \"gates\"\n    passed: false\n"));
    }

    #[test]
    fn answers_and_errors_survive_bincode_as_the_daemon_checkpoints_them() {
        let cfg = bincode::config::standard();
        let answer = Answer {
            value: Review {
                decision: Decision::RejectToPlanner,
                comments: vec!["re-plan".into()],
                checklist: vec![],
                round: 3,
            },
            usage: Usage {
                calls: 2,
                input_tokens: 7,
                output_tokens: 9,
                cost_usd: 0.25,
            },
            journal: vec![JournalEntry::new(Role::Reviewer, "r", "i", "o", "x")],
        };
        let bytes = bincode::serde::encode_to_vec(&answer, cfg).unwrap();
        let (back, _): (Answer<Review>, usize) =
            bincode::serde::decode_from_slice(&bytes, cfg).unwrap();
        assert_eq!(back, answer);
        let err = AgentError::BudgetExceeded {
            role: Role::Coder,
            what: "attempts".into(),
            limit: "4".into(),
        };
        let bytes = bincode::serde::encode_to_vec(&err, cfg).unwrap();
        let (back, _): (AgentError, usize) =
            bincode::serde::decode_from_slice(&bytes, cfg).unwrap();
        assert_eq!(back, err);
        let draft = ScriptDraft {
            source: "fn build(seed, scale) {}".into(),
            attempt: 2,
            changes: vec!["x".into()],
            scale_ranges: crate::variant::ScaleRanges::default(),
        };
        let bytes = bincode::serde::encode_to_vec(&draft, cfg).unwrap();
        let (back, _): (ScriptDraft, usize) =
            bincode::serde::decode_from_slice(&bytes, cfg).unwrap();
        assert_eq!(back, draft);
    }

    #[test]
    fn endpoint_failures_are_told_apart_from_bad_answers() {
        let down = AgentError::Unreachable {
            role: Role::Coder,
            endpoint: "http://127.0.0.1:1".into(),
            message: "connection refused".into(),
        };
        let bad = AgentError::BadAnswer {
            role: Role::Coder,
            message: "no script".into(),
        };
        assert!(down.is_endpoint_failure());
        assert!(!bad.is_endpoint_failure());
    }
}

//! The stage machine: given a session and the result of the step that just ran, the session's
//! next checkpoint. Pure (no I/O), so every transition is tested on its own; the actors only
//! run steps and hand results to [`advance`].

use crate::store::{
    now_unix_ms, Decision, JournalEntry, PlanRecord, ReportSummary, ReviewRecord, ScriptRecord,
    Session, Stage, TokenUsage,
};

/// How many tries each role gets before a session fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Plans per session (the first plan plus replans).
    pub plan_attempts: u32,
    /// Scripts per plan.
    pub code_attempts: u32,
    /// Review rounds per session.
    pub review_rounds: u32,
    /// Consecutive agent errors (endpoint down, unusable answer) at one stage.
    pub agent_errors: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            plan_attempts: 2,
            code_attempts: 4,
            review_rounds: 3,
            agent_errors: 3,
        }
    }
}

/// Which role a step belonged to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The Planner.
    Planner,
    /// The Coder.
    Coder,
    /// The Simulator.
    Simulator,
    /// The Reviewer.
    Reviewer,
    /// The Persister (writing the benchmark).
    Persister,
}

impl Role {
    /// Lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Role::Planner => "planner",
            Role::Coder => "coder",
            Role::Simulator => "simulator",
            Role::Reviewer => "reviewer",
            Role::Persister => "persister",
        }
    }
}

/// What a step produced.
#[derive(Debug, Clone, PartialEq)]
pub enum StepResult {
    /// The session was admitted from the queue.
    Admitted,
    /// The Planner wrote a plan.
    Planned {
        /// The plan.
        plan: PlanRecord,
        /// Tokens used.
        usage: TokenUsage,
        /// The agent's own journal entries for the step.
        journal: Vec<JournalEntry>,
    },
    /// The Planner refused the theme.
    PlanRefused {
        /// Reason code and words.
        reason: String,
        /// Tokens used.
        usage: TokenUsage,
    },
    /// The Coder wrote a script.
    Coded {
        /// The script.
        script: ScriptRecord,
        /// Tokens used.
        usage: TokenUsage,
        /// The agent's own journal entries for the step.
        journal: Vec<JournalEntry>,
    },
    /// The Simulator ran the gates.
    Simulated {
        /// What it found.
        report: ReportSummary,
    },
    /// The Reviewer decided.
    Reviewed {
        /// The review (its round is set by [`advance`]).
        review: ReviewRecord,
        /// Tokens used.
        usage: TokenUsage,
        /// The agent's own journal entries for the step.
        journal: Vec<JournalEntry>,
    },
    /// The Persister wrote the benchmark at `path`.
    Persisted {
        /// The benchmark folder.
        path: String,
    },
    /// A step failed without a usable result.
    StepFailed {
        /// Whose step.
        role: Role,
        /// True when the agent could not be reached (endpoint down), false when its answer
        /// was unusable or the work itself failed.
        unreachable: bool,
        /// What happened.
        message: String,
    },
}

fn journal(session: &mut Session, intent: &str, result: String, reflection: &str) {
    session.journal.push(JournalEntry {
        at_unix_ms: now_unix_ms(),
        stage: session.stage.to_string(),
        intent: intent.into(),
        result,
        reflection: reflection.into(),
    });
}

/// The checkpoint that follows `session` after `result`. The revision is left as read: the
/// store bumps it on commit.
pub fn advance(session: &Session, result: StepResult, limits: &Limits) -> Session {
    let mut next = session.clone();
    match (session.stage.clone(), result) {
        (Stage::Queued, StepResult::Admitted) => next.stage = Stage::Planning,
        (
            Stage::Planning,
            StepResult::Planned {
                plan,
                usage,
                journal: entries,
            },
        ) => {
            next.journal.extend(entries);
            next.usage.add(usage);
            next.attempts.plans += 1;
            next.attempts.consecutive_errors = 0;
            let result = format!(
                "plan {} written (difficulty {})",
                next.attempts.plans,
                plan.difficulty
                    .map(|d| format!("{d:.2}"))
                    .unwrap_or_else(|| "unknown".into())
            );
            journal(
                &mut next,
                "turn the theme into a plan",
                result,
                "hand the plan to the coder",
            );
            next.plan = Some(plan);
            next.script = None;
            next.attempts.scripts_for_plan = 0;
            next.stage = Stage::Coding { attempt: 1 };
        }
        (Stage::Planning, StepResult::PlanRefused { reason, usage }) => {
            next.usage.add(usage);
            journal(
                &mut next,
                "turn the theme into a plan",
                format!("refused: {reason}"),
                "the theme cannot be built as stated",
            );
            next.stage = Stage::Rejected { reason };
        }
        (
            Stage::Coding { attempt },
            StepResult::Coded {
                script,
                usage,
                journal: entries,
            },
        ) => {
            next.journal.extend(entries);
            next.usage.add(usage);
            next.attempts.scripts += 1;
            next.attempts.scripts_for_plan = attempt;
            next.attempts.consecutive_errors = 0;
            journal(
                &mut next,
                "write the scene script for the plan",
                format!("script attempt {attempt} written"),
                "run the gates on it",
            );
            next.script = Some(script);
            next.stage = Stage::Simulating { attempt };
        }
        (Stage::Simulating { attempt }, StepResult::Simulated { report }) => {
            next.attempts.simulations += 1;
            next.attempts.consecutive_errors = 0;
            let passed = report.passed;
            let gate = report.failing_gate.clone().unwrap_or_default();
            let summary = report.summary.clone();
            next.report = Some(report);
            if passed {
                journal(
                    &mut next,
                    "run every gate on every seed",
                    "all gates passed".into(),
                    "ask the reviewer",
                );
                next.stage = Stage::Reviewing {
                    round: next.attempts.reviews + 1,
                };
            } else {
                journal(
                    &mut next,
                    "run every gate on every seed",
                    format!("failed {gate}: {summary}"),
                    "feed the findings back",
                );
                next.feedback.push(format!("simulator: {summary}"));
                retry_after_failure(&mut next, attempt, limits, &format!("gate {gate} failed"));
            }
        }
        (
            Stage::Reviewing { round },
            StepResult::Reviewed {
                mut review,
                usage,
                journal: entries,
            },
        ) => {
            next.journal.extend(entries);
            next.usage.add(usage);
            next.attempts.reviews += 1;
            next.attempts.consecutive_errors = 0;
            review.round = round;
            let decision = review.decision;
            let comments = review.comments.join("; ");
            journal(
                &mut next,
                "review the report and the renders",
                format!("{decision:?}: {comments}"),
                match decision {
                    Decision::Approve => "persist it",
                    Decision::RejectToCoder => "the coder fixes the script",
                    Decision::RejectToPlanner => "the planner revises the plan",
                },
            );
            next.reviews.push(review);
            let attempt = next.attempts.scripts_for_plan.max(1);
            match decision {
                Decision::Approve => next.stage = Stage::Persisting,
                _ if round >= limits.review_rounds => {
                    next.stage = Stage::Failed {
                        reason: format!(
                            "rejected by the reviewer in all {round} rounds: {comments}"
                        ),
                    }
                }
                Decision::RejectToCoder => {
                    next.feedback.push(format!("reviewer: {comments}"));
                    retry_after_failure(&mut next, attempt, limits, "review rejected the script");
                }
                Decision::RejectToPlanner => {
                    next.feedback.push(format!("reviewer: {comments}"));
                    replan_or_fail(&mut next, limits, "review rejected the plan");
                }
            }
        }
        (Stage::Persisting, StepResult::Persisted { path }) => {
            journal(
                &mut next,
                "write the benchmark to the dataset",
                format!("written to {path}"),
                "done",
            );
            next.stage = Stage::Accepted { path };
        }
        (
            stage,
            StepResult::StepFailed {
                role,
                unreachable,
                message,
            },
        ) => {
            next.attempts.consecutive_errors += 1;
            let kind = if unreachable {
                "could not be reached"
            } else {
                "failed"
            };
            journal(
                &mut next,
                &format!("run the {} step", role.name()),
                format!("the {} {kind}: {message}", role.name()),
                "retry",
            );
            if next.attempts.consecutive_errors >= limits.agent_errors {
                let reason = format!(
                    "the {} {kind} {} times in a row, last: {message}",
                    role.name(),
                    next.attempts.consecutive_errors
                );
                next.stage = Stage::Failed { reason };
            } else if !unreachable && matches!(stage, Stage::Coding { .. }) {
                // An unusable script is a spent attempt; the error is the feedback.
                next.feedback.push(format!("coder: {message}"));
                let Stage::Coding { attempt } = stage else {
                    unreachable!()
                };
                if attempt >= limits.code_attempts {
                    next.stage = Stage::Failed {
                        reason: format!("no usable script after {attempt} attempts: {message}"),
                    };
                } else {
                    next.stage = Stage::Coding {
                        attempt: attempt + 1,
                    };
                }
            }
            // Otherwise the session stays where it is and the step runs again.
        }
        (stage, other) => {
            // A result for another stage is a routing bug; keep the session where it is and
            // say so rather than corrupt it.
            tracing::error!(session = %session.id, %stage, result = ?other, "result does not fit the stage; ignored");
        }
    }
    next
}

fn retry_after_failure(next: &mut Session, attempt: u32, limits: &Limits, why: &str) {
    if attempt < limits.code_attempts {
        next.stage = Stage::Coding {
            attempt: attempt + 1,
        };
    } else {
        replan_or_fail(
            next,
            limits,
            &format!("{why} after {attempt} script attempts"),
        );
    }
}

fn replan_or_fail(next: &mut Session, limits: &Limits, why: &str) {
    if next.attempts.plans < limits.plan_attempts {
        next.stage = Stage::Planning;
    } else {
        let last = next.feedback.last().cloned().unwrap_or_default();
        next.stage = Stage::Failed {
            reason: format!(
                "{why}; {} plans tried; last feedback: {last}",
                next.attempts.plans
            ),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ThemeSpec;

    fn session() -> Session {
        Session::new(
            &ThemeSpec {
                prompt: "a ball must cross a gap".into(),
                count: 1,
                seeds: vec![],
                scale: None,
                tier: None,
                origin: "config".into(),
            },
            0,
        )
    }

    fn plan() -> StepResult {
        StepResult::Planned {
            plan: PlanRecord {
                json: "{}".into(),
                markdown: String::new(),
                todo_md: String::new(),
                difficulty: Some(0.3),
            },
            usage: TokenUsage {
                prompt_tokens: 10,
                completion_tokens: 5,
                calls: 1,
            },
            journal: Vec::new(),
        }
    }

    fn coded() -> StepResult {
        StepResult::Coded {
            script: ScriptRecord {
                source: "fn build(seed, scale) {}".into(),
                solution: None,
                draft_json: String::new(),
            },
            usage: TokenUsage::default(),
            journal: Vec::new(),
        }
    }

    fn simulated(passed: bool) -> StepResult {
        StepResult::Simulated {
            report: ReportSummary {
                passed,
                failing_gate: (!passed).then(|| "geometry".into()),
                summary: if passed { "ok" } else { "overlap 3 mm" }.into(),
                report_json: "{}".into(),
                artifacts_dir: None,
            },
        }
    }

    fn reviewed(decision: Decision) -> StepResult {
        StepResult::Reviewed {
            review: ReviewRecord {
                round: 0,
                decision,
                comments: vec!["c".into()],
                markdown: String::new(),
            },
            usage: TokenUsage::default(),
            journal: Vec::new(),
        }
    }

    #[test]
    fn the_happy_path_walks_every_stage() {
        let l = Limits::default();
        let mut s = session();
        for (result, expected) in [
            (StepResult::Admitted, Stage::Planning),
            (plan(), Stage::Coding { attempt: 1 }),
            (coded(), Stage::Simulating { attempt: 1 }),
            (simulated(true), Stage::Reviewing { round: 1 }),
            (reviewed(Decision::Approve), Stage::Persisting),
            (
                StepResult::Persisted { path: "p".into() },
                Stage::Accepted { path: "p".into() },
            ),
        ] {
            s = advance(&s, result, &l);
            assert_eq!(s.stage, expected);
        }
        assert_eq!(s.usage.prompt_tokens, 10);
        assert_eq!(s.journal.len(), 5);
        assert_eq!(s.reviews[0].round, 1);
    }

    #[test]
    fn failed_gates_retry_the_coder_then_replan_then_fail() {
        let l = Limits {
            plan_attempts: 2,
            code_attempts: 2,
            review_rounds: 3,
            agent_errors: 3,
        };
        let mut s = advance(&advance(&session(), StepResult::Admitted, &l), plan(), &l);
        s = advance(&advance(&s, coded(), &l), simulated(false), &l);
        assert_eq!(s.stage, Stage::Coding { attempt: 2 });
        assert!(s.feedback[0].contains("overlap"));
        s = advance(&advance(&s, coded(), &l), simulated(false), &l);
        assert_eq!(s.stage, Stage::Planning);
        s = advance(&s, plan(), &l);
        s = advance(&advance(&s, coded(), &l), simulated(false), &l);
        s = advance(&advance(&s, coded(), &l), simulated(false), &l);
        match &s.stage {
            Stage::Failed { reason } => assert!(reason.contains("geometry"), "{reason}"),
            other => panic!("expected failed, got {other}"),
        }
    }

    #[test]
    fn reviews_send_back_to_coder_or_planner_and_refusals_reject() {
        let l = Limits::default();
        let mut s = advance(&advance(&session(), StepResult::Admitted, &l), plan(), &l);
        s = advance(&advance(&s, coded(), &l), simulated(true), &l);
        s = advance(&s, reviewed(Decision::RejectToCoder), &l);
        assert_eq!(s.stage, Stage::Coding { attempt: 2 });
        s = advance(&advance(&s, coded(), &l), simulated(true), &l);
        assert_eq!(s.stage, Stage::Reviewing { round: 2 });
        s = advance(&s, reviewed(Decision::RejectToPlanner), &l);
        assert_eq!(s.stage, Stage::Planning);

        let refused = advance(
            &advance(&session(), StepResult::Admitted, &l),
            StepResult::PlanRefused {
                reason: "contradictory".into(),
                usage: TokenUsage::default(),
            },
            &l,
        );
        assert_eq!(
            refused.stage,
            Stage::Rejected {
                reason: "contradictory".into()
            }
        );
    }

    #[test]
    fn repeated_agent_errors_fail_the_session_with_the_reason() {
        let l = Limits::default();
        let mut s = advance(&session(), StepResult::Admitted, &l);
        for _ in 0..2 {
            s = advance(
                &s,
                StepResult::StepFailed {
                    role: Role::Planner,
                    unreachable: true,
                    message: "connection refused".into(),
                },
                &l,
            );
            assert_eq!(s.stage, Stage::Planning);
        }
        s = advance(
            &s,
            StepResult::StepFailed {
                role: Role::Planner,
                unreachable: true,
                message: "connection refused".into(),
            },
            &l,
        );
        match s.stage {
            Stage::Failed { reason } => {
                assert!(reason.contains("could not be reached") && reason.contains("refused"))
            }
            other => panic!("{other}"),
        }
    }
}

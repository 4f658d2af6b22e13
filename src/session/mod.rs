//! The session engine's rules: given a session and the result of the step that just ran,
//! [`advance`] returns the session's next checkpoint. Pure (no I/O), so every transition is
//! tested on its own. Every driver — the actors of the daemon and `generate`, and the
//! in-process [`crate::engine::Driver`] of the tests and benches — only runs steps and hands
//! their results here; none adds a rule of its own.

pub mod record;

pub use record::{now_unix_ms, Attempts, Session, SimulationReport, Stage, StageKind, ThemeSpec};

use crate::agents::{Decision, Review, ScriptDraft, Usage};
use crate::journal::JournalEntry;
use crate::plan::Plan;
pub use crate::role::Role;

/// How many tries each role gets before a session fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct AttemptLimits {
    /// Plans per session (the first plan plus replans).
    pub plan_attempts: u32,
    /// Scripts per plan.
    pub code_attempts: u32,
    /// Review rounds per session.
    pub review_rounds: u32,
    /// Consecutive agent errors (endpoint down, unusable answer) at one stage.
    pub agent_errors: u32,
}

impl Default for AttemptLimits {
    fn default() -> Self {
        Self {
            plan_attempts: 2,
            code_attempts: 4,
            review_rounds: 3,
            agent_errors: 3,
        }
    }
}

/// What a step produced.
// A result lives for one hand-off (moved, never copied or stored in bulk): boxing the plan
// would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum StepResult {
    /// The session was admitted from the queue.
    Admitted,
    /// The Planner wrote a plan.
    Planned {
        /// The plan.
        plan: Plan,
        /// What the agent used.
        usage: Usage,
        /// The agent's own journal entries for the step.
        journal: Vec<JournalEntry>,
    },
    /// The Planner refused the theme.
    PlanRefused {
        /// Reason code and words.
        reason: String,
        /// What the agent used.
        usage: Usage,
        /// The agent's own journal entries for the step.
        journal: Vec<JournalEntry>,
    },
    /// The Coder wrote a script.
    Coded {
        /// The script.
        script: ScriptDraft,
        /// What the agent used.
        usage: Usage,
        /// The agent's own journal entries for the step.
        journal: Vec<JournalEntry>,
    },
    /// The Simulator ran the gates.
    Simulated {
        /// What it found.
        report: SimulationReport,
    },
    /// The Reviewer decided.
    Reviewed {
        /// The review (its round is set by [`advance`]).
        review: Review,
        /// What the agent used.
        usage: Usage,
        /// The agent's own journal entries for the step.
        journal: Vec<JournalEntry>,
    },
    /// The Persister wrote the benchmark at `path`.
    Persisted {
        /// The benchmark folder.
        path: String,
    },
    /// The Persister refused the benchmark: the dataset already holds it (novelty check).
    Duplicate {
        /// Which benchmark it repeats and what is the same.
        reason: String,
    },
    /// The Persister found the simulation's artifacts gone (a variant folder or its
    /// `scene.json` missing, e.g. `work/` deleted): the session goes back to simulate, which
    /// writes them again, rather than becoming a benchmark without its variants.
    ArtifactsMissing {
        /// Which files are missing.
        reason: String,
    },
    /// A step could not write because its disk is full, over quota or failing, or below the
    /// free-space floor: a wait, not a failure. The session stays where it is, no attempt is
    /// spent, and the step runs again when space returns.
    ResourceWait {
        /// Whose step.
        role: Role,
        /// What was short, where.
        shortage: crate::disk::Shortage,
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

fn journal(session: &mut Session, role: Role, intent: &str, result: String, reflection: &str) {
    let step = session.stage.to_string();
    session
        .journal
        .push(JournalEntry::new(role, step, intent, result, reflection));
}

/// An agent answered: its usage and journal entries join the session's, and the run of
/// consecutive errors ends.
fn answered(next: &mut Session, usage: Usage, entries: Vec<JournalEntry>) {
    next.journal.extend(entries);
    next.usage += usage;
    next.attempts.consecutive_errors = 0;
}

/// The checkpoint that follows `session` after `result`. The revision is left as read: the
/// store bumps it on commit.
pub fn advance(session: &Session, result: StepResult, limits: &AttemptLimits) -> Session {
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
            answered(&mut next, usage, entries);
            next.attempts.plans += 1;
            let result = format!(
                "plan {} written: {} (difficulty {:.2})",
                next.attempts.plans, plan.archetype, plan.difficulty.score
            );
            journal(
                &mut next,
                Role::Planner,
                "turn the theme into a plan",
                result,
                "hand the plan to the coder",
            );
            next.plan = Some(plan);
            next.script = None;
            next.attempts.scripts_for_plan = 0;
            next.stage = Stage::Coding { attempt: 1 };
        }
        (
            Stage::Planning,
            StepResult::PlanRefused {
                reason,
                usage,
                journal: entries,
            },
        ) => {
            answered(&mut next, usage, entries);
            journal(
                &mut next,
                Role::Planner,
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
            answered(&mut next, usage, entries);
            next.attempts.scripts += 1;
            next.attempts.scripts_for_plan = attempt;
            journal(
                &mut next,
                Role::Coder,
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
                    Role::Simulator,
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
                    Role::Simulator,
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
            answered(&mut next, usage, entries);
            next.attempts.reviews += 1;
            review.round = round;
            let decision = review.decision;
            let comments = review.comments.join("; ");
            journal(
                &mut next,
                Role::Reviewer,
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
                Role::Persister,
                "write the benchmark to the dataset",
                format!("written to {path}"),
                "done",
            );
            next.stage = Stage::Accepted { path };
        }
        (Stage::Persisting, StepResult::Duplicate { reason }) => {
            journal(
                &mut next,
                Role::Persister,
                "write the benchmark to the dataset",
                format!("not written: {reason}"),
                "a dataset holds each task once",
            );
            next.stage = Stage::Failed { reason };
        }
        (Stage::Persisting, StepResult::ArtifactsMissing { reason }) => {
            journal(
                &mut next,
                Role::Persister,
                "write the benchmark to the dataset",
                format!("not written: {reason}"),
                "simulate again to rewrite the variants",
            );
            next.stage = Stage::Simulating {
                attempt: next.attempts.scripts_for_plan.max(1),
            };
        }
        (_, StepResult::ResourceWait { .. }) => {
            // A full disk is the machine's problem, not the session's: nothing changes, not
            // even the run of consecutive errors, so the driver has nothing to record and
            // runs the same step again once space returns.
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
                role,
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

fn retry_after_failure(next: &mut Session, attempt: u32, limits: &AttemptLimits, why: &str) {
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

fn replan_or_fail(next: &mut Session, limits: &AttemptLimits, why: &str) {
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

/// A real plan from the procedural Planner, for unit tests of code that holds a typed plan.
#[cfg(test)]
pub(crate) fn test_plan() -> Plan {
    use crate::agents::Planner;
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let answer = rt
        .block_on(crate::agents::procedural::ProceduralPlanner.plan(
            crate::agents::PlanRequest::new("a ball must cross a gap between two decks"),
        ))
        .unwrap();
    match answer.value {
        crate::plan::PlanOutcome::Planned(p) => p,
        crate::plan::PlanOutcome::Refused(r) => panic!("{r:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            plan: test_plan(),
            usage: Usage {
                calls: 1,
                input_tokens: 10,
                output_tokens: 5,
                cost_usd: 0.0,
            },
            journal: Vec::new(),
        }
    }

    fn coded() -> StepResult {
        StepResult::Coded {
            script: ScriptDraft {
                source: "fn build(seed, scale) {}".into(),
                attempt: 1,
                changes: Vec::new(),
                scale_ranges: Default::default(),
            },
            usage: Usage::default(),
            journal: Vec::new(),
        }
    }

    fn simulated(passed: bool) -> StepResult {
        StepResult::Simulated {
            report: SimulationReport {
                passed,
                failing_gate: (!passed).then(|| "geometry".into()),
                summary: if passed { "ok" } else { "overlap 3 mm" }.into(),
                report: None,
                artifacts_dir: None,
                physics: None,
            },
        }
    }

    fn reviewed(decision: Decision) -> StepResult {
        StepResult::Reviewed {
            review: Review {
                round: 0,
                decision,
                comments: vec!["c".into()],
                checklist: Vec::new(),
            },
            usage: Usage::default(),
            journal: Vec::new(),
        }
    }

    #[test]
    fn the_happy_path_walks_every_stage() {
        let l = AttemptLimits::default();
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
        assert_eq!(s.usage.input_tokens, 10);
        assert_eq!(s.journal.len(), 5);
        assert_eq!(s.reviews[0].round, 1);
    }

    #[test]
    fn failed_gates_retry_the_coder_then_replan_then_fail() {
        let l = AttemptLimits {
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
        let l = AttemptLimits::default();
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
                usage: Usage::default(),
                journal: Vec::new(),
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
        let l = AttemptLimits::default();
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

    #[test]
    fn a_resource_wait_keeps_the_session_where_it_was_and_spends_no_attempt() {
        let l = AttemptLimits::default();
        let wait = |role| StepResult::ResourceWait {
            role,
            shortage: crate::disk::Shortage {
                path: "/data/benchmarks".into(),
                free_bytes: Some(0),
                cause: "No space left on device (os error 28)".into(),
            },
        };
        let mut s = advance(&advance(&session(), StepResult::Admitted, &l), plan(), &l);
        s = advance(&s, coded(), &l);
        // One agent error first: a wait must not add to the run, nor reset it.
        s = advance(
            &s,
            StepResult::StepFailed {
                role: Role::Simulator,
                unreachable: false,
                message: "x".into(),
            },
            &l,
        );
        assert_eq!(s.attempts.consecutive_errors, 1);
        // Far more waits than any limit allows errors: still simulating, nothing spent.
        for _ in 0..(l.agent_errors * 4) {
            let next = advance(&s, wait(Role::Simulator), &l);
            assert_eq!(next, s, "a wait changed the session");
        }
        s = advance(
            &advance(&s, simulated(true), &l),
            reviewed(Decision::Approve),
            &l,
        );
        assert_eq!(s.stage, Stage::Persisting);
        let before = s.clone();
        for _ in 0..(l.agent_errors * 4) {
            s = advance(&s, wait(Role::Persister), &l);
        }
        assert_eq!(s, before);
        assert_eq!(s.stage, Stage::Persisting);
        s = advance(&s, StepResult::Persisted { path: "p".into() }, &l);
        assert_eq!(s.stage, Stage::Accepted { path: "p".into() });
    }

    #[test]
    fn missing_artifacts_at_persist_send_the_session_back_to_simulate() {
        let l = AttemptLimits::default();
        let mut s = advance(&advance(&session(), StepResult::Admitted, &l), plan(), &l);
        s = advance(&advance(&s, coded(), &l), simulated(true), &l);
        s = advance(&s, reviewed(Decision::Approve), &l);
        s = advance(
            &s,
            StepResult::ArtifactsMissing {
                reason: "variants/seed-1/scene.json missing".into(),
            },
            &l,
        );
        assert_eq!(s.stage, Stage::Simulating { attempt: 1 });
        assert!(s.journal.last().unwrap().result.contains("seed-1"));
    }
}

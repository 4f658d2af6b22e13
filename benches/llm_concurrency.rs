//! How much concurrency buys when the model is slow: a fake OpenAI-compatible server on
//! loopback answers every request after a fixed 1 s delay, replaying good answers (the
//! example plan, a fenced script that compiles and builds, an approving review). Each
//! session goes through the real LLM agents in turn — `LlmPlanner::plan`, `LlmCoder::code`,
//! `LlmReviewer::review` — inside its own session scope. 16 sessions are run with 1 in
//! flight and with 16 in flight (bounded by a semaphore); the speed-up is the ratio of
//! wall-clock times (target ≥ 12×). The `[llm]` cap allows 16 requests at once.
//!
//! Run: `cargo bench --bench llm_concurrency`

#[path = "../tests/common/fake_llm.rs"]
mod fake_llm;

use std::sync::Arc;
use std::time::{Duration, Instant};

use benchforge::agents::llm::{in_session, LlmAgents, SessionScope};
use benchforge::agents::{
    CodeRequest, Coder, Decision, PlanRequest, Planner, ReviewRequest, Reviewer, ScriptDraft,
};
use benchforge::llm::LlmConfig;
use benchforge::plan::{Plan, PlanOutcome};
use benchforge::report::{GateId, GateResult, ValidationReport};
use fake_llm::{FakeLlm, Reply};
use tokio::sync::Semaphore;

const SESSIONS: usize = 16;
const DELAY: Duration = Duration::from_secs(1);

const EXAMPLE_PLAN: &str = include_str!("../actors/planner/example_plan.json");
const GOOD_SCRIPT: &str = include_str!("../actors/coder/examples/ball_gap_bridge.rhai");

fn plan() -> Plan {
    serde_json::from_str(EXAMPLE_PLAN).expect("example plan parses")
}

fn fenced(script: &str) -> String {
    format!("Here is the script you asked for.\n\n```rhai\n{script}\n```\n\nIt builds two decks and a plank.")
}

fn code_request() -> CodeRequest {
    CodeRequest {
        plan: plan(),
        attempt: 1,
        feedback: None,
        previous_script: None,
        budget: None,
    }
}

fn review_request() -> ReviewRequest {
    ReviewRequest {
        plan: plan(),
        script: ScriptDraft {
            source: GOOD_SCRIPT.into(),
            attempt: 1,
            changes: vec![],
            scale_ranges: plan().scale_ranges,
        },
        report: ValidationReport {
            script_hash: "h".into(),
            seeds: vec![],
            randomized: GateResult::from_findings(GateId::Randomized, vec![]),
        },
        renders: vec![],
        round: 1,
        parts: vec![
            "\"left_deck\" (fixed, wood) at [0, 0, 0] m: box 0.5 × 0.3 × 0.3 m (full size)".into(),
        ],
        plan_differences: vec![],
    }
}

/// One session: plan, code, review, each through the real agent. Returns its request count.
async fn one_session(agents: Arc<LlmAgents>, index: usize) -> usize {
    let id = format!("bench-{index}");
    let scope = || SessionScope {
        id: id.clone(),
        dir: None,
    };
    let planned = in_session(scope(), agents.planner.plan(PlanRequest::new("gap")))
        .await
        .expect("planner answers");
    assert!(matches!(planned.value, PlanOutcome::Planned(_)));
    let coded = in_session(scope(), agents.coder.code(code_request()))
        .await
        .expect("coder answers");
    assert!(coded.value.source.contains("fn build"));
    let reviewed = in_session(scope(), agents.reviewer.review(review_request()))
        .await
        .expect("reviewer answers");
    assert_eq!(reviewed.value.decision, Decision::Approve);
    agents.shared.end_session(&id);
    (planned.usage.calls + coded.usage.calls + reviewed.usage.calls) as usize
}

/// Runs `SESSIONS` sessions with at most `in_flight` at once: wall-clock time and the
/// requests each session made.
async fn run(agents: &Arc<LlmAgents>, in_flight: usize) -> (Duration, Vec<usize>) {
    let gate = Arc::new(Semaphore::new(in_flight));
    let started = Instant::now();
    let tasks: Vec<_> = (0..SESSIONS)
        .map(|i| {
            let agents = agents.clone();
            let gate = gate.clone();
            tokio::spawn(async move {
                let _slot = gate.acquire_owned().await.expect("open");
                one_session(agents, i).await
            })
        })
        .collect();
    let mut calls = Vec::with_capacity(SESSIONS);
    for t in tasks {
        calls.push(t.await.expect("session task"));
    }
    (started.elapsed(), calls)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let server = FakeLlm::start(|req, _| {
            let system = req.system_prompt();
            let answer = if system.contains("Role: Planner") {
                EXAMPLE_PLAN.to_string()
            } else if system.contains("Role: Coder") {
                fenced(GOOD_SCRIPT)
            } else {
                fake_llm::approval(req, "the gap and the goal bin are clear in every view")
            };
            Reply::slow(answer, DELAY)
        })
        .await;
        let config = LlmConfig {
            base_url: server.base_url(),
            model: "fake-model".into(),
            max_concurrent_requests: SESSIONS,
            request_timeout_s: 30.0,
            ..LlmConfig::default()
        };
        assert!(config.max_concurrent_requests >= SESSIONS);
        let agents = Arc::new(LlmAgents::new(config).expect("agents build"));
        let (serial, serial_calls) = run(&agents, 1).await;
        let (parallel, parallel_calls) = run(&agents, SESSIONS).await;
        let speedup = serial.as_secs_f64() / parallel.as_secs_f64();
        let per_session = |calls: &[usize]| {
            let (min, max) = (calls.iter().min(), calls.iter().max());
            match (min, max) {
                (Some(a), Some(b)) if a == b => format!("{a}"),
                (Some(a), Some(b)) => format!("{a}–{b}"),
                _ => "-".into(),
            }
        };
        println!(
            "llm_concurrency: {SESSIONS} sessions through LlmPlanner → LlmCoder → LlmReviewer, \
             server delay {:.1} s per request",
            DELAY.as_secs_f64()
        );
        println!(
            "  1 in flight : {:.2} s ({} requests per session)",
            serial.as_secs_f64(),
            per_session(&serial_calls)
        );
        println!(
            "  {SESSIONS} in flight: {:.2} s ({} requests per session)",
            parallel.as_secs_f64(),
            per_session(&parallel_calls)
        );
        println!(
            "  speed-up    : {speedup:.1}× (target ≥ 12×) — {}",
            if speedup >= 12.0 { "met" } else { "NOT met" }
        );
        println!(
            "  server saw at most {} requests at once ({} in all)",
            server.max_in_flight(),
            server.received().len()
        );
    });
}

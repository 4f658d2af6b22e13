//! The LLM Planner, Coder and Reviewer against a fake OpenAI-compatible server on loopback
//! replaying realistic answers: good ones, chatter around them, trailing commas, cut-off
//! JSON, a script calling a function the API does not have, 500s, 429 with Retry-After,
//! timeouts and a refused connection. Every call ends with a value or with the right error,
//! and failures are counted on their side (endpoint vs model).

#[path = "common/fake_llm.rs"]
mod fake_llm;

use std::sync::Arc;
use std::time::Duration;

use benchforge::agents::llm::{
    in_session, usage_from_traces, LlmAgents, SessionScope, TRACES_FILE,
};
use benchforge::agents::{
    AgentError, CodeRequest, Coder, Decision, Feedback, PlanRequest, Planner, ReviewRequest,
    Reviewer, RoleVisibility, ScriptDraft, ViewRender,
};
use benchforge::llm::{LlmConfig, LlmRole, SessionCaps, TraceLog};
use benchforge::plan::{Plan, PlanOutcome};
use benchforge::report::{GateId, GateResult, ValidationReport};
use fake_llm::{closed_port_base_url, FakeLlm, Reply};

const EXAMPLE_PLAN: &str = include_str!("../actors/planner/example_plan.json");
const GOOD_SCRIPT: &str = include_str!("../actors/coder/examples/ball_gap_bridge.rhai");

fn config(base_url: String) -> LlmConfig {
    LlmConfig {
        base_url,
        model: "fake-model".into(),
        request_timeout_s: 2.0,
        connect_timeout_s: 1.0,
        max_retries: 2,
        backoff_initial_s: 0.01,
        ..LlmConfig::default()
    }
}

fn agents(config: LlmConfig) -> LlmAgents {
    LlmAgents::new(config).expect("agents build")
}

fn plan() -> Plan {
    serde_json::from_str(EXAMPLE_PLAN).unwrap()
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

fn review_request(renders: Vec<ViewRender>) -> ReviewRequest {
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
        renders,
        round: 1,
        parts: vec![
            "\"left_deck\" (fixed, wood) at [0, 0, 0] m: box 0.5 × 0.3 × 0.3 m (full size)".into(),
        ],
        plan_differences: vec![],
    }
}

fn views(n: usize) -> Vec<ViewRender> {
    let mut v: Vec<ViewRender> = (0..n)
        .map(|i| ViewRender {
            name: format!("az{:03}_el45", i * 15),
            seed: 0,
            png: vec![0x89, b'P', b'N', b'G', i as u8],
            visibility: RoleVisibility::default(),
        })
        .collect();
    v.push(ViewRender {
        name: "contact_sheet".into(),
        seed: 0,
        png: vec![0x89, b'P', b'N', b'G', 99],
        visibility: RoleVisibility::default(),
    });
    v
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "benchforge-llm-agents-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fenced(script: &str) -> String {
    format!("Here is the script you asked for.\n\n```rhai\n{script}\n```\n\nIt builds two decks and a plank.")
}

/// An approval that says how each stated fact of the example plan is met.
fn review_approve() -> String {
    let facts: Vec<String> = plan()
        .intent
        .describe()
        .iter()
        .enumerate()
        .map(|(i, f)| format!("F{}: {f} — met by the built parts", i + 1))
        .collect();
    serde_json::json!({
        "decision": "approve",
        "target": null,
        "comments": ["the gap and the goal bin are clear in every view"],
        "facts": facts,
    })
    .to_string()
}

// ---------------------------------------------------------------- planner

#[tokio::test]
async fn planner_reads_a_good_plan_and_records_its_tokens() {
    let server = FakeLlm::scripted(vec![Reply::answer(EXAMPLE_PLAN)]).await;
    let a = agents(config(server.base_url()));
    let answer = a
        .planner
        .plan(PlanRequest::new("a ball crosses a gap"))
        .await
        .unwrap();
    let PlanOutcome::Planned(plan) = answer.value else {
        panic!("refused")
    };
    assert_eq!(
        plan.theme, "a ball crosses a gap",
        "the theme is the request's, not the model's"
    );
    assert_eq!(plan.fixtures.len(), 5);
    assert_eq!(answer.usage.calls, 1);
    assert!(answer.usage.input_tokens > 0 && answer.usage.output_tokens > 0);
    let req = &server.received()[0];
    assert!(
        req.body["response_format"]["json_schema"].is_object(),
        "asks for JSON output"
    );
    assert!(req.system_prompt().contains("Role: Planner"));
    assert!(req.last_message().contains("a ball crosses a gap"));
}

#[tokio::test]
async fn planner_is_told_which_benchmark_of_the_theme_and_the_plans_it_must_differ_from() {
    let server = FakeLlm::scripted(vec![Reply::answer(EXAMPLE_PLAN)]).await;
    let a = agents(config(server.base_url()));
    let mut sibling = plan();
    sibling.title = "Sibling bridge across a wide gap".into();
    let request = PlanRequest {
        index: 2,
        count: 3,
        benchmark_id: "abc-002".into(),
        siblings: vec![sibling],
        ..PlanRequest::new("a ball crosses a gap")
    };
    a.planner.plan(request).await.unwrap();
    let asked = server.received()[0].last_message();
    assert!(asked.contains("benchmark 3 of 3"), "{asked}");
    assert!(
        asked.contains("Sibling bridge across a wide gap"),
        "{asked}"
    );
    let nominal = &plan().parameters[0];
    assert!(
        asked.contains(&format!(
            "{} {:.3} {}",
            nominal.name, nominal.nominal, nominal.unit
        )),
        "the sibling's values are listed: {asked}"
    );
    // A lone benchmark's request says nothing of siblings.
    let server = FakeLlm::scripted(vec![Reply::answer(EXAMPLE_PLAN)]).await;
    let a = agents(config(server.base_url()));
    a.planner.plan(PlanRequest::new("gap")).await.unwrap();
    assert!(!server.received()[0]
        .last_message()
        .contains("benchmark 1 of"));
}

#[tokio::test]
async fn planner_forgives_chatter_and_trailing_commas() {
    let sloppy = EXAMPLE_PLAN
        .replace("\"angles_deg\": []", "\"angles_deg\": [],")
        .replace("]\n}", "],\n}");
    let text = format!("Sure! Here is the plan:\n```json\n{sloppy}\n```\nLet me know.");
    let server = FakeLlm::scripted(vec![Reply::answer(text)]).await;
    let a = agents(config(server.base_url()));
    let answer = a.planner.plan(PlanRequest::new("gap")).await.unwrap();
    assert!(matches!(answer.value, PlanOutcome::Planned(_)));
}

#[tokio::test]
async fn planner_asks_a_cut_off_answer_again_with_twice_the_budget_then_reasks_an_invalid_plan() {
    let cut = &EXAMPLE_PLAN[..EXAMPLE_PLAN.len() / 2];
    let bad_zones = EXAMPLE_PLAN.replace(
        "\"goal\": {\"min_m\": [0.5, -0.15, 0.24], \"max_m\": [0.7, 0.15, 0.34]}",
        "\"goal\": {\"min_m\": [0.5, -0.15, 0.24], \"max_m\": [0.4, 0.15, 0.34]}",
    );
    assert_ne!(bad_zones, EXAMPLE_PLAN);
    let server = FakeLlm::scripted(vec![
        Reply::cut_off(cut),
        Reply::answer(bad_zones),
        Reply::answer(EXAMPLE_PLAN),
    ])
    .await;
    let a = agents(config(server.base_url()));
    let dir = temp_dir("planner-reask");
    let scope = SessionScope {
        id: "s-reask".into(),
        dir: Some(dir.clone()),
    };
    let answer = in_session(scope, a.planner.plan(PlanRequest::new("gap")))
        .await
        .unwrap();
    assert!(matches!(answer.value, PlanOutcome::Planned(_)));
    assert_eq!(answer.usage.calls, 3);
    let received = server.received();
    // The cut-off answer is asked again as it was, with twice the planner's budget.
    assert_eq!(received[0].max_tokens(), Some(2048));
    assert_eq!(received[1].max_tokens(), Some(4096));
    assert_eq!(received[1].body["messages"], received[0].body["messages"]);
    assert_eq!(
        received[2].max_tokens(),
        Some(2048),
        "the budget is per answer"
    );
    assert!(
        received[2].last_message().contains("zones.goal"),
        "the exact validation error is sent back: {}",
        received[2].last_message()
    );
    let usage = a.shared.session_usage("s-reask").unwrap();
    assert_eq!(usage.model_failures(), 2);
    assert_eq!(usage.endpoint_failures(), 0);
    let kinds = &usage.roles[&LlmRole::Planner].model_failures;
    assert_eq!((kinds["truncated"], kinds["invalid"]), (1, 1));
    assert_eq!(
        answer
            .journal
            .iter()
            .filter(|j| j.result.contains("unusable"))
            .count(),
        1
    );
}

#[tokio::test]
async fn an_answer_cut_off_twice_fails_at_once_naming_the_role_and_both_budgets() {
    // A server with a real budget: the plan needs 3000 tokens, the planner is given 1000,
    // then 2000 — both too few.
    let server = FakeLlm::start(|req, _| Reply::within_budget(req, EXAMPLE_PLAN, 3000)).await;
    let mut c = config(server.base_url());
    c.planner.max_tokens = Some(1000);
    let a = agents(c);
    let err = a.planner.plan(PlanRequest::new("gap")).await.unwrap_err();
    assert!(matches!(err, AgentError::BadAnswer { .. }), "{err}");
    let line = err.to_string();
    assert!(!line.contains('\n'), "one line: {line}");
    for part in [
        "planner",
        "llm.planner.max_tokens = 1000",
        "2000 tokens",
        "finish_reason: length",
    ] {
        assert!(line.contains(part), "{part:?} missing from: {line}");
    }
    let budgets: Vec<_> = server.received().iter().map(|r| r.max_tokens()).collect();
    assert_eq!(
        budgets,
        vec![Some(1000), Some(2000)],
        "no re-ask after the second cut"
    );
}

#[tokio::test]
async fn a_coder_answer_that_needs_more_than_its_budget_gets_it_once() {
    let script = format!("```rhai\n{GOOD_SCRIPT}\n```");
    let needed = script.chars().count() as u64 / 4 + 1;
    let server = FakeLlm::start(move |req, _| Reply::within_budget(req, &script, needed)).await;
    let mut c = config(server.base_url());
    let budget = needed * 3 / 4;
    c.coder.max_tokens = Some(u32::try_from(budget).unwrap());
    let a = agents(c);
    let answer = a.coder.code(code_request()).await.unwrap();
    assert_eq!(answer.value.source.trim(), GOOD_SCRIPT.trim());
    assert_eq!(answer.usage.calls, 2);
    let budgets: Vec<_> = server.received().iter().map(|r| r.max_tokens()).collect();
    assert_eq!(
        budgets,
        vec![Some(budget), Some(budget * 2)],
        "asked once more with twice llm.coder.max_tokens"
    );
}

#[tokio::test]
async fn planner_gives_up_with_a_bad_answer_after_every_reask() {
    let server =
        FakeLlm::start(|_, _| Reply::answer("I think a ball and a gap would be nice.")).await;
    let a = agents(config(server.base_url()));
    let err = in_session(
        SessionScope {
            id: "s-bad".into(),
            dir: None,
        },
        a.planner.plan(PlanRequest::new("gap")),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AgentError::BadAnswer { .. }), "{err}");
    assert!(!err.is_endpoint_failure());
    assert!(err.to_string().contains("after 3 attempt"), "{err}");
    assert_eq!(server.received().len(), 3);
    let usage = a.shared.session_usage("s-bad").unwrap();
    assert_eq!((usage.model_failures(), usage.endpoint_failures()), (3, 0));
}

#[tokio::test]
async fn planner_passes_on_a_refusal_with_its_code() {
    let server = FakeLlm::scripted(vec![Reply::answer(
        "{\"refusal\": {\"code\": \"contradictory\", \"reason\": \"a 2 m ball cannot enter a 0.1 m cup\"}}",
    )])
    .await;
    let a = agents(config(server.base_url()));
    let answer = a
        .planner
        .plan(PlanRequest::new("a 2 m ball into a 10 cm cup"))
        .await
        .unwrap();
    let PlanOutcome::Refused(r) = answer.value else {
        panic!("planned")
    };
    assert_eq!(r.code.name(), "contradictory");
}

// ---------------------------------------------------------------- coder

#[tokio::test]
async fn coder_extracts_a_fenced_script_that_compiles_and_builds() {
    let server = FakeLlm::scripted(vec![Reply::answer(fenced(GOOD_SCRIPT))]).await;
    let a = agents(config(server.base_url()));
    let answer = a.coder.code(code_request()).await.unwrap();
    assert!(answer.value.source.contains("fn build(seed, scale)"));
    assert!(!answer.value.source.contains("Here is the script"));
    assert!(benchforge::script::SceneScript::compile(&answer.value.source).is_ok());
    let system = server.received()[0].system_prompt();
    assert!(
        system.contains("Scene script API"),
        "the API reference is in the prompt"
    );
    assert!(
        system.contains("ball_gap_bridge.rhai"),
        "the examples are in the prompt"
    );
}

#[tokio::test]
async fn coder_takes_an_unfenced_script_out_of_chatter() {
    let text = format!("Okay, I wrote it:\n{GOOD_SCRIPT}\nThis should pass all the checks!");
    let server = FakeLlm::scripted(vec![Reply::answer(text)]).await;
    let a = agents(config(server.base_url()));
    let answer = a.coder.code(code_request()).await.unwrap();
    assert!(!answer.value.source.contains("This should pass"));
    assert!(!answer.value.source.contains("Okay, I wrote it"));
}

#[tokio::test]
async fn coder_reprompts_with_the_sandbox_error_for_an_unknown_function() {
    let wrong = "fn build(seed, scale) {\n    let scene = new_scene([-1.0, -1.0, 0.0], [1.0, 1.0, 1.0]);\n    scene.add_box([0.1, 0.1, 0.1], [0.0, 0.0, 0.5]);\n    scene\n}\n";
    let server = FakeLlm::scripted(vec![
        Reply::answer(fenced(wrong)),
        Reply::answer(fenced(GOOD_SCRIPT)),
    ])
    .await;
    let a = agents(config(server.base_url()));
    let answer = in_session(
        SessionScope {
            id: "s-unknown-fn".into(),
            dir: None,
        },
        a.coder.code(code_request()),
    )
    .await
    .unwrap();
    assert!(answer.value.source.contains("fn solve"));
    let reask = server.received()[1].last_message();
    assert!(
        reask.contains("add_box"),
        "the sandbox's error names the function: {reask}"
    );
    let usage = a.shared.session_usage("s-unknown-fn").unwrap();
    assert_eq!((usage.model_failures(), usage.endpoint_failures()), (1, 0));
}

#[tokio::test]
async fn coder_sends_feedback_and_the_previous_script_when_revising() {
    let server = FakeLlm::scripted(vec![Reply::answer(fenced(GOOD_SCRIPT))]).await;
    let a = agents(config(server.base_url()));
    let mut request = code_request();
    request.attempt = 2;
    request.previous_script = Some(ScriptDraft {
        source: "fn build(seed, scale) { previous_marker() }".into(),
        attempt: 1,
        changes: vec![],
        scale_ranges: plan().scale_ranges,
    });
    request.feedback = Some(Feedback {
        summary: "seed 3: gate 3 (geometry): left_deck overlaps pit_floor by 0.012 m".into(),
        report: None,
        review_comments: vec!["lower the wedge".into()],
    });
    let answer = a.coder.code(request).await.unwrap();
    assert_eq!(answer.value.attempt, 2);
    let sent = server.received()[0].last_message();
    assert!(sent.contains("left_deck overlaps pit_floor by 0.012 m"));
    assert!(sent.contains("previous_marker"));
    assert!(sent.contains("lower the wedge"));
}

#[tokio::test]
async fn coder_is_told_the_budget_its_theme_states() {
    let server = FakeLlm::scripted(vec![Reply::answer(fenced(GOOD_SCRIPT))]).await;
    let a = agents(config(server.base_url()));
    let mut request = code_request();
    request.budget = Some(benchforge::budget::Budget {
        max_mass_kg: Some(0.5),
        max_motor_power_w: Some(20.0),
        ..Default::default()
    });
    a.coder.code(request).await.unwrap();
    let sent = server.received()[0].last_message();
    assert!(
        sent.contains("The theme states a budget for the solution"),
        "{sent}"
    );
    assert!(sent.contains("- total mass: at most 0.5 kg ("), "{sent}");
    assert!(
        sent.contains("- total motor power: at most 20 W ("),
        "{sent}"
    );
    assert!(!sent.contains("part count: at most"), "{sent}");
    // Without a stated budget nothing is said about one.
    let server = FakeLlm::scripted(vec![Reply::answer(fenced(GOOD_SCRIPT))]).await;
    let a = agents(config(server.base_url()));
    a.coder.code(code_request()).await.unwrap();
    assert!(!server.received()[0]
        .last_message()
        .contains("budget for the solution"));
}

#[tokio::test]
async fn coder_survives_500s_and_a_429_with_retry_after() {
    let server = FakeLlm::scripted(vec![
        Reply::status(500),
        Reply::too_many(1),
        Reply::answer(fenced(GOOD_SCRIPT)),
    ])
    .await;
    let a = agents(config(server.base_url()));
    let answer = in_session(
        SessionScope {
            id: "s-flaky".into(),
            dir: None,
        },
        a.coder.code(code_request()),
    )
    .await
    .unwrap();
    assert!(answer.value.source.contains("fn build"));
    let received = server.received();
    assert!(
        received[2].at - received[1].at >= Duration::from_millis(950),
        "Retry-After honoured"
    );
    let usage = a.shared.session_usage("s-flaky").unwrap();
    assert_eq!((usage.endpoint_failures(), usage.model_failures()), (2, 0));
}

#[tokio::test]
async fn an_unreachable_endpoint_is_not_a_bad_model() {
    let a = agents(config(closed_port_base_url().await));
    let err = a.coder.code(code_request()).await.unwrap_err();
    assert!(err.is_endpoint_failure(), "{err}");
    assert!(err.to_string().contains("refused"), "{err}");

    let server = FakeLlm::start(|_, _| Reply::slow("late", Duration::from_secs(3))).await;
    let a = agents(LlmConfig {
        request_timeout_s: 0.2,
        max_retries: 1,
        ..config(server.base_url())
    });
    let err = a.planner.plan(PlanRequest::new("gap")).await.unwrap_err();
    assert!(err.is_endpoint_failure(), "{err}");
    assert!(err.to_string().contains("within 0.2 s"), "{err}");

    let server = FakeLlm::start(|_, _| Reply::MalformedHttp).await;
    let a = agents(config(server.base_url()));
    let err = a
        .reviewer
        .review(review_request(views(3)))
        .await
        .unwrap_err();
    assert!(err.is_endpoint_failure(), "{err}");
}

// ---------------------------------------------------------------- reviewer

#[tokio::test]
async fn reviewer_sends_six_views_and_the_contact_sheet_and_reads_the_decision() {
    let server = FakeLlm::scripted(vec![Reply::answer(format!(
        "My verdict:\n{}",
        review_approve()
    ))])
    .await;
    let a = agents(config(server.base_url()));
    let answer = a.reviewer.review(review_request(views(24))).await.unwrap();
    assert_eq!(answer.value.decision, Decision::Approve);
    // The comment, then how each stated fact is met.
    assert_eq!(
        answer.value.comments.len(),
        1 + plan().intent.describe().len()
    );
    assert!(answer.value.comments[1].starts_with("F1: "));
    let req = &server.received()[0];
    assert_eq!(req.image_count(), 7);
    assert!(
        req.last_message().contains("\"left_deck\" (fixed, wood)"),
        "the parts list"
    );
    assert!(
        req.last_message().contains("fn solve(seed, scale) {"),
        "the solution's source"
    );
    assert!(req.last_message().contains("contact_sheet"));
    assert!(req.last_message().contains("every gate passed"));
}

#[tokio::test]
async fn reviewer_reasks_when_the_format_is_wrong() {
    let server = FakeLlm::scripted(vec![
        Reply::answer("{\"decision\": \"reject\", \"target\": null, \"comments\": [\"too plain\"]}"),
        Reply::answer("{\"decision\": \"reject\", \"target\": \"coder\", \"comments\": [\"raise the right deck by 0.05 m\"]}"),
    ])
    .await;
    let a = agents(config(server.base_url()));
    let answer = a.reviewer.review(review_request(views(4))).await.unwrap();
    assert_eq!(answer.value.decision, Decision::RejectToCoder);
    assert!(server.received()[1]
        .last_message()
        .contains("needs `target`"));
}

#[tokio::test]
async fn an_approval_that_skips_a_stated_fact_is_sent_back() {
    let skipped = serde_json::json!({
        "decision": "approve", "target": null, "comments": ["fine"], "facts": ["F1: a ball"],
    })
    .to_string();
    let server = FakeLlm::scripted(vec![
        Reply::answer(skipped),
        Reply::answer(review_approve()),
    ])
    .await;
    let a = agents(config(server.base_url()));
    let answer = a.reviewer.review(review_request(views(2))).await.unwrap();
    assert_eq!(answer.value.decision, Decision::Approve);
    let again = server.received()[1].last_message();
    assert!(again.contains("missing: F2"), "{again}");
}

#[tokio::test]
async fn a_text_only_reviewer_gets_no_images() {
    let server = FakeLlm::scripted(vec![Reply::answer(review_approve())]).await;
    let mut c = config(server.base_url());
    c.reviewer.vision = false;
    let a = agents(c);
    a.reviewer.review(review_request(views(24))).await.unwrap();
    let req = &server.received()[0];
    assert_eq!(req.image_count(), 0);
    assert!(req.last_message().contains("No images are attached"));
}

// ---------------------------------------------------------------- sessions

#[tokio::test]
async fn traces_hold_every_request_and_restore_usage_for_caps() {
    let server = FakeLlm::scripted(vec![
        Reply::answer(EXAMPLE_PLAN),
        Reply::status(503),
        Reply::answer(fenced(GOOD_SCRIPT)),
        Reply::answer(review_approve()),
    ])
    .await;
    let dir = temp_dir("traces");
    let scope = || SessionScope {
        id: "s-traced".into(),
        dir: Some(dir.clone()),
    };
    let a = agents(config(server.base_url()));
    let planned = in_session(scope(), a.planner.plan(PlanRequest::new("gap")))
        .await
        .unwrap();
    let coded = in_session(scope(), a.coder.code(code_request()))
        .await
        .unwrap();
    let reviewed = in_session(scope(), a.reviewer.review(review_request(views(8))))
        .await
        .unwrap();
    let records = TraceLog::read_all(&dir.join(TRACES_FILE)).unwrap();
    assert_eq!(records.len(), 4);
    let roles: Vec<_> = records.iter().map(|r| r.role).collect();
    assert_eq!(
        roles,
        [
            LlmRole::Planner,
            LlmRole::Coder,
            LlmRole::Coder,
            LlmRole::Reviewer
        ]
    );
    assert_eq!(records[1].outcome, "endpoint_error");
    assert!(records
        .iter()
        .all(|r| r.session == "s-traced" && r.latency_s >= 0.0));
    let restored = usage_from_traces(&dir, a.shared.config());
    let total = planned.usage + coded.usage + reviewed.usage;
    assert_eq!(restored.tokens().prompt_tokens, total.input_tokens);
    assert_eq!(restored.tokens().completion_tokens, total.output_tokens);
    assert_eq!(restored.requests(), 3);

    // A new process (fresh agents) with a cap the session already reached stops at once.
    let capped = agents(LlmConfig {
        caps: SessionCaps {
            max_requests: Some(3),
            ..SessionCaps::default()
        },
        ..config(server.base_url())
    });
    let err = in_session(scope(), capped.planner.plan(PlanRequest::new("gap")))
        .await
        .unwrap_err();
    assert!(matches!(err, AgentError::BudgetExceeded { .. }), "{err}");
    assert!(err.to_string().contains("requests"), "{err}");
    assert_eq!(
        server.received().len(),
        4,
        "the capped request was never sent"
    );
}

#[tokio::test]
async fn concurrent_sessions_keep_their_own_ledgers_and_traces() {
    let server = FakeLlm::start(|_, _| Reply::slow(EXAMPLE_PLAN, Duration::from_millis(50))).await;
    let a = Arc::new(agents(config(server.base_url())));
    let root = temp_dir("concurrent");
    let mut tasks = Vec::new();
    for i in 0..6 {
        let a = a.clone();
        let dir = root.join(format!("s{i}"));
        tasks.push(tokio::spawn(async move {
            let scope = SessionScope {
                id: format!("s{i}"),
                dir: Some(dir),
            };
            in_session(scope, a.planner.plan(PlanRequest::new("gap"))).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    for i in 0..6 {
        let records = TraceLog::read_all(&root.join(format!("s{i}")).join(TRACES_FILE)).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].session, format!("s{i}"));
        assert_eq!(
            a.shared.session_usage(&format!("s{i}")).unwrap().requests(),
            1
        );
    }
}

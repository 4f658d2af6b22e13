//! The chat-completions client against a fake OpenAI-compatible server on loopback: good
//! answers, retries on 500/429 (honouring Retry-After), timeouts, refused connections,
//! malformed HTTP, cut-off answers, the concurrency cap, session caps, traces — and every
//! failure counted on its side (endpoint vs model).

#[path = "common/fake_llm.rs"]
mod fake_llm;

use std::sync::Arc;
use std::time::Duration;

use benchforge::llm::client::{retry_budget, MAX_RETRY_TOKENS};
use benchforge::llm::{
    CallContext, ChatCall, ChatMessage, ContentPart, EndpointError, FailureSide, LlmClient,
    LlmConfig, LlmError, LlmRole, SessionCaps, TraceLog, UsageLedger,
};
use fake_llm::{closed_port_base_url, FakeLlm, Reply};

fn config(base_url: String) -> LlmConfig {
    LlmConfig {
        base_url,
        model: "fake-model".into(),
        request_timeout_s: 2.0,
        connect_timeout_s: 1.0,
        max_retries: 2,
        backoff_initial_s: 0.01,
        backoff_max_s: 5.0,
        ..LlmConfig::default()
    }
}

fn call(text: &str) -> ChatCall {
    ChatCall {
        role: LlmRole::Coder,
        messages: vec![
            ChatMessage::system("you write scripts"),
            ChatMessage::user(text),
        ],
        json_schema: None,
    }
}

fn traced(dir: &std::path::Path) -> CallContext {
    CallContext {
        session: "s-test".into(),
        ledger: Arc::new(UsageLedger::default()),
        trace: Some(Arc::new(TraceLog::new(dir.join("traces.jsonl")))),
    }
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "benchforge-llm-client-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn good_answer_counts_tokens_sends_key_and_traces_without_it() {
    let server = FakeLlm::scripted(vec![Reply::answer("hello there")]).await;
    // SAFETY-free in edition 2021; a variable only this test uses.
    std::env::set_var("BENCHFORGE_TEST_KEY_GOOD", "sk-very-secret-value");
    let client = LlmClient::new(LlmConfig {
        api_key_env: Some("BENCHFORGE_TEST_KEY_GOOD".into()),
        ..config(server.base_url())
    })
    .unwrap();
    let dir = temp_dir("good");
    let ctx = traced(&dir);
    let answer = client.chat(&call("hi"), &ctx).await.unwrap();
    assert_eq!(answer.content, "hello there");
    assert_eq!(answer.finish_reason, "stop");
    assert_eq!(answer.http_tries, 1);
    assert!(answer.tokens.prompt_tokens > 0 && answer.tokens.completion_tokens > 0);

    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].path, "/v1/chat/completions");
    assert_eq!(
        received[0].header("authorization"),
        Some("Bearer sk-very-secret-value")
    );
    assert_eq!(received[0].body["model"], "fake-model");

    let usage = ctx.ledger.snapshot();
    assert_eq!(usage.requests(), 1);
    assert_eq!(usage.tokens(), answer.tokens);
    assert_eq!(usage.endpoint_failures(), 0);

    let text = std::fs::read_to_string(dir.join("traces.jsonl")).unwrap();
    assert!(
        !text.contains("sk-very-secret-value"),
        "the key leaked into traces"
    );
    let records = TraceLog::read_all(&dir.join("traces.jsonl")).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].outcome, "answer");
    assert_eq!(records[0].answer.as_deref(), Some("hello there"));
    assert_eq!(records[0].tokens, Some(answer.tokens));
    assert_eq!(records[0].request[1].text_content(), "hi");
}

#[tokio::test]
async fn server_errors_are_retried_and_counted_as_endpoint_failures() {
    let server = FakeLlm::scripted(vec![
        Reply::status(500),
        Reply::status(502),
        Reply::answer("finally"),
    ])
    .await;
    let client = LlmClient::new(config(server.base_url())).unwrap();
    let dir = temp_dir("retry");
    let ctx = traced(&dir);
    let answer = client.chat(&call("x"), &ctx).await.unwrap();
    assert_eq!(answer.content, "finally");
    assert_eq!(answer.http_tries, 3);
    let usage = ctx.ledger.snapshot();
    assert_eq!(usage.endpoint_failures(), 2);
    assert_eq!(usage.model_failures(), 0);
    assert_eq!(usage.requests(), 1);
    let stats = client.endpoint(LlmRole::Coder).stats();
    assert_eq!(
        (
            stats.http_tries,
            stats.answers,
            stats.endpoint_failures,
            stats.retries
        ),
        (3, 1, 2, 2)
    );
    let records = TraceLog::read_all(&dir.join("traces.jsonl")).unwrap();
    let outcomes: Vec<_> = records.iter().map(|r| r.outcome.as_str()).collect();
    assert_eq!(outcomes, ["endpoint_error", "endpoint_error", "answer"]);
}

#[tokio::test]
async fn persistent_500_fails_as_endpoint_after_every_retry() {
    let server = FakeLlm::start(|_, _| Reply::status(500)).await;
    let client = LlmClient::new(config(server.base_url())).unwrap();
    let ctx = CallContext::untraced("s");
    let err = client.chat(&call("x"), &ctx).await.unwrap_err();
    assert_eq!(err.side(), FailureSide::Endpoint);
    assert!(matches!(
        err,
        LlmError::Endpoint(EndpointError::Status { status: 500, .. })
    ));
    assert_eq!(server.received().len(), 3, "1 try + 2 retries");
    assert_eq!(ctx.ledger.snapshot().endpoint_failures(), 3);
    assert_eq!(ctx.ledger.snapshot().model_failures(), 0);
}

#[tokio::test]
async fn too_many_requests_waits_as_long_as_retry_after_says() {
    let server = FakeLlm::scripted(vec![Reply::too_many(1), Reply::answer("ok")]).await;
    let client = LlmClient::new(config(server.base_url())).unwrap();
    let answer = client
        .chat(&call("x"), &CallContext::untraced("s"))
        .await
        .unwrap();
    assert_eq!(answer.content, "ok");
    let received = server.received();
    let waited = received[1].at - received[0].at;
    // The exponential backoff alone would wait ~0.01 s; Retry-After says 1 s.
    assert!(
        waited >= Duration::from_millis(950),
        "waited only {waited:?}"
    );
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = FakeLlm::start(|_, _| Reply::status(404)).await;
    let client = LlmClient::new(config(server.base_url())).unwrap();
    let err = client
        .chat(&call("x"), &CallContext::untraced("s"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            LlmError::Endpoint(EndpointError::Status { status: 404, .. })
        ),
        "{err}"
    );
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn an_answer_slower_than_the_timeout_is_an_endpoint_timeout() {
    let server = FakeLlm::start(|_, _| Reply::slow("late", Duration::from_secs(5))).await;
    let client = LlmClient::new(LlmConfig {
        request_timeout_s: 0.3,
        max_retries: 1,
        ..config(server.base_url())
    })
    .unwrap();
    let started = std::time::Instant::now();
    let err = client
        .chat(&call("x"), &CallContext::untraced("s"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, LlmError::Endpoint(EndpointError::Timeout { .. })),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the timeout did not cut the wait"
    );
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn a_slow_answer_then_a_fast_one_succeeds() {
    let server = FakeLlm::scripted(vec![
        Reply::slow("late", Duration::from_secs(5)),
        Reply::answer("on time"),
    ])
    .await;
    let client = LlmClient::new(LlmConfig {
        request_timeout_s: 0.3,
        ..config(server.base_url())
    })
    .unwrap();
    let ctx = CallContext::untraced("s");
    let answer = client.chat(&call("x"), &ctx).await.unwrap();
    assert_eq!(answer.content, "on time");
    assert_eq!(
        ctx.ledger.snapshot().roles[&LlmRole::Coder].endpoint_failures["timeout"],
        1
    );
}

#[tokio::test]
async fn connection_refused_is_an_endpoint_failure_not_a_bad_model() {
    let client = LlmClient::new(config(closed_port_base_url().await)).unwrap();
    let ctx = CallContext::untraced("s");
    let err = client.chat(&call("x"), &ctx).await.unwrap_err();
    assert!(
        matches!(err, LlmError::Endpoint(EndpointError::Refused { .. })),
        "{err}"
    );
    assert_eq!(err.side(), FailureSide::Endpoint);
    let usage = ctx.ledger.snapshot();
    assert_eq!(usage.endpoint_failures(), 3);
    assert_eq!(usage.model_failures(), 0);
    assert_eq!(usage.requests(), 0);
}

#[tokio::test]
async fn malformed_http_and_bad_envelopes_are_endpoint_failures() {
    let server = FakeLlm::scripted(vec![
        Reply::MalformedHttp,
        Reply::BadEnvelope,
        Reply::answer("good"),
    ])
    .await;
    let client = LlmClient::new(config(server.base_url())).unwrap();
    let ctx = CallContext::untraced("s");
    let answer = client.chat(&call("x"), &ctx).await.unwrap();
    assert_eq!(answer.content, "good");
    let usage = ctx.ledger.snapshot();
    let kinds = &usage.roles[&LlmRole::Coder].endpoint_failures;
    assert_eq!(kinds.get("malformed"), Some(&2), "{kinds:?}");

    let server = FakeLlm::start(|_, _| Reply::MalformedHttp).await;
    let client = LlmClient::new(config(server.base_url())).unwrap();
    let err = client
        .chat(&call("x"), &CallContext::untraced("s"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, LlmError::Endpoint(EndpointError::Malformed { .. })),
        "{err}"
    );
}

#[tokio::test]
async fn a_cut_off_answer_is_asked_again_once_with_twice_the_budget() {
    let server = FakeLlm::scripted(vec![
        Reply::cut_off("{\"theme\": \"a gap\", \"fix"),
        Reply::answer("{\"theme\": \"a gap\"}"),
    ])
    .await;
    let mut c = config(server.base_url());
    c.coder.max_tokens = Some(1500);
    let client = LlmClient::new(c).unwrap();
    let ctx = CallContext::untraced("s");
    let answer = client.chat(&call("x"), &ctx).await.unwrap();
    assert_eq!(answer.usable_text().unwrap(), "{\"theme\": \"a gap\"}");
    assert_eq!((answer.answers, answer.max_tokens), (2, 3000));
    let received = server.received();
    let budgets: Vec<_> = received.iter().map(|r| r.max_tokens()).collect();
    assert_eq!(budgets, vec![Some(1500), Some(3000)]);
    assert_eq!(received[0].body["messages"], received[1].body["messages"]);
    let usage = ctx.ledger.snapshot();
    let coder = &usage.roles[&LlmRole::Coder];
    assert_eq!(coder.model_failures.get("truncated"), Some(&1));
    assert_eq!(coder.requests, 2, "both answers are counted");
    assert_eq!(
        answer.tokens, coder.tokens,
        "the returned tokens count both answers"
    );
}

#[tokio::test]
async fn an_answer_cut_off_again_is_a_bad_answer_naming_the_role_and_budget() {
    let server = FakeLlm::start(|_, _| Reply::cut_off("{\"theme\": \"a gap\", \"fix")).await;
    let client = LlmClient::new(config(server.base_url())).unwrap();
    let answer = client
        .chat(&call("x"), &CallContext::untraced("s"))
        .await
        .unwrap();
    let err = answer.usable_text().unwrap_err();
    assert_eq!(err.kind(), "truncated");
    let text = err.to_string();
    for part in [
        "coder",
        "8192 tokens",
        "finish_reason: length",
        "llm.coder.max_tokens",
    ] {
        assert!(text.contains(part), "{part:?} missing from: {text}");
    }
    assert_eq!(server.received().len(), 2, "one re-ask, not more");
}

#[tokio::test]
async fn the_reask_budget_never_passes_the_hard_cap() {
    assert_eq!(retry_budget(2048), Some(4096));
    assert_eq!(retry_budget(20_000), Some(MAX_RETRY_TOKENS));
    assert_eq!(retry_budget(MAX_RETRY_TOKENS), None);
    assert_eq!(retry_budget(u32::MAX / 2 + 7), None);
    let server = FakeLlm::start(|_, _| Reply::cut_off("cut")).await;
    let mut c = config(server.base_url());
    c.coder.max_tokens = Some(MAX_RETRY_TOKENS);
    let client = LlmClient::new(c).unwrap();
    let answer = client
        .chat(&call("x"), &CallContext::untraced("s"))
        .await
        .unwrap();
    assert!(answer.is_truncated());
    assert_eq!(server.received().len(), 1, "no larger budget to ask with");
}

#[tokio::test]
async fn a_server_refusing_the_larger_budget_is_an_endpoint_failure_not_a_schema_refusal() {
    let server = FakeLlm::start(|req, _| {
        if req.max_tokens() > Some(2048) {
            Reply::status(400)
        } else {
            Reply::cut_off("{\"a\": ")
        }
    })
    .await;
    let client = LlmClient::new(config(server.base_url())).unwrap();
    let mut c = call("x");
    c.role = LlmRole::Planner;
    c.json_schema = Some(("thing".into(), serde_json::json!({"type": "object"})));
    let err = client
        .chat(&c, &CallContext::untraced("s"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            LlmError::Endpoint(EndpointError::Status { status: 400, .. })
        ),
        "{err}"
    );
    let received = server.received();
    assert_eq!(received.len(), 2);
    assert!(
        received[1].body.get("response_format").is_some(),
        "the schema is still sent: the 400 was about the budget"
    );
}

#[tokio::test]
async fn schema_refused_falls_back_to_plain_text_once_and_remembers() {
    let server = FakeLlm::start(|req, _| {
        if req.body.get("response_format").is_some() {
            Reply::status(400)
        } else {
            Reply::answer("{\"ok\": true}")
        }
    })
    .await;
    let client = LlmClient::new(config(server.base_url())).unwrap();
    let mut c = call("x");
    c.json_schema = Some(("thing".into(), serde_json::json!({"type": "object"})));
    let ctx = CallContext::untraced("s");
    assert_eq!(
        client.chat(&c, &ctx).await.unwrap().content,
        "{\"ok\": true}"
    );
    assert_eq!(
        client.chat(&c, &ctx).await.unwrap().content,
        "{\"ok\": true}"
    );
    let received = server.received();
    assert_eq!(received.len(), 3, "one refusal, then plain requests only");
    assert!(received[0].body.get("response_format").is_some());
    assert!(received[1].body.get("response_format").is_none());
    assert_eq!(client.endpoint(LlmRole::Coder).stats().schema_fallbacks, 1);
}

#[tokio::test]
async fn concurrent_requests_stay_within_the_cap() {
    let server = FakeLlm::start(|_, _| Reply::slow("ok", Duration::from_millis(150))).await;
    let client = LlmClient::new(LlmConfig {
        max_concurrent_requests: 2,
        ..config(server.base_url())
    })
    .unwrap();
    let ctx = CallContext::untraced("s");
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let client = client.clone();
        let ctx = ctx.clone();
        tasks.push(tokio::spawn(
            async move { client.chat(&call("x"), &ctx).await },
        ));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(server.max_in_flight(), 2);
    assert_eq!(ctx.ledger.snapshot().requests(), 6);
}

#[tokio::test]
async fn session_caps_stop_further_requests_with_a_clear_reason() {
    let server = FakeLlm::start(|_, _| Reply::answer("ok")).await;
    let client = LlmClient::new(LlmConfig {
        caps: SessionCaps {
            max_requests: Some(2),
            ..SessionCaps::default()
        },
        ..config(server.base_url())
    })
    .unwrap();
    let ctx = CallContext::untraced("s");
    client.chat(&call("x"), &ctx).await.unwrap();
    client.chat(&call("x"), &ctx).await.unwrap();
    let err = client.chat(&call("x"), &ctx).await.unwrap_err();
    assert_eq!(err.side(), FailureSide::Cap);
    assert!(err.to_string().contains("llm.caps.max_requests"), "{err}");
    assert_eq!(
        server.received().len(),
        2,
        "the capped request was never sent"
    );
}

#[tokio::test]
async fn images_are_sent_as_data_urls_but_traced_by_size() {
    let server = FakeLlm::scripted(vec![Reply::answer("seen")]).await;
    let client = LlmClient::new(config(server.base_url())).unwrap();
    let dir = temp_dir("images");
    let ctx = traced(&dir);
    let png = vec![0x89, b'P', b'N', b'G', 1, 2, 3, 4];
    let c = ChatCall {
        role: LlmRole::Reviewer,
        messages: vec![ChatMessage::user_parts(vec![
            ContentPart::text("look"),
            ContentPart::png(&png),
            ContentPart::png(&png),
        ])],
        json_schema: None,
    };
    client.chat(&c, &ctx).await.unwrap();
    let received = server.received();
    assert_eq!(received[0].image_count(), 2);
    let url = received[0].body["messages"][0]["content"][1]["image_url"]["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(url.starts_with("data:image/png;base64,"));
    let trace = std::fs::read_to_string(dir.join("traces.jsonl")).unwrap();
    assert!(!trace.contains("base64,"), "image data in the trace");
    assert!(trace.contains("[image:"));
}

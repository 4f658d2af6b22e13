//! Hostile model servers on loopback: a huge answer (endless, or a lying Content-Length), a
//! slow one, redirects to another host, refused keys, absurd token counts, Retry-After
//! beyond reason, invalid UTF-8 and terminal escapes. The client must stop at the answer
//! size limit, the whole-request timeout and the backoff bound, never follow a redirect,
//! say "the API key was refused" for 401/403, and never let a token count wrap the cap.

#[path = "common/fake_llm.rs"]
mod fake_llm;

use std::sync::Arc;
use std::time::{Duration, Instant};

use benchforge::llm::{
    CallContext, ChatCall, ChatMessage, EndpointError, LlmClient, LlmConfig, LlmError, LlmRole,
    SessionCaps, UsageLedger,
};
use fake_llm::{FakeLlm, Reply};

fn config(base_url: String) -> LlmConfig {
    LlmConfig {
        base_url,
        model: "fake-model".into(),
        request_timeout_s: 1.0,
        connect_timeout_s: 1.0,
        max_retries: 2,
        backoff_initial_s: 0.01,
        backoff_max_s: 0.05,
        ..LlmConfig::default()
    }
}

fn call() -> ChatCall {
    ChatCall {
        role: LlmRole::Coder,
        messages: vec![
            ChatMessage::system("s"),
            ChatMessage::user("the secret prompt"),
        ],
        json_schema: None,
    }
}

async fn chat(server: &FakeLlm) -> Result<benchforge::llm::ChatAnswer, LlmError> {
    let client = LlmClient::new(config(server.base_url())).unwrap();
    client.chat(&call(), &CallContext::untraced("s")).await
}

fn endpoint(err: LlmError) -> EndpointError {
    match err {
        LlmError::Endpoint(e) => e,
        other => panic!("expected an endpoint failure, got {other}"),
    }
}

#[tokio::test]
async fn an_endless_answer_stops_at_the_answer_size_limit_and_is_not_retried() {
    let server = FakeLlm::start(|_, _| Reply::Endless {
        chunk_bytes: 65_536,
    })
    .await;
    let err = endpoint(chat(&server).await.unwrap_err());
    assert!(matches!(err, EndpointError::TooLarge { .. }), "{err}");
    assert!(err.to_string().contains("answer size limit"), "{err}");
    assert_eq!(
        server.received().len(),
        1,
        "an oversized answer is not asked again"
    );
}

#[tokio::test]
async fn a_lying_content_length_is_refused_before_reading() {
    let server = FakeLlm::start(|_, _| {
        Reply::Raw(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 700000000000\r\n\r\n{\"choices\":".to_vec())
    })
    .await;
    let err = endpoint(chat(&server).await.unwrap_err());
    assert!(matches!(err, EndpointError::TooLarge { .. }), "{err}");
}

#[tokio::test]
async fn a_dripping_answer_ends_at_the_whole_request_timeout() {
    let server = FakeLlm::start(|_, _| Reply::Drip {
        bytes: 10_000,
        every: Duration::from_millis(50),
    })
    .await;
    let client = LlmClient::new(LlmConfig {
        max_retries: 0,
        ..config(server.base_url())
    })
    .unwrap();
    let started = Instant::now();
    let err = endpoint(
        client
            .chat(&call(), &CallContext::untraced("s"))
            .await
            .unwrap_err(),
    );
    assert!(matches!(err, EndpointError::Timeout { .. }), "{err}");
    // Bytes kept arriving, yet the whole request ended (a per-read timeout never would).
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn redirects_are_never_followed_so_the_prompt_stays_home() {
    let elsewhere = FakeLlm::start(|_, _| Reply::answer("stolen")).await;
    let target = format!("{}/chat/completions", elsewhere.base_url());
    for status in [301, 302, 307, 308] {
        let target = target.clone();
        let server = FakeLlm::start(move |_, _| Reply::Redirect {
            status,
            location: target.clone(),
        })
        .await;
        let err = endpoint(chat(&server).await.unwrap_err());
        assert!(
            matches!(err, EndpointError::Redirect { .. }),
            "{status}: {err}"
        );
        assert!(
            err.to_string().contains("redirects are not followed"),
            "{err}"
        );
        assert_eq!(server.received().len(), 1, "{status}: retried");
    }
    assert!(
        elsewhere.received().is_empty(),
        "the prompt reached the other host"
    );
}

#[tokio::test]
async fn a_refused_key_says_so_and_is_not_retried() {
    for status in [401, 403] {
        let server = FakeLlm::start(move |_, _| Reply::status(status)).await;
        let err = endpoint(chat(&server).await.unwrap_err());
        assert!(matches!(err, EndpointError::KeyRefused { .. }), "{err}");
        assert!(err.to_string().contains("the API key was refused"), "{err}");
        assert!(!err.is_retryable());
        assert_eq!(server.received().len(), 1);
    }
}

#[tokio::test]
async fn retry_after_beyond_reason_waits_only_the_configured_bound() {
    let server = FakeLlm::scripted(vec![
        Reply::Status {
            status: 429,
            retry_after_s: Some(u32::MAX),
            body: "slow down".into(),
        },
        Reply::status(503),
        Reply::answer("ok"),
    ])
    .await;
    let started = Instant::now();
    let answer = chat(&server).await.unwrap();
    assert_eq!(answer.content, "ok");
    assert_eq!(answer.http_tries, 3);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "waited {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn absurd_token_counts_cannot_wrap_past_the_session_cap() {
    let body = r#"{"choices":[{"message":{"content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":18446744073709551615,"completion_tokens":2}}"#;
    let raw = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes();
    let server = FakeLlm::start(move |_, _| Reply::Raw(raw.clone())).await;
    let client = LlmClient::new(LlmConfig {
        caps: SessionCaps {
            max_tokens: Some(1_000),
            ..SessionCaps::default()
        },
        ..config(server.base_url())
    })
    .unwrap();
    let ctx = CallContext {
        session: "s".into(),
        ledger: Arc::new(UsageLedger::default()),
        trace: None,
    };
    client.chat(&call(), &ctx).await.unwrap();
    // u64::MAX + 2 wraps to 1 token: under the cap, unless counts are clamped.
    client
        .chat(&call(), &ctx)
        .await
        .expect_err("the first answer used the whole cap");
    for _ in 0..3 {
        let err = client.chat(&call(), &ctx).await.unwrap_err();
        assert!(matches!(err, LlmError::Cap(_)), "{err}");
    }
    assert_eq!(
        server.received().len(),
        1,
        "a capped session sent more requests"
    );
}

#[tokio::test]
async fn a_body_that_is_not_utf8_or_has_escapes_is_malformed_on_one_line() {
    let mut raw = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 12\r\n\r\n".to_vec();
    raw.extend_from_slice(b"\x1b[2J\nfake\xff\xfe\x00x");
    let server = FakeLlm::start(move |_, _| Reply::Raw(raw.clone())).await;
    let err = endpoint(chat(&server).await.unwrap_err());
    let text = err.to_string();
    assert!(!text.contains('\u{1b}') && !text.contains('\n'), "{text:?}");
    let bad_utf8 = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n\xff\xfe\xfd\xfc".to_vec();
    let server = FakeLlm::start(move |_, _| Reply::Raw(bad_utf8.clone())).await;
    let err = endpoint(chat(&server).await.unwrap_err());
    assert!(matches!(err, EndpointError::Malformed { .. }), "{err}");
}

/// A server whose accept queue is full: the listener exists but never accepts, and once its
/// backlog is taken new connections are not even answered — the connect timeout must end
/// the wait, say so and name its setting, well before the whole-request timeout.
#[tokio::test]
async fn a_server_that_never_accepts_ends_at_the_connect_timeout() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    // Fill the accept queue (never accepted) so the next SYNs go unanswered.
    let mut held = Vec::new();
    for _ in 0..4096 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(50)) {
            Ok(s) => held.push(s),
            Err(_) => break,
        }
    }
    let client = LlmClient::new(LlmConfig {
        connect_timeout_s: 0.3,
        request_timeout_s: 20.0,
        max_retries: 0,
        ..config(format!("http://{addr}/v1"))
    })
    .unwrap();
    let started = std::time::Instant::now();
    let err = client
        .chat(&call(), &CallContext::untraced("s"))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(
            err,
            LlmError::Endpoint(EndpointError::ConnectTimeout { .. })
        ),
        "{err}"
    );
    assert!(err.to_string().contains("llm.connect_timeout_s"), "{err}");
    assert!(
        elapsed < Duration::from_secs(10),
        "the connect timeout did not end the wait: {elapsed:?}"
    );
    drop(held);
    drop(listener);
}

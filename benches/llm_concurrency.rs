//! How much concurrency buys when the model is slow: a fake OpenAI-compatible server on
//! loopback answers every request after a fixed 1 s delay; each session asks the Planner,
//! the Coder and the Reviewer in turn (three requests). 16 sessions are run with 1 in flight
//! and with 16 in flight; the speed-up is the ratio of wall-clock times (target ≥ 12×).
//!
//! Run: `cargo bench --bench llm_concurrency`

#[path = "../tests/common/fake_llm.rs"]
mod fake_llm;

use std::sync::Arc;
use std::time::{Duration, Instant};

use benchforge::llm::{CallContext, ChatCall, ChatMessage, LlmClient, LlmConfig, LlmRole};
use fake_llm::{FakeLlm, Reply};
use tokio::sync::Semaphore;

const SESSIONS: usize = 16;
const DELAY: Duration = Duration::from_secs(1);

async fn one_session(client: LlmClient, index: usize) {
    let ctx = CallContext::untraced(format!("bench-{index}"));
    for role in LlmRole::ALL {
        let call = ChatCall {
            role,
            messages: vec![
                ChatMessage::system(format!("you are the {role}")),
                ChatMessage::user(format!("session {index}: do your part")),
            ],
            json_schema: None,
        };
        let answer = client.chat(&call, &ctx).await.expect("fake server answers");
        assert_eq!(answer.finish_reason, "stop");
    }
}

async fn run(client: &LlmClient, in_flight: usize) -> Duration {
    let gate = Arc::new(Semaphore::new(in_flight));
    let started = Instant::now();
    let tasks: Vec<_> = (0..SESSIONS)
        .map(|i| {
            let client = client.clone();
            let gate = gate.clone();
            tokio::spawn(async move {
                let _slot = gate.acquire_owned().await.expect("open");
                one_session(client, i).await;
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("session task");
    }
    started.elapsed()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let server = FakeLlm::start(|_, _| Reply::slow("done", DELAY)).await;
        let client = LlmClient::new(LlmConfig {
            base_url: server.base_url(),
            model: "fake".into(),
            max_concurrent_requests: SESSIONS,
            request_timeout_s: 30.0,
            ..LlmConfig::default()
        })
        .expect("client");
        let serial = run(&client, 1).await;
        let parallel = run(&client, SESSIONS).await;
        let speedup = serial.as_secs_f64() / parallel.as_secs_f64();
        println!(
            "llm_concurrency: {SESSIONS} sessions × 3 requests, server delay {:.1} s per request",
            DELAY.as_secs_f64()
        );
        println!("  1 in flight : {:.2} s", serial.as_secs_f64());
        println!("  {SESSIONS} in flight: {:.2} s", parallel.as_secs_f64());
        println!(
            "  speed-up    : {speedup:.1}× (target ≥ 12×) — {}",
            if speedup >= 12.0 { "met" } else { "NOT met" }
        );
        println!(
            "  server saw at most {} requests at once",
            server.max_in_flight()
        );
    });
}

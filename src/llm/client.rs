//! The chat-completions client: one [`Endpoint`] per base URL (its own connection pool,
//! concurrency cap and counters), retries with exponential backoff and jitter that honour
//! `Retry-After`, JSON-schema `response_format` with a fallback for servers that refuse it,
//! usage recorded in the session's ledger and every HTTP try written to its trace.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use super::config::{LlmConfig, LlmRole};
use super::error::{AnswerError, EndpointError, LlmError};
use super::trace::{TraceLog, TraceRecord};
use super::usage::{TokenUsage, UsageLedger};
use super::wire::{ChatMessage, WireRequest, WireResponse};
use crate::rng::SeededRng;

/// An API key, read from the environment once; never printed, logged or serialized.
#[derive(Clone)]
struct ApiKey(String);

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// What the caller asks for: a role's messages, optionally with a JSON schema for the answer.
#[derive(Debug, Clone)]
pub struct ChatCall {
    /// The asking role (selects model, temperature, max tokens and endpoint).
    pub role: LlmRole,
    /// The conversation.
    pub messages: Vec<ChatMessage>,
    /// A JSON schema the answer must follow: (name, schema).
    pub json_schema: Option<(String, serde_json::Value)>,
}

/// Where a call's usage and traces go: the session's ledger and trace file.
#[derive(Debug, Clone)]
pub struct CallContext {
    /// The session id, for traces and log lines.
    pub session: String,
    /// The session's usage ledger (caps are checked against it).
    pub ledger: Arc<UsageLedger>,
    /// The session's `traces.jsonl`, if any.
    pub trace: Option<Arc<TraceLog>>,
}

impl CallContext {
    /// A context for `session` with a fresh ledger and no trace file.
    pub fn untraced(session: impl Into<String>) -> Self {
        Self {
            session: session.into(),
            ledger: Arc::new(UsageLedger::default()),
            trace: None,
        }
    }
}

/// A model's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatAnswer {
    /// The answer's text.
    pub content: String,
    /// The finish reason (`stop`, `length`, ...; `unknown` when the server gave none).
    pub finish_reason: String,
    /// The tokens the server counted.
    pub tokens: TokenUsage,
    /// Seconds the successful HTTP try took.
    pub latency_s: f64,
    /// HTTP tries it took (1 = no retry).
    pub http_tries: u32,
    /// The asking role.
    pub role: LlmRole,
    /// The `max_tokens` this answer was asked with (larger than the role's setting when a
    /// cut-off answer was asked again with a larger budget).
    pub max_tokens: u32,
    /// Answers the call received: 1, or 2 when the first was cut off and asked again with
    /// a larger budget (`tokens` then counts both).
    pub answers: u32,
}

impl ChatAnswer {
    /// Whether the server stopped the answer at its token budget (`finish_reason: length`).
    pub fn is_truncated(&self) -> bool {
        self.finish_reason == "length"
    }

    /// The text, unless the answer was cut off at the token limit or is empty — both bad
    /// answers with their reason.
    pub fn usable_text(&self) -> Result<&str, AnswerError> {
        if self.is_truncated() {
            return Err(AnswerError::Truncated {
                role: self.role,
                max_tokens: self.max_tokens,
                chars: self.content.chars().count(),
            });
        }
        if self.content.trim().is_empty() {
            return Err(AnswerError::Empty {
                finish_reason: self.finish_reason.clone(),
            });
        }
        Ok(&self.content)
    }
}

/// Counters of one endpoint since start, endpoint failures kept apart from everything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EndpointStats {
    /// HTTP tries sent.
    pub http_tries: u64,
    /// Tries that brought a well-formed answer.
    pub answers: u64,
    /// Tries that failed on the endpoint side (refused, timeout, status, malformed).
    pub endpoint_failures: u64,
    /// Tries that were retries of an earlier failure.
    pub retries: u64,
    /// Requests sent again without `response_format` because the server refused it.
    pub schema_fallbacks: u64,
}

#[derive(Debug, Default)]
struct Counters {
    http_tries: AtomicU64,
    answers: AtomicU64,
    endpoint_failures: AtomicU64,
    retries: AtomicU64,
    schema_fallbacks: AtomicU64,
}

/// One OpenAI-compatible server: its HTTP client, its cap on requests in flight and its
/// counters. Shared by every role that uses the same base URL.
#[derive(Debug)]
pub struct Endpoint {
    url: String,
    http: reqwest::Client,
    api_key: Option<ApiKey>,
    permits: Semaphore,
    timeout_s: f64,
    connect_timeout_s: f64,
    schema_refused: AtomicBool,
    counters: Counters,
}

impl Endpoint {
    /// The chat-completions URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The counters so far.
    pub fn stats(&self) -> EndpointStats {
        let c = &self.counters;
        EndpointStats {
            http_tries: c.http_tries.load(Ordering::Relaxed),
            answers: c.answers.load(Ordering::Relaxed),
            endpoint_failures: c.endpoint_failures.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            schema_fallbacks: c.schema_fallbacks.load(Ordering::Relaxed),
        }
    }
}

/// A failed HTTP try and the server's `Retry-After`, if it gave one.
struct TryFailure {
    error: EndpointError,
    retry_after_s: Option<f64>,
}

/// The client all LLM agents share: the config and one [`Endpoint`] per base URL.
#[derive(Debug, Clone)]
pub struct LlmClient {
    config: Arc<LlmConfig>,
    endpoints: Arc<BTreeMap<String, Arc<Endpoint>>>,
}

impl LlmClient {
    /// A client for `config`: validates it and reads the API key from the environment
    /// variable it names (a missing variable is a configuration error naming the variable).
    pub fn new(config: LlmConfig) -> Result<Self, LlmError> {
        config.validate().map_err(LlmError::Config)?;
        let api_key = match &config.api_key_env {
            None => None,
            Some(var) => match std::env::var(var) {
                Ok(v) if !v.trim().is_empty() => Some(ApiKey(v.trim().to_string())),
                _ => {
                    return Err(LlmError::Config(format!(
                        "the environment variable {var} named by llm.api_key_env is not set: export it, or remove llm.api_key_env for a server without a key"
                    )))
                }
            },
        };
        let mut endpoints = BTreeMap::new();
        for role in LlmRole::ALL {
            let base = config.base_url_for(role).trim_end_matches('/').to_string();
            if endpoints.contains_key(&base) {
                continue;
            }
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs_f64(config.request_timeout_s))
                .connect_timeout(Duration::from_secs_f64(config.connect_timeout_s))
                .pool_max_idle_per_host(config.max_concurrent_requests)
                // A redirect would carry the prompt (and the key) to another address.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| LlmError::Config(format!("cannot build the HTTP client: {e}")))?;
            let endpoint = Endpoint {
                url: format!("{base}/chat/completions"),
                http,
                api_key: api_key.clone(),
                permits: Semaphore::new(config.max_concurrent_requests),
                timeout_s: config.request_timeout_s,
                connect_timeout_s: config.connect_timeout_s,
                schema_refused: AtomicBool::new(!config.json_schema),
                counters: Counters::default(),
            };
            endpoints.insert(base, Arc::new(endpoint));
        }
        Ok(Self {
            config: Arc::new(config),
            endpoints: Arc::new(endpoints),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &LlmConfig {
        &self.config
    }

    /// The endpoint `role` talks to.
    pub fn endpoint(&self, role: LlmRole) -> &Arc<Endpoint> {
        let base = self.config.base_url_for(role).trim_end_matches('/');
        &self.endpoints[base]
    }

    /// Counters per endpoint URL.
    pub fn stats(&self) -> BTreeMap<String, EndpointStats> {
        self.endpoints
            .values()
            .map(|e| (e.url.clone(), e.stats()))
            .collect()
    }

    /// Sends `call` and returns the model's answer, retrying endpoint failures with backoff.
    /// The session's caps are checked first; the answer's tokens are recorded in its ledger
    /// and every try in its trace.
    ///
    /// An answer cut off at the role's `max_tokens` (`finish_reason: length`) is counted as
    /// a model failure (`truncated`) and asked again once with [`retry_budget`] tokens. If
    /// that one is cut off too it is returned as it came, and
    /// [`ChatAnswer::usable_text`] names the role and the budget.
    pub async fn chat(&self, call: &ChatCall, ctx: &CallContext) -> Result<ChatAnswer, LlmError> {
        let budget = self.config.max_tokens_for(call.role);
        let first = self.chat_within(call, ctx, budget, true).await?;
        if !first.is_truncated() {
            return Ok(first);
        }
        let Some(larger) = retry_budget(budget) else {
            return Ok(first);
        };
        let cut = AnswerError::Truncated {
            role: call.role,
            max_tokens: budget,
            chars: first.content.chars().count(),
        };
        ctx.ledger.record_model_failure(call.role, &cut);
        tracing::warn!(
            session = %ctx.session, role = %call.role, side = "model", kind = "truncated",
            max_tokens = budget, retry_max_tokens = larger,
            "the answer was cut off at llm.{}.max_tokens = {budget}; asking once more with {larger} tokens",
            call.role
        );
        // No schema fallback on this try: a server that refuses the larger budget says 400,
        // which must not be mistaken for a refusal of `response_format`.
        let mut second = self.chat_within(call, ctx, larger, false).await?;
        second.tokens.add(first.tokens);
        second.answers += first.answers;
        second.http_tries += first.http_tries;
        Ok(second)
    }

    /// One request of `call` with `max_tokens`, retrying endpoint failures with backoff.
    /// `schema_fallback`: a 400/422 while `response_format` is sent means the server refuses
    /// it (ask again without it and remember).
    async fn chat_within(
        &self,
        call: &ChatCall,
        ctx: &CallContext,
        max_tokens: u32,
        schema_fallback: bool,
    ) -> Result<ChatAnswer, LlmError> {
        ctx.ledger.check_caps(&self.config.caps)?;
        let endpoint = self.endpoint(call.role).clone();
        let model = self.config.model_for(call.role).to_string();
        let max_tries = self.config.max_retries + 1;
        let mut rng = jitter_rng();
        let mut http_try = 0;
        loop {
            http_try += 1;
            let use_schema =
                call.json_schema.is_some() && !endpoint.schema_refused.load(Ordering::Relaxed);
            let response_format =
                call.json_schema
                    .as_ref()
                    .filter(|_| use_schema)
                    .map(|(name, schema)| {
                        serde_json::json!({
                            "type": "json_schema",
                            "json_schema": {"name": name, "schema": schema, "strict": false}
                        })
                    });
            let body = WireRequest {
                model: &model,
                messages: &call.messages,
                temperature: self.config.temperature_for(call.role),
                max_tokens,
                stream: false,
                response_format,
            };
            if http_try > 1 {
                endpoint.counters.retries.fetch_add(1, Ordering::Relaxed);
            }
            endpoint.counters.http_tries.fetch_add(1, Ordering::Relaxed);
            let started = Instant::now();
            let outcome = {
                let _permit = endpoint
                    .permits
                    .acquire()
                    .await
                    .map_err(|_| LlmError::Config("the endpoint was shut down".into()))?;
                send_once(&endpoint, &body).await
            };
            let latency_s = started.elapsed().as_secs_f64();
            let mut record = TraceRecord {
                unix_time_s: now_unix_s(),
                session: ctx.session.clone(),
                role: call.role,
                model: model.clone(),
                url: endpoint.url.clone(),
                http_try,
                json_schema: use_schema,
                request: call.messages.iter().map(ChatMessage::for_trace).collect(),
                outcome: String::new(),
                answer: None,
                finish_reason: None,
                tokens: None,
                latency_s,
                error: None,
            };
            match outcome {
                Ok(answer) => {
                    endpoint.counters.answers.fetch_add(1, Ordering::Relaxed);
                    let cost_usd = ctx.ledger.record_answer(call.role, answer.tokens);
                    record.outcome = "answer".into();
                    record.answer = Some(answer.content.clone());
                    record.finish_reason = Some(answer.finish_reason.clone());
                    record.tokens = Some(answer.tokens);
                    write_trace(ctx, &record);
                    tracing::info!(
                        session = %ctx.session, role = %call.role, model = %model,
                        latency_s = format!("{latency_s:.3}"),
                        prompt_tokens = answer.tokens.prompt_tokens,
                        completion_tokens = answer.tokens.completion_tokens,
                        cost_usd, finish_reason = %answer.finish_reason, http_try,
                        "llm answer"
                    );
                    return Ok(ChatAnswer {
                        latency_s,
                        http_tries: http_try,
                        role: call.role,
                        max_tokens,
                        ..answer
                    });
                }
                Err(failure) => {
                    endpoint
                        .counters
                        .endpoint_failures
                        .fetch_add(1, Ordering::Relaxed);
                    ctx.ledger
                        .record_endpoint_failure(call.role, &failure.error);
                    record.outcome = "endpoint_error".into();
                    record.error = Some(failure.error.to_string());
                    write_trace(ctx, &record);
                    // A server that does not know `response_format` says 400/422: ask again
                    // at once without it, and remember for every later request.
                    let schema_refused = use_schema
                        && schema_fallback
                        && matches!(
                            failure.error,
                            EndpointError::Status {
                                status: 400 | 422,
                                ..
                            }
                        );
                    if schema_refused {
                        endpoint.schema_refused.store(true, Ordering::Relaxed);
                        endpoint
                            .counters
                            .schema_fallbacks
                            .fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(
                            session = %ctx.session, role = %call.role, side = "endpoint",
                            "the server refused response_format json_schema; asking again without it and extracting JSON from text"
                        );
                        continue;
                    }
                    let retry = failure.error.is_retryable() && http_try < max_tries;
                    tracing::warn!(
                        session = %ctx.session, role = %call.role, side = "endpoint",
                        kind = failure.error.kind(), http_try, max_tries, retry,
                        "llm endpoint failure: {}", failure.error
                    );
                    if !retry {
                        return Err(failure.error.into());
                    }
                    let delay_s =
                        backoff_delay_s(&self.config, http_try, failure.retry_after_s, &mut rng);
                    tokio::time::sleep(Duration::from_secs_f64(delay_s)).await;
                }
            }
        }
    }
}

/// The hard cap on the budget of the one re-ask after a cut-off answer, in tokens: a
/// doubled budget never asks past it (a larger answer is a plan or script gone wrong, or
/// needs `llm.<role>.max_tokens` raised on purpose).
pub const MAX_RETRY_TOKENS: u32 = 32_768;

/// The budget of the re-ask after an answer was cut off at `max_tokens`: double, at most
/// [`MAX_RETRY_TOKENS`]; None when that is no larger (the setting is already at the cap).
pub fn retry_budget(max_tokens: u32) -> Option<u32> {
    let larger = max_tokens.saturating_mul(2).min(MAX_RETRY_TOKENS);
    (larger > max_tokens).then_some(larger)
}

/// Seconds to wait before try `http_try + 1`: the server's `Retry-After` when it gave one
/// (capped at `backoff_max_s`), else `backoff_initial_s · 2^(try-1)` capped, times a jitter
/// in [0.5, 1) so many sessions do not retry in lockstep.
pub fn backoff_delay_s(
    config: &LlmConfig,
    http_try: u32,
    retry_after_s: Option<f64>,
    rng: &mut SeededRng,
) -> f64 {
    if let Some(after) = retry_after_s {
        return after.clamp(0.0, config.backoff_max_s);
    }
    let exp = config.backoff_initial_s * 2f64.powi(http_try.saturating_sub(1).min(30) as i32);
    exp.min(config.backoff_max_s) * rng.uniform(0.5, 1.0)
}

fn jitter_rng() -> SeededRng {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    SeededRng::new(nanos, CALLS.fetch_add(1, Ordering::Relaxed))
}

fn now_unix_s() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn write_trace(ctx: &CallContext, record: &TraceRecord) {
    if let Some(trace) = &ctx.trace {
        if let Err(e) = trace.append(record) {
            tracing::warn!(
                session = %ctx.session,
                "cannot append to {}: {e}", trace.path().display()
            );
        }
    }
}

/// `Retry-After` as seconds (the delta-seconds form; an HTTP date is ignored and the
/// exponential backoff used instead).
fn parse_retry_after(value: Option<&reqwest::header::HeaderValue>) -> Option<f64> {
    let secs: f64 = value?.to_str().ok()?.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then_some(secs)
}

/// The whole error chain in one line (reqwest's top-level message alone is vague).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn classify(url: &str, timeouts_s: (f64, f64), e: reqwest::Error) -> EndpointError {
    let detail = error_chain(&e);
    let url = url.to_string();
    let (timeout_s, connect_timeout_s) = timeouts_s;
    if e.is_connect() && e.is_timeout() {
        EndpointError::ConnectTimeout {
            url,
            timeout_s: connect_timeout_s,
        }
    } else if e.is_timeout() {
        EndpointError::Timeout { url, timeout_s }
    } else if e.is_connect() {
        EndpointError::Refused { url }
    } else if detail.contains("parse") || detail.contains("invalid HTTP") {
        EndpointError::Malformed { url, detail }
    } else {
        EndpointError::Transport { url, detail }
    }
}

/// The most tokens one answer is counted as, whatever the server claims: far above any real
/// answer, far below where adding a session's answers could overflow.
pub const MAX_TOKENS_PER_ANSWER: u64 = 1 << 40;

/// Reads the body piece by piece, stopping as soon as it passes `limits.answer_bytes`: a
/// huge or endless answer costs at most the limit in memory.
async fn read_capped(
    mut response: reqwest::Response,
    url: &str,
    timeout_s: f64,
) -> Result<Vec<u8>, EndpointError> {
    let limit_bytes = crate::limits::current().answer_bytes;
    if response.content_length().is_some_and(|n| n > limit_bytes) {
        return Err(EndpointError::TooLarge {
            url: url.to_string(),
            limit_bytes,
        });
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        // Reading the body: connected long ago, so only the whole-request timeout applies.
        .map_err(|e| classify(url, (timeout_s, 0.0), e))?
    {
        if (bytes.len() + chunk.len()) as u64 > limit_bytes {
            return Err(EndpointError::TooLarge {
                url: url.to_string(),
                limit_bytes,
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

async fn send_once(endpoint: &Endpoint, body: &WireRequest<'_>) -> Result<ChatAnswer, TryFailure> {
    let url = endpoint.url.as_str();
    let fail = |error| TryFailure {
        error,
        retry_after_s: None,
    };
    let mut request = endpoint.http.post(url).json(body);
    if let Some(key) = &endpoint.api_key {
        request = request.bearer_auth(&key.0);
    }
    let response = request.send().await.map_err(|e| {
        fail(classify(
            url,
            (endpoint.timeout_s, endpoint.connect_timeout_s),
            e,
        ))
    })?;
    let status = response.status();
    let retry_after_s = parse_retry_after(response.headers().get(reqwest::header::RETRY_AFTER));
    if status.is_redirection() {
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|v| {
                String::from_utf8_lossy(v.as_bytes())
                    .chars()
                    .take(200)
                    .collect::<String>()
            })
            .unwrap_or_else(|| "nowhere".into());
        return Err(fail(EndpointError::Redirect {
            url: url.to_string(),
            status: status.as_u16(),
            location: crate::logging::escape_control(&location).into_owned(),
        }));
    }
    if matches!(status.as_u16(), 401 | 403) {
        return Err(fail(EndpointError::KeyRefused {
            url: url.to_string(),
            status: status.as_u16(),
        }));
    }
    let bytes = read_capped(response, url, endpoint.timeout_s)
        .await
        .map_err(fail)?;
    if !status.is_success() {
        let text = String::from_utf8_lossy(&bytes);
        let body: String = text.chars().take(300).collect();
        return Err(TryFailure {
            error: EndpointError::Status {
                url: url.to_string(),
                status: status.as_u16(),
                body: crate::logging::escape_control(&body).into_owned(),
            },
            retry_after_s: if matches!(status.as_u16(), 429 | 503) {
                retry_after_s
            } else {
                None
            },
        });
    }
    let envelope: WireResponse = serde_json::from_slice(&bytes).map_err(|e| {
        fail(EndpointError::Malformed {
            url: url.to_string(),
            detail: format!("the body is not a chat-completions JSON envelope: {e}"),
        })
    })?;
    let Some(choice) = envelope.choices.into_iter().next() else {
        return Err(fail(EndpointError::Malformed {
            url: url.to_string(),
            detail: "the envelope has no choices".into(),
        }));
    };
    // A server's counts are clamped, so no sum of them can wrap past the session's cap.
    let tokens = envelope
        .usage
        .map(|u| TokenUsage {
            prompt_tokens: u.prompt_tokens.min(MAX_TOKENS_PER_ANSWER),
            completion_tokens: u.completion_tokens.min(MAX_TOKENS_PER_ANSWER),
        })
        .unwrap_or_default();
    Ok(ChatAnswer {
        content: choice.message.content.unwrap_or_default(),
        finish_reason: choice.finish_reason.unwrap_or_else(|| "unknown".into()),
        tokens,
        latency_s: 0.0,
        http_tries: 1,
        // Set by the caller, which knows the call.
        role: LlmRole::Coder,
        max_tokens: 0,
        answers: 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_caps_and_honours_retry_after() {
        let config = LlmConfig {
            backoff_initial_s: 1.0,
            backoff_max_s: 8.0,
            ..LlmConfig::default()
        };
        let mut rng = SeededRng::new(1, 2);
        for try_ in 1..=3 {
            let d = backoff_delay_s(&config, try_, None, &mut rng);
            let full = 2f64.powi(try_ as i32 - 1);
            assert!(d >= 0.5 * full && d < full, "try {try_}: {d}");
        }
        assert!(backoff_delay_s(&config, 10, None, &mut rng) < 8.0);
        assert_eq!(backoff_delay_s(&config, 1, Some(3.0), &mut rng), 3.0);
        assert_eq!(backoff_delay_s(&config, 1, Some(100.0), &mut rng), 8.0);
    }

    #[test]
    fn api_key_never_shows_in_debug() {
        let key = ApiKey("sk-secret".into());
        assert!(!format!("{key:?}").contains("secret"));
    }

    #[test]
    fn missing_key_variable_is_a_config_error_naming_it() {
        let config = LlmConfig {
            api_key_env: Some("BENCHFORGE_TEST_SURELY_UNSET_KEY".into()),
            ..LlmConfig::default()
        };
        let err = LlmClient::new(config).unwrap_err();
        assert!(err.to_string().contains("BENCHFORGE_TEST_SURELY_UNSET_KEY"));
    }
}

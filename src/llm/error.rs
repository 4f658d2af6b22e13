//! Typed failures of the LLM layer. The one distinction that matters everywhere: an
//! *endpoint* failure (the server could not be reached or did not speak the protocol) is
//! never reported as a *bad answer* (the model answered, but the answer is unusable), so a
//! dead server never reads as a bad model.

use thiserror::Error;

/// The server could not be reached or did not answer in the protocol.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum EndpointError {
    /// Nothing listens at the address (or the connection was reset before an answer).
    #[error("connection to {url} refused: is the server running and is llm.base_url right?")]
    Refused {
        /// The request URL.
        url: String,
    },
    /// No connection within the connect timeout (the host does not answer at all).
    #[error("could not connect to {url} within {timeout_s} s (llm.connect_timeout_s): is the server up and reachable at llm.base_url?")]
    ConnectTimeout {
        /// The request URL.
        url: String,
        /// The connect timeout that ran out, in seconds.
        timeout_s: f64,
    },
    /// No complete answer within the configured timeout.
    #[error("no answer from {url} within {timeout_s} s (llm.request_timeout_s)")]
    Timeout {
        /// The request URL.
        url: String,
        /// The timeout that ran out, in seconds.
        timeout_s: f64,
    },
    /// An HTTP status other than 200.
    #[error("{url} answered HTTP {status}: {body}")]
    Status {
        /// The request URL.
        url: String,
        /// The HTTP status code.
        status: u16,
        /// The start of the answer's body, for the log.
        body: String,
    },
    /// The HTTP answer or its JSON envelope was not a chat-completions answer.
    #[error("malformed answer from {url}: {detail}")]
    Malformed {
        /// The request URL.
        url: String,
        /// What was wrong.
        detail: String,
    },
    /// 401 or 403: the server does not accept the key (or wants one and got none).
    #[error("the API key was refused by {url} (HTTP {status}): check the variable named by llm.api_key_env")]
    KeyRefused {
        /// The request URL.
        url: String,
        /// 401 or 403.
        status: u16,
    },
    /// The server answered with a redirect, which is never followed: it would carry the
    /// prompt (and the key) to another address.
    #[error("{url} answered HTTP {status} redirecting to {location}; redirects are not followed: put the final address in llm.base_url")]
    Redirect {
        /// The request URL.
        url: String,
        /// The 3xx status.
        status: u16,
        /// Where it pointed (escaped, shortened).
        location: String,
    },
    /// The answer's body grew beyond `limits.answer_bytes`; reading stopped there.
    #[error("the answer from {url} is larger than the answer size limit of {limit_bytes} bytes (limits.answer_bytes); reading stopped there")]
    TooLarge {
        /// The request URL.
        url: String,
        /// The limit, in bytes.
        limit_bytes: u64,
    },
    /// Any other transport failure (TLS, DNS, a connection closed mid-answer).
    #[error("could not talk to {url}: {detail}")]
    Transport {
        /// The request URL.
        url: String,
        /// What the HTTP client said.
        detail: String,
    },
}

impl EndpointError {
    /// A short stable name of the failure kind, for counters and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            EndpointError::Refused { .. } => "refused",
            EndpointError::Timeout { .. } => "timeout",
            EndpointError::ConnectTimeout { .. } => "connect_timeout",
            EndpointError::Status { status, .. } if *status >= 500 => "http_5xx",
            EndpointError::Status { status: 429, .. } => "http_429",
            EndpointError::Status { .. } => "http_4xx",
            EndpointError::Malformed { .. } => "malformed",
            EndpointError::KeyRefused { .. } => "key_refused",
            EndpointError::Redirect { .. } => "redirect",
            EndpointError::TooLarge { .. } => "too_large",
            EndpointError::Transport { .. } => "transport",
        }
    }

    /// Whether trying again later may help: refused, timeout, 408/429/5xx, malformed,
    /// transport. A 4xx like 401 (bad key) or 404 (wrong model or URL), a redirect or an
    /// oversized answer will not change.
    pub fn is_retryable(&self) -> bool {
        match self {
            EndpointError::Status { status, .. } => {
                *status == 408 || *status == 429 || *status >= 500
            }
            EndpointError::KeyRefused { .. }
            | EndpointError::Redirect { .. }
            | EndpointError::TooLarge { .. } => false,
            _ => true,
        }
    }
}

/// The model answered, but the answer cannot be used.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum AnswerError {
    /// The answer stopped at the token limit (`finish_reason: length`).
    #[error("the {role}'s answer was cut off at its budget of {max_tokens} tokens (finish_reason: length) after {chars} characters: raise llm.{role}.max_tokens")]
    Truncated {
        /// The role whose answer it was.
        role: super::config::LlmRole,
        /// The `max_tokens` the answer was asked with.
        max_tokens: u32,
        /// How long the cut-off answer was, in characters.
        chars: usize,
    },
    /// The answer had no content.
    #[error("the answer was empty (finish_reason: {finish_reason})")]
    Empty {
        /// The finish reason the server gave.
        finish_reason: String,
    },
    /// No JSON object could be found or parsed in the answer.
    #[error("no usable JSON object in the answer: {0}")]
    Json(String),
    /// No scene script could be found in the answer.
    #[error("no scene script in the answer: {0}")]
    Script(String),
    /// The JSON or script was found but does not fit what was asked (schema, plan rules,
    /// compile error, review format); the text is what the model is told on a re-ask.
    #[error("the answer does not fit: {0}")]
    Invalid(String),
}

impl AnswerError {
    /// A short stable name of the failure kind, for counters and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            AnswerError::Truncated { .. } => "truncated",
            AnswerError::Empty { .. } => "empty",
            AnswerError::Json(_) => "bad_json",
            AnswerError::Script(_) => "no_script",
            AnswerError::Invalid(_) => "invalid",
        }
    }
}

/// A per-session cap was reached.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CapExceeded {
    /// Tokens used reached `llm.caps.max_tokens`.
    #[error("session used {used} tokens, cap is {cap} (llm.caps.max_tokens)")]
    Tokens {
        /// Tokens used so far.
        used: u64,
        /// The cap.
        cap: u64,
    },
    /// Cost reached `llm.caps.max_cost_usd`.
    #[error("session cost {used_usd:.4} USD, cap is {cap_usd:.4} USD (llm.caps.max_cost_usd)")]
    Cost {
        /// USD spent so far.
        used_usd: f64,
        /// The cap in USD.
        cap_usd: f64,
    },
    /// Requests made reached `llm.caps.max_requests`.
    #[error("session made {used} requests, cap is {cap} (llm.caps.max_requests)")]
    Requests {
        /// Requests so far.
        used: u32,
        /// The cap.
        cap: u32,
    },
}

/// Any failure of an LLM call.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum LlmError {
    /// The endpoint failed (after every retry).
    #[error("LLM endpoint failure: {0}")]
    Endpoint(#[from] EndpointError),
    /// The model's answer was unusable (after every re-ask).
    #[error("bad model answer: {0}")]
    Answer(#[from] AnswerError),
    /// The session reached a spending cap.
    #[error("LLM session cap reached: {0}")]
    Cap(#[from] CapExceeded),
    /// The configuration cannot work (missing key variable, bad URL, unreadable prompt).
    #[error("LLM configuration: {0}")]
    Config(String),
}

/// Which side a failure is on, for counters and reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureSide {
    /// The server: refused, timeout, HTTP status, malformed envelope.
    Endpoint,
    /// The model: unusable answer.
    Model,
    /// A session cap.
    Cap,
    /// The configuration.
    Config,
}

impl LlmError {
    /// Which side the failure is on.
    pub fn side(&self) -> FailureSide {
        match self {
            LlmError::Endpoint(_) => FailureSide::Endpoint,
            LlmError::Answer(_) => FailureSide::Model,
            LlmError::Cap(_) => FailureSide::Cap,
            LlmError::Config(_) => FailureSide::Config,
        }
    }
}

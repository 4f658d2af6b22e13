//! The `[llm]` section of the daemon config: where the endpoint is, which model each role
//! uses, how hard to retry, how many requests may be in flight, what tokens cost and how much
//! one session may spend. The API key itself is never here: only the name of the environment
//! variable that holds it.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The three agent roles that can be driven by a language model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LlmRole {
    /// Theme → plan.
    Planner,
    /// Plan + feedback → scene script.
    Coder,
    /// Report + renders → decision.
    Reviewer,
}

impl LlmRole {
    /// All roles, in pipeline order.
    pub const ALL: [LlmRole; 3] = [LlmRole::Planner, LlmRole::Coder, LlmRole::Reviewer];

    /// The role's lowercase name, as used in config keys, traces and logs.
    pub fn name(self) -> &'static str {
        match self {
            LlmRole::Planner => "planner",
            LlmRole::Coder => "coder",
            LlmRole::Reviewer => "reviewer",
        }
    }
}

impl std::fmt::Display for LlmRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Settings for the OpenAI-compatible endpoint and the three roles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlmConfig {
    /// The API root, ending before `/chat/completions`, e.g. `http://127.0.0.1:8000/v1`.
    pub base_url: String,
    /// The model name sent with every request unless a role names its own.
    pub model: String,
    /// The name of the environment variable holding the API key (sent as a bearer token).
    /// Unset: no `Authorization` header (local servers need none).
    pub api_key_env: Option<String>,
    /// Seconds one HTTP request may take, from connect to the last byte of the answer.
    pub request_timeout_s: f64,
    /// Seconds the TCP connect may take.
    pub connect_timeout_s: f64,
    /// How many times a failed request is retried (refused, timeout, 429, 5xx, malformed
    /// envelope). 0 = try once.
    pub max_retries: u32,
    /// The first backoff delay in seconds; doubles each retry, with jitter.
    pub backoff_initial_s: f64,
    /// The longest backoff delay in seconds, also the cap on an honoured `Retry-After`.
    pub backoff_max_s: f64,
    /// How many requests may be in flight to one endpoint at once.
    pub max_concurrent_requests: usize,
    /// Ask for `response_format: json_schema` where JSON is wanted. Servers that reject it
    /// are detected at the first refusal and asked again without it (text extraction).
    pub json_schema: bool,
    /// Optional prices, to report and cap cost.
    pub prices: Option<Prices>,
    /// Per-session spending caps.
    pub caps: SessionCaps,
    /// The Planner's settings.
    pub planner: RoleSettings,
    /// The Coder's settings.
    pub coder: RoleSettings,
    /// The Reviewer's settings.
    pub reviewer: RoleSettings,
}

impl Default for LlmConfig {
    fn default() -> Self {
        Self {
            base_url: "http://127.0.0.1:8000/v1".into(),
            model: "default".into(),
            api_key_env: None,
            request_timeout_s: 300.0,
            connect_timeout_s: 10.0,
            max_retries: 4,
            backoff_initial_s: 1.0,
            backoff_max_s: 60.0,
            max_concurrent_requests: 16,
            json_schema: true,
            prices: None,
            caps: SessionCaps::default(),
            planner: RoleSettings::default(),
            coder: RoleSettings::default(),
            reviewer: RoleSettings::default(),
        }
    }
}

impl LlmConfig {
    /// The settings of `role`.
    pub fn role(&self, role: LlmRole) -> &RoleSettings {
        match role {
            LlmRole::Planner => &self.planner,
            LlmRole::Coder => &self.coder,
            LlmRole::Reviewer => &self.reviewer,
        }
    }

    /// The model `role` uses: its own, else the section's.
    pub fn model_for(&self, role: LlmRole) -> &str {
        self.role(role).model.as_deref().unwrap_or(&self.model)
    }

    /// The endpoint `role` talks to: its own `base_url`, else the section's.
    pub fn base_url_for(&self, role: LlmRole) -> &str {
        self.role(role)
            .base_url
            .as_deref()
            .unwrap_or(&self.base_url)
    }

    /// The sampling temperature `role` uses.
    pub fn temperature_for(&self, role: LlmRole) -> f32 {
        self.role(role)
            .temperature
            .unwrap_or(RoleSettings::defaults_for(role).0)
    }

    /// The most tokens one answer of `role` may have.
    pub fn max_tokens_for(&self, role: LlmRole) -> u32 {
        self.role(role)
            .max_tokens
            .unwrap_or(RoleSettings::defaults_for(role).1)
    }

    /// Checks every value; the error names the key and what to write instead (the first
    /// of [`LlmConfig::problems`]).
    pub fn validate(&self) -> Result<(), String> {
        match self.problems().into_iter().next() {
            Some((key, reason)) => Err(format!("{key}: {reason}")),
            None => Ok(()),
        }
    }

    /// Every value out of its documented range, as (key, reason), e.g.
    /// ("llm.backoff_max_s", "1e300 is out of range; give ..."). The ranges keep every
    /// duration, count and cap representable at run time (no overflow, no panic).
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut push = |key: &str, reason: String| out.push((key.to_string(), reason));
        if let Err(reason) = check_url(&self.base_url) {
            push("llm.base_url", reason);
        }
        if self.model.trim().is_empty() {
            push(
                "llm.model",
                "is empty: name the model the server serves".into(),
            );
        }
        if let Some(var) = &self.api_key_env {
            if var.trim().is_empty() || var.contains('=') || var.contains('\0') {
                push(
                    "llm.api_key_env",
                    format!("{var:?} is not an environment variable name"),
                );
            }
        }
        for (key, value, max) in [
            (
                "llm.request_timeout_s",
                self.request_timeout_s,
                MAX_REQUEST_TIMEOUT_S,
            ),
            (
                "llm.connect_timeout_s",
                self.connect_timeout_s,
                MAX_CONNECT_TIMEOUT_S,
            ),
            (
                "llm.backoff_initial_s",
                self.backoff_initial_s,
                MAX_BACKOFF_S,
            ),
            ("llm.backoff_max_s", self.backoff_max_s, MAX_BACKOFF_S),
        ] {
            if let Err(reason) = check_seconds(value, max) {
                push(key, reason);
            }
        }
        if self.backoff_max_s < self.backoff_initial_s {
            push(
                "llm.backoff_max_s",
                format!(
                    "{} s is below llm.backoff_initial_s = {} s; it must be at least that",
                    self.backoff_max_s, self.backoff_initial_s
                ),
            );
        }
        if self.max_retries > MAX_RETRIES {
            push(
                "llm.max_retries",
                format!(
                    "{} is out of range; give 0 to {MAX_RETRIES}",
                    self.max_retries
                ),
            );
        }
        if self.max_concurrent_requests == 0
            || self.max_concurrent_requests > MAX_CONCURRENT_REQUESTS
        {
            push(
                "llm.max_concurrent_requests",
                format!(
                    "{} is out of range; give 1 to {MAX_CONCURRENT_REQUESTS}",
                    self.max_concurrent_requests
                ),
            );
        }
        if let Some(p) = &self.prices {
            for (key, v) in [
                (
                    "llm.prices.input_usd_per_million_tokens",
                    p.input_usd_per_million_tokens,
                ),
                (
                    "llm.prices.output_usd_per_million_tokens",
                    p.output_usd_per_million_tokens,
                ),
            ] {
                if !(v.is_finite() && (0.0..=MAX_PRICE_USD).contains(&v)) {
                    push(
                        key,
                        format!(
                            "{} is out of range; give 0 to {MAX_PRICE_USD} USD per million tokens",
                            crate::limits::fmt_number(v)
                        ),
                    );
                }
            }
        }
        if let Some(cost) = self.caps.max_cost_usd {
            if !(cost.is_finite() && cost > 0.0 && cost <= MAX_COST_CAP_USD) {
                push(
                    "llm.caps.max_cost_usd",
                    format!(
                        "{} is out of range; give above 0 and at most {MAX_COST_CAP_USD} USD",
                        crate::limits::fmt_number(cost)
                    ),
                );
            }
            if self.prices.is_none() {
                push(
                    "llm.caps.max_cost_usd",
                    "needs llm.prices (input/output USD per million tokens)".into(),
                );
            }
        }
        if let Some(tokens) = self.caps.max_tokens {
            if tokens == 0 || tokens > MAX_TOKEN_CAP {
                push(
                    "llm.caps.max_tokens",
                    format!("{tokens} is out of range; give 1 to {MAX_TOKEN_CAP} tokens"),
                );
            }
        }
        if self.caps.max_requests == Some(0) {
            push(
                "llm.caps.max_requests",
                "0 allows no request; give at least 1".into(),
            );
        }
        for role in LlmRole::ALL {
            let key = role.name();
            let s = self.role(role);
            if let Some(url) = &s.base_url {
                if let Err(reason) = check_url(url) {
                    push(&format!("llm.{key}.base_url"), reason);
                }
            }
            if matches!(&s.model, Some(m) if m.trim().is_empty()) {
                push(
                    &format!("llm.{key}.model"),
                    "is empty: name a model or drop the key".into(),
                );
            }
            let t = self.temperature_for(role);
            if !(0.0..=2.0).contains(&t) {
                push(
                    &format!("llm.{key}.temperature"),
                    format!("{t} is out of range; give 0.0 to 2.0"),
                );
            }
            let m = self.max_tokens_for(role);
            if m == 0 || m > MAX_ANSWER_TOKENS {
                push(
                    &format!("llm.{key}.max_tokens"),
                    format!("{m} is out of range; give 1 to {MAX_ANSWER_TOKENS} tokens"),
                );
            }
            if s.max_answer_attempts == 0 || s.max_answer_attempts > MAX_ANSWER_ATTEMPTS {
                push(
                    &format!("llm.{key}.max_answer_attempts"),
                    format!(
                        "{} is out of range; give 1 to {MAX_ANSWER_ATTEMPTS}",
                        s.max_answer_attempts
                    ),
                );
            }
            if s.max_images > MAX_IMAGES {
                push(
                    &format!("llm.{key}.max_images"),
                    format!("{} is out of range; give 0 to {MAX_IMAGES}", s.max_images),
                );
            }
            if s.history_token_budget == 0 || s.history_token_budget > MAX_HISTORY_TOKENS {
                push(
                    &format!("llm.{key}.history_token_budget"),
                    format!(
                        "{} is out of range; give 1 to {MAX_HISTORY_TOKENS} tokens",
                        s.history_token_budget
                    ),
                );
            }
        }
        out
    }
}

/// Longest `llm.request_timeout_s`, in seconds (one hour).
pub const MAX_REQUEST_TIMEOUT_S: f64 = 3_600.0;
/// Longest `llm.connect_timeout_s`, in seconds.
pub const MAX_CONNECT_TIMEOUT_S: f64 = 600.0;
/// Longest backoff delay (`llm.backoff_initial_s`, `llm.backoff_max_s`), in seconds.
pub const MAX_BACKOFF_S: f64 = 3_600.0;
/// Most retries of one request (`llm.max_retries`).
pub const MAX_RETRIES: u32 = 20;
/// Most requests in flight to one endpoint (`llm.max_concurrent_requests`).
pub const MAX_CONCURRENT_REQUESTS: usize = 1_024;
/// Most tokens one answer may ask for (`llm.<role>.max_tokens`).
pub const MAX_ANSWER_TOKENS: u32 = 1_000_000;
/// Most answers one call may ask for (`llm.<role>.max_answer_attempts`).
pub const MAX_ANSWER_ATTEMPTS: u32 = 20;
/// Most images the reviewer may send (`llm.reviewer.max_images`).
pub const MAX_IMAGES: usize = 64;
/// Largest coder history budget (`llm.coder.history_token_budget`).
pub const MAX_HISTORY_TOKENS: u32 = 10_000_000;
/// Largest session token cap (`llm.caps.max_tokens`); far below where sums could wrap.
pub const MAX_TOKEN_CAP: u64 = 1_000_000_000_000;
/// Largest price, in USD per million tokens.
pub const MAX_PRICE_USD: f64 = 1_000_000.0;
/// Largest session cost cap, in USD.
pub const MAX_COST_CAP_USD: f64 = 1_000_000_000.0;

fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !url.chars().any(|c| c.is_control() || c == ' ') => {
            Ok(())
        }
        _ => Err(format!(
            "{url:?} is not an http(s) URL: write e.g. \"http://127.0.0.1:8000/v1\""
        )),
    }
}

fn check_seconds(value: f64, max: f64) -> Result<(), String> {
    if value.is_finite() && value > 0.0 && value <= max {
        Ok(())
    } else {
        Err(format!(
            "{} is out of range; give a number of seconds above 0 and at most {max}",
            crate::limits::fmt_number(value)
        ))
    }
}

/// One role's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoleSettings {
    /// The model for this role; unset = the section's `model`.
    pub model: Option<String>,
    /// This role's endpoint; unset = the section's `base_url` (e.g. a vision model elsewhere).
    pub base_url: Option<String>,
    /// Sampling temperature; unset = the role's default (planner 0.4, coder 0.2, reviewer 0.0).
    pub temperature: Option<f32>,
    /// The most tokens one answer may have; unset = the role's default (planner 2048, coder
    /// 4096, reviewer 1024).
    pub max_tokens: Option<u32>,
    /// How many answers one call may ask for: the first plus re-asks with the exact error
    /// when an answer does not fit (bad JSON, a script that does not compile, a bad format).
    pub max_answer_attempts: u32,
    /// A file replacing the built-in system prompt of this role.
    pub prompt_path: Option<PathBuf>,
    /// Reviewer only: send the renders as images (false = text report only).
    pub vision: bool,
    /// Reviewer only: how many views to send besides the contact sheet.
    pub max_images: usize,
    /// Coder only: the most tokens of conversation history kept (earlier attempts are
    /// summarised beyond it).
    pub history_token_budget: u32,
}

impl RoleSettings {
    /// The defaults for `role`: (temperature, max tokens).
    pub fn defaults_for(role: LlmRole) -> (f32, u32) {
        match role {
            LlmRole::Planner => (0.4, 2048),
            LlmRole::Coder => (0.2, 4096),
            LlmRole::Reviewer => (0.0, 1024),
        }
    }
}

impl Default for RoleSettings {
    fn default() -> Self {
        Self {
            model: None,
            base_url: None,
            temperature: None,
            max_tokens: None,
            max_answer_attempts: 3,
            prompt_path: None,
            vision: true,
            max_images: 6,
            history_token_budget: 12_000,
        }
    }
}

/// Prices in US dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prices {
    /// USD per million prompt (input) tokens.
    pub input_usd_per_million_tokens: f64,
    /// USD per million completion (output) tokens.
    pub output_usd_per_million_tokens: f64,
}

/// What one session may spend before it ends with a clear reason. Unset = no cap.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionCaps {
    /// Prompt + completion tokens over all roles.
    pub max_tokens: Option<u64>,
    /// Cost in USD (needs `prices`).
    pub max_cost_usd: Option<f64>,
    /// Chat requests that got an answer (retries of failed HTTP requests not counted).
    pub max_requests: Option<u32>,
}

//! The LLM layer: a chat-completions client for any OpenAI-compatible endpoint (vLLM,
//! llama.cpp server, Ollama, hosted APIs), with retries, a concurrency cap, usage and cost
//! accounting, session caps, traces, and tolerant extraction of JSON and scripts from
//! answers. No actix here; the agents in `crate::agents::llm` build on it.
//!
//! Failures are typed so an endpoint failure (refused, timeout, HTTP status, malformed
//! envelope) is never confused with a bad model answer: see [`LlmError::side`].

pub mod client;
pub mod config;
pub mod error;
pub mod extract;
pub mod trace;
pub mod usage;
pub mod wire;

pub use client::{CallContext, ChatAnswer, ChatCall, Endpoint, EndpointStats, LlmClient};
pub use config::{LlmConfig, LlmRole, Prices, RoleSettings, SessionCaps};
pub use error::{AnswerError, CapExceeded, EndpointError, FailureSide, LlmError};
pub use extract::{extract_json, extract_script};
pub use trace::{TraceLog, TraceRecord};
pub use usage::{RoleUsage, SessionUsage, TokenUsage, UsageLedger};
pub use wire::{ChatMessage, ContentPart, MessageContent};

//! The LLM backend of the three agent roles: [`LlmPlanner`], [`LlmCoder`] and
//! [`LlmReviewer`] implement the same traits as the procedural backend over any
//! OpenAI-compatible endpoint (see `crate::llm`).
//!
//! Which session a call belongs to comes from [`in_session`], which the caller wraps around
//! the agent's future: it names the session (for traces, log lines and caps) and the folder
//! whose `traces.jsonl` receives every request and answer. The session's usage so far is read
//! back from that file, so caps hold across restarts. Outside any scope a call is traced
//! nowhere and counted under the session id `unscoped`.

pub mod budget;
pub mod coder;
pub mod planner;
pub mod prompts;
pub mod reviewer;
pub mod steps;

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use coder::LlmCoder;
pub use planner::LlmPlanner;
pub use prompts::RolePrompts;
pub use reviewer::LlmReviewer;
pub use steps::{agent_steps, session_work_dir, LlmAgents, SessionScopedSteps};

use crate::agents::{AgentError, Usage};
use crate::journal::JournalEntry;
use crate::llm::{
    AnswerError, CallContext, CapExceeded, ChatAnswer, ChatCall, LlmClient, LlmConfig, LlmError,
    LlmRole, SessionUsage, TokenUsage, TraceLog, UsageLedger,
};
use crate::plan::Role;

/// The file every LLM request and answer of a session is appended to, in its folder.
pub const TRACES_FILE: &str = "traces.jsonl";

/// Which session the calls inside [`in_session`] belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionScope {
    /// The session id.
    pub id: String,
    /// The session's folder; its `traces.jsonl` gets the traces. None = not traced.
    pub dir: Option<PathBuf>,
}

tokio::task_local! {
    static SESSION: SessionScope;
}

/// Runs `future` (an agent call) as part of session `scope`.
pub async fn in_session<F: Future>(scope: SessionScope, future: F) -> F::Output {
    SESSION.scope(scope, future).await
}

fn current_scope() -> SessionScope {
    SESSION.try_with(|s| s.clone()).unwrap_or(SessionScope {
        id: "unscoped".into(),
        dir: None,
    })
}

/// The session's usage as recorded in its `traces.jsonl` (answers only; endpoint failures
/// counted per kind). Empty when the file does not exist.
pub fn usage_from_traces(dir: &Path, config: &LlmConfig) -> SessionUsage {
    let ledger = UsageLedger::new(SessionUsage::default(), config.prices);
    if let Ok(records) = TraceLog::read_all(&dir.join(TRACES_FILE)) {
        for r in records {
            match r.tokens {
                Some(tokens) if r.outcome == "answer" => {
                    ledger.record_answer(r.role, tokens);
                }
                _ => {}
            }
        }
    }
    ledger.snapshot()
}

/// What the three LLM agents share: the client (one connection pool and concurrency cap per
/// endpoint), the prompts, and the live ledger of every session in flight.
#[derive(Debug)]
pub struct LlmShared {
    client: LlmClient,
    prompts: RolePrompts,
    ledgers: Mutex<HashMap<String, Arc<UsageLedger>>>,
}

impl LlmShared {
    /// Builds the client (reads the API key variable) and loads the prompts.
    pub fn new(config: LlmConfig) -> Result<Arc<Self>, LlmError> {
        let prompts = RolePrompts::load(&config)?;
        Ok(Arc::new(Self {
            client: LlmClient::new(config)?,
            prompts,
            ledgers: Mutex::new(HashMap::new()),
        }))
    }

    /// The client.
    pub fn client(&self) -> &LlmClient {
        &self.client
    }

    /// The config.
    pub fn config(&self) -> &LlmConfig {
        self.client.config()
    }

    /// The prompts.
    pub fn prompts(&self) -> &RolePrompts {
        &self.prompts
    }

    /// The usage of session `id` so far (None when no call of it was seen).
    pub fn session_usage(&self, id: &str) -> Option<SessionUsage> {
        let ledgers = self.ledgers.lock().unwrap_or_else(|e| e.into_inner());
        ledgers.get(id).map(|l| l.snapshot())
    }

    /// Forgets a finished session's live ledger.
    pub fn end_session(&self, id: &str) {
        let mut ledgers = self.ledgers.lock().unwrap_or_else(|e| e.into_inner());
        ledgers.remove(id);
    }

    /// The call context of the current session scope: its ledger (seeded from its traces
    /// the first time it is seen, so caps survive a restart) and its trace file.
    fn context(&self) -> CallContext {
        let scope = current_scope();
        let ledger = {
            let mut ledgers = self.ledgers.lock().unwrap_or_else(|e| e.into_inner());
            ledgers
                .entry(scope.id.clone())
                .or_insert_with(|| {
                    let so_far = scope
                        .dir
                        .as_deref()
                        .map(|d| usage_from_traces(d, self.config()))
                        .unwrap_or_default();
                    Arc::new(UsageLedger::new(so_far, self.config().prices))
                })
                .clone()
        };
        CallContext {
            session: scope.id,
            ledger,
            trace: scope
                .dir
                .map(|d| Arc::new(TraceLog::new(d.join(TRACES_FILE)))),
        }
    }
}

/// The plan's role for an LLM role.
pub fn agent_role(role: LlmRole) -> Role {
    match role {
        LlmRole::Planner => Role::Planner,
        LlmRole::Coder => Role::Coder,
        LlmRole::Reviewer => Role::Reviewer,
    }
}

/// One agent call in progress: the conversation's context, what it has used, its journal.
struct Turn<'a> {
    shared: &'a LlmShared,
    role: LlmRole,
    ctx: CallContext,
    usage: Usage,
    journal: Vec<JournalEntry>,
}

impl<'a> Turn<'a> {
    fn new(shared: &'a LlmShared, role: LlmRole) -> Self {
        Self {
            shared,
            role,
            ctx: shared.context(),
            usage: Usage::default(),
            journal: Vec::new(),
        }
    }

    /// Asks once; the tokens are added to this turn's usage. An answer still cut off after
    /// the client's one re-ask with a larger budget ends the turn with one line naming the
    /// role and the budgets: asking the same again would be cut off the same way.
    async fn ask(&mut self, call: &ChatCall) -> Result<ChatAnswer, AgentError> {
        let answer = self
            .shared
            .client
            .chat(call, &self.ctx)
            .await
            .map_err(|e| self.agent_error(e))?;
        self.add_usage(answer.tokens, answer.answers);
        if answer.is_truncated() {
            let error = AnswerError::Truncated {
                role: self.role,
                max_tokens: answer.max_tokens,
                chars: answer.content.chars().count(),
            };
            self.ctx.ledger.record_model_failure(self.role, &error);
            let setting = self.shared.config().max_tokens_for(self.role);
            let role = self.role;
            let message = if answer.max_tokens > setting {
                format!(
                    "the {role}'s answer was cut off at llm.{role}.max_tokens = {setting} tokens and again when asked with {} tokens (finish_reason: length): raise llm.{role}.max_tokens",
                    answer.max_tokens
                )
            } else {
                format!(
                    "the {role}'s answer was cut off at llm.{role}.max_tokens = {setting} tokens (finish_reason: length), the largest budget a re-ask may use: raise llm.{role}.max_tokens"
                )
            };
            tracing::warn!(
                session = %self.ctx.session, role = %self.role, side = "model",
                kind = error.kind(), "{message}"
            );
            self.journal.push(JournalEntry::new(
                agent_role(self.role),
                "llm answer",
                "get a complete answer from the model",
                format!("cut off: {message}"),
                "gave up: a larger budget is a configuration change",
            ));
            return Err(AgentError::BadAnswer {
                role: agent_role(self.role),
                message,
            });
        }
        Ok(answer)
    }

    fn add_usage(&mut self, tokens: TokenUsage, answers: u32) {
        self.usage += Usage {
            calls: answers,
            input_tokens: tokens.prompt_tokens,
            output_tokens: tokens.completion_tokens,
            cost_usd: tokens.cost_usd(self.shared.config().prices.as_ref()),
        };
    }

    /// Counts an unusable answer on the model's side, logs and journals it.
    fn bad_answer(&mut self, attempt: u32, error: &AnswerError) {
        self.ctx.ledger.record_model_failure(self.role, error);
        tracing::warn!(
            session = %self.ctx.session, role = %self.role, side = "model",
            kind = error.kind(), attempt, "bad model answer: {error}"
        );
        self.journal.push(JournalEntry::new(
            agent_role(self.role),
            format!("llm answer {attempt}"),
            "get a usable answer from the model",
            format!("unusable ({}): {error}", error.kind()),
            "asked again with the exact error",
        ));
    }

    fn agent_error(&self, error: LlmError) -> AgentError {
        let role = agent_role(self.role);
        match error {
            LlmError::Endpoint(e) => AgentError::Unreachable {
                role,
                endpoint: self.shared.client.endpoint(self.role).url().to_string(),
                message: e.to_string(),
            },
            LlmError::Answer(e) => AgentError::BadAnswer {
                role,
                message: e.to_string(),
            },
            LlmError::Cap(cap) => {
                let (what, limit) = match cap {
                    CapExceeded::Tokens { cap, .. } => ("tokens", cap.to_string()),
                    CapExceeded::Cost { cap_usd, .. } => ("cost_usd", format!("{cap_usd}")),
                    CapExceeded::Requests { cap, .. } => ("requests", cap.to_string()),
                };
                AgentError::BudgetExceeded {
                    role,
                    what: what.into(),
                    limit,
                }
            }
            LlmError::Config(message) => AgentError::Unsupported { role, message },
        }
    }

    /// The final failure after every re-ask.
    fn give_up(&self, attempts: u32, last: AnswerError) -> AgentError {
        AgentError::BadAnswer {
            role: agent_role(self.role),
            message: format!("no usable answer after {attempts} attempt(s); last: {last}"),
        }
    }

    fn settings(&self) -> &crate::llm::RoleSettings {
        self.shared.config().role(self.role)
    }
}

/// Rough token count of a text (4 characters a token), for the history budget.
fn estimate_tokens(text: &str) -> u32 {
    (text.chars().count() / 4) as u32 + 1
}

//! Token usage and cost: per call, per role, per session, with the session's caps checked
//! before every request, and failures counted on their side (endpoint vs model).

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::config::{LlmRole, Prices, SessionCaps};
use super::error::{AnswerError, CapExceeded, EndpointError};

/// Tokens of one or more calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TokenUsage {
    /// Prompt (input) tokens.
    pub prompt_tokens: u64,
    /// Completion (output) tokens.
    pub completion_tokens: u64,
}

impl TokenUsage {
    /// Prompt + completion tokens.
    pub fn total(&self) -> u64 {
        self.prompt_tokens + self.completion_tokens
    }

    /// Adds `other` into `self`.
    pub fn add(&mut self, other: TokenUsage) {
        self.prompt_tokens += other.prompt_tokens;
        self.completion_tokens += other.completion_tokens;
    }

    /// The cost in USD at `prices` (0 without prices).
    pub fn cost_usd(&self, prices: Option<&Prices>) -> f64 {
        prices.map_or(0.0, |p| {
            (self.prompt_tokens as f64 * p.input_usd_per_million_tokens
                + self.completion_tokens as f64 * p.output_usd_per_million_tokens)
                / 1e6
        })
    }
}

/// One role's totals in a session.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RoleUsage {
    /// Requests that got an answer from the model.
    pub requests: u32,
    /// Tokens of those answers.
    pub tokens: TokenUsage,
    /// Cost in USD (0 without prices).
    pub cost_usd: f64,
    /// Endpoint failures seen (each failed HTTP try, retried or not), by kind.
    pub endpoint_failures: BTreeMap<String, u32>,
    /// Unusable model answers, by kind.
    pub model_failures: BTreeMap<String, u32>,
}

impl RoleUsage {
    /// All endpoint failures.
    pub fn endpoint_failure_count(&self) -> u32 {
        self.endpoint_failures.values().sum()
    }

    /// All unusable answers.
    pub fn model_failure_count(&self) -> u32 {
        self.model_failures.values().sum()
    }
}

/// A session's usage: per role, and the caps it must stay within.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SessionUsage {
    /// Per role.
    pub roles: BTreeMap<LlmRole, RoleUsage>,
}

impl SessionUsage {
    /// Tokens over all roles.
    pub fn tokens(&self) -> TokenUsage {
        let mut t = TokenUsage::default();
        for r in self.roles.values() {
            t.add(r.tokens);
        }
        t
    }

    /// Cost over all roles in USD.
    pub fn cost_usd(&self) -> f64 {
        self.roles.values().map(|r| r.cost_usd).sum()
    }

    /// Answered requests over all roles.
    pub fn requests(&self) -> u32 {
        self.roles.values().map(|r| r.requests).sum()
    }

    /// Endpoint failures over all roles.
    pub fn endpoint_failures(&self) -> u32 {
        self.roles
            .values()
            .map(|r| r.endpoint_failure_count())
            .sum()
    }

    /// Unusable answers over all roles.
    pub fn model_failures(&self) -> u32 {
        self.roles.values().map(|r| r.model_failure_count()).sum()
    }

    /// Err when the session may not make another request.
    pub fn check_caps(&self, caps: &SessionCaps) -> Result<(), CapExceeded> {
        let used = self.tokens().total();
        if let Some(cap) = caps.max_tokens {
            if used >= cap {
                return Err(CapExceeded::Tokens { used, cap });
            }
        }
        if let Some(cap_usd) = caps.max_cost_usd {
            let used_usd = self.cost_usd();
            if used_usd >= cap_usd {
                return Err(CapExceeded::Cost { used_usd, cap_usd });
            }
        }
        if let Some(cap) = caps.max_requests {
            let used = self.requests();
            if used >= cap {
                return Err(CapExceeded::Requests { used, cap });
            }
        }
        Ok(())
    }
}

/// The live, shareable ledger of one session (interior mutability, so concurrent calls of
/// one session add up correctly).
#[derive(Debug, Default)]
pub struct UsageLedger {
    inner: Mutex<SessionUsage>,
    prices: Option<Prices>,
}

impl UsageLedger {
    /// A ledger starting from `so_far` (e.g. restored from a checkpoint), pricing with
    /// `prices`.
    pub fn new(so_far: SessionUsage, prices: Option<Prices>) -> Self {
        Self {
            inner: Mutex::new(so_far),
            prices,
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut SessionUsage) -> R) -> R {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }

    /// A copy of the totals.
    pub fn snapshot(&self) -> SessionUsage {
        self.with(|u| u.clone())
    }

    /// Err when the session may not make another request.
    pub fn check_caps(&self, caps: &SessionCaps) -> Result<(), CapExceeded> {
        self.with(|u| u.check_caps(caps))
    }

    /// Records an answered request of `role`; returns its cost in USD.
    pub fn record_answer(&self, role: LlmRole, tokens: TokenUsage) -> f64 {
        let cost = tokens.cost_usd(self.prices.as_ref());
        self.with(|u| {
            let r = u.roles.entry(role).or_default();
            r.requests += 1;
            r.tokens.add(tokens);
            r.cost_usd += cost;
        });
        cost
    }

    /// Records one failed HTTP try of `role`.
    pub fn record_endpoint_failure(&self, role: LlmRole, error: &EndpointError) {
        self.with(|u| {
            *u.roles
                .entry(role)
                .or_default()
                .endpoint_failures
                .entry(error.kind().to_string())
                .or_default() += 1;
        });
    }

    /// Records one unusable answer of `role`.
    pub fn record_model_failure(&self, role: LlmRole, error: &AnswerError) {
        self.with(|u| {
            *u.roles
                .entry(role)
                .or_default()
                .model_failures
                .entry(error.kind().to_string())
                .or_default() += 1;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_stop_at_tokens_cost_and_requests() {
        let prices = Prices {
            input_usd_per_million_tokens: 1.0,
            output_usd_per_million_tokens: 2.0,
        };
        let ledger = UsageLedger::new(SessionUsage::default(), Some(prices));
        let t = TokenUsage {
            prompt_tokens: 1000,
            completion_tokens: 500,
        };
        let cost = ledger.record_answer(LlmRole::Coder, t);
        assert!((cost - 0.002).abs() < 1e-12);
        let caps = SessionCaps {
            max_tokens: Some(1500),
            ..Default::default()
        };
        assert!(matches!(
            ledger.check_caps(&caps),
            Err(CapExceeded::Tokens { used: 1500, .. })
        ));
        let caps = SessionCaps {
            max_cost_usd: Some(0.0021),
            max_requests: Some(2),
            ..Default::default()
        };
        assert!(ledger.check_caps(&caps).is_ok());
        ledger.record_answer(LlmRole::Planner, t);
        assert!(matches!(
            ledger.check_caps(&caps),
            Err(CapExceeded::Cost { .. })
        ));
        let caps = SessionCaps {
            max_requests: Some(2),
            ..Default::default()
        };
        assert!(matches!(
            ledger.check_caps(&caps),
            Err(CapExceeded::Requests { used: 2, cap: 2 })
        ));
    }

    #[test]
    fn failures_are_counted_on_their_side() {
        let ledger = UsageLedger::default();
        ledger.record_endpoint_failure(LlmRole::Coder, &EndpointError::Refused { url: "u".into() });
        ledger.record_model_failure(
            LlmRole::Coder,
            &AnswerError::Truncated {
                role: LlmRole::Coder,
                max_tokens: 10,
                chars: 3,
            },
        );
        ledger.record_model_failure(LlmRole::Planner, &AnswerError::Json("x".into()));
        let s = ledger.snapshot();
        assert_eq!(s.endpoint_failures(), 1);
        assert_eq!(s.model_failures(), 2);
        assert_eq!(s.roles[&LlmRole::Coder].endpoint_failures["refused"], 1);
    }
}

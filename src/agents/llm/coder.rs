//! The LLM Coder: sends the plan and the Simulator's feedback in words, extracts the script
//! from the answer (fenced or not, chatter around it), checks it compiles in the sandbox and
//! that `build` runs once, and re-prompts with the exact error. Earlier attempts of the
//! conversation are summarised once it outgrows the token budget.

use std::sync::Arc;

use async_trait::async_trait;

use super::{estimate_tokens, LlmShared, Turn};
use crate::agents::{AgentError, Answer, CodeRequest, Coder, ScriptDraft};
use crate::journal::JournalEntry;
use crate::llm::{extract_script, AnswerError, ChatCall, ChatMessage, LlmRole, MessageContent};
use crate::plan::Role;
use crate::script::SceneScript;

/// The Coder over an OpenAI-compatible endpoint.
#[derive(Debug, Clone)]
pub struct LlmCoder {
    shared: Arc<LlmShared>,
}

impl LlmCoder {
    /// A Coder sharing `shared`'s client and prompts.
    pub fn new(shared: Arc<LlmShared>) -> Self {
        Self { shared }
    }
}

/// The request in words: the plan (as markdown and as JSON), then the feedback and the
/// previous script when revising.
fn user_message(request: &CodeRequest) -> String {
    let plan = &request.plan;
    let mut text = format!(
        "Write the scene script for this plan.\n\n{}\n\nThe plan as JSON (sizes and positions at scale 1, metres):\n```json\n{}\n```\n",
        plan.to_markdown(),
        serde_json::to_string(plan).unwrap_or_default()
    );
    if let Some(budget) = request.budget.as_ref().filter(|b| !b.is_empty()) {
        text.push('\n');
        text.push_str(&crate::budget::for_agents(budget));
    }
    if let Some(previous) = &request.previous_script {
        text.push_str(&format!(
            "\nYour previous script (attempt {}):\n```rhai\n{}\n```\n",
            previous.attempt,
            previous.source.trim()
        ));
    }
    if let Some(feedback) = &request.feedback {
        text.push_str("\nWhat the checks found in it — fix these, keep what worked:\n");
        // The feedback gets what is left of the variable budget (the reviewer's comments
        // and the closing line need little).
        let room = super::budget::budget(LlmRole::Coder)
            .variable_chars
            .saturating_sub(text.len() + 2_000);
        text.push_str(super::budget::fit_lines(feedback.summary.trim(), room).trim_end());
        text.push('\n');
        for c in &feedback.review_comments {
            text.push_str(&format!("- Reviewer: {c}\n"));
        }
    }
    text.push_str("\nAnswer with the whole script in one ```rhai block.");
    text
}

/// Compiles `source` in the sandbox and runs `build(0, [1, 1, 1])` once, off the async
/// threads and behind the panic guard: a function the API does not have shows up here, with
/// the sandbox's own words.
async fn check_script(source: String) -> Result<(), AnswerError> {
    let outcome = tokio::task::spawn_blocking(move || {
        crate::guard::catch_panic(|| -> Result<(), String> {
            let script = SceneScript::compile(&source).map_err(|e| e.to_string())?;
            script
                .build(0, [1.0, 1.0, 1.0])
                .map(|_| ())
                .map_err(|e| format!("`build(0, [1.0, 1.0, 1.0])` failed: {e}"))
        })
    })
    .await;
    let result = match outcome {
        Ok(Ok(result)) => result,
        Ok(Err(panic)) => Err(format!("the sandbox stopped on an internal error: {panic}")),
        Err(join) => Err(format!("the sandbox worker failed: {join}")),
    };
    result.map_err(|message| {
        AnswerError::Invalid(format!(
            "the script does not work in the sandbox: {message}"
        ))
    })
}

/// Replaces all but the last assistant answer with a one-line summary while the
/// conversation is estimated above `budget_tokens`.
pub fn compact_history(messages: &mut [ChatMessage], budget_tokens: u32) {
    let total = |m: &[ChatMessage]| {
        m.iter()
            .map(|m| estimate_tokens(&m.text_content()))
            .sum::<u32>()
    };
    if total(messages) <= budget_tokens {
        return;
    }
    let answers: Vec<usize> = messages
        .iter()
        .enumerate()
        .filter(|(_, m)| m.role == "assistant")
        .map(|(i, _)| i)
        .collect();
    for (k, &i) in answers.iter().enumerate().rev().skip(1).rev() {
        let text = messages[i].text_content();
        if text.starts_with("[earlier answer") {
            continue;
        }
        let summary = format!(
            "[earlier answer {}: a script of {} lines, not repeated here; the reply below says why it failed]",
            k + 1,
            text.lines().count()
        );
        messages[i].content = MessageContent::Text(summary);
        if total(messages) <= budget_tokens {
            return;
        }
    }
}

#[async_trait]
impl Coder for LlmCoder {
    fn backend(&self) -> String {
        format!("llm:{}", self.shared.config().model_for(LlmRole::Coder))
    }

    async fn code(&self, request: CodeRequest) -> Result<Answer<ScriptDraft>, AgentError> {
        let mut turn = Turn::new(&self.shared, LlmRole::Coder);
        let max_attempts = turn.settings().max_answer_attempts;
        let budget = turn.settings().history_token_budget;
        let mut call = ChatCall {
            role: LlmRole::Coder,
            messages: vec![
                ChatMessage::system(self.shared.prompts().coder_for(
                    &request.plan,
                    super::budget::budget(LlmRole::Coder).static_chars,
                )),
                ChatMessage::user(user_message(&request)),
            ],
            json_schema: None,
        };
        let mut last_error = None;
        for answer_no in 1..=max_attempts {
            compact_history(&mut call.messages, budget);
            let answer = turn.ask(&call).await?;
            let source = match answer.usable_text().and_then(extract_script) {
                Ok(source) => match check_script(source.clone()).await {
                    Ok(()) => Ok(source),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            match source {
                Ok(source) => {
                    let changes = match &request.feedback {
                        None => vec!["first draft from the plan".to_string()],
                        Some(f) => vec![format!(
                            "revised in answer to: {}",
                            f.summary.lines().next().unwrap_or("the feedback")
                        )],
                    };
                    turn.journal.push(JournalEntry::new(
                        Role::Coder,
                        format!("code attempt {}", request.attempt),
                        "write a scene script that passes every gate",
                        format!(
                            "a script of {} lines that compiles and builds in the sandbox",
                            source.lines().count()
                        ),
                        if answer_no > 1 {
                            format!("the model needed {answer_no} answers to compile")
                        } else {
                            "compiled at the first answer".into()
                        },
                    ));
                    return Ok(Answer {
                        value: ScriptDraft {
                            source,
                            attempt: request.attempt,
                            changes,
                            scale_ranges: request.plan.scale_ranges,
                        },
                        usage: turn.usage,
                        journal: turn.journal,
                    });
                }
                Err(error) => {
                    turn.bad_answer(answer_no, &error);
                    call.messages
                        .push(ChatMessage::assistant(answer.content.clone()));
                    call.messages.push(ChatMessage::user(format!(
                        "That script cannot be used: {error}\nUse only the functions of the API reference. Answer again with the whole corrected script in one ```rhai block."
                    )));
                    last_error = Some(error);
                }
            }
        }
        Err(turn.give_up(
            max_attempts,
            last_error.unwrap_or(AnswerError::Invalid("no answer".into())),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_is_summarised_beyond_the_budget_but_the_last_answer_stays() {
        let script = format!(
            "fn build(seed, scale) {{\n{}}}\n",
            "    let x = 1;\n".repeat(400)
        );
        let mut messages = vec![
            ChatMessage::system("sys"),
            ChatMessage::user("plan"),
            ChatMessage::assistant(script.clone()),
            ChatMessage::user("error 1"),
            ChatMessage::assistant(script.clone()),
            ChatMessage::user("error 2"),
            ChatMessage::assistant(script.clone()),
            ChatMessage::user("error 3"),
        ];
        compact_history(&mut messages, 3000);
        assert!(messages[2].text_content().starts_with("[earlier answer 1"));
        assert!(
            messages[6].text_content() == script,
            "the latest answer is kept whole"
        );
        assert_eq!(messages[3].text_content(), "error 1", "errors are kept");
        let mut small = messages[..2].to_vec();
        compact_history(&mut small, 3000);
        assert_eq!(small[1].text_content(), "plan");
    }
}

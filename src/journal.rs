//! The session journal: every step appends an entry (intent, result, reflection), rejected
//! attempts included, so the struggle is kept for training and debugging. Rendered as
//! `journal.md`.

#![warn(missing_docs)]

use serde::{Deserialize, Serialize};

use crate::role::Role;
use crate::session::now_unix_ms;

/// One step of a session, as the role that took it saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// When, in milliseconds since the Unix epoch.
    pub at_unix_ms: u64,
    /// Who took the step.
    pub role: Role,
    /// Which step, e.g. "plan", "code attempt 2", "review round 1".
    pub step: String,
    /// What the role meant to do.
    pub intent: String,
    /// What actually happened.
    pub result: String,
    /// What it learned, or what it will do differently next.
    pub reflection: String,
}

impl JournalEntry {
    /// An entry for `role` at `step`.
    pub fn new(
        role: Role,
        step: impl Into<String>,
        intent: impl Into<String>,
        result: impl Into<String>,
        reflection: impl Into<String>,
    ) -> Self {
        Self {
            at_unix_ms: now_unix_ms(),
            role,
            step: step.into(),
            intent: intent.into(),
            result: result.into(),
            reflection: reflection.into(),
        }
    }
}

/// Renders the whole journal as `journal.md`, one section per entry, in order.
pub fn render_journal(theme: &str, entries: &[JournalEntry]) -> String {
    use std::fmt::Write;
    let mut md = format!("# Journal\n\nTheme: \"{theme}\"\n");
    for (i, e) in entries.iter().enumerate() {
        let _ = write!(
            md,
            "\n## {}. {} — {}\n\n- **Intent:** {}\n- **Result:** {}\n- **Reflection:** {}\n",
            i + 1,
            e.role.name(),
            e.step,
            one_paragraph(&e.intent),
            one_paragraph(&e.result),
            one_paragraph(&e.reflection)
        );
    }
    md
}

/// Keeps a multi-line text inside its list item by indenting continuation lines.
fn one_paragraph(text: &str) -> String {
    text.trim().replace('\n', "\n  ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_lists_every_entry_with_intent_result_and_reflection() {
        let entries = vec![
            JournalEntry::new(Role::Planner, "plan", "read theme", "gap archetype", "fine"),
            JournalEntry::new(
                Role::Coder,
                "code attempt 1",
                "write",
                "gate 3 failed",
                "widen",
            ),
        ];
        let md = render_journal("a gap", &entries);
        assert!(md.contains("## 1. planner — plan"));
        assert!(md.contains("## 2. coder — code attempt 1"));
        assert!(md.contains("- **Result:** gate 3 failed"));
        assert!(md.contains("- **Reflection:** widen"));
    }
}

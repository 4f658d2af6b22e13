//! The prompt budget of each role, in characters (about 4 per token): one for the static
//! part — the system message, identical for every request of the role (instructions, rules
//! of the world, API reference, examples), sent first so an inference server's prefix cache
//! reuses it — and one for the variable part — the user message of one request (the theme,
//! the plan, the previous script, the feedback, the report), sent last.
//!
//! Enforced where it can be cut without losing the task:
//! - the Coder's examples are ranked by relevance to the plan and dropped, least relevant
//!   first, until the static part fits ([`select_examples`]); the most relevant example is
//!   kept when it fits at all;
//! - a variable text that runs over (the Simulator's feedback, the Reviewer's report in
//!   words, the Planner's list of the plans the dataset already has) is cut at a line boundary with a note saying how much was left out
//!   ([`fit_lines`]).
//!
//! The built-in prompts fit their budgets with every example (a test checks it), so the cuts
//! only act on a custom prompt or an unusually long request.

use crate::llm::LlmRole;
use crate::plan::Plan;

/// How many characters each part of one role's prompt may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromptBudget {
    /// The system message: instructions, rules, API, examples.
    pub static_chars: usize,
    /// The user message of one request.
    pub variable_chars: usize,
}

/// The documented budget of `role` (README "Prompt budget").
pub const fn budget(role: LlmRole) -> PromptBudget {
    match role {
        // Instructions, the rules of the world and one example plan.
        LlmRole::Planner => PromptBudget {
            static_chars: 24_000,
            variable_chars: 16_000,
        },
        // Instructions, the rules, the API reference and the examples (about 12 k tokens).
        LlmRole::Coder => PromptBudget {
            static_chars: 48_000,
            variable_chars: 32_000,
        },
        // Instructions; the request carries the report, the parts and the solution.
        LlmRole::Reviewer => PromptBudget {
            static_chars: 8_000,
            variable_chars: 24_000,
        },
    }
}

/// The words of a text that say what it is about: lowercase, letters only, 3 letters or
/// more, minus a few that every theme has.
fn content_words(text: &str) -> std::collections::BTreeSet<String> {
    const COMMON: [&str; 12] = [
        "the", "and", "must", "into", "onto", "from", "with", "that", "its", "for", "one", "end",
    ];
    text.split(|c: char| !c.is_ascii_alphabetic())
        .map(str::to_ascii_lowercase)
        .filter(|w| w.len() >= 3 && !COMMON.contains(&w.as_str()))
        .collect()
}

/// What an example script is about: its header comment (up to the first blank comment
/// line), where every example states its theme and mechanism.
fn example_topic(source: &str) -> String {
    source
        .lines()
        .take_while(|l| l.trim_start().starts_with("//") && l.trim() != "//")
        .collect::<Vec<_>>()
        .join(" ")
}

/// How relevant an example is to `plan`: the content words its header shares with the
/// plan's theme, title, archetype, payload and fixture labels.
pub fn relevance(plan: &Plan, source: &str) -> usize {
    let mut about = format!(
        "{} {} {} {}",
        plan.theme,
        plan.title,
        plan.archetype.replace('_', " "),
        serde_json::to_string(&plan.payload).unwrap_or_default()
    );
    for f in &plan.fixtures {
        about.push(' ');
        about.push_str(&f.label.replace('_', " "));
    }
    let plan_words = content_words(&about);
    content_words(&example_topic(source))
        .intersection(&plan_words)
        .count()
}

/// The examples to show for `plan`, most relevant first (ties keep the given order), after
/// dropping the least relevant until the rendered examples take at most `budget_chars`
/// (each as [`example_block`] renders it).
pub fn select_examples<'a>(
    plan: &Plan,
    examples: &[(&'a str, &'a str)],
    budget_chars: usize,
) -> Vec<(&'a str, &'a str)> {
    let mut ranked: Vec<(usize, usize, (&str, &str))> = examples
        .iter()
        .enumerate()
        .map(|(i, e)| (relevance(plan, e.1), i, *e))
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut kept: Vec<(&str, &str)> = ranked.into_iter().map(|(_, _, e)| e).collect();
    while !kept.is_empty() && example_block(&kept).len() > budget_chars {
        kept.pop();
    }
    kept
}

/// The examples section of the Coder's prompt.
pub fn example_block(examples: &[(&str, &str)]) -> String {
    if examples.is_empty() {
        return String::new();
    }
    let mut text = String::from(
        "# Example scripts\n\nThese pass every check. Learn the API usage from them, not the layout.\n",
    );
    for (name, source) in examples {
        text.push_str(&format!("\n## {name}\n\n```rhai\n{}\n```\n", source.trim()));
    }
    text
}

/// `text` cut at a line boundary to at most `budget_chars`, with a last line saying how
/// many lines were left out; unchanged when it fits.
pub fn fit_lines(text: &str, budget_chars: usize) -> String {
    if text.len() <= budget_chars {
        return text.to_string();
    }
    let lines: Vec<&str> = text.lines().collect();
    // Room for the note (at most this long) is kept from the start.
    let room = budget_chars.saturating_sub(80);
    let mut out = String::new();
    let mut kept = 0;
    for line in &lines {
        if out.len() + line.len() + 1 > room {
            break;
        }
        out.push_str(line);
        out.push('\n');
        kept += 1;
    }
    out.push_str(&format!(
        "(… {} more line(s) cut to the prompt budget)\n",
        lines.len() - kept
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::llm::prompts::{RolePrompts, CODER_EXAMPLES};

    fn plan(theme: &str) -> Plan {
        let mut p: Plan =
            serde_json::from_str(crate::agents::llm::prompts::PLANNER_EXAMPLE_PLAN).unwrap();
        p.theme = theme.into();
        p.title = theme.into();
        p.fixtures.clear();
        p.archetype = "custom".into();
        p
    }

    #[test]
    fn an_over_budget_prompt_keeps_the_most_relevant_example() {
        let p = plan("a cube must get onto a raised shelf");
        let all = example_block(CODER_EXAMPLES);
        // Room for exactly one example: the cube-and-shelf one is kept.
        let shelf = CODER_EXAMPLES
            .iter()
            .find(|(n, _)| *n == "cube_tray_shelf.rhai")
            .unwrap();
        let budget = example_block(&[*shelf]).len() + 10;
        assert!(budget < all.len());
        let kept = select_examples(&p, CODER_EXAMPLES, budget);
        assert_eq!(
            kept.len(),
            1,
            "{:?}",
            kept.iter().map(|e| e.0).collect::<Vec<_>>()
        );
        assert_eq!(kept[0].0, "cube_tray_shelf.rhai");
        assert!(example_block(&kept).len() <= budget);
        // For a wall theme, the wall example leads.
        let kept = select_examples(
            &plan("a ball must pass through a gate in a wall"),
            CODER_EXAMPLES,
            usize::MAX,
        );
        assert_eq!(kept[0].0, "ball_wall_gate.rhai");
        assert_eq!(kept.len(), CODER_EXAMPLES.len());
        // A whole Coder prompt with room for one example beside the instructions and the
        // API keeps the most relevant one and stays within its budget.
        let prompts = RolePrompts::builtin();
        let bare = prompts.coder_for(&p, 0).len();
        let room = bare + example_block(&[*shelf]).len() + 10;
        let prompt = prompts.coder_for(&p, room);
        assert!(prompt.len() <= room, "{} > {room}", prompt.len());
        assert!(prompt.contains("## cube_tray_shelf.rhai"));
        // With every example, the built-in prompt is within the documented static budget.
        let full = prompts.coder_for(&p, usize::MAX);
        assert!(
            full.len() <= super::budget(LlmRole::Coder).static_chars,
            "{}",
            full.len()
        );
    }

    #[test]
    fn the_built_in_prompts_fit_their_static_budgets_with_every_example() {
        let p = RolePrompts::builtin();
        for (role, text) in [
            (LlmRole::Planner, &p.planner),
            (LlmRole::Coder, &p.coder),
            (LlmRole::Reviewer, &p.reviewer),
        ] {
            assert!(
                text.len() <= budget(role).static_chars,
                "{role}: {} > {}",
                text.len(),
                budget(role).static_chars
            );
        }
    }

    #[test]
    fn a_long_variable_text_is_cut_at_a_line_and_says_so() {
        let text: String = (0..100)
            .map(|i| format!("seed {i}: stopped short\n"))
            .collect();
        let cut = fit_lines(&text, 500);
        assert!(cut.len() <= 500, "{}", cut.len());
        assert!(cut.starts_with("seed 0: stopped short\n"));
        assert!(cut
            .trim_end()
            .ends_with("more line(s) cut to the prompt budget)"));
        assert_eq!(fit_lines("short\n", 500), "short\n");
    }
}

//! The role prompts: embedded at build time from `actors/<role>/`, each overridable by a file
//! named in the config (`llm.<role>.prompt_path`). The Coder's prompt always carries the
//! scene-script API reference (`actors/coder/api.md`, the contract the sandbox enforces) and
//! the example scripts, filled in at `{{API}}` and `{{EXAMPLES}}`; the Planner's carries an
//! example plan at `{{EXAMPLE_PLAN}}`.

use crate::llm::{LlmConfig, LlmError, LlmRole};

/// The Planner's built-in system prompt.
pub const PLANNER_SYSTEM: &str = include_str!("../../../actors/planner/system.md");
/// An example plan, in exactly the JSON form the plan types read.
pub const PLANNER_EXAMPLE_PLAN: &str = include_str!("../../../actors/planner/example_plan.json");
/// The Coder's built-in system prompt.
pub const CODER_SYSTEM: &str = include_str!("../../../actors/coder/system.md");
/// The scene-script API reference the sandbox enforces.
pub const CODER_API: &str = include_str!("../../../actors/coder/api.md");
/// The example scripts shown to the Coder: (file name, source).
pub const CODER_EXAMPLES: &[(&str, &str)] = &[
    (
        "ball_gap_bridge.rhai",
        include_str!("../../../actors/coder/examples/ball_gap_bridge.rhai"),
    ),
    (
        "ball_deflector_bin.rhai",
        include_str!("../../../actors/coder/examples/ball_deflector_bin.rhai"),
    ),
    (
        "ball_wall_gate.rhai",
        include_str!("../../../actors/coder/examples/ball_wall_gate.rhai"),
    ),
    (
        "cube_tray_shelf.rhai",
        include_str!("../../../actors/coder/examples/cube_tray_shelf.rhai"),
    ),
];
/// The Reviewer's built-in system prompt.
pub const REVIEWER_SYSTEM: &str = include_str!("../../../actors/reviewer/system.md");
/// The JSON schema of the Reviewer's answer.
pub const REVIEWER_SCHEMA: &str = include_str!("../../../actors/reviewer/schema.json");

/// The three system prompts, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct RolePrompts {
    /// The Planner's.
    pub planner: String,
    /// The Coder's.
    pub coder: String,
    /// The Reviewer's.
    pub reviewer: String,
}

impl RolePrompts {
    /// The built-in prompts, or the files the config names instead (an unreadable file is a
    /// configuration error naming it).
    pub fn load(config: &LlmConfig) -> Result<Self, LlmError> {
        let template = |role: LlmRole, builtin: &str| -> Result<String, LlmError> {
            match &config.role(role).prompt_path {
                None => Ok(builtin.to_string()),
                Some(path) => std::fs::read_to_string(path).map_err(|e| {
                    LlmError::Config(format!(
                        "cannot read llm.{role}.prompt_path {}: {e}",
                        path.display()
                    ))
                }),
            }
        };
        Ok(Self {
            planner: fill_planner(&template(LlmRole::Planner, PLANNER_SYSTEM)?),
            coder: fill_coder(&template(LlmRole::Coder, CODER_SYSTEM)?),
            reviewer: template(LlmRole::Reviewer, REVIEWER_SYSTEM)?,
        })
    }

    /// The built-in prompts.
    pub fn builtin() -> Self {
        Self {
            planner: fill_planner(PLANNER_SYSTEM),
            coder: fill_coder(CODER_SYSTEM),
            reviewer: REVIEWER_SYSTEM.to_string(),
        }
    }
}

fn fill_planner(template: &str) -> String {
    template.replace("{{EXAMPLE_PLAN}}", PLANNER_EXAMPLE_PLAN.trim())
}

fn fill_coder(template: &str) -> String {
    let mut examples = String::from("# Example scripts\n\nThese pass every check. Learn the API usage from them, not the layout.\n");
    for (name, source) in CODER_EXAMPLES {
        examples.push_str(&format!("\n## {name}\n\n```rhai\n{}\n```\n", source.trim()));
    }
    let api = CODER_API.trim();
    // A custom prompt without the placeholders still gets the API reference: the model must
    // write against the contract the sandbox enforces.
    let mut text = template
        .replace("{{API}}", api)
        .replace("{{EXAMPLES}}", &examples);
    if !template.contains("{{API}}") {
        text.push_str("\n\n");
        text.push_str(api);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coder_prompt_carries_the_api_and_examples() {
        let p = RolePrompts::builtin();
        assert!(p.coder.contains("fn build(seed, scale)"));
        assert!(p.coder.contains(CODER_API.trim()));
        assert!(p.coder.contains("ball_gap_bridge.rhai"));
        assert!(!p.coder.contains("{{"));
        assert!(!p.planner.contains("{{"));
    }

    #[test]
    fn example_plan_reads_as_a_plan() {
        let plan: crate::plan::Plan =
            serde_json::from_str(PLANNER_EXAMPLE_PLAN).expect("example plan parses as Plan");
        assert!(super::super::planner::validate_plan(&plan).is_ok());
    }

    #[test]
    fn override_file_replaces_and_missing_file_is_named() {
        let dir = std::env::temp_dir().join(format!("bf-prompt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("reviewer.md");
        std::fs::write(&path, "custom reviewer").unwrap();
        let mut config = LlmConfig::default();
        config.reviewer.prompt_path = Some(path);
        config.coder.prompt_path = Some(dir.join("custom-coder.md"));
        let err = RolePrompts::load(&config).unwrap_err();
        assert!(err.to_string().contains("custom-coder.md"), "{err}");
        config.coder.prompt_path = None;
        assert_eq!(
            RolePrompts::load(&config).unwrap().reviewer,
            "custom reviewer"
        );
    }
}

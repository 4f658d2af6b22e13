//! The five roles of the pipeline, declared once: who took a step, whose answer failed, who
//! owns a `todo.md` item.

use serde::{Deserialize, Serialize};

/// One role of the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Turns a theme into a plan.
    Planner,
    /// Writes the scene script.
    Coder,
    /// Runs the gates.
    Simulator,
    /// Approves or rejects.
    Reviewer,
    /// Writes the benchmark to the dataset.
    Persister,
}

impl Role {
    /// Every role, in pipeline order.
    pub const ALL: [Role; 5] = [
        Role::Planner,
        Role::Coder,
        Role::Simulator,
        Role::Reviewer,
        Role::Persister,
    ];

    /// The role's lowercase name, as used in logs, journals and config keys.
    pub fn name(self) -> &'static str {
        match self {
            Role::Planner => "planner",
            Role::Coder => "coder",
            Role::Simulator => "simulator",
            Role::Reviewer => "reviewer",
            Role::Persister => "persister",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

//! The archetype library: each archetype is a task shape (cross a gap, pass a window...) with
//! its randomized parameters and the Rhai that places its fixtures around one shared layout.
//! The theme's intent decides the archetype (see `planner::archetype_for`); each archetype
//! lists the relations, stated attributes and element materials it embodies exactly.
//!
//! Every archetype shares one layout (`core.rhai`): the payload starts at rest above a start
//! support, the goal is a three-walled bin, and the reference solution is a chute (plank +
//! two rails) from just under the payload onto the bin's floor. The archetype's fixtures are
//! placed relative to that path, so the solution never cuts into them and gravity alone
//! leaves the payload on its start support. An archetype with a portal (`portal_pos`, or
//! `x_p` set by its placement) bends the path: steep down to a kink, then through the
//! portal's low opening, so every straight line from the payload to the goal runs into the
//! portal's wall and the naive straight chute fails (its `obstacles`).

mod catalog;

use crate::intent::{AttributeKind, ElementKind, Relation};
use crate::scene::Material;

pub use catalog::CATALOG;

/// Which scale axis a parameter follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// Multiplied by `scale[0]` (lengths along the task).
    X,
    /// Multiplied by `scale[1]` (widths).
    Y,
    /// Multiplied by `scale[2]` (heights).
    Z,
    /// Not scaled (angles, fractions).
    None,
}

/// A randomized parameter of an archetype, at its default.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// snake_case name ending in its unit; the script reads it as `g.<name>`.
    pub name: &'static str,
    /// What it controls.
    pub description: &'static str,
    /// Unit in words.
    pub unit: &'static str,
    /// Default nominal value.
    pub nominal: f64,
    /// Relative half-width of the drawn range (0.2 = ±20 %).
    pub spread: f64,
    /// Which scale axis multiplies it.
    pub axis: Axis,
}

/// One task shape of the library.
#[derive(Debug, Clone, Copy)]
pub struct Archetype {
    /// Stable id, written into the plan.
    pub id: &'static str,
    /// Short title.
    pub title: &'static str,
    /// The (relation, element) pairs its reference solution really performs; a theme's
    /// relation outside this list (and outside [`COMMON_RELATIONS`]) is refused.
    pub relations: &'static [(Relation, ElementKind)],
    /// Element attributes a theme may state that the archetype keeps exactly, with the
    /// parameter that carries each (pinned to the stated value).
    pub stated: &'static [(ElementKind, AttributeKind, &'static str)],
    /// The material the archetype builds each named element of.
    pub materials: &'static [(ElementKind, Material)],
    /// True when every variant has a forbid zone.
    pub has_forbid_zone: bool,
    /// What an agent solving it must learn.
    pub objective: &'static str,
    /// How the reference solution works.
    pub solution_idea: &'static str,
    /// The archetype's own parameters (besides the shared path angle and drop).
    pub params: &'static [ParamSpec],
    /// Whether the shared start pad holds the payload (else the archetype provides a support).
    pub uses_pad: bool,
    /// Rhai run inside `layout` after the parameters are drawn: sets `g.x_end` (where the
    /// chute ends, m) and `g.gf` (the goal bin's floor height, m). `ph` is the pad half length.
    pub place: &'static str,
    /// Rhai run inside `build` after the shared parts: adds the archetype's fixtures, joints
    /// and forbid zones to `scene` from the layout `g`.
    pub fixtures: &'static str,
    /// Base difficulty in [0, 1] before the parameters are considered.
    pub base_difficulty: f64,
    /// Fixture labels the archetype adds, with what each is for.
    pub parts: &'static [(&'static str, &'static str)],
    /// The fixtures among `parts` that stand across the direct line from the payload to the
    /// goal: each must block the naive straight chute (`baselines::constraints`).
    pub obstacles: &'static [&'static str],
    /// The reference solution's `solve` function in Rhai, when it is not the shared chute
    /// (`CHUTE_SOLVE_RHAI`): e.g. a motorized lift. A solution of its own may drive joints
    /// with motors; the plan then says so instead of "gravity alone".
    pub solve: Option<&'static str>,
}

/// The archetype with `id`, if the library has it.
pub fn by_id(id: &str) -> Option<&'static Archetype> {
    CATALOG.iter().find(|a| a.id == id)
}

/// The shared layout arithmetic and helpers every script carries.
pub const CORE_RHAI: &str = include_str!("core.rhai");

/// The shared reference solution: the chute along the path (steep, then through the portal
/// when the path bends). An archetype with a `solve` of its own carries that instead.
pub const CHUTE_SOLVE_RHAI: &str = include_str!("chute_solve.rhai");

/// Relations every archetype performs: the payload ends in the goal bin, and on the way it
/// rides the solver's ramp.
pub const COMMON_RELATIONS: &[(Relation, ElementKind)] = &[
    (Relation::Into, ElementKind::Bin),
    (Relation::Into, ElementKind::Cup),
    (Relation::Onto, ElementKind::Ramp),
];

impl Archetype {
    /// True when its path bends (steep, then through a portal or under a shield), so that no
    /// straight chute solves it.
    pub fn bends(&self) -> bool {
        self.params.iter().any(|p| p.name == "portal_pos") || self.place.contains("g.x_p")
    }

    /// True when the reference rides the shared chute path, so the path's angle and the drop
    /// onto it are the layout's parameters; false for a solution of its own (a lift).
    pub fn rides_chute(&self) -> bool {
        self.solve.is_none()
    }

    /// True when the archetype's reference solution performs `relation` with `element`.
    pub fn performs(&self, relation: Relation, element: ElementKind) -> bool {
        self.relations
            .iter()
            .chain(COMMON_RELATIONS)
            .any(|(r, e)| *r == relation && *e == element)
    }
}

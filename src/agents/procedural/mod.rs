//! The procedural backend: an archetype library, a theme reader, a script writer and a
//! rubric. Needs no network; the default backend and the one the tests run.

pub mod archetypes;
pub mod coder;
pub mod planner;
pub mod reviewer;
pub mod theme;

pub use coder::ProceduralCoder;
pub use planner::ProceduralPlanner;
pub use reviewer::ProceduralReviewer;

//! The gates of DESIGN.md, one module each.

pub mod geometry;
pub mod non_trivial;
pub mod overlap;
pub mod physical;
pub mod physics;
pub mod solvable;

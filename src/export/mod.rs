//! Exports of a built variant for other tools.

pub mod mjcf;

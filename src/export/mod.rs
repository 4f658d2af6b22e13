//! Exports of a built variant for other tools, and the cross-check of the MuJoCo export
//! against the simulator.

pub mod crosscheck;
pub mod mjcf;

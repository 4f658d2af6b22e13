//! benchforge: manufactures physics benchmarks for engineering agents.
//!
//! The domain core (scene model, scripting, simulation, gates, rendering, export, store, LLM
//! client) lives in plain modules that do not import actix; `actors` is the thin shell that
//! wires the core into supervised actors. See `DESIGN.md` in the shared folder for the
//! pipeline and the gates.

pub mod agents;
pub mod journal;
pub mod plan;
pub mod cli;
pub mod config;
pub mod dataset;
pub mod fault;
pub mod gates;
pub mod guard;
pub mod llm;
pub mod physics;
pub mod report;
pub mod rng;
pub mod scene;
pub mod session;
pub mod store;
pub mod variant;

//! benchforge: manufactures physics benchmarks for engineering agents.
//!
//! The domain core (scene model, scripting, simulation, gates, rendering, export, store, LLM
//! client) lives in plain modules that do not import actix; `actors` is the thin shell that
//! wires the core into supervised actors. See `DESIGN.md` in the shared folder for the
//! pipeline and the gates.

pub mod actors;
pub mod agents;
pub mod baselines;
pub mod benchmark;
pub mod budget;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod dataset;
pub mod disk;
pub mod engine;
pub mod eval;
pub mod export;
pub mod fault;
pub mod gates;
pub mod guard;
pub mod html_report;
pub mod intent;
pub mod journal;
pub mod limits;
pub mod llm;
pub mod logging;
pub mod messages;
pub mod physics;
pub mod pipeline;
pub mod plan;
pub mod plan_match;
pub mod reload;
pub mod render;
pub mod report;
pub mod rng;
pub mod role;
pub mod scene;
pub mod score;
pub mod script;
pub mod session;
pub mod status;
pub mod steps;
pub mod store;
pub mod validate;
pub mod variant;
pub mod world_rules;

//! `benchforge run --config FILE`: the long-running daemon.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use crate::config::Config;
use crate::daemon::{self, DaemonOptions, Mode};
use crate::logging::{self, LogFormat};
use crate::steps::Steps;

/// Arguments of `benchforge run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The daemon config (TOML).
    #[arg(long)]
    pub config: PathBuf,
    /// Log line format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Exit once no session is queued or open (for scripts), instead of running until stopped.
    #[arg(long)]
    pub until_idle: bool,
}

/// The work behind the stages, as the config selects it (per role: procedural or LLM).
pub fn steps_for(config: &Config) -> anyhow::Result<Arc<dyn Steps>> {
    crate::agents::llm::agent_steps(config).map_err(|e| anyhow::anyhow!("{e}"))
}

/// How a reload rebuilds the steps from the new config.
pub fn steps_factory() -> crate::daemon::StepsFactory {
    Arc::new(|config: &Config| crate::agents::llm::agent_steps(config).map_err(|e| e.to_string()))
}

/// Heartbeat period: `BENCHFORGE_HEARTBEAT_S` (for tests) or 30 s.
pub fn heartbeat() -> Duration {
    Duration::from_secs_f64(
        std::env::var("BENCHFORGE_HEARTBEAT_S")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(30.0f64)
            .clamp(0.05, 60.0),
    )
}

/// The settings a one-off command (`generate`, `eval`) runs with: `--config`'s file, else the
/// built-in defaults over `./benchforge-data`, with `--seeds` (checked against the limits)
/// in place of `gates.seeds`.
pub fn command_config(config: Option<&Path>, seeds: Option<u32>) -> anyhow::Result<Config> {
    let mut config = match config {
        Some(path) => load_config(path)?,
        None => Config::with_data_dir(std::path::PathBuf::from("benchforge-data")),
    };
    if let Some(seeds) = seeds {
        config
            .limits
            .check_seeds("--seeds", u64::from(seeds))
            .map_err(anyhow::Error::msg)?;
        config.gates.seeds = seeds;
    }
    Ok(config)
}

/// Loads the config or says where it is wrong.
pub fn load_config(path: &Path) -> anyhow::Result<Config> {
    Config::load(path).map_err(|e| anyhow::anyhow!("invalid config: {e}"))
}

/// Runs `benchforge run`.
pub fn run(args: RunArgs) -> anyhow::Result<u8> {
    let config = load_config(&args.config)?;
    crate::limits::install(config.limits);
    logging::init(Some(&config.data_dir), args.log_format)?;
    let steps = steps_for(&config)?;
    let (stop_tx, stop_rx) = daemon::stop_channel();
    daemon::install_signal_handler(stop_tx).map_err(anyhow::Error::msg)?;
    let summary = daemon::run(
        DaemonOptions {
            config,
            mode: Mode::Run {
                config_path: args.config.clone(),
                until_idle: args.until_idle,
            },
            steps,
            steps_factory: Some(super::run::steps_factory()),
            heartbeat: heartbeat(),
            shutdown_grace: daemon::SHUTDOWN_GRACE,
        },
        stop_rx,
    )
    .context("the daemon stopped")?;
    tracing::info!(interrupted = summary.interrupted, "daemon exited");
    Ok(super::EXIT_OK)
}

//! `benchforge generate "<theme>" --count N`: runs the same actors once for one theme, prints
//! the accepted benchmarks' folders and exits.

use std::path::PathBuf;

use anyhow::Context as _;

use super::run::{command_config, heartbeat, steps_for};
use crate::config::ThemeConfig;
use crate::daemon::{self, DaemonOptions, Mode};
use crate::logging::{self, LogFormat};
use crate::store::{now_unix_ms, Stage};

/// Arguments of `benchforge generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The theme, in words.
    pub theme: String,
    /// How many benchmarks to make.
    #[arg(long, default_value_t = 1)]
    pub count: u32,
    /// Where the dataset, the store and the logs go (default: the config's, else ./benchforge-data).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Take every other setting from this config (its themes are not run).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Seeds per variant check (default: the config's gates.seeds).
    #[arg(long)]
    pub seeds: Option<u32>,
    /// Log line format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// Runs `benchforge generate`.
pub fn run(args: GenerateArgs) -> anyhow::Result<u8> {
    if args.theme.trim().is_empty() {
        anyhow::bail!("the theme is empty: describe the benchmark in words, e.g. \"a ball must cross a gap between two decks\"");
    }
    let mut config = command_config(args.config.as_deref(), args.seeds)?;
    if let Some(dir) = args.data_dir {
        config.data_dir = dir;
    }
    config
        .limits
        .check_count("--count", u64::from(args.count))
        .map_err(anyhow::Error::msg)?;
    crate::limits::install(config.limits);
    logging::init(Some(&config.data_dir), args.log_format)?;
    let steps = steps_for(&config)?;
    let theme = ThemeConfig {
        prompt: args.theme.clone(),
        count: args.count,
        seeds: None,
        scale: None,
        tier: None,
        budget: None,
    };
    let spec = config.theme_spec(&theme, &format!("generate-{}", now_unix_ms()));
    let (stop_tx, stop_rx) = daemon::stop_channel();
    daemon::install_signal_handler(stop_tx).map_err(anyhow::Error::msg)?;
    let summary = daemon::run(
        DaemonOptions {
            config,
            mode: Mode::Generate { spec },
            steps,
            steps_factory: Some(super::run::steps_factory()),
            heartbeat: heartbeat(),
            shutdown_grace: daemon::SHUTDOWN_GRACE,
        },
        stop_rx,
    )
    .context("generate stopped")?;
    for path in summary.accepted_paths() {
        println!("{path}");
    }
    let mut all_accepted = !summary.interrupted;
    let mut refused = false;
    for s in &summary.finished {
        match &s.stage {
            Stage::Accepted { .. } => {}
            Stage::Rejected { reason } => {
                all_accepted = false;
                refused = true;
                // One line, the planner's reason: what is missing, never a stand-in.
                eprintln!("benchforge: refused ({}): {reason}", s.id);
            }
            Stage::Failed { reason } => {
                all_accepted = false;
                eprintln!("benchforge: session {} failed: {reason}", s.id);
            }
            _ => all_accepted = false,
        }
    }
    if summary.interrupted {
        eprintln!("benchforge: interrupted; `benchforge run` or another generate with the same data dir does not resume this one-off theme, but everything finished is in the dataset");
    }
    Ok(
        if all_accepted && summary.accepted_paths().len() == args.count as usize {
            super::EXIT_OK
        } else if refused && summary.accepted_paths().is_empty() {
            super::EXIT_REFUSED
        } else {
            super::EXIT_GATE_FAILED
        },
    )
}

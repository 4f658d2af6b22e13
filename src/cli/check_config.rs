//! `benchforge check-config FILE`: validates a daemon config without running it.

use std::path::PathBuf;

use crate::config::Config;

/// Arguments of `benchforge check-config`.
#[derive(Debug, clap::Args)]
pub struct CheckConfigArgs {
    /// The config file (TOML).
    pub file: PathBuf,
}

/// Runs `benchforge check-config`: exit 0 and a summary when valid, exit 2 and
/// `file:line: reason` when not.
pub fn run(args: CheckConfigArgs) -> anyhow::Result<u8> {
    let config = Config::load(&args.file).map_err(|e| anyhow::anyhow!("invalid config: {e}"))?;
    let benchmarks: u32 = config.themes.iter().map(|t| t.count).sum();
    println!(
        "{}: ok — data dir {}, concurrency {}, {} seeds, {} themes ({} benchmarks)",
        args.file.display(),
        config.data_dir.display(),
        config.concurrency,
        config.gates.seeds,
        config.themes.len(),
        benchmarks
    );
    Ok(super::EXIT_OK)
}

//! `benchforge check-config FILE`: validates a daemon config without running it.

use std::path::PathBuf;

use crate::config::Config;

/// Arguments of `benchforge check-config`.
#[derive(Debug, clap::Args)]
pub struct CheckConfigArgs {
    /// The config file (TOML).
    pub file: PathBuf,
}

/// Runs `benchforge check-config`: exit 0 and a summary when valid, exit 2 and one
/// `file:line: key: reason` line per problem when not. It loads the config exactly as `run`
/// does ([`Config::load_all`]) and builds the agents from it as `run` does, without starting
/// anything.
pub fn run(args: CheckConfigArgs) -> anyhow::Result<u8> {
    let config = match Config::load_all(&args.file) {
        Ok(config) => config,
        Err(errors) => {
            for error in &errors.0 {
                eprintln!("benchforge: invalid config: {error}");
            }
            return Ok(super::EXIT_BAD_INPUT);
        }
    };
    crate::agents::llm::agent_steps(&config).map_err(|e| {
        anyhow::anyhow!(
            "invalid config: {}: {}",
            args.file.display(),
            crate::logging::escape_control(&e.to_string())
        )
    })?;
    let benchmarks: u64 = config.themes.iter().map(|t| u64::from(t.count)).sum();
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

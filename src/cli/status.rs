//! `benchforge status`: what the daemon is doing, read from the status snapshot it keeps
//! (sled locks its files while the daemon runs).

use std::path::PathBuf;

use crate::store::{now_unix_ms, read_snapshot};

/// Arguments of `benchforge status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The daemon's data dir.
    #[arg(long, default_value = "benchforge-data")]
    pub data_dir: PathBuf,
    /// Print the snapshot as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `benchforge status`.
pub fn run(args: StatusArgs) -> anyhow::Result<u8> {
    let snapshot = read_snapshot(&args.data_dir)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&snapshot)?);
        return Ok(super::EXIT_OK);
    }
    let age_s = now_unix_ms().saturating_sub(snapshot.updated_unix_ms) as f64 / 1000.0;
    println!("data dir:      {}", args.data_dir.display());
    println!(
        "updated:       {age_s:.1} s ago (daemon pid {})",
        snapshot.daemon_pid
    );
    println!("themes:        {}", snapshot.themes);
    println!("queue length:  {}", snapshot.queue_length);
    println!(
        "accepted:      {}   rejected: {}   failed: {}",
        snapshot.accepted, snapshot.rejected, snapshot.failed
    );
    let stages: Vec<String> = snapshot
        .sessions_per_stage
        .iter()
        .map(|(k, n)| format!("{k}={n}"))
        .collect();
    println!("per stage:     {}", stages.join(" "));
    println!(
        "tokens:        {} in, {} out, {} calls, {:.4} USD",
        snapshot.usage.input_tokens,
        snapshot.usage.output_tokens,
        snapshot.usage.calls,
        snapshot.usage.cost_usd
    );
    println!(
        "last error:    {}",
        snapshot.last_error.as_deref().unwrap_or("none")
    );
    Ok(super::EXIT_OK)
}

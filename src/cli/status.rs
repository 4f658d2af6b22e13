//! `benchforge status`: what the daemon is doing, read from the status file it keeps (sled
//! locks its own files while the daemon runs) and judged against the process table: a daemon
//! is `running` only while its pid lives and its heartbeat is fresh, `stopped` after a clean
//! exit, `dead` when the file says running but the pid is gone.

use std::path::PathBuf;
use std::time::Duration;

use crate::status::{liveness, pid_alive, utc, Liveness};
use crate::store::{now_unix_ms, read_snapshot};

/// Arguments of `benchforge status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The daemon's data dir.
    #[arg(long, default_value = "benchforge-data")]
    pub data_dir: PathBuf,
    /// Print the snapshot as JSON (with the judged `daemon` state and its words).
    #[arg(long)]
    pub json: bool,
}

fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// Runs `benchforge status`.
pub fn run(args: StatusArgs) -> anyhow::Result<u8> {
    let snapshot = read_snapshot(&args.data_dir)?;
    let now = now_unix_ms();
    let pid = snapshot.daemon_pid;
    let judged = liveness(&snapshot, now, pid_alive);
    let (word, daemon) = match judged {
        Liveness::Running { beat_age } => (
            "running",
            format!(
                "running (pid {pid}, since {}, heartbeat {} ago)",
                utc(snapshot.started_unix_ms),
                seconds(beat_age)
            ),
        ),
        Liveness::Late { beat_age } => (
            "late",
            format!(
                "running but not answering (pid {pid} alive, no heartbeat for {})",
                seconds(beat_age)
            ),
        ),
        Liveness::Stopped { at_unix_ms } => (
            "stopped",
            format!("stopped (clean exit at {})", utc(at_unix_ms)),
        ),
        Liveness::Dead { last_beat_unix_ms } => (
            "dead",
            format!(
                "dead (no heartbeat since {}, pid {pid} gone)",
                utc(last_beat_unix_ms)
            ),
        ),
    };
    if args.json {
        let mut value = serde_json::to_value(&snapshot)?;
        value["daemon"] = serde_json::json!(word);
        value["daemon_text"] = serde_json::json!(daemon);
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(super::EXIT_OK);
    }
    println!("data dir:      {}", args.data_dir.display());
    println!("daemon:        {daemon}");
    if let Some(reason) = &snapshot.paused {
        println!("paused:        {reason}");
    }
    println!("themes:        {}", snapshot.themes);
    println!("queue length:  {}", snapshot.queue_length);
    println!(
        "accepted:      {}   rejected: {}   failed: {}",
        snapshot.accepted, snapshot.rejected, snapshot.failed
    );
    for r in &snapshot.refused {
        println!(
            "refused:       \"{}\" ({} session{}): {}",
            crate::logging::escape_control(&r.theme),
            r.sessions,
            if r.sessions == 1 { "" } else { "s" },
            crate::logging::escape_control(&r.reason)
        );
    }
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
    match &snapshot.last_error {
        Some(e) => println!(
            "last error:    {} ({} error at {}; clears when that kind of work next succeeds)",
            crate::logging::escape_control(&e.message),
            e.kind.name(),
            utc(e.unix_ms)
        ),
        None => println!("last error:    none"),
    }
    Ok(super::EXIT_OK)
}

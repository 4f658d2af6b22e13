//! `benchforge eval THEMES.toml`: runs a theme file against the configured backends through
//! the session engine and prints (and writes as JSON) what each theme cost (see
//! [`crate::eval`]).

use std::path::PathBuf;

use anyhow::Context as _;

use super::run::{command_config, steps_for};
use crate::logging::{self, LogFormat};

/// Arguments of `benchforge eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// The theme file: `[[themes]]` tables as in a config (prompt, count, seeds, scale, tier).
    pub themes: PathBuf,
    /// Take the backends ([agents.*], [llm]) and every other setting from this config (its
    /// own themes are not run). Default: the built-in defaults (procedural backends).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Keep the sessions' data (dataset, work folders, logs) in this folder. Default: a
    /// temporary folder, removed at the end.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Write the JSON report here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Seeds per variant check (default: the config's gates.seeds).
    #[arg(long)]
    pub seeds: Option<u32>,
    /// Log line format (logs go to stderr).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// Runs `benchforge eval`: exit 0 once every theme ran and the report is written, whatever
/// the themes' outcomes (they are the measurement); exit 2 on unusable input.
pub fn run(args: EvalArgs) -> anyhow::Result<u8> {
    let mut config = command_config(args.config.as_deref(), args.seeds)?;
    let themes = crate::eval::load_themes(&args.themes, &config.limits)?;
    let (data_dir, temporary) = match &args.data {
        Some(dir) => (dir.clone(), false),
        None => (
            std::env::temp_dir().join(format!(
                "benchforge-eval-{}-{}",
                std::process::id(),
                crate::session::now_unix_ms()
            )),
            true,
        ),
    };
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("cannot create the data folder {}", data_dir.display()))?;
    config.data_dir = data_dir.clone();
    // The steps read each theme's stated budget from the config's themes: the config's own
    // themes are not run, the theme file's are.
    config.themes = themes.clone();
    crate::limits::install(config.limits);
    logging::init(None, args.log_format)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let report = runtime.block_on(async {
        let steps = steps_for(&config)?;
        anyhow::Ok(crate::eval::evaluate(&config, &themes, steps, &data_dir).await)
    });
    drop(runtime);
    if temporary {
        let _ = std::fs::remove_dir_all(&data_dir);
    }
    let mut report = report?;
    if temporary {
        // The folders are gone with the temporary data dir: keep only their names.
        for run in report.runs.iter_mut().filter(|r| r.accepted) {
            if let Some(name) = std::path::Path::new(&run.detail).file_name() {
                run.detail = name.to_string_lossy().into_owned();
            }
        }
    }
    print!("{}", crate::eval::table(&report));
    if let Some(out) = &args.out {
        let json = serde_json::to_string_pretty(&report).context("the report as JSON")?;
        std::fs::write(out, json + "\n")
            .with_context(|| format!("cannot write the report to {}", out.display()))?;
    }
    Ok(super::EXIT_OK)
}

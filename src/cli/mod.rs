//! The command-line edge: argument types and one module per command. Errors become one line
//! on stderr and an exit code here, never a backtrace.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod check_config;
pub mod crosscheck;
pub mod eval;
pub mod export;
pub mod generate;
pub mod render;
pub mod report;
pub mod run;
pub mod score;
pub mod status;
pub mod validate;

/// Exit code when every gate held.
pub const EXIT_OK: u8 = 0;
/// Exit code when a gate failed.
pub const EXIT_GATE_FAILED: u8 = 1;
/// Exit code for unusable input: missing file, syntax error, bad flags.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code of `generate` when the theme was refused: it states something the available
/// mechanisms cannot embody (the reason is on stderr).
pub const EXIT_REFUSED: u8 = 3;

/// benchforge: manufactures validated rigid-body physics benchmarks.
#[derive(Debug, Parser)]
#[command(name = "benchforge", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gates on one scene script over N seeds, or re-check a benchmark folder.
    Validate(ValidateArgs),
    /// Run the daemon on a config's theme queue until stopped.
    Run(run::RunArgs),
    /// Show what the daemon is doing.
    Status(status::StatusArgs),
    /// Validate a daemon config without running it.
    CheckConfig(check_config::CheckConfigArgs),
    /// Make N benchmarks of one theme, print their folders and exit.
    Generate(generate::GenerateArgs),
    /// Write one variant of a scene script in another tool's format (MJCF for MuJoCo).
    Export(export::ExportArgs),
    /// Simulate every variant in rapier and MuJoCo and report where they disagree.
    Crosscheck(crosscheck::CrosscheckArgs),
    /// Render one variant of a scene script: 24 views and the simulation media.
    Render(render::RenderArgs),
    /// Score an agent's solution on every seed of a benchmark (or a folder of solutions).
    Score(score::ScoreArgs),
    /// Write DATA_DIR/report.html: funnel, histograms and one card per benchmark.
    Report(report::ReportArgs),
    /// Run a theme file against the configured backends and report what each theme cost.
    Eval(eval::EvalArgs),
}

/// Arguments of `benchforge validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The scene script (Rhai) to validate, or a benchmark folder (with benchmark.json) to
    /// re-check on its recorded seeds, scales and settings.
    pub script: std::path::PathBuf,
    /// For a script: how many seeds to check (seeds 0..N; default: the config's
    /// `gates.seeds`, else 8).
    #[arg(long)]
    pub seeds: Option<u64>,
    /// Run under this config's `[limits]` and, for a script, its `[gates]` settings (a
    /// benchmark folder keeps the settings it recorded). Default: the built-in defaults.
    #[arg(long)]
    pub config: Option<std::path::PathBuf>,
    /// Print the whole report as JSON on stdout (a benchmark folder: one JSON object per
    /// seed per line, then a summary line).
    #[arg(long)]
    pub json: bool,
}

/// A benchmark folder's variant that cannot be rebuilt: unusable input (a missing file, a
/// seed the benchmark does not have) is `Err` (exit 2); a variant that no longer rebuilds as
/// recorded is one line on stderr and exit 1.
pub fn benchmark_failure(err: crate::benchmark::BenchmarkError) -> anyhow::Result<u8> {
    if err.is_bad_input() {
        return Err(err.into());
    }
    eprintln!(
        "benchforge: {}",
        crate::logging::escape_control(&err.to_string())
    );
    Ok(EXIT_GATE_FAILED)
}

/// Runs the parsed command and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let result: anyhow::Result<u8> = match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Run(args) => run::run(args),
        Command::Status(args) => status::run(args),
        Command::CheckConfig(args) => check_config::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Export(args) => export::run(args),
        Command::Render(args) => render::run(args),
        Command::Crosscheck(args) => crosscheck::run(args),
        Command::Score(args) => score::run(args),
        Command::Report(args) => report::run(args),
        Command::Eval(args) => eval::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            // Errors quote input (labels, themes, answers): never let it forge a line.
            eprintln!(
                "benchforge: {}",
                crate::logging::escape_control(&format!("{err:#}"))
            );
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

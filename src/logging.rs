//! Logging: tracing to stderr and to `<data_dir>/logs/benchforge.log`, one line per event.
//! Every session step runs inside a [`session_span`], so each line carries the session id,
//! the theme and the stage. `--log-format json` writes one JSON object per line instead.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

use crate::store::Session;

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable text.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Logging could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("log file {path}: {source}")]
pub struct LoggingError {
    /// The log file.
    pub path: String,
    /// Why.
    pub source: std::io::Error,
}

/// The log file of `data_dir`.
pub fn log_path(data_dir: &Path) -> PathBuf {
    data_dir.join("logs").join("benchforge.log")
}

/// Installs the global subscriber: stderr, plus the log file of `data_dir` when given.
/// `RUST_LOG` overrides the default `info` level. Calling it twice keeps the first.
pub fn init(data_dir: Option<&Path>, format: LogFormat) -> Result<(), LoggingError> {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let file = match data_dir {
        Some(dir) => {
            let path = log_path(dir);
            let err = |source| LoggingError {
                path: path.display().to_string(),
                source,
            };
            std::fs::create_dir_all(path.parent().unwrap_or(dir)).map_err(err)?;
            Some(Mutex::new(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .map_err(err)?,
            ))
        }
        None => None,
    };
    let (stderr_layer, file_layer) = match format {
        LogFormat::Text => (
            fmt::layer()
                .with_writer(std::io::stderr)
                .with_target(false)
                .with_filter(filter())
                .boxed(),
            file.map(|f| {
                fmt::layer()
                    .with_writer(f)
                    .with_ansi(false)
                    .with_target(false)
                    .with_filter(filter())
                    .boxed()
            }),
        ),
        LogFormat::Json => (
            fmt::layer()
                .json()
                .with_current_span(true)
                .with_span_list(false)
                .with_writer(std::io::stderr)
                .with_filter(filter())
                .boxed(),
            file.map(|f| {
                fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(f)
                    .with_filter(filter())
                    .boxed()
            }),
        ),
    };
    let _ = tracing_subscriber::registry()
        .with(stderr_layer)
        .with(file_layer)
        .try_init();
    Ok(())
}

/// The span every step of `session` runs in: carries id, theme (shortened) and stage.
pub fn session_span(session: &Session) -> tracing::Span {
    let theme: String = session.theme.prompt.chars().take(60).collect();
    tracing::info_span!(
        "session",
        id = %session.id,
        theme = %theme,
        stage = %session.stage
    )
}

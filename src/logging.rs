//! Logging: tracing to stderr and to `<data_dir>/logs/benchforge.log`, one line per event.
//! Every session step runs inside a [`session_span`], so each of its lines carries
//! `session=<id> theme=<theme key> stage=<stage>` as plain key=value words (the text format,
//! [`PlainLine`], writes no ANSI escape anywhere, on stderr or in the file, so `grep
//! 'session=…'` finds every line of a session). `--log-format json` writes one JSON object
//! per line instead, with the same keys under `span`.

use std::borrow::Cow;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing::{Event, Subscriber};
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
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
                .fmt_fields(field_formatter())
                .event_format(PlainLine)
                .with_writer(std::io::stderr)
                .with_ansi(false)
                .with_filter(filter())
                .boxed(),
            file.map(|f| {
                fmt::layer()
                    .fmt_fields(field_formatter())
                    .event_format(PlainLine)
                    .with_writer(f)
                    .with_ansi(false)
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
                    .with_ansi(false)
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

/// The span every step of `session` runs in: `session=<id> theme=<theme key>
/// stage=<stage name>`, each value one word, so a line is found by `grep session=<id>` and
/// split by whitespace. (The theme's words are logged once, on its `theme queued` line.)
pub fn session_span(session: &Session) -> tracing::Span {
    tracing::info_span!(
        "session",
        session = %session.id,
        theme = %session.theme_key,
        stage = %session.stage.kind().name()
    )
}

/// The text line format: `<RFC 3339 time> <LEVEL> <span fields> <message> <fields>`, the
/// span fields as bare `key=value` words (no span name, no braces), and never an ANSI
/// escape: the same bytes whether the writer is a terminal or the log file.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlainLine;

impl<S, N> FormatEvent<S, N> for PlainLine
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        fmt::time::SystemTime.format_time(&mut writer)?;
        write!(writer, " {:>5} ", event.metadata().level())?;
        if let Some(scope) = ctx.event_scope() {
            // A session span entered inside another (a checkpoint recorded while the
            // persist step's span is current) carries the newer stage: only the innermost
            // session span is written, so a line never says two stages.
            let spans: Vec<_> = scope.from_root().collect();
            let innermost_session = spans.iter().rposition(|s| s.name() == "session");
            for (i, span) in spans.iter().enumerate() {
                if span.name() == "session" && Some(i) != innermost_session {
                    continue;
                }
                let extensions = span.extensions();
                if let Some(fields) = extensions.get::<FormattedFields<N>>() {
                    if !fields.is_empty() {
                        // Strip any escape a field formatter of another layer might have put
                        // in the shared cache: the file must never hold one.
                        write!(writer, "{} ", strip_ansi(fields))?;
                    }
                }
            }
        }
        ctx.format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// `text` without ANSI escape sequences (`ESC [ … final byte`) and without any other ESC.
fn strip_ansi(text: &str) -> Cow<'_, str> {
    if !text.contains('\u{1b}') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        }
    }
    Cow::Owned(out)
}

/// The field formatter of the text log format: every field value (the message, a theme, a
/// plan field, a script's error) is written with [`escape_control`], so untrusted text can
/// neither start a new log line nor colour or move the terminal.
pub fn field_formatter() -> impl for<'writer> FormatFields<'writer> + Send + Sync + 'static {
    fmt::format::debug_fn(|writer, field, value| {
        let text = format!("{value:?}");
        let text = escape_control(&text);
        if field.name() == "message" {
            write!(writer, "{text}")
        } else {
            write!(writer, "{}={text}", field.name())
        }
    })
    .delimited(" ")
}

/// True for characters that must never reach a log line or a terminal raw: C0 and C1
/// controls (newline, carriage return, ESC starting ANSI sequences, ...), DEL, and the
/// Unicode bidirectional overrides that reorder what a reader sees.
fn is_forging(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every control character, ANSI escape introducer and bidi override written
/// as a visible escape (`\n`, `\r`, `\t`, `\u{1b}`), for log fields and stderr lines.
/// Borrowed unchanged when there is nothing to escape.
pub fn escape_control(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_forging) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_forging(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `text` made safe for one line of Markdown (`plan.md`): control characters escaped as
/// by [`escape_control`] (newlines too, so a field cannot start a heading or a list), and
/// every character Markdown or inline HTML gives a meaning to backslash-escaped, so a plan
/// string shows as the text it is.
pub fn escape_markdown(text: &str) -> String {
    let flat = escape_control(text);
    let mut out = String::with_capacity(flat.len() + 8);
    for c in flat.chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '{'
                | '}'
                | '['
                | ']'
                | '('
                | ')'
                | '#'
                | '+'
                | '-'
                | '.'
                | '!'
                | '|'
                | '<'
                | '>'
                | '~'
                | '&'
                | '='
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The text format over an in-memory buffer, with ANSI on: the plain format must still
    /// write none.
    fn plain_subscriber() -> (Buffer, impl tracing::Subscriber + Send + Sync) {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = fmt::fmt()
            .fmt_fields(field_formatter())
            .with_ansi(true)
            .event_format(PlainLine)
            .with_writer(move || writer.clone())
            .finish();
        (buffer, subscriber)
    }

    #[test]
    fn a_session_span_inside_another_writes_only_the_inner_stage() {
        let (buffer, subscriber) = plain_subscriber();
        tracing::subscriber::with_default(subscriber, || {
            let outer = tracing::info_span!("session", session = %"s-1", stage = %"persisting");
            let _outer = outer.enter();
            let inner = tracing::info_span!("session", session = %"s-1", stage = %"accepted");
            let _inner = inner.enter();
            tracing::info!("stage changed");
        });
        let out = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        assert!(
            out.ends_with(" INFO session=s-1 stage=accepted stage changed\n"),
            "{out:?}"
        );
    }

    #[test]
    fn a_theme_with_a_newline_cannot_forge_a_log_line() {
        let (buffer, subscriber) = plain_subscriber();
        let theme = "a ball\n2026-01-01T00:00:00Z  INFO session accepted \u{1b}[31mred";
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("session", theme = %theme);
            let _entered = span.enter();
            tracing::info!(reason = %"bad\r\nline", "step {}", "one\ntwo");
        });
        let out = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(!out.contains('\u{1b}'), "{out}");
        assert!(out.contains("a ball\\n2026"), "{out}");
        assert!(out.contains("one\\ntwo"), "{out}");
    }

    #[test]
    fn a_session_line_carries_plain_session_theme_and_stage_words() {
        let (buffer, subscriber) = plain_subscriber();
        let mut session = Session::new(
            &crate::session::ThemeSpec {
                prompt: "a ball must cross a gap".into(),
                count: 1,
                seeds: vec![0],
                scale: None,
                tier: None,
                origin: "config".into(),
            },
            0,
        );
        session.stage = crate::session::Stage::Coding { attempt: 2 };
        tracing::subscriber::with_default(subscriber, || {
            let _entered = session_span(&session).entered();
            tracing::warn!(role = "coder", "step started");
        });
        let out = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let expected = format!(
            " WARN session={} theme={} stage=coding step started role=\"coder\"\n",
            session.id, session.theme_key
        );
        assert!(out.ends_with(&expected), "{out:?}");
        assert!(!out.contains('\u{1b}'), "{out:?}");
        assert_eq!(strip_ansi("a\u{1b}[1mb\u{1b}[0m"), "ab");
    }

    #[test]
    fn escapes_controls_and_markdown() {
        assert_eq!(escape_control("plain"), Cow::Borrowed("plain"));
        assert_eq!(escape_control("a\nb\u{1b}[0m"), "a\\nb\\u{1b}[0m");
        assert_eq!(escape_control("x\u{202E}y"), "x\\u{202e}y");
        assert_eq!(
            escape_markdown("# Title\n* [link](http://x) <b>"),
            "\\# Title\\\\n\\* \\[link\\]\\(http://x\\) \\<b\\>"
        );
    }
}

//! `traces.jsonl`: one JSON line per HTTP try of every chat request — what was asked (images
//! replaced by their size), what came back, how long it took, the tokens and the finish
//! reason, or the endpoint failure. The reasoning traces are part of the dataset. The API key
//! is never part of a record.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::config::LlmRole;
use super::usage::TokenUsage;
use super::wire::ChatMessage;

/// One line of `traces.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceRecord {
    /// When the try ended, seconds since the Unix epoch.
    pub unix_time_s: f64,
    /// The session the request belongs to.
    pub session: String,
    /// The role that asked.
    pub role: LlmRole,
    /// The model asked.
    pub model: String,
    /// The endpoint's chat-completions URL.
    pub url: String,
    /// 1 for the first HTTP try of a request, 2.. for retries.
    pub http_try: u32,
    /// Whether `response_format: json_schema` was sent.
    pub json_schema: bool,
    /// The messages sent (image data replaced by its size).
    pub request: Vec<ChatMessage>,
    /// `answer` or `endpoint_error`.
    pub outcome: String,
    /// The model's answer text.
    pub answer: Option<String>,
    /// The finish reason the server gave.
    pub finish_reason: Option<String>,
    /// The tokens the server counted.
    pub tokens: Option<TokenUsage>,
    /// Seconds from sending to the end of the answer (or the failure).
    pub latency_s: f64,
    /// The endpoint failure, in words.
    pub error: Option<String>,
}

/// An append-only `traces.jsonl` file. Each record is one `write` of one line, so a crash
/// leaves at most a cut last line, never a corrupt earlier one.
#[derive(Debug)]
pub struct TraceLog {
    path: PathBuf,
    lock: Mutex<()>,
}

impl TraceLog {
    /// A trace log appending to `path` (created with its folder on first write).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            lock: Mutex::new(()),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record.
    pub fn append(&self, record: &TraceRecord) -> std::io::Result<()> {
        let mut line = serde_json::to_string(record).map_err(std::io::Error::other)?;
        line.push('\n');
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        file.write_all(line.as_bytes())
    }

    /// Reads every complete record of a trace file (a cut last line is skipped).
    pub fn read_all(path: &Path) -> std::io::Result<Vec<TraceRecord>> {
        let text = std::fs::read_to_string(path)?;
        Ok(text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect())
    }
}

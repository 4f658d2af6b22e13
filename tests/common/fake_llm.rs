//! A fake OpenAI-compatible chat-completions server for tests and benchmarks: a small
//! hand-written HTTP/1.1 server on a loopback port that answers each request with whatever
//! its responder says — a good answer, a status, a slow answer, garbage — so the client is
//! exercised over real HTTP, never through a mocked client.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the fake server does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A 200 chat-completions answer with `content` and `finish_reason`, after `delay`.
    Answer {
        content: String,
        finish_reason: String,
        delay: Duration,
    },
    /// An HTTP status with an optional `Retry-After` (seconds) and a body.
    Status {
        status: u16,
        retry_after_s: Option<u32>,
        body: String,
    },
    /// Bytes that are not HTTP at all, then the connection closes.
    MalformedHttp,
    /// A 200 whose body is not a chat-completions envelope.
    BadEnvelope,
    /// Exactly these bytes (head and body), then the connection closes: for answers no
    /// honest server sends (lying Content-Length, invalid UTF-8, absurd token counts).
    Raw(Vec<u8>),
    /// A 200 with a chunked body that never ends: `chunk_bytes` of `x` per chunk until the
    /// client hangs up (the huge answer).
    Endless { chunk_bytes: usize },
    /// A 200 whose `Content-Length` promises `bytes` and whose body then arrives one byte
    /// every `every` (the slow answer).
    Drip { bytes: usize, every: Duration },
    /// A redirect (`status`, e.g. 302 or 307) to `location`.
    Redirect { status: u16, location: String },
}

impl Reply {
    /// A prompt, complete answer.
    pub fn answer(content: impl Into<String>) -> Self {
        Reply::Answer {
            content: content.into(),
            finish_reason: "stop".into(),
            delay: Duration::ZERO,
        }
    }

    /// An answer cut off at the token limit (`finish_reason: length`).
    pub fn cut_off(content: impl Into<String>) -> Self {
        Reply::Answer {
            content: content.into(),
            finish_reason: "length".into(),
            delay: Duration::ZERO,
        }
    }

    /// `content` as a server with a real token budget answers it: when the request's
    /// `max_tokens` is below `tokens_needed`, the content is cut to that many tokens (4
    /// characters each) and the finish reason is `length`; otherwise it is whole (`stop`).
    pub fn within_budget(request: &Received, content: &str, tokens_needed: u64) -> Self {
        let budget = request.max_tokens().unwrap_or(u64::MAX);
        if budget >= tokens_needed {
            return Reply::answer(content);
        }
        let chars = usize::try_from(budget.saturating_mul(4)).unwrap_or(usize::MAX);
        Reply::cut_off(content.chars().take(chars).collect::<String>())
    }

    /// A complete answer sent after `delay`.
    pub fn slow(content: impl Into<String>, delay: Duration) -> Self {
        Reply::Answer {
            content: content.into(),
            finish_reason: "stop".into(),
            delay,
        }
    }

    /// An HTTP error status.
    pub fn status(status: u16) -> Self {
        Reply::Status {
            status,
            retry_after_s: None,
            body: format!("{{\"error\": {{\"message\": \"fake status {status}\"}}}}"),
        }
    }

    /// 429 Too Many Requests with `Retry-After: secs`.
    pub fn too_many(secs: u32) -> Self {
        Reply::Status {
            status: 429,
            retry_after_s: Some(secs),
            body: "{\"error\": {\"message\": \"rate limited\"}}".into(),
        }
    }
}

/// One request the server received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The request path, e.g. `/v1/chat/completions`.
    pub path: String,
    /// Header names (lowercase) and values.
    pub headers: Vec<(String, String)>,
    /// The JSON body (Null when it did not parse).
    pub body: serde_json::Value,
    /// When it arrived, relative to the server's start.
    pub at: Duration,
}

impl Received {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The system prompt's text (first message), or "".
    pub fn system_prompt(&self) -> String {
        message_text(&self.body["messages"][0])
    }

    /// The `max_tokens` the request asked for (None when absent).
    pub fn max_tokens(&self) -> Option<u64> {
        self.body["max_tokens"].as_u64()
    }

    /// The last message's text, or "".
    pub fn last_message(&self) -> String {
        self.body["messages"]
            .as_array()
            .and_then(|m| m.last())
            .map(message_text)
            .unwrap_or_default()
    }

    /// How many image parts the request carried.
    pub fn image_count(&self) -> usize {
        self.body["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["content"].as_array())
            .flatten()
            .filter(|p| p["type"] == "image_url")
            .count()
    }
}

/// The stated facts a Reviewer request lists: the `F<n>: ...` lines of its messages.
pub fn stated_facts(request: &Received) -> Vec<String> {
    let mut facts = Vec::new();
    for m in request.body["messages"].as_array().into_iter().flatten() {
        for line in message_text(m).lines() {
            let Some(rest) = line.strip_prefix('F') else {
                continue;
            };
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if !digits.is_empty()
                && rest[digits.len()..].starts_with(": ")
                && !facts.contains(&line.to_string())
            {
                facts.push(line.to_string());
            }
        }
    }
    facts
}

/// A Reviewer's approval with `comment` that says how each stated fact of `request` is met
/// (one `facts` entry per `F<n>` line), as the Reviewer's answer format requires.
pub fn approval(request: &Received, comment: &str) -> String {
    let facts: Vec<String> = stated_facts(request)
        .iter()
        .map(|f| format!("{f} — met by the built parts"))
        .collect();
    serde_json::json!({
        "decision": "approve",
        "target": null,
        "comments": [comment],
        "facts": facts,
    })
    .to_string()
}

fn message_text(message: &serde_json::Value) -> String {
    match &message["content"] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

type Responder = dyn Fn(&Received, usize) -> Reply + Send + Sync;

/// A running fake server; stops when dropped.
pub struct FakeLlm {
    /// The address it listens on.
    pub addr: std::net::SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    in_flight: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeLlm {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeLlm {
    /// Starts a server whose `responder` gets each request and its index (0, 1, ...).
    pub async fn start(
        responder: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let received = Arc::new(Mutex::new(Vec::new()));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let max_in_flight = Arc::new(AtomicUsize::new(0));
        let responder: Arc<Responder> = Arc::new(responder);
        let counter = Arc::new(AtomicUsize::new(0));
        let started = tokio::time::Instant::now();
        let task = {
            let received = received.clone();
            let in_flight = in_flight.clone();
            let max_in_flight = max_in_flight.clone();
            tokio::spawn(async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let conn = Connection {
                        received: received.clone(),
                        in_flight: in_flight.clone(),
                        max_in_flight: max_in_flight.clone(),
                        responder: responder.clone(),
                        counter: counter.clone(),
                        started,
                    };
                    tokio::spawn(conn.serve(stream));
                }
            })
        };
        Self {
            addr,
            received,
            in_flight,
            max_in_flight,
            task,
        }
    }

    /// Starts a server that replays `replies` in order; once they run out it answers 500
    /// "script exhausted" (so a test that asks too often fails loudly).
    pub async fn scripted(replies: Vec<Reply>) -> Self {
        Self::start(move |_, i| {
            replies.get(i).cloned().unwrap_or(Reply::Status {
                status: 500,
                retry_after_s: None,
                body: "fake script exhausted".into(),
            })
        })
        .await
    }

    /// The API root to put in `llm.base_url`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The most requests that were being answered at the same moment.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }
}

/// A base URL where nothing listens (a port bound and released again).
pub async fn closed_port_base_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/v1")
}

struct Connection {
    received: Arc<Mutex<Vec<Received>>>,
    in_flight: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
    responder: Arc<Responder>,
    counter: Arc<AtomicUsize>,
    started: tokio::time::Instant,
}

impl Connection {
    async fn serve(self, mut stream: TcpStream) {
        let mut buffer = Vec::new();
        // Keep-alive: answer requests on this connection until the client closes it.
        while let Some(mut request) = read_request(&mut stream, &mut buffer).await {
            request.at = self.started.elapsed();
            let index = self.counter.fetch_add(1, Ordering::SeqCst);
            self.received.lock().unwrap().push(request.clone());
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.max_in_flight.fetch_max(now, Ordering::SeqCst);
            let reply = (self.responder)(&request, index);
            let keep = write_reply(&mut stream, &request, reply).await;
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            if !keep {
                break;
            }
        }
    }
}

/// Reads one request (head + Content-Length body); None at EOF or on garbage.
async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Received> {
    let head_end = loop {
        if let Some(pos) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buffer.len() > 1 << 20 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let request_line = lines.next()?;
    let path = request_line.split_whitespace().nth(1)?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let mut chunk = vec![0u8; 65536];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = serde_json::from_slice(&buffer[head_end..head_end + length])
        .unwrap_or(serde_json::Value::Null);
    buffer.drain(..head_end + length);
    Some(Received {
        path,
        headers,
        body,
        at: Duration::ZERO,
    })
}

/// Rough token count: a token per 4 characters, at least 1.
fn tokens_of(text: &str) -> u64 {
    (text.chars().count() as u64 / 4).max(1)
}

/// Writes `reply`; false when the connection must close afterwards.
async fn write_reply(stream: &mut TcpStream, request: &Received, reply: Reply) -> bool {
    let (status, extra, body, keep) = match reply {
        Reply::Raw(bytes) => {
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
            return false;
        }
        Reply::Endless { chunk_bytes } => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
            if stream.write_all(head.as_bytes()).await.is_err() {
                return false;
            }
            let chunk = format!("{chunk_bytes:x}\r\n{}\r\n", "x".repeat(chunk_bytes));
            while stream.write_all(chunk.as_bytes()).await.is_ok() {}
            return false;
        }
        Reply::Drip { bytes, every } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {bytes}\r\n\r\n"
            );
            if stream.write_all(head.as_bytes()).await.is_err() {
                return false;
            }
            for _ in 0..bytes {
                tokio::time::sleep(every).await;
                if stream.write_all(b" ").await.is_err() {
                    break;
                }
            }
            return false;
        }
        Reply::Redirect { status, location } => (
            status,
            format!("Location: {location}\r\n"),
            String::new(),
            true,
        ),
        Reply::MalformedHttp => {
            let _ = stream
                .write_all(b"this is not HTTP at all\r\n\r\n\x00\x01garbage")
                .await;
            let _ = stream.shutdown().await;
            return false;
        }
        Reply::BadEnvelope => (
            200,
            String::new(),
            "<html>not json</html>".to_string(),
            true,
        ),
        Reply::Status {
            status,
            retry_after_s,
            body,
        } => (
            status,
            retry_after_s
                .map(|s| format!("Retry-After: {s}\r\n"))
                .unwrap_or_default(),
            body,
            true,
        ),
        Reply::Answer {
            content,
            finish_reason,
            delay,
        } => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let prompt_tokens = tokens_of(&request.body["messages"].to_string());
            let completion_tokens = tokens_of(&content);
            let body = serde_json::json!({
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "model": request.body["model"],
                "choices": [{
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": finish_reason,
                }],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                }
            });
            (200, String::new(), body.to_string(), true)
        }
    };
    let reason = match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        401 => "Unauthorized",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await.is_ok() && keep
}

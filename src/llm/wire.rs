//! The chat-completions wire format (OpenAI-compatible): messages with text and image parts
//! going out, choices and usage coming back. Only the fields benchforge uses.

use base64::Engine;
use serde::{Deserialize, Serialize};

/// One chat message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// `system`, `user` or `assistant`.
    pub role: String,
    /// Plain text, or parts (text and images).
    pub content: MessageContent,
}

impl ChatMessage {
    /// A system message.
    pub fn system(text: impl Into<String>) -> Self {
        Self::text("system", text)
    }

    /// A user message.
    pub fn user(text: impl Into<String>) -> Self {
        Self::text("user", text)
    }

    /// An assistant message (an earlier answer, replayed).
    pub fn assistant(text: impl Into<String>) -> Self {
        Self::text("assistant", text)
    }

    /// A user message made of parts (text and images).
    pub fn user_parts(parts: Vec<ContentPart>) -> Self {
        Self {
            role: "user".into(),
            content: MessageContent::Parts(parts),
        }
    }

    fn text(role: &str, text: impl Into<String>) -> Self {
        Self {
            role: role.into(),
            content: MessageContent::Text(text.into()),
        }
    }

    /// The message's text (parts' texts joined; images left out).
    pub fn text_content(&self) -> String {
        match &self.content {
            MessageContent::Text(t) => t.clone(),
            MessageContent::Parts(parts) => parts
                .iter()
                .filter_map(|p| match p {
                    ContentPart::Text { text } => Some(text.as_str()),
                    ContentPart::ImageUrl { .. } => None,
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// How many image parts the message has.
    pub fn image_count(&self) -> usize {
        match &self.content {
            MessageContent::Text(_) => 0,
            MessageContent::Parts(parts) => parts
                .iter()
                .filter(|p| matches!(p, ContentPart::ImageUrl { .. }))
                .count(),
        }
    }

    /// A copy fit for a trace file: image data replaced by its size, so traces stay small.
    pub fn for_trace(&self) -> ChatMessage {
        match &self.content {
            MessageContent::Text(_) => self.clone(),
            MessageContent::Parts(parts) => ChatMessage {
                role: self.role.clone(),
                content: MessageContent::Parts(
                    parts
                        .iter()
                        .map(|p| match p {
                            ContentPart::ImageUrl { image_url } => ContentPart::ImageUrl {
                                image_url: ImageUrl {
                                    url: format!(
                                        "[image: {} bytes of data URL]",
                                        image_url.url.len()
                                    ),
                                },
                            },
                            other => other.clone(),
                        })
                        .collect(),
                ),
            },
        }
    }
}

/// A message's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MessageContent {
    /// Plain text.
    Text(String),
    /// Text and image parts.
    Parts(Vec<ContentPart>),
}

/// One part of a multi-part message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart {
    /// Text.
    Text {
        /// The text.
        text: String,
    },
    /// An image, as a URL (benchforge always sends `data:image/png;base64,...`).
    ImageUrl {
        /// The image's URL.
        image_url: ImageUrl,
    },
}

impl ContentPart {
    /// A text part.
    pub fn text(text: impl Into<String>) -> Self {
        ContentPart::Text { text: text.into() }
    }

    /// An image part holding PNG bytes as a base64 data URL.
    pub fn png(png_bytes: &[u8]) -> Self {
        let data = base64::engine::general_purpose::STANDARD.encode(png_bytes);
        ContentPart::ImageUrl {
            image_url: ImageUrl {
                url: format!("data:image/png;base64,{data}"),
            },
        }
    }
}

/// An image URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageUrl {
    /// The URL (a data URL for PNGs).
    pub url: String,
}

/// The request body of `POST /chat/completions`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct WireRequest<'a> {
    pub model: &'a str,
    pub messages: &'a [ChatMessage],
    pub temperature: f32,
    pub max_tokens: u32,
    pub stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_format: Option<serde_json::Value>,
}

/// The answer envelope.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct WireResponse {
    pub choices: Vec<WireChoice>,
    #[serde(default)]
    pub usage: Option<WireUsage>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct WireChoice {
    pub message: WireAnswerMessage,
    #[serde(default)]
    pub finish_reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct WireAnswerMessage {
    #[serde(default)]
    pub content: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub(crate) struct WireUsage {
    #[serde(default)]
    pub prompt_tokens: u64,
    #[serde(default)]
    pub completion_tokens: u64,
}

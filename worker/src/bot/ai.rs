//! The AI step of the support bot: one request to an OpenAI-compatible
//! `POST {base_url}/chat/completions` endpoint, and the parsing of its answer.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::store::{ClientFacts, HistoryMessage};
use crate::socket::store::MAX_BODY_CHARS;

/// The endpoint, model and limits of the AI API.
#[derive(Clone)]
pub struct AiClient {
    http: reqwest::Client,
    url: String,
    model: String,
    token: SecretString,
    max_tokens: u32,
}

/// Why the AI gave no usable answer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AiError {
    #[error("the AI request timed out")]
    Timeout,
    #[error("the AI answered with HTTP status {0}")]
    Status(u16),
    #[error("the AI request failed: {0}")]
    Transport(String),
    #[error("the AI answer is malformed: {0}")]
    Malformed(String),
    #[error("the AI answer is empty")]
    Empty,
}

impl AiError {
    /// A short word for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            AiError::Timeout => "timeout",
            AiError::Status(_) => "http_status",
            AiError::Transport(_) => "transport",
            AiError::Malformed(_) => "malformed",
            AiError::Empty => "empty",
        }
    }
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ChatMessage {
    pub role: &'static str,
    pub content: String,
}

#[derive(Debug, Serialize)]
struct CompletionRequest<'a> {
    model: &'a str,
    messages: &'a [ChatMessage],
    max_tokens: u32,
    temperature: f32,
    stream: bool,
}

#[derive(Debug, Deserialize)]
struct CompletionResponse {
    choices: Vec<Choice>,
}

#[derive(Debug, Deserialize)]
struct Choice {
    message: AnswerMessage,
}

#[derive(Debug, Deserialize)]
struct AnswerMessage {
    content: Option<String>,
}

impl AiClient {
    /// # Errors
    /// When the HTTP client cannot be built (its TLS setup fails).
    pub fn new(
        base_url: &str,
        model: &str,
        token: SecretString,
        timeout: Duration,
        max_tokens: u32,
    ) -> anyhow::Result<AiClient> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("dms-worker/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(AiClient {
            http,
            url: format!("{}/chat/completions", base_url.trim_end_matches('/')),
            model: model.to_owned(),
            token,
            max_tokens,
        })
    }

    /// Asks for a reply to the conversation.
    ///
    /// # Errors
    /// [`AiError`] for a timeout, a failed request, a status other than 2xx, or
    /// an answer without text.
    pub async fn complete(&self, messages: &[ChatMessage]) -> Result<String, AiError> {
        let request = CompletionRequest {
            model: &self.model,
            messages,
            max_tokens: self.max_tokens,
            temperature: 0.2,
            stream: false,
        };
        let response = self
            .http
            .post(&self.url)
            .bearer_auth(self.token.expose_secret())
            .json(&request)
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        if !status.is_success() {
            return Err(AiError::Status(status.as_u16()));
        }
        let body = response.bytes().await.map_err(transport_error)?;
        parse_completion(&body)
    }
}

fn transport_error(err: reqwest::Error) -> AiError {
    if err.is_timeout() {
        AiError::Timeout
    } else {
        // Without the URL: it names the endpoint only, but keep logs short.
        AiError::Transport(err.without_url().to_string())
    }
}

/// Takes the reply text from a chat-completions answer: the first choice's
/// message content, trimmed and cut to the longest chat message.
///
/// # Errors
/// [`AiError::Malformed`] when the body is not such an answer, and
/// [`AiError::Empty`] when its text is blank.
pub fn parse_completion(body: &[u8]) -> Result<String, AiError> {
    let response: CompletionResponse =
        serde_json::from_slice(body).map_err(|err| AiError::Malformed(err.to_string()))?;
    let choice = response
        .choices
        .into_iter()
        .next()
        .ok_or_else(|| AiError::Malformed("no choices".into()))?;
    let text = choice.message.content.unwrap_or_default();
    let text = text.trim();
    if text.is_empty() {
        return Err(AiError::Empty);
    }
    Ok(text.chars().take(MAX_BODY_CHARS).collect())
}

/// Builds the request's messages: instructions with the client's own devices
/// and today's totals, then the session's recent messages, oldest first.
pub fn conversation(facts: &ClientFacts, history: &[HistoryMessage]) -> Vec<ChatMessage> {
    let mut instructions = String::from(
        "You are the support assistant of DMS, an energy device management system. \
         A customer writes in a support chat. Answer in two to four short sentences, \
         in the customer's language, using only the facts below and general knowledge \
         about saving energy. If you cannot help, say that an administrator will answer. \
         Never invent bills, prices or account changes.\n",
    );
    instructions.push_str(&format!(
        "Today is {} in the customer's time zone ({}).\n",
        facts.today, facts.timezone
    ));
    if facts.devices.is_empty() {
        instructions.push_str("The customer has no devices.\n");
    } else {
        instructions.push_str("The customer's devices (name: hourly limit; energy used today):\n");
        for device in &facts.devices {
            instructions.push_str(&format!(
                "- {}: limit {} kWh per hour; {} kWh today\n",
                device.name, device.max_hourly_kwh, device.today_kwh
            ));
        }
    }
    let mut messages = vec![ChatMessage {
        role: "system",
        content: instructions,
    }];
    for message in history {
        messages.push(ChatMessage {
            role: if message.sender_kind == "client" {
                "user"
            } else {
                "assistant"
            },
            content: message.body.clone(),
        });
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::super::store::DeviceFacts;
    use super::*;

    #[test]
    fn parses_first_choice_content() {
        let body = br#"{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"  Hello there.  "}},{"message":{"content":"second"}}]}"#;

        assert_eq!(parse_completion(body), Ok("Hello there.".to_owned()));
    }

    #[test]
    fn rejects_body_that_is_not_json() {
        let result = parse_completion(b"<html>Bad gateway</html>");

        assert!(matches!(result, Err(AiError::Malformed(_))), "{result:?}");
    }

    #[test]
    fn rejects_json_of_another_shape() {
        for body in [
            &br#"{"error":{"message":"quota"}}"#[..],
            br#"{"choices":"none"}"#,
            br#"[]"#,
            br#"{"choices":[{"text":"legacy"}]}"#,
        ] {
            let result = parse_completion(body);

            assert!(
                matches!(result, Err(AiError::Malformed(_))),
                "{}: {result:?}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn rejects_no_choices() {
        assert_eq!(
            parse_completion(br#"{"choices":[]}"#),
            Err(AiError::Malformed("no choices".into()))
        );
    }

    #[test]
    fn rejects_blank_or_missing_content() {
        assert_eq!(
            parse_completion(br#"{"choices":[{"message":{"content":"  \n "}}]}"#),
            Err(AiError::Empty)
        );
        assert_eq!(
            parse_completion(br#"{"choices":[{"message":{"content":null}}]}"#),
            Err(AiError::Empty)
        );
        assert_eq!(
            parse_completion(br#"{"choices":[{"message":{"role":"assistant"}}]}"#),
            Err(AiError::Empty)
        );
    }

    #[test]
    fn cuts_long_answers_to_a_chat_message() {
        let body = serde_json::json!({"choices": [{"message": {"content": "é".repeat(MAX_BODY_CHARS + 10)}}]}).to_string();

        let text = parse_completion(body.as_bytes()).expect("a long answer");

        assert_eq!(text.chars().count(), MAX_BODY_CHARS);
    }

    #[test]
    fn conversation_maps_roles_and_lists_devices() {
        let facts = ClientFacts {
            timezone: "Europe/Berlin".into(),
            today: "2026-12-04".into(),
            devices: vec![DeviceFacts {
                name: "Heat pump".into(),
                max_hourly_kwh: "2.5".into(),
                today_kwh: "7.25".into(),
            }],
        };
        let history = vec![
            HistoryMessage {
                sender_kind: "client".into(),
                body: "Why so high?".into(),
            },
            HistoryMessage {
                sender_kind: "bot".into(),
                body: "Let me check.".into(),
            },
        ];

        let messages = conversation(&facts, &history);

        assert_eq!(messages.len(), 3);
        assert_eq!(messages[0].role, "system");
        assert!(
            messages[0]
                .content
                .contains("- Heat pump: limit 2.5 kWh per hour; 7.25 kWh today"),
            "{}",
            messages[0].content
        );
        assert!(
            messages[0].content.contains("2026-12-04"),
            "{}",
            messages[0].content
        );
        assert_eq!(
            messages[1],
            ChatMessage {
                role: "user",
                content: "Why so high?".into()
            }
        );
        assert_eq!(messages[2].role, "assistant");
    }
}

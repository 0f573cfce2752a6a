//! The one HTTP exchange every provider makes: POST a JSON body, read the whole answer, and sort
//! failures into [`ProviderError`]s (rate limit, server error, rejection, broken connection,
//! malformed body). Every error leaves here scrubbed of the endpoint's key: a server's text is
//! redacted whole, before it is shortened, so a key that straddles the cut cannot leave a prefix.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;

use super::ProviderError;
use crate::secrets::Secret;

/// How much of a server's message an error keeps.
const MESSAGE_CHARS: usize = 300;

/// An API root with its key and the shared client.
#[derive(Clone)]
pub(crate) struct Endpoint {
    client: reqwest::Client,
    base_url: Url,
    key: Option<Secret>,
}

/// A decoded answer and how long the exchange took.
pub(crate) struct Answer<T> {
    pub value: T,
    pub latency: Duration,
}

impl Endpoint {
    pub fn new(client: reqwest::Client, base_url: Url, key: Option<Secret>) -> Endpoint {
        Endpoint { client, base_url, key }
    }

    pub fn key(&self) -> Option<&Secret> {
        self.key.as_ref()
    }

    /// `base_url` + `path`, keeping the base's own path (`http://host/v1` + `chat/completions`).
    pub fn url(&self, path: &str) -> Result<Url, ProviderError> {
        let text = format!("{}/{}", self.base_url.as_str().trim_end_matches('/'), path.trim_start_matches('/'));
        Url::parse(&text)
            .map_err(|error| ProviderError::InvalidRequest(format!("cannot build the URL {text}: {error}")))
    }

    /// The key as a header value marked sensitive (never printed by the HTTP stack), with `prefix`
    /// (`"Bearer "`) before it. `None` when the endpoint has no key.
    pub fn key_header(
        &self,
        name: &'static str,
        prefix: &str,
    ) -> Result<Option<(HeaderName, HeaderValue)>, ProviderError> {
        let Some(key) = &self.key else { return Ok(None) };
        let value = key.header_value(prefix).ok_or_else(|| {
            ProviderError::InvalidRequest("the API key holds characters an HTTP header cannot carry".to_owned())
        })?;
        Ok(Some((HeaderName::from_static(name), value)))
    }

    /// POSTs `body` as JSON to `url` and decodes a successful answer as `T`.
    pub async fn post_json<T: DeserializeOwned>(
        &self,
        url: Url,
        headers: HeaderMap,
        body: &serde_json::Value,
    ) -> Result<Answer<T>, ProviderError> {
        self.exchange(url, headers, body).await.map_err(|error| error.redacted(self.key.as_ref()))
    }

    /// `bytes` decoded as `T`, or what is wrong with them (the key redacted before anything is cut).
    fn decode<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T, ProviderError> {
        serde_json::from_slice(bytes).map_err(|error| {
            ProviderError::Malformed(format!("{error} (the body begins {:?})", shorten(&self.server_text(bytes))))
        })
    }

    /// A server's body as text with the key redacted, whole: nothing of it is kept before this.
    fn server_text(&self, body: &[u8]) -> String {
        redact(self.key.as_ref(), &String::from_utf8_lossy(body))
    }

    async fn exchange<T: DeserializeOwned>(
        &self,
        url: Url,
        headers: HeaderMap,
        body: &serde_json::Value,
    ) -> Result<Answer<T>, ProviderError> {
        let started = Instant::now();
        let bytes = self.send(self.client.post(url).headers(headers).json(body)).await?;
        Ok(Answer { value: self.decode(&bytes)?, latency: started.elapsed() })
    }

    /// GETs `url` and decodes a successful answer as `T` (a batch's status).
    pub async fn get_json<T: DeserializeOwned>(&self, url: Url, headers: HeaderMap) -> Result<T, ProviderError> {
        let exchange = async { self.decode(&self.send(self.client.get(url).headers(headers)).await?) };
        exchange.await.map_err(|error| error.redacted(self.key.as_ref()))
    }

    /// GETs `url` and returns the body as it came (a batch's JSONL results).
    pub async fn get_bytes(&self, url: Url, headers: HeaderMap) -> Result<Vec<u8>, ProviderError> {
        let exchange = async { self.send(self.client.get(url).headers(headers)).await };
        exchange.await.map_err(|error| error.redacted(self.key.as_ref()))
    }

    /// POSTs a `multipart/form-data` body (RFC 7578) of text `fields` and one file, and decodes the
    /// answer as `T` (OpenAI's file upload). Built by hand: one file part needs no multipart library.
    pub async fn post_multipart<T: DeserializeOwned>(
        &self,
        url: Url,
        mut headers: HeaderMap,
        fields: &[(&str, &str)],
        file: MultipartFile<'_>,
    ) -> Result<T, ProviderError> {
        let boundary = format!("left-behind-{:016x}", fastrand::u64(..));
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\ncontent-disposition: form-data; name=\"{}\"; filename=\"{}\"\r\ncontent-type: {}\r\n\r\n",
                file.field, file.file_name, file.content_type
            )
            .as_bytes(),
        );
        body.extend_from_slice(file.content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let content_type = HeaderValue::from_str(&format!("multipart/form-data; boundary={boundary}"))
            .map_err(|error| ProviderError::InvalidRequest(error.to_string()))?;
        headers.insert(reqwest::header::CONTENT_TYPE, content_type);
        let exchange = async { self.decode(&self.send(self.client.post(url).headers(headers).body(body)).await?) };
        exchange.await.map_err(|error| error.redacted(self.key.as_ref()))
    }

    /// Sends the request and reads the whole answer; a status other than 2xx is an error.
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Vec<u8>, ProviderError> {
        let response = request.send().await.map_err(transport_error)?;
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let bytes = response.bytes().await.map_err(transport_error)?;
        if !status.is_success() {
            let message = server_message(&self.server_text(&bytes), self.key.as_ref());
            return Err(status_error(status, retry_after, message));
        }
        Ok(bytes.to_vec())
    }
}

/// One file of a multipart upload.
pub(crate) struct MultipartFile<'a> {
    pub field: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub content: &'a [u8],
}

/// A failure of the exchange itself. The URL is dropped from the message (it names the endpoint,
/// which the caller knows), and the causes are kept: "connection reset by peer" is what helps.
fn transport_error(error: reqwest::Error) -> ProviderError {
    let error = error.without_url();
    if error.is_builder() {
        return ProviderError::InvalidRequest(error_chain(&error));
    }
    ProviderError::Connection(error_chain(&error))
}

/// An error's message followed by its causes (each once), as one line.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// `message` is the server's, redacted and shortened.
fn status_error(status: StatusCode, retry_after: Option<Duration>, message: String) -> ProviderError {
    let code = status.as_u16();
    match code {
        429 => ProviderError::RateLimited { retry_after, message },
        408 | 500..=599 => ProviderError::Server { status: code, message },
        _ => ProviderError::Rejected { status: code, message },
    }
}

/// The human part of an error body: `error.message` (OpenAI, Anthropic, Gemini), `error` as text
/// (Hugging Face), `message` or `detail` (self-hosted servers), else the body itself; shortened.
/// `text` is the body, already redacted; the message found in it is redacted again before it is
/// shortened (a JSON escape such as `\u0073k-` can hide a key from the first redaction).
fn server_message(text: &str, key: Option<&Secret>) -> String {
    let from_json = serde_json::from_str::<serde_json::Value>(text).ok().and_then(|value| {
        let text_at = |pointer: &str| value.pointer(pointer).and_then(serde_json::Value::as_str).map(str::to_owned);
        text_at("/error/message").or_else(|| text_at("/error")).or_else(|| text_at("/message")).or_else(|| {
            value.get("detail").filter(|detail| !detail.is_null()).map(|detail| match detail.as_str() {
                Some(text) => text.to_owned(),
                None => detail.to_string(),
            })
        })
    });
    let message = redact(key, from_json.as_deref().unwrap_or(text).trim());
    if message.is_empty() { "(empty body)".to_owned() } else { shorten(&message) }
}

fn redact(key: Option<&Secret>, text: &str) -> String {
    match key {
        Some(key) => key.redact(text),
        None => text.to_owned(),
    }
}

/// At most [`MESSAGE_CHARS`] characters (not bytes: messages may be Kazakh or Mongolian).
fn shorten(text: &str) -> String {
    left_behind_shared::shorten_chars(text, MESSAGE_CHARS, "...")
}

/// `retry-after-ms` (OpenAI) or `retry-after` in seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).map(str::trim);
    if let Some(milliseconds) = header("retry-after-ms").and_then(|text| text.parse::<f64>().ok()) {
        return duration_from_seconds(milliseconds / 1000.0);
    }
    let text = header("retry-after")?;
    if let Ok(seconds) = text.parse::<f64>() {
        return duration_from_seconds(seconds);
    }
    let date = jiff::fmt::rfc2822::parse(text).ok()?.timestamp();
    let wait = date.duration_since(jiff::Timestamp::now());
    duration_from_seconds(wait.as_secs_f64())
}

fn duration_from_seconds(seconds: f64) -> Option<Duration> {
    (seconds.is_finite()).then(|| Duration::from_secs_f64(seconds.max(0.0)))
}

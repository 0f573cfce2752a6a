//! Each provider's wire format against a local server that checks the request (path, headers, JSON
//! body) and answers in that provider's documented format.

use left_behind_runner::providers::{self, CompletionRequest, ProviderKind, ProviderSettings, SystemPrompt};
use left_behind_runner::secrets::Secret;
use serde_json::json;

use crate::support::{MockServer, Reply, http_client, openai_answer};

const KEY: &str = "test-key-0123456789";

fn settings(kind: ProviderKind, base_url: &str, model_id: &str, key: Option<&str>) -> ProviderSettings {
    ProviderSettings {
        kind,
        base_url: base_url.parse().unwrap(),
        model_id: model_id.to_owned(),
        provider_route: None,
        key: key.map(Secret::new),
    }
}

fn request(system: Option<SystemPrompt>, temperature: Option<f32>) -> CompletionRequest {
    CompletionRequest {
        system,
        user_message: "Қазақстанның астанасы қандай?".to_owned(),
        max_output_tokens: 2048,
        temperature,
    }
}

#[tokio::test]
async fn anthropic_messages_api() {
    let server = MockServer::start(|_, _| {
        Reply::json(
            200,
            json!({
                "id": "msg_01",
                "type": "message",
                "role": "assistant",
                "model": "claude-opus-4-5-20251101",
                "content": [
                    { "type": "thinking", "thinking": "not the answer" },
                    { "type": "text", "text": "Астана." },
                    { "type": "text", "text": " Бұрын Ақмола." }
                ],
                "stop_reason": "end_turn",
                "usage": { "input_tokens": 10, "output_tokens": 12, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 1500 }
            }),
        )
    })
    .await;
    let provider =
        providers::build(settings(ProviderKind::Anthropic, &server.url, "claude-opus-4-5", Some(KEY)), http_client());
    let completion =
        provider.complete(&request(Some(SystemPrompt::new("Сіз пайдалы көмекші ботсыз.")), Some(0.0))).await.unwrap();
    assert_eq!(completion.text, "Астана. Бұрын Ақмола.");
    assert_eq!(completion.finish_reason.as_deref(), Some("end_turn"));
    assert_eq!(completion.served_model.as_deref(), Some("claude-opus-4-5-20251101"));
    let usage = completion.usage.unwrap();
    assert_eq!(
        (usage.input_tokens, usage.output_tokens, usage.cached_input_tokens),
        (Some(1510), Some(12), Some(1500))
    );

    let seen = &server.requests()[0];
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.path, "/v1/messages");
    assert_eq!(seen.header("x-api-key"), Some(KEY));
    assert_eq!(seen.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(seen.header("authorization"), None);
    assert_eq!(
        seen.body,
        json!({
            "model": "claude-opus-4-5",
            "max_tokens": 2048,
            "messages": [{ "role": "user", "content": "Қазақстанның астанасы қандай?" }],
            "system": "Сіз пайдалы көмекші ботсыз.",
            "temperature": 0.0
        })
    );

    // Asked to cache: the system prompt becomes a text block marked ephemeral.
    provider.complete(&request(Some(SystemPrompt::cached("rubric and answer sheet")), None)).await.unwrap();
    let seen = &server.requests()[1];
    assert_eq!(
        seen.body["system"],
        json!([{ "type": "text", "text": "rubric and answer sheet", "cache_control": { "type": "ephemeral" } }])
    );
    assert!(seen.body.get("temperature").is_none());
    // No system prompt (C1): no system field at all.
    provider.complete(&request(None, None)).await.unwrap();
    assert!(server.requests()[2].body.get("system").is_none());
}

#[tokio::test]
async fn openai_chat_completions() {
    let server = MockServer::start(|_, _| {
        let mut answer = openai_answer("Астана");
        answer["usage"]["prompt_tokens_details"] = json!({ "cached_tokens": 4 });
        answer["usage"]["completion_tokens_details"] = json!({ "reasoning_tokens": 3 });
        Reply::json(200, answer)
    })
    .await;
    let base = format!("{}/v1", server.url);
    let gpt5 = providers::build(settings(ProviderKind::OpenAi, &base, "gpt-5.2", Some(KEY)), http_client());
    let completion = gpt5.complete(&request(Some(SystemPrompt::cached("system")), Some(0.0))).await.unwrap();
    assert_eq!(completion.text, "Астана");
    assert_eq!(completion.finish_reason.as_deref(), Some("stop"));
    let usage = completion.usage.unwrap();
    assert_eq!((usage.input_tokens, usage.output_tokens), (Some(20), Some(7)));
    assert_eq!((usage.cached_input_tokens, usage.reasoning_tokens), (Some(4), Some(3)));

    let seen = &server.requests()[0];
    assert_eq!(seen.path, "/v1/chat/completions");
    assert_eq!(seen.header("authorization").map(str::to_owned), Some(format!("Bearer {KEY}")));
    // A reasoning model: the limit is max_completion_tokens and no temperature is sent.
    assert_eq!(
        seen.body,
        json!({
            "model": "gpt-5.2",
            "messages": [
                { "role": "system", "content": "system" },
                { "role": "user", "content": "Қазақстанның астанасы қандай?" }
            ],
            "max_completion_tokens": 2048
        })
    );
    // A model that takes a temperature gets it.
    let gpt4 = providers::build(settings(ProviderKind::OpenAi, &base, "gpt-4.1", Some(KEY)), http_client());
    gpt4.complete(&request(None, Some(0.0))).await.unwrap();
    let seen = &server.requests()[1];
    assert_eq!(seen.body["temperature"], json!(0.0));
    assert_eq!(seen.body["messages"], json!([{ "role": "user", "content": "Қазақстанның астанасы қандай?" }]));
}

#[tokio::test]
async fn google_generate_content_with_the_key_in_a_header() {
    let server = MockServer::start(|_, _| {
        Reply::json(
            200,
            json!({
                "candidates": [{
                    "content": { "role": "model", "parts": [
                        { "text": "thinking...", "thought": true },
                        { "text": "Улаанбаатар." }
                    ]},
                    "finishReason": "STOP",
                    "safetyRatings": []
                }],
                "usageMetadata": { "promptTokenCount": 25, "candidatesTokenCount": 8, "thoughtsTokenCount": 100, "totalTokenCount": 133 },
                "modelVersion": "gemini-3-pro-preview-11-2025"
            }),
        )
    })
    .await;
    let provider =
        providers::build(settings(ProviderKind::Google, &server.url, "gemini-3-pro-preview", Some(KEY)), http_client());
    let completion =
        provider.complete(&request(Some(SystemPrompt::new("Та бол хэрэгтэй туслах бот.")), Some(0.0))).await.unwrap();
    assert_eq!(completion.text, "Улаанбаатар.");
    assert_eq!(completion.finish_reason.as_deref(), Some("STOP"));
    assert_eq!(completion.served_model.as_deref(), Some("gemini-3-pro-preview-11-2025"));
    let usage = completion.usage.unwrap();
    assert_eq!((usage.input_tokens, usage.output_tokens, usage.reasoning_tokens), (Some(25), Some(108), Some(100)));

    let seen = &server.requests()[0];
    // The key is a header, never in the URL.
    assert_eq!(seen.path, "/v1beta/models/gemini-3-pro-preview:generateContent");
    assert_eq!(seen.header("x-goog-api-key"), Some(KEY));
    assert!(!seen.path.contains(KEY));
    assert_eq!(
        seen.body,
        json!({
            "contents": [{ "role": "user", "parts": [{ "text": "Қазақстанның астанасы қандай?" }] }],
            "systemInstruction": { "parts": [{ "text": "Та бол хэрэгтэй туслах бот." }] },
            "generationConfig": { "maxOutputTokens": 2048, "temperature": 0.0 }
        })
    );
}

#[tokio::test]
async fn xai_speaks_chat_completions_with_max_tokens() {
    let server = MockServer::start(|_, _| Reply::json(200, openai_answer("ok"))).await;
    let provider = providers::build(
        settings(ProviderKind::Xai, &format!("{}/v1", server.url), "grok-4-1-fast", Some(KEY)),
        http_client(),
    );
    provider.complete(&request(Some(SystemPrompt::new("system")), Some(0.5))).await.unwrap();
    let seen = &server.requests()[0];
    assert_eq!(seen.path, "/v1/chat/completions");
    assert_eq!(seen.header("authorization").map(str::to_owned), Some(format!("Bearer {KEY}")));
    assert_eq!(seen.body["model"], "grok-4-1-fast");
    assert_eq!(seen.body["max_tokens"], 2048);
    assert_eq!(seen.body["temperature"], 0.5);
    assert_eq!(seen.body["messages"][0], json!({ "role": "system", "content": "system" }));
}

#[tokio::test]
async fn huggingface_router_pins_the_provider_with_a_suffix() {
    let server = MockServer::start(|_, _| Reply::json(200, openai_answer("ok"))).await;
    let base = format!("{}/v1", server.url);
    let mut pinned = settings(ProviderKind::HuggingFace, &base, "Qwen/Qwen3-235B-A22B-Instruct-2507", Some(KEY));
    pinned.provider_route = Some("together".to_owned());
    let provider = providers::build(pinned, http_client());
    assert_eq!(provider.wire_model_id(), "Qwen/Qwen3-235B-A22B-Instruct-2507:together");
    provider.complete(&request(None, None)).await.unwrap();
    let unpinned = providers::build(
        settings(ProviderKind::HuggingFace, &base, "CohereLabs/aya-expanse-32b", Some(KEY)),
        http_client(),
    );
    unpinned.complete(&request(None, None)).await.unwrap();

    let seen = server.requests();
    assert_eq!(seen[0].path, "/v1/chat/completions");
    assert_eq!(seen[0].header("authorization").map(str::to_owned), Some(format!("Bearer {KEY}")));
    assert_eq!(seen[0].body["model"], "Qwen/Qwen3-235B-A22B-Instruct-2507:together");
    assert_eq!(seen[0].body["max_tokens"], 2048);
    assert_eq!(seen[1].body["model"], "CohereLabs/aya-expanse-32b");
}

#[tokio::test]
async fn openai_compatible_with_and_without_a_key() {
    let server = MockServer::start(|_, _| {
        // Some servers send content as a list of text parts.
        let mut answer = openai_answer("");
        answer["choices"][0]["message"]["content"] = json!([{ "type": "text", "text": "Сәлем" }]);
        answer["usage"] = serde_json::Value::Null;
        Reply::json(200, answer)
    })
    .await;
    let base = format!("{}/serve/v1/", server.url);
    let open = providers::build(
        settings(ProviderKind::OpenAiCompatible, &base, "Qwen/Qwen2.5-7B-Instruct", None),
        http_client(),
    );
    let completion = open.complete(&request(Some(SystemPrompt::new("s")), None)).await.unwrap();
    assert_eq!(completion.text, "Сәлем");
    assert_eq!(completion.usage, None);
    let keyed = providers::build(settings(ProviderKind::OpenAiCompatible, &base, "m", Some(KEY)), http_client());
    keyed.complete(&request(None, None)).await.unwrap();

    let seen = server.requests();
    assert_eq!(seen[0].path, "/serve/v1/chat/completions");
    assert_eq!(seen[0].header("authorization"), None);
    assert_eq!(seen[0].body["model"], "Qwen/Qwen2.5-7B-Instruct");
    assert_eq!(seen[0].body["max_tokens"], 2048);
    assert_eq!(seen[1].header("authorization").map(str::to_owned), Some(format!("Bearer {KEY}")));
}

#[tokio::test]
async fn errors_sort_into_retryable_and_final() {
    use left_behind_runner::providers::ProviderError;
    let server = MockServer::start(|seen, _| match seen.path.as_str() {
        "/429/chat/completions" => {
            Reply::json(429, json!({ "error": { "message": "slow down" } })).with_header("retry-after", "7")
        }
        "/429ms/chat/completions" => Reply::json(429, json!({})).with_header("retry-after-ms", "250"),
        "/429date/chat/completions" => {
            // An HTTP date (RFC 9110) a minute from now.
            let at = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(60);
            Reply::json(429, json!({}))
                .with_header("retry-after", &at.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string())
        }
        "/529/chat/completions" => Reply::json(
            529,
            json!({ "type": "error", "error": { "type": "overloaded_error", "message": "Overloaded" } }),
        ),
        "/401/chat/completions" => Reply::json(401, json!({ "error": "Invalid credentials in Authorization header" })),
        "/422/chat/completions" => Reply::json(422, json!({ "detail": [{ "msg": "field required" }] })),
        _ => Reply::text(200, "<html>not json</html>"),
    })
    .await;
    let call = |path: &str| {
        let provider = providers::build(
            settings(ProviderKind::OpenAiCompatible, &format!("{}/{path}", server.url), "m", None),
            http_client(),
        );
        async move { provider.complete(&request(None, None)).await.unwrap_err() }
    };
    let rate_limited = call("429").await;
    assert!(rate_limited.is_retryable());
    assert_eq!(rate_limited.retry_after(), Some(std::time::Duration::from_secs(7)));
    assert_eq!(rate_limited.status(), Some(429));
    assert!(rate_limited.to_string().contains("slow down"), "{rate_limited}");
    assert_eq!(call("429ms").await.retry_after(), Some(std::time::Duration::from_millis(250)));
    let by_date = call("429date").await.retry_after().unwrap();
    assert!(
        by_date > std::time::Duration::from_secs(57) && by_date <= std::time::Duration::from_secs(60),
        "{by_date:?}"
    );
    let overloaded = call("529").await;
    assert!(
        matches!(&overloaded, ProviderError::Server { status: 529, message } if message == "Overloaded"),
        "{overloaded:?}"
    );
    assert!(overloaded.is_retryable());
    let unauthorized = call("401").await;
    assert!(matches!(&unauthorized, ProviderError::Rejected { status: 401, .. }), "{unauthorized:?}");
    assert!(!unauthorized.is_retryable());
    assert!(call("422").await.to_string().contains("field required"));
    let malformed = call("ok").await;
    assert!(matches!(malformed, ProviderError::Malformed(_)), "{malformed:?}");
    assert!(!malformed.is_retryable());
}

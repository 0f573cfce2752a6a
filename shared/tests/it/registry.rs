//! Provider names: one string each, the same in configuration files, the registry and the manifest.

use left_behind_shared::{ModelRegistry, ProviderKind, UnknownProvider};

#[test]
fn every_provider_is_written_and_read_back_by_its_key() {
    let keys: Vec<&str> = ProviderKind::ALL.iter().map(|kind| kind.key()).collect();
    assert_eq!(keys, ["anthropic", "openai", "google", "xai", "huggingface", "openai-compatible", "local"]);
    for kind in ProviderKind::ALL {
        assert_eq!(serde_json::to_value(kind).unwrap(), kind.key());
        assert_eq!(serde_json::from_value::<ProviderKind>(kind.key().into()).unwrap(), kind);
        assert_eq!(kind.key().parse::<ProviderKind>(), Ok(kind));
        assert_eq!(kind.to_string(), kind.key());
    }
}

#[test]
fn an_unknown_provider_is_named_with_the_known_ones() {
    // Keys are exact: the configuration files spell them in lower case.
    for text in ["openia", "OpenAI", "openai_compatible", ""] {
        let error = text.parse::<ProviderKind>().unwrap_err();
        assert_eq!(error, UnknownProvider(text.to_owned()));
        assert_eq!(
            error.to_string(),
            format!(
                "unknown provider {text:?} (one of anthropic, openai, google, xai, huggingface, openai-compatible, local)"
            )
        );
    }
    let from_json = serde_json::from_str::<ProviderKind>("\"vertex\"").unwrap_err().to_string();
    assert!(from_json.starts_with("unknown provider \"vertex\" (one of anthropic,"), "{from_json}");
}

#[test]
fn the_study_reaches_its_models_through_four_apis_and_the_router() {
    let registry = ModelRegistry::study();
    let providers: Vec<(&str, ProviderKind, Option<&str>)> = registry
        .models
        .iter()
        .map(|model| (model.name.as_str(), model.provider, model.provider_route.as_deref()))
        .collect();
    assert_eq!(
        providers,
        [
            ("claude_opus_4.5", ProviderKind::Anthropic, None),
            ("gpt_5.2", ProviderKind::OpenAi, None),
            ("gemini_3_pro", ProviderKind::Google, None),
            ("grok_4.1", ProviderKind::Xai, None),
            ("deepseek_v3.2", ProviderKind::HuggingFace, None),
            ("llama_4_maverick", ProviderKind::HuggingFace, None),
            ("qwen3", ProviderKind::HuggingFace, Some("together")),
            ("aya_expanse", ProviderKind::HuggingFace, None),
        ]
    );
}

//! `left-behind.toml`: the built-in defaults reproduce the study; users add and change models;
//! mistakes are reported with their place, and never echo a key.

use std::collections::BTreeMap;

use left_behind_runner::config::{BaseUrlOrigin, ConfigSource, RunnerConfig, parse};
use left_behind_runner::providers::ProviderKind;
use left_behind_shared::{Condition, ModelCategory, ModelRegistry, StudySettings};

fn no_env(_: &str) -> Option<String> {
    None
}

fn file(text: &str) -> anyhow::Result<RunnerConfig> {
    parse(text, ConfigSource::File("left-behind.toml".into()), &no_env)
}

#[test]
fn the_defaults_are_the_study() {
    let config = RunnerConfig::built_in(&no_env).unwrap();
    assert_eq!(config.registry(), ModelRegistry::study());
    // What the site's manifest carries without a configuration is the same: the study and its judge.
    assert_eq!(config.study_settings(), StudySettings::study());
    type Row<'a> = (&'a str, ProviderKind, &'a str, Option<&'a str>, &'a str, Option<&'a str>);
    let summary: Vec<Row> = config
        .models
        .iter()
        .map(|model| {
            (
                model.name.as_str(),
                model.provider(),
                model.model_id.as_str(),
                model.provider_route.as_deref(),
                model.base_url.as_str(),
                model.api_key_env.as_deref(),
            )
        })
        .collect();
    use ProviderKind::*;
    let hf = "https://router.huggingface.co/v1";
    assert_eq!(
        summary,
        [
            (
                "claude_opus_4.5",
                Anthropic,
                "claude-opus-4-5",
                None,
                "https://api.anthropic.com/",
                Some("ANTHROPIC_API_KEY")
            ),
            ("gpt_5.2", OpenAi, "gpt-5.2", None, "https://api.openai.com/v1", Some("OPENAI_API_KEY")),
            (
                "gemini_3_pro",
                Google,
                "gemini-3-pro-preview",
                None,
                "https://generativelanguage.googleapis.com/",
                Some("GOOGLE_API_KEY")
            ),
            ("grok_4.1", Xai, "grok-4-1-fast", None, "https://api.x.ai/v1", Some("XAI_API_KEY")),
            ("deepseek_v3.2", HuggingFace, "deepseek-ai/DeepSeek-V3.2", None, hf, Some("HF_API_KEY")),
            (
                "llama_4_maverick",
                HuggingFace,
                "meta-llama/Llama-4-Maverick-17B-128E-Instruct",
                None,
                hf,
                Some("HF_API_KEY")
            ),
            ("qwen3", HuggingFace, "Qwen/Qwen3-235B-A22B-Instruct-2507", Some("together"), hf, Some("HF_API_KEY")),
            ("aya_expanse", HuggingFace, "CohereLabs/aya-expanse-32b", None, hf, Some("HF_API_KEY")),
        ]
    );
    assert!(
        config.models.iter().all(|model| model.max_tokens == 2048 && model.temperature.is_none() && model.built_in)
    );
    for condition in Condition::ALL {
        assert_eq!(config.condition(condition).system_prompt.as_deref(), condition.system_prompt());
    }
    assert_eq!(config.condition(Condition::C1).system_prompt, None);
}

#[test]
fn base_url_variables_override_the_defaults_and_the_file_overrides_both() {
    let env = |name: &str| match name {
        "HF_BASE_URL" => Some("http://127.0.0.1:9000/hf/v1".to_owned()),
        "ANTHROPIC_BASE_URL" => Some("http://127.0.0.1:9001".to_owned()),
        _ => None,
    };
    let config = parse(
        "[models.aya_expanse]\nbase_url = \"http://127.0.0.1:9002/v1\"\n",
        ConfigSource::File("x.toml".into()),
        &env,
    )
    .unwrap();
    let url = |name: &str| {
        let model = config.model(name).unwrap();
        (model.base_url.as_str().to_owned(), model.base_url_origin)
    };
    assert_eq!(
        url("qwen3"),
        ("http://127.0.0.1:9000/hf/v1".to_owned(), BaseUrlOrigin::EnvironmentVariable("HF_BASE_URL"))
    );
    assert_eq!(
        url("claude_opus_4.5"),
        ("http://127.0.0.1:9001/".to_owned(), BaseUrlOrigin::EnvironmentVariable("ANTHROPIC_BASE_URL"))
    );
    assert_eq!(url("aya_expanse"), ("http://127.0.0.1:9002/v1".to_owned(), BaseUrlOrigin::Configured));
    assert_eq!(url("gpt_5.2"), ("https://api.openai.com/v1".to_owned(), BaseUrlOrigin::Default));
    // Shown beside the URL as before: the variable's name, `config` or `default`.
    assert_eq!(
        [BaseUrlOrigin::EnvironmentVariable("HF_BASE_URL"), BaseUrlOrigin::Configured, BaseUrlOrigin::Default]
            .map(|origin| origin.to_string()),
        ["HF_BASE_URL", "config", "default"]
    );
}

#[test]
fn users_add_models_in_file_order_and_change_built_in_ones() {
    let config = file(
        r#"
[run]
concurrency = 12
timeout_seconds = 30
max_attempts = 3
retry_base_delay_ms = 250

[providers.huggingface]
concurrency = 2

[models.zeta_local]
provider = "openai-compatible"
base_url = "http://127.0.0.1:8000/v1"
model_id = "Qwen/Qwen2.5-7B-Instruct"
api_key_env = "MY_SERVER_KEY"   # optional
category = "bilingual"

[models.alpha_router]
provider = "huggingface"
model_id = "some/model"
provider_route = "together"
display_name = "Alpha"
max_tokens = 512
temperature = 0.2
concurrency = 3

[models."gpt_5.2"]
concurrency = 2

[conditions.C2]
system_prompt = "Жауапты қазақша беріңіз."

[conditions.C4_mongolian]
system_prompt = ""
"#,
    )
    .unwrap();
    let names: Vec<&str> = config.models.iter().map(|model| model.name.as_str()).collect();
    assert_eq!(&names[8..], ["zeta_local", "alpha_router"]);
    let local = config.model("zeta_local").unwrap();
    assert_eq!(local.provider(), ProviderKind::OpenAiCompatible);
    assert_eq!(local.api_key_env.as_deref(), Some("MY_SERVER_KEY"));
    assert_eq!(local.category, ModelCategory::Bilingual);
    assert_eq!((local.display_name.as_str(), local.max_tokens, local.built_in), ("zeta_local", 2048, false));
    let router = config.model("alpha_router").unwrap();
    assert_eq!(router.api_key_env.as_deref(), Some("HF_API_KEY"));
    assert_eq!(router.base_url.as_str(), "https://router.huggingface.co/v1");
    assert_eq!((router.max_tokens, router.temperature, router.concurrency), (512, Some(0.2), Some(3)));
    assert_eq!(router.category, ModelCategory::Unassigned);
    let gpt = config.model("gpt_5.2").unwrap();
    assert_eq!((gpt.model_id.as_str(), gpt.concurrency, gpt.built_in), ("gpt-5.2", Some(2), true));
    assert_eq!(config.dispatch.max_in_flight, 12);
    assert_eq!(config.dispatch.max_attempts, 3);
    assert_eq!(config.dispatch.request_timeout.as_secs(), 30);
    assert_eq!(config.dispatch.base_delay.as_millis(), 250);
    assert_eq!(config.provider_concurrency(ProviderKind::HuggingFace), 2);
    assert_eq!(config.provider_concurrency(ProviderKind::Anthropic), 8);
    assert_eq!(config.condition(Condition::C2).system_prompt.as_deref(), Some("Жауапты қазақша беріңіз."));
    assert_eq!(config.condition(Condition::C4).system_prompt, None);
    assert_eq!(config.condition(Condition::C3).system_prompt.as_deref(), Condition::C3.system_prompt());
    // The registry used by report and validate knows the new models.
    let registry = config.registry();
    assert_eq!(registry.category_of("zeta_local"), ModelCategory::Bilingual);
    assert_eq!(registry.display_name("alpha_router"), "Alpha");
    assert_eq!(registry.models.len(), 10);
}

#[test]
fn the_judge_is_built_in_apart_from_the_models_that_answer() {
    let env = |name: &str| (name == "ANTHROPIC_BASE_URL").then(|| "http://127.0.0.1:9001".to_owned());
    let config = RunnerConfig::built_in(&env).unwrap();
    let judge = config.judge(None).unwrap();
    assert_eq!(
        (judge.name.as_str(), judge.provider(), judge.model_id.as_str(), judge.api_key_env.as_deref()),
        ("claude_sonnet_4.5", ProviderKind::Anthropic, "claude-sonnet-4-5-20250929", Some("ANTHROPIC_API_KEY"))
    );
    assert_eq!((judge.max_tokens, judge.temperature), (250, Some(0.0)));
    assert_eq!(
        (judge.base_url.as_str(), judge.base_url_origin),
        ("http://127.0.0.1:9001/", BaseUrlOrigin::EnvironmentVariable("ANTHROPIC_BASE_URL"))
    );
    // Not a model that answers: run does not call it, reports do not list it.
    assert!(config.model("claude_sonnet_4.5").is_none());
    assert_eq!(config.registry(), ModelRegistry::study());
    assert_eq!(config.judge(Some("claude_sonnet_4.5")).unwrap(), judge);
    assert_eq!(config.judge(Some("gpt_5.2")).unwrap().model_id, "gpt-5.2");
    let unknown = format!("{:#}", config.judge(Some("gpt_4")).unwrap_err());
    assert!(unknown.starts_with("unknown judge \"gpt_4\" in the built-in defaults"), "{unknown}");

    // The file changes it like a built-in model, and it stays a judge.
    let changed = file("[models.\"claude_sonnet_4.5\"]\nmax_tokens = 400\nconcurrency = 2\n").unwrap();
    assert_eq!(
        (changed.judge.max_tokens, changed.judge.concurrency, changed.judge.temperature),
        (400, Some(2), Some(0.0))
    );
    assert_eq!(changed.models.len(), 8);
}

#[test]
fn mistakes_name_the_place() {
    let error = |text: &str| format!("{:#}", file(text).unwrap_err());
    let unknown = error(
        "[models.x]\nprovider = \"openai-compatible\"\nbase_url = \"http://h/v1\"\nmodel_id = \"m\"\nmodle = 1\n",
    );
    assert!(unknown.starts_with("left-behind.toml at line 5, column 1: unknown field `modle`"), "{unknown}");
    let no_url = error("[models.local]\nprovider = \"openai-compatible\"\nmodel_id = \"m\"\n");
    assert!(no_url.contains("models.local") && no_url.contains("needs a base_url"), "{no_url}");
    // An unknown provider names the file, the table and the value, wherever a provider is named.
    let known = "(one of anthropic, openai, google, xai, huggingface, openai-compatible, local)";
    for (text, place) in [
        ("[models.x]\nprovider = \"openia\"\nmodel_id = \"m\"\n", "models.x"),
        ("[models.\"gpt_5.2\"]\nprovider = \"openia\"\n", "models.\"gpt_5.2\""),
        ("[providers.openia]\nconcurrency = 2\n", "providers.openia"),
    ] {
        let provider = error(text);
        assert_eq!(provider, format!("left-behind.toml: {place}: unknown provider \"openia\" {known}"), "{text}");
    }
    let name = error("[models.\"../escape\"]\nprovider = \"openai\"\nmodel_id = \"m\"\n");
    assert!(name.contains("must be letters, digits"), "{name}");
    let condition = error("[conditions.C9]\nsystem_prompt = \"x\"\n");
    assert!(condition.contains("conditions.C9: not a condition"), "{condition}");
    let category = error("[models.x]\nprovider = \"openai\"\nmodel_id = \"m\"\ncategory = \"big\"\n");
    assert!(category.contains("unknown category \"big\""), "{category}");
    assert!(error("[run]\nmax_attempts = 0\n").contains("run.max_attempts must be at least 1"));
    assert!(error("[models.x]\nprovider = \"openai\"\n").contains("needs `model_id`"));
}

#[test]
fn a_key_pasted_into_the_file_is_not_echoed() {
    let key = "sk-pasted-by-mistake-4242424242";
    for text in [
        format!("[models.x]\nprovider = \"openai\"\nmodel_id = \"m\"\napi_key = \"{key}\"\n"),
        format!("[models.x]\nprovider = \"openai\"\nmodel_id = \"m\"\napi_key_env = \"{key}\"\n"),
        format!("[models.x]\nprovider = \"openai\"\nmodel_id = \"m\"\nmax_tokens = \"{key}\"\n"),
    ] {
        let message = format!("{:#}", file(&text).unwrap_err());
        assert!(!message.contains("4242424242"), "{message}");
    }
    let message = format!("{:#}", file(&format!("[models.x]\napi_key = \"{key}\"\n")).unwrap_err());
    assert!(message.contains("put the key in an environment variable"), "{message}");
}

#[test]
fn keys_come_from_the_environment_first_then_dotenv_and_are_never_printed() {
    use left_behind_runner::secrets::{KeySource, Secret};
    let dir = tempfile::tempdir().unwrap();
    let dotenv = dir.path().join(".env");
    std::fs::write(&dotenv, "# keys\nexport OPENAI_API_KEY=from-dotenv-openai\nHF_API_KEY=\"from-dotenv-hf\"\n")
        .unwrap();
    let from_env = KeySource::from_map(BTreeMap::from([("HF_API_KEY".to_owned(), "from-env-hf".to_owned())]));
    assert_eq!(from_env.get("HF_API_KEY").unwrap().expose(), "from-env-hf");
    assert!(from_env.get("OPENAI_API_KEY").is_none());
    // Hugging Face's own variable stands in for HF_API_KEY, which wins when both are set.
    let hf_token = |variables: &[(&str, &str)]| {
        KeySource::from_map(variables.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect())
            .get("HF_API_KEY")
            .map(|key| key.expose().to_owned())
    };
    assert_eq!(hf_token(&[("HF_TOKEN", "hf-token")]).as_deref(), Some("hf-token"));
    assert_eq!(hf_token(&[("HF_TOKEN", "hf-token"), ("HF_API_KEY", "api-key")]).as_deref(), Some("api-key"));
    assert_eq!(hf_token(&[("HF_TOKEN", "  ")]), None);
    let missing =
        left_behind_runner::secrets::MissingKeys(BTreeMap::from([("HF_API_KEY".to_owned(), vec!["llama".to_owned()])]));
    assert!(missing.describe("x").contains("  HF_API_KEY or HF_TOKEN (needed by llama)"), "{}", missing.describe("x"));
    let mixed = KeySource::from_environment(std::slice::from_ref(&dotenv)).unwrap();
    assert_eq!(mixed.dotenv_files, [dotenv]);
    let secret = mixed.get("OPENAI_API_KEY").unwrap();
    assert_eq!(secret.expose(), "from-dotenv-openai");
    assert_eq!(format!("{secret} {secret:?}"), "[redacted] Secret([redacted])");
    assert_eq!(Secret::new("abcdefgh12").redact("key abcdefgh12 echoed"), "key [redacted] echoed");
}

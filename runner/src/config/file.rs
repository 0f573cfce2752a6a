//! The TOML shape of `left-behind.toml`, as serde reads it: every table and field the file may hold
//! (an unknown one is an error), in file order where order matters. Nothing here checks a value.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::ConfigSource;

/// Reads the file's text into its shape; a syntax or type error names the place, never a quoted value.
pub(super) fn read(text: &str, source: &ConfigSource) -> anyhow::Result<ConfigFile> {
    toml::from_str(text).map_err(|error| describe_toml_error(source, text, &error))
}

/// toml's own message quotes the offending line, which could hold a key pasted into the file by
/// mistake: keep the message and the position, not the quote.
fn describe_toml_error(source: &ConfigSource, text: &str, error: &toml::de::Error) -> anyhow::Error {
    let position = error.span().map(|span| {
        let before = &text[..span.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |part| part.chars().count()) + 1;
        format!(" at line {line}, column {column}")
    });
    let mut message = without_quoted_strings(error.message().trim());
    if message.contains("unknown field `api_key`") {
        message.push_str("; keys are never written in the file: put the key in an environment variable (or .env) and name the variable with api_key_env");
    }
    anyhow::anyhow!("{source}{}: {message}", position.unwrap_or_default())
}

/// serde's "invalid type: string \"...\", expected u32" quotes the value; a value in the wrong
/// place may be a key, so the quote goes.
fn without_quoted_strings(message: &str) -> String {
    let mut rest = message;
    let mut result = String::new();
    while let Some(start) = rest.find("string \"") {
        result.push_str(&rest[..start]);
        result.push_str("a string");
        let quoted = &rest[start + "string \"".len()..];
        let mut escaped = false;
        let end = quoted.char_indices().find(|&(_, c)| {
            let closes = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            closes
        });
        rest = match end {
            Some((index, _)) => &quoted[index + 1..],
            None => "",
        };
    }
    result.push_str(rest);
    result
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ConfigFile {
    #[serde(default)]
    pub(super) run: RunSection,
    #[serde(default)]
    pub(super) providers: BTreeMap<String, ProviderSection>,
    #[serde(default)]
    pub(super) models: OrderedTable<ModelSection>,
    #[serde(default)]
    pub(super) conditions: BTreeMap<String, ConditionSection>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RunSection {
    pub(super) concurrency: Option<usize>,
    pub(super) timeout_seconds: Option<f64>,
    pub(super) max_attempts: Option<u32>,
    pub(super) retry_base_delay_ms: Option<u64>,
    pub(super) retry_max_delay_ms: Option<u64>,
    pub(super) max_retry_after_seconds: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ProviderSection {
    pub(super) concurrency: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ModelSection {
    pub(super) provider: Option<String>,
    pub(super) model_id: Option<String>,
    pub(super) display_name: Option<String>,
    pub(super) base_url: Option<String>,
    pub(super) api_key_env: Option<String>,
    pub(super) category: Option<String>,
    pub(super) provider_route: Option<String>,
    pub(super) max_tokens: Option<u32>,
    pub(super) temperature: Option<f32>,
    pub(super) concurrency: Option<usize>,
    pub(super) price_input_per_mtok: Option<f64>,
    pub(super) price_output_per_mtok: Option<f64>,
    pub(super) batch_discount: Option<f64>,
    // provider = "local" only:
    pub(super) model_path: Option<String>,
    pub(super) url: Option<String>,
    pub(super) sha256: Option<String>,
    pub(super) context_size: Option<u32>,
    pub(super) parallel_sequences: Option<u32>,
    pub(super) threads: Option<u32>,
    pub(super) top_p: Option<f32>,
    pub(super) seed: Option<u32>,
    pub(super) chat_template: Option<String>,
    pub(super) download_token_env: Option<String>,
    pub(super) family: Option<String>,
}

impl ModelSection {
    /// The prices the section sets.
    pub(super) fn pricing(&self) -> super::PriceOverrides {
        super::PriceOverrides {
            input_per_mtok: self.price_input_per_mtok,
            output_per_mtok: self.price_output_per_mtok,
            batch_discount: self.batch_discount,
        }
    }

    /// The local-only fields that are set, by name.
    pub(super) fn local_fields(&self) -> Vec<&'static str> {
        [
            ("model_path", self.model_path.is_some()),
            ("url", self.url.is_some()),
            ("sha256", self.sha256.is_some()),
            ("context_size", self.context_size.is_some()),
            ("parallel_sequences", self.parallel_sequences.is_some()),
            ("threads", self.threads.is_some()),
            ("top_p", self.top_p.is_some()),
            ("seed", self.seed.is_some()),
            ("chat_template", self.chat_template.is_some()),
            ("download_token_env", self.download_token_env.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ConditionSection {
    pub(super) system_prompt: Option<String>,
}

/// A TOML table read in file order (models are listed in the order the user wrote them).
#[derive(Debug)]
pub(super) struct OrderedTable<T>(pub(super) Vec<(String, T)>);

impl<T> Default for OrderedTable<T> {
    fn default() -> OrderedTable<T> {
        OrderedTable(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OrderedTable<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<OrderedTable<T>, D::Error> {
        struct Visitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
            type Value = OrderedTable<T>;
            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("a table of models")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<OrderedTable<T>, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, T>()? {
                    entries.push((key, value));
                }
                Ok(OrderedTable(entries))
            }
        }
        deserializer.deserialize_map(Visitor(std::marker::PhantomData))
    }
}

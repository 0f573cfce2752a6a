//! The checks of a configuration's values: names that become file names, numbers in range, fields
//! that apply to the provider, keys never written in the file. Each error says what is allowed.

use anyhow::Context;
use left_behind_shared::ModelCategory;

use super::ConfigSource;
use super::file::ModelSection;
use crate::providers::ProviderKind;

pub(super) fn at_least_one(value: Option<usize>, field: &str, source: &ConfigSource) -> anyhow::Result<Option<usize>> {
    match value {
        Some(0) => anyhow::bail!("{source}: {field} must be at least 1"),
        other => Ok(other),
    }
}

pub(super) fn quote_key(name: &str) -> String {
    if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        name.to_owned()
    } else {
        format!("{name:?}")
    }
}

/// Model names become file names (`results/C1_english/<name>.json`).
pub(super) fn check_model_name(name: &str) -> anyhow::Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    if name.is_empty() || name.starts_with('.') || !name.chars().all(allowed) {
        anyhow::bail!(
            "the model name {name:?} must be letters, digits, '_', '-' or '.', not starting with '.' (it names results files)"
        );
    }
    Ok(())
}

pub(super) fn parse_provider(key: &str, place: &str, source: &ConfigSource) -> anyhow::Result<ProviderKind> {
    key.parse().with_context(|| format!("{source}: {place}"))
}

pub(super) fn parse_category(text: &str) -> anyhow::Result<ModelCategory> {
    ModelCategory::from_key(text).with_context(|| {
        let known: Vec<&str> = ModelCategory::ALL.iter().map(|category| category.key()).collect();
        format!("unknown category {text:?} (one of {})", known.join(", "))
    })
}

pub(super) fn check_numbers(section: &ModelSection) -> anyhow::Result<()> {
    if section.max_tokens == Some(0) {
        anyhow::bail!("max_tokens must be at least 1");
    }
    if section.concurrency == Some(0) {
        anyhow::bail!("concurrency must be at least 1");
    }
    for (field, price) in [
        ("price_input_per_mtok", section.price_input_per_mtok),
        ("price_output_per_mtok", section.price_output_per_mtok),
    ] {
        if let Some(price) = price
            && !(price.is_finite() && price >= 0.0)
        {
            anyhow::bail!("{field} must be a price in US dollars per million tokens (0 or more)");
        }
    }
    if let Some(discount) = section.batch_discount
        && !(discount.is_finite() && (0.0..1.0).contains(&discount))
    {
        anyhow::bail!(
            "batch_discount must be the fraction batch mode takes off, from 0 up to (not including) 1, such as 0.5"
        );
    }
    if let Some(temperature) = section.temperature
        && !(temperature.is_finite() && (0.0..=2.0).contains(&temperature))
    {
        anyhow::bail!("temperature must be between 0 and 2");
    }
    if let Some(variable) = &section.api_key_env
        && (variable.is_empty() || !variable.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    {
        anyhow::bail!("api_key_env must name an environment variable (letters, digits, '_'), not hold a key");
    }
    Ok(())
}

pub(super) fn check_no_local_fields(section: &ModelSection, provider: ProviderKind) -> anyhow::Result<()> {
    let fields = section.local_fields();
    if !fields.is_empty() {
        anyhow::bail!("{} only apply to provider = \"local\", not {provider}", fields.join(", "));
    }
    Ok(())
}

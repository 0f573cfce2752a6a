//! API keys: where they come from (the environment, else a `.env` file) and the [`Secret`] type that
//! holds one. A key lives only inside a `Secret`, whose `Debug` and `Display` print `[redacted]`, so
//! it cannot reach a log line, an error message, a panic or a data file by formatting.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// An API key (or a download token). It leaves only as a request header marked sensitive
/// ([`Secret::header_value`], for the providers and `models pull`); [`Secret::redact`] scrubs it
/// from a server's text, and [`Secret::expose`] shows it to the tests.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The key itself, for tests that check where it came from.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The key as an HTTP header value marked sensitive (the HTTP stack never prints it), after
    /// `prefix` (`"Bearer "`); `None` when the key holds characters a header cannot carry.
    pub fn header_value(&self, prefix: &str) -> Option<reqwest::header::HeaderValue> {
        let mut value = reqwest::header::HeaderValue::from_str(&format!("{prefix}{}", self.0)).ok()?;
        value.set_sensitive(true);
        Some(value)
    }

    /// `text` with every occurrence of the key replaced by `[redacted]`. Servers may echo what they
    /// were sent (a 401 body quoting the key, a proxy error repeating a header); every message made
    /// from a server's answer goes through this before it is kept anywhere.
    pub fn redact(&self, text: &str) -> String {
        // A very short key would redact ordinary words; real keys are long, test keys too.
        if self.0.len() < 8 { text.to_owned() } else { text.replace(&self.0, "[redacted]") }
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Other names a key's variable is known by, looked up when the variable itself is not set:
/// Hugging Face's own tools read `HF_TOKEN`.
const ALIASES: [(&str, &str); 1] = [("HF_API_KEY", "HF_TOKEN")];

/// The other name `variable` may be set under, if it has one.
pub fn alias(variable: &str) -> Option<&'static str> {
    ALIASES.iter().find(|(name, _)| *name == variable).map(|(_, alias)| *alias)
}

/// Where keys are looked up: the process environment first, then `.env` files (first file wins).
/// Reading a `.env` file does not change the process environment.
#[derive(Default)]
pub struct KeySource {
    dotenv: BTreeMap<String, String>,
    /// The `.env` files that were read, for messages.
    pub dotenv_files: Vec<PathBuf>,
    environment: Option<BTreeMap<String, String>>,
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySource").field("dotenv_files", &self.dotenv_files).finish_non_exhaustive()
    }
}

impl KeySource {
    /// The process environment, then the `.env` files among `candidates` that exist, in order.
    pub fn from_environment(candidates: &[PathBuf]) -> anyhow::Result<KeySource> {
        let mut source = KeySource::default();
        for path in candidates {
            if path.is_file() && !source.dotenv_files.contains(path) {
                source.read_dotenv(path)?;
            }
        }
        Ok(source)
    }

    /// The keys a command working on the dataset in `data_dir` sees: the process environment, then
    /// `.env` in the current directory, then `.env` in the dataset directory.
    pub fn for_data_dir(data_dir: &Path) -> anyhow::Result<KeySource> {
        KeySource::from_environment(&[PathBuf::from(".env"), data_dir.join(".env")])
    }

    /// Only the given variables, not the process environment (for tests and embedding).
    pub fn from_map(variables: BTreeMap<String, String>) -> KeySource {
        KeySource { environment: Some(variables), ..KeySource::default() }
    }

    fn read_dotenv(&mut self, path: &Path) -> anyhow::Result<()> {
        let entries = dotenvy::from_path_iter(path).with_context(|| format!("cannot read {}", path.display()))?;
        for (index, entry) in entries.enumerate() {
            // dotenvy's parse errors quote the offending line, which may hold a key: say where only.
            let (name, value) = entry.map_err(|_| {
                anyhow::anyhow!("{}: entry {} is not a valid NAME=value line", path.display(), index + 1)
            })?;
            self.dotenv.entry(name).or_insert(value);
        }
        self.dotenv_files.push(path.to_path_buf());
        Ok(())
    }

    /// The key in variable `name` (else in its [`alias`]), if it is set and not blank.
    pub fn get(&self, name: &str) -> Option<Secret> {
        self.get_exactly(name).or_else(|| alias(name).and_then(|alias| self.get_exactly(alias)))
    }

    fn get_exactly(&self, name: &str) -> Option<Secret> {
        let from_environment = match &self.environment {
            Some(variables) => variables.get(name).cloned(),
            None => std::env::var(name).ok(),
        };
        from_environment
            .filter(|value| !value.trim().is_empty())
            .or_else(|| self.dotenv.get(name).filter(|value| !value.trim().is_empty()).cloned())
            .map(|value| Secret::new(value.trim()))
    }
}

/// Variables that were needed and are not set, each with the models that need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingKeys(pub BTreeMap<String, Vec<String>>);

impl MissingKeys {
    /// The message, ending with `alternative` (what else the user can do, such as "choose other
    /// models with --model").
    pub fn describe(&self, alternative: &str) -> String {
        let count = self.0.len();
        let mut text =
            format!("{count} API key{} missing for the selected models:\n", if count == 1 { " is" } else { "s are" });
        for (variable, models) in &self.0 {
            let also = alias(variable).map(|alias| format!(" or {alias}")).unwrap_or_default();
            text.push_str(&format!("  {variable}{also} (needed by {})\n", models.join(", ")));
        }
        text.push_str(&format!("set them in the environment or in a .env file (NAME=value lines), or {alternative}"));
        text
    }
}

impl std::fmt::Display for MissingKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe("choose other models with --model"))
    }
}

impl std::error::Error for MissingKeys {}

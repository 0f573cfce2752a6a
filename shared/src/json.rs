//! JSON helpers shared by the parsers: typed decoding that names the failing field, and the
//! collection of fields a newer or older writer added that this version does not know.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::DataError;

/// Decodes `text` as `T`; on failure the error names `file`, the line and column, and the field path.
pub(crate) fn from_str<T: DeserializeOwned>(text: &str, file: &str) -> Result<T, DataError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|error| DataError::from_json(file, error))?;
    deserializer.end().map_err(|error| DataError::Json {
        file: file.to_owned(),
        line: error.line(),
        column: error.column(),
        field: None,
        message: "unexpected data after the end of the document".to_owned(),
    })?;
    Ok(value)
}

/// The members of `object` whose keys are not in `known`, in their original order.
pub(crate) fn unknown_members(object: &Map<String, Value>, known: &[&str]) -> Map<String, Value> {
    object
        .iter()
        .filter(|(key, _)| !known.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}

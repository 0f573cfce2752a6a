//! Reads the header of a GGUF file (llama.cpp's model format): its version, tensor count and the
//! metadata a user wants to see before loading it (architecture, name, chat template, training
//! context). Used to check a local model file before any question is asked, with a message that
//! names the file and what is wrong, rather than leaving llama.cpp to discover it.
//!
//! The format: the magic `GGUF`, a little-endian u32 version (2 or 3), u64 tensor and metadata
//! counts, then the metadata as (string key, u32 type, value) triples. Strings are a u64 length
//! and UTF-8 bytes; arrays a u32 element type, a u64 count and the elements.

use std::io::{self, Read};

/// What the header says about a model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GgufSummary {
    pub version: u32,
    pub tensor_count: u64,
    pub metadata_count: u64,
    /// `general.architecture` (`gemma3`).
    pub architecture: Option<String>,
    /// `general.name`.
    pub name: Option<String>,
    /// `general.file_type`, llama.cpp's quantization code (15 = Q4_K_M).
    pub file_type: Option<u32>,
    /// `<architecture>.context_length`: the context the model was trained with.
    pub context_length: Option<u64>,
    /// `tokenizer.chat_template`: the Jinja template the model was trained to converse with.
    pub chat_template: Option<String>,
}

impl GgufSummary {
    /// `general.file_type` as llama.cpp names it (`Q4_K_M`), when it is a common one.
    pub fn file_type_name(&self) -> Option<&'static str> {
        Some(match self.file_type? {
            0 => "F32",
            1 => "F16",
            2 => "Q4_0",
            3 => "Q4_1",
            7 => "Q8_0",
            8 => "Q5_0",
            9 => "Q5_1",
            10 => "Q2_K",
            11 => "Q3_K_S",
            12 => "Q3_K_M",
            13 => "Q3_K_L",
            14 => "Q4_K_S",
            15 => "Q4_K_M",
            16 => "Q5_K_S",
            17 => "Q5_K_M",
            18 => "Q6_K",
            32 => "BF16",
            _ => return None,
        })
    }
}

/// Why a file is not a usable GGUF file. Offsets are bytes from the start of the file.
#[derive(Debug, thiserror::Error)]
pub enum GgufError {
    #[error("not a GGUF file: it starts with {found:?}, not \"GGUF\"")]
    NotGguf { found: String },
    #[error("GGUF version {0} is not supported (llama.cpp reads versions 2 and 3)")]
    UnsupportedVersion(u32),
    #[error("the file ends at byte {offset} inside its header ({what}): it is truncated")]
    Truncated { offset: u64, what: String },
    #[error("invalid header at byte {offset}: {message}")]
    Invalid { offset: u64, message: String },
    #[error("cannot read the file: {0}")]
    Io(#[from] io::Error),
}

/// Metadata value types of the format.
const TYPE_UINT8: u32 = 0;
const TYPE_INT8: u32 = 1;
const TYPE_UINT16: u32 = 2;
const TYPE_INT16: u32 = 3;
const TYPE_UINT32: u32 = 4;
const TYPE_INT32: u32 = 5;
const TYPE_FLOAT32: u32 = 6;
const TYPE_BOOL: u32 = 7;
const TYPE_STRING: u32 = 8;
const TYPE_ARRAY: u32 = 9;
const TYPE_UINT64: u32 = 10;
const TYPE_INT64: u32 = 11;
const TYPE_FLOAT64: u32 = 12;

/// No real key or header string comes near this; a larger length means a corrupt file, and
/// reading it would allocate without bound.
const MAX_STRING_BYTES: u64 = 64 << 20;

/// Reads the header from `reader` (positioned at the start of the file; buffer it).
pub fn read_summary(reader: impl Read) -> Result<GgufSummary, GgufError> {
    let mut cursor = Cursor { reader, offset: 0 };
    let mut magic = [0u8; 4];
    cursor.read_exact(&mut magic, "magic")?;
    if &magic != b"GGUF" {
        return Err(GgufError::NotGguf { found: String::from_utf8_lossy(&magic).into_owned() });
    }
    let version = cursor.u32("version")?;
    if !(2..=3).contains(&version) {
        return Err(GgufError::UnsupportedVersion(version));
    }
    let tensor_count = cursor.u64("tensor count")?;
    let metadata_count = cursor.u64("metadata count")?;
    let mut summary = GgufSummary { version, tensor_count, metadata_count, ..GgufSummary::default() };
    let mut integers: Vec<(String, u64)> = Vec::new();
    for index in 0..metadata_count {
        let key = cursor.string(&format!("metadata key {index}"))?;
        let value_type = cursor.u32(&format!("type of {key}"))?;
        match (key.as_str(), value_type) {
            ("general.architecture", TYPE_STRING) => summary.architecture = Some(cursor.string(&key)?),
            ("general.name", TYPE_STRING) => summary.name = Some(cursor.string(&key)?),
            ("tokenizer.chat_template", TYPE_STRING) => summary.chat_template = Some(cursor.string(&key)?),
            (_, TYPE_UINT32 | TYPE_INT32 | TYPE_UINT64 | TYPE_INT64) => {
                let value = if matches!(value_type, TYPE_UINT32 | TYPE_INT32) {
                    u64::from(cursor.u32(&key)?)
                } else {
                    cursor.u64(&key)?
                };
                integers.push((key, value));
            }
            _ => cursor.skip_value(value_type, &key)?,
        }
    }
    let find = |wanted: &str| integers.iter().find(|(key, _)| key == wanted).map(|&(_, value)| value);
    summary.file_type = find("general.file_type").and_then(|value| u32::try_from(value).ok());
    summary.context_length =
        summary.architecture.as_deref().and_then(|architecture| find(&format!("{architecture}.context_length")));
    Ok(summary)
}

struct Cursor<R> {
    reader: R,
    offset: u64,
}

impl<R: Read> Cursor<R> {
    fn read_exact(&mut self, buffer: &mut [u8], what: &str) -> Result<(), GgufError> {
        match self.reader.read_exact(buffer) {
            Ok(()) => {
                self.offset += buffer.len() as u64;
                Ok(())
            }
            Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => {
                Err(GgufError::Truncated { offset: self.offset, what: what.to_owned() })
            }
            Err(error) => Err(GgufError::Io(error)),
        }
    }

    fn u32(&mut self, what: &str) -> Result<u32, GgufError> {
        let mut bytes = [0u8; 4];
        self.read_exact(&mut bytes, what)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn u64(&mut self, what: &str) -> Result<u64, GgufError> {
        let mut bytes = [0u8; 8];
        self.read_exact(&mut bytes, what)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn string_length(&mut self, what: &str) -> Result<u64, GgufError> {
        let start = self.offset;
        let length = self.u64(what)?;
        if length > MAX_STRING_BYTES {
            return Err(GgufError::Invalid {
                offset: start,
                message: format!("{what}: a string of {length} bytes (the file is corrupt)"),
            });
        }
        Ok(length)
    }

    fn string(&mut self, what: &str) -> Result<String, GgufError> {
        let length = self.string_length(what)?;
        let start = self.offset;
        let mut bytes = vec![0u8; length as usize];
        self.read_exact(&mut bytes, what)?;
        String::from_utf8(bytes)
            .map_err(|_| GgufError::Invalid { offset: start, message: format!("{what}: not UTF-8 text") })
    }

    fn skip(&mut self, bytes: u64, what: &str) -> Result<(), GgufError> {
        let copied = io::copy(&mut (&mut self.reader).take(bytes), &mut io::sink())?;
        self.offset += copied;
        if copied < bytes {
            return Err(GgufError::Truncated { offset: self.offset, what: what.to_owned() });
        }
        Ok(())
    }

    fn skip_value(&mut self, value_type: u32, what: &str) -> Result<(), GgufError> {
        match value_type {
            TYPE_STRING => {
                let length = self.string_length(what)?;
                self.skip(length, what)
            }
            TYPE_ARRAY => {
                let start = self.offset;
                let element_type = self.u32(what)?;
                let count = self.u64(what)?;
                match fixed_size(element_type) {
                    Some(size) => {
                        let bytes = count.checked_mul(size).ok_or_else(|| GgufError::Invalid {
                            offset: start,
                            message: format!("{what}: an array of {count} elements"),
                        })?;
                        self.skip(bytes, what)
                    }
                    None if matches!(element_type, TYPE_STRING | TYPE_ARRAY) => {
                        (0..count).try_for_each(|_| self.skip_value(element_type, what))
                    }
                    None => Err(GgufError::Invalid {
                        offset: start,
                        message: format!("{what}: unknown array element type {element_type}"),
                    }),
                }
            }
            other => match fixed_size(other) {
                Some(size) => self.skip(size, what),
                None => Err(GgufError::Invalid {
                    offset: self.offset.saturating_sub(4),
                    message: format!("{what}: unknown value type {other}"),
                }),
            },
        }
    }
}

fn fixed_size(value_type: u32) -> Option<u64> {
    match value_type {
        TYPE_UINT8 | TYPE_INT8 | TYPE_BOOL => Some(1),
        TYPE_UINT16 | TYPE_INT16 => Some(2),
        TYPE_UINT32 | TYPE_INT32 | TYPE_FLOAT32 => Some(4),
        TYPE_UINT64 | TYPE_INT64 | TYPE_FLOAT64 => Some(8),
        _ => None,
    }
}

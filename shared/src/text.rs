//! Small helpers for text shown to people, one copy each: counts with their noun, text cut to a
//! length, and columns padded to a width. Lengths are Unicode scalar values, never bytes, so Kazakh and
//! Mongolian text is never split inside a letter.

/// `1 warning`, `3 warnings`: counts in messages read as English.
pub fn plural(count: usize, noun: &str) -> String {
    if count == 1 { format!("1 {noun}") } else { format!("{count} {noun}s") }
}

/// The first `max` characters of `text` and an ellipsis, or the whole text when it is not longer. The
/// space before the cut is dropped (`"two words"`, 4 -> `"two…"`).
pub fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((index, _)) => format!("{}…", text[..index].trim_end()),
        None => text.to_owned(),
    }
}

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alignment {
    Left,
    /// Numbers.
    Right,
}

/// `value` padded with spaces to `width` characters (a longer value is kept whole).
pub fn pad(value: &str, width: usize, alignment: Alignment) -> String {
    let fill = " ".repeat(width.saturating_sub(value.chars().count()));
    match alignment {
        Alignment::Left => format!("{value}{fill}"),
        Alignment::Right => format!("{fill}{value}"),
    }
}

/// `text` cut to at most `max_chars` characters, with `ellipsis` after it when it was cut (the text
/// before the cut is kept as it is: a server's message quoted in an error).
pub fn shorten_chars(text: &str, max_chars: usize, ellipsis: &str) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => format!("{}{ellipsis}", &text[..end]),
        None => text.to_owned(),
    }
}

/// `1 failed call holds no answer and is not graded`, `3 failed calls hold ...`: how `report` and
/// `grade` say that a results file's failed calls are not answers.
pub fn failed_calls_not_graded(count: usize) -> String {
    let (holds, is) = if count == 1 { ("holds", "is") } else { ("hold", "are") };
    format!("{} {holds} no answer and {is} not graded", plural(count, "failed call"))
}

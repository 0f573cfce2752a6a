//! Text helpers for messages and tables: Kazakh and Mongolian text is cut by Unicode scalar values,
//! never inside one, and never by bytes.

/// `text` cut to at most `max_chars` characters, with `ellipsis` after it when it was cut.
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
    format!("{} {holds} no answer and {is} not graded", crate::plural(count, "failed call"))
}

//! Small helpers for text shown to people, one copy each: counts with their noun, text cut to a
//! length, and columns padded to a width. Lengths are Unicode scalar values, never bytes, so Kazakh and
//! Mongolian text is never split inside a letter.

/// `1 warning`, `3 warnings`: counts in messages read as English.
pub fn plural(count: usize, noun: &str) -> String {
    if count == 1 { format!("1 {noun}") } else { format!("{count} {noun}s") }
}

/// The first `max` characters of `text` and an ellipsis (`…`), or the whole text when it is not longer.
/// Characters are Unicode scalar values, so a Kazakh or Mongolian letter is never split; the space
/// before the cut is dropped (`"two words"`, 4 -> `"two…"`). The one truncation of text shown to
/// people: table cells, labels, and servers' messages quoted in errors (redacted before they are cut).
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

/// The width of each column of `rows`: its widest cell, in characters (a short row leaves the
/// columns it lacks to the others).
pub fn column_widths<Row: AsRef<[String]>>(rows: impl IntoIterator<Item = Row>) -> Vec<usize> {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        for (index, cell) in row.as_ref().iter().enumerate() {
            let width = cell.chars().count();
            match widths.get_mut(index) {
                Some(widest) => *widest = (*widest).max(width),
                None => widths.push(width),
            }
        }
    }
    widths
}

/// `header` and `rows` as left-aligned columns two spaces apart, each line indented by two spaces and
/// without trailing spaces: the command line's plain listings (`run --list`, cost estimates).
pub fn left_aligned_columns<const COLUMNS: usize>(header: &[String; COLUMNS], rows: &[[String; COLUMNS]]) -> String {
    let widths = column_widths(std::iter::once(header).chain(rows));
    let mut text = String::new();
    for row in std::iter::once(header).chain(rows) {
        let cells: Vec<String> =
            row.iter().zip(&widths).map(|(cell, &width)| pad(cell, width, Alignment::Left)).collect();
        text.push_str("  ");
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    text
}

/// `1 failed call holds no answer and is not graded`, `3 failed calls hold ...`: how `report` and
/// `grade` say that a results file's failed calls are not answers.
pub fn failed_calls_not_graded(count: usize) -> String {
    let (holds, is) = if count == 1 { ("holds", "is") } else { ("hold", "are") };
    format!("{} {holds} no answer and {is} not graded", plural(count, "failed call"))
}

//! Reading the dataset's CSV files (grades, reviews) the same way: a leading byte-order mark skipped,
//! rows of any length (the parsers check them), and line numbers as an editor shows them, for
//! messages. The csv crate counts lines itself, but in a file with CRLF line ends (the study's) it
//! counts a record from the `\n` left over from the line before it, one line too low. Its byte offsets
//! are right; lines are counted from them.

use crate::DataError;

/// A reader over `text` (after any byte-order mark, with a header row) and the line counter of its
/// records. Every line [`RecordLines`] gives is in the text without the mark, whose lines are the same.
pub(crate) fn open_csv(text: &str) -> (csv::Reader<&[u8]>, RecordLines<'_>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes());
    (reader, RecordLines::new(text))
}

/// Turns the byte offsets where records start into 1-based line numbers. Records come in file order,
/// so each call counts only the line ends since the previous one.
pub(crate) struct RecordLines<'a> {
    text: &'a [u8],
    /// Where the last record started, and its line.
    offset: usize,
    line: u64,
}

impl<'a> RecordLines<'a> {
    pub(crate) fn new(text: &'a str) -> RecordLines<'a> {
        RecordLines { text: text.as_bytes(), offset: 0, line: 1 }
    }

    /// The line of the record that starts at `position` (a csv record's or error's position).
    pub(crate) fn line_of(&mut self, position: Option<&csv::Position>) -> u64 {
        let Some(position) = position else { return self.line };
        let mut start = usize::try_from(position.byte()).unwrap_or(usize::MAX).min(self.text.len());
        // A record never starts with a line end: one there ends the line before it.
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        if start < self.offset {
            // Out of order (never from the csv reader): count from the top.
            self.offset = 0;
            self.line = 1;
        }
        let line_ends = self.text[self.offset..start].iter().filter(|&&byte| byte == b'\n').count();
        self.line += line_ends as u64;
        self.offset = start;
        self.line
    }

    /// A csv error of `file` (not CSV, or not UTF-8) as a [`DataError`] naming the line it is on.
    pub(crate) fn data_error(&mut self, file: &str, error: csv::Error) -> DataError {
        DataError::Csv { file: file.to_owned(), line: self.line_of(error.position()), message: error.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::open_csv;

    fn lines(text: &str) -> Vec<u64> {
        let (mut reader, mut lines) = open_csv(text);
        reader.records().map(|record| lines.line_of(record.unwrap().position())).collect()
    }

    #[test]
    fn records_are_on_the_lines_an_editor_shows_with_either_line_end() {
        // Header on line 1; a quoted field over lines 3-4; a blank line 5 (skipped by the reader).
        let lf = "a,b\n1,x\n2,\"over\ntwo\"\n\n3,y\n";
        assert_eq!(lines(lf), [2, 3, 6]);
        assert_eq!(lines(&lf.replace('\n', "\r\n")), [2, 3, 6]);
        // A byte-order mark changes no line.
        assert_eq!(lines(&format!("\u{feff}{lf}")), [2, 3, 6]);
    }
}

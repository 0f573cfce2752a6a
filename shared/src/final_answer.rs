//! The final answer of a transfer-condition response (C3, C5): the part after the step-3 marker, which
//! is what the judge grades and the metrics measure. The explorer highlights it, so the extraction
//! returns a byte range into the response, not only the text.
//!
//! The rule is the study's: find the earliest line that begins (after optional whitespace and up to
//! three `#`) with a step-3 marker, matched case-insensitively:
//! - `3`, optionally one of `-` `.` `:` or a whitespace, optional whitespace, then a step word
//!   (қадам, алхам, step, адым); or a step word, optional whitespace and `3`;
//! - the Kazakh phrases "қазақ тіліне аудар", "аудармасы", "қазақша жауап";
//! - the Mongolian phrases "монгол хэл рүү орчуул", "орчуулга", "монголоор хариул";
//! - "translation", "final answer", "translated answer".
//!
//! The final answer is the text after the marker itself (not after the marker's line), trimmed. With
//! no marker, a response of 6 or more lines gives its last `lines / 3` lines (of the trimmed
//! response), and a shorter one is kept whole. The other conditions use the whole response.

use std::ops::Range;

use serde::Serialize;

use crate::Condition;

/// The words that name a step, in the languages the models answer in.
const STEP_WORDS: [&str; 4] = ["қадам", "алхам", "step", "адым"];

/// Phrases that open the translated answer, in the order the study tries them after the step
/// markers: Kazakh, Mongolian, then English.
const ANSWER_PHRASES: [&str; 9] = [
    "қазақ тіліне аудар",
    "аудармасы",
    "қазақша жауап",
    "монгол хэл рүү орчуул",
    "орчуулга",
    "монголоор хариул",
    "translation",
    "final answer",
    "translated answer",
];

/// Below this many lines, a response without a marker is kept whole.
const FALLBACK_MIN_LINES: usize = 6;

/// How the final answer was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum FinalAnswerSource {
    /// Not a transfer condition: the whole response is graded.
    WholeResponse,
    /// After the step-3 marker at `marker` (a byte range of the response).
    Marker { marker: Range<usize> },
    /// No marker: the last `lines` lines of a response of 6 or more lines.
    LastLines { lines: usize },
    /// No marker, and fewer than 6 lines: the whole response.
    ShortResponse,
}

/// The part of a response that is graded and measured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FinalAnswer<'a> {
    /// The final answer's text (`&response[range]`).
    pub text: &'a str,
    /// Its byte range in the response (always on character boundaries).
    pub range: Range<usize>,
    pub source: FinalAnswerSource,
}

impl FinalAnswer<'_> {
    /// Whether only a part of the response is graded (a transfer condition where the extraction
    /// found something narrower than the whole response).
    pub fn is_extracted(&self) -> bool {
        matches!(self.source, FinalAnswerSource::Marker { .. } | FinalAnswerSource::LastLines { .. })
    }
}

/// The text that is graded and measured for a response of `condition`: the final answer for C3 and
/// C5, the whole response otherwise.
pub fn extract_final_answer(response: &str, condition: Condition) -> FinalAnswer<'_> {
    if !condition.is_transfer() {
        return FinalAnswer { text: response, range: 0..response.len(), source: FinalAnswerSource::WholeResponse };
    }
    if let Some(marker) = find_step3_marker(response) {
        let range = trim_range(response, marker.end..response.len());
        return FinalAnswer { text: &response[range.clone()], range, source: FinalAnswerSource::Marker { marker } };
    }
    let trimmed = trim_range(response, 0..response.len());
    let line_starts: Vec<usize> = std::iter::once(trimmed.start)
        .chain(response[trimmed.clone()].match_indices('\n').map(|(index, _)| trimmed.start + index + 1))
        .collect();
    if line_starts.len() < FALLBACK_MIN_LINES {
        return FinalAnswer { text: response, range: 0..response.len(), source: FinalAnswerSource::ShortResponse };
    }
    let lines = line_starts.len() / 3;
    let range = trim_range(response, line_starts[line_starts.len() - lines]..trimmed.end);
    FinalAnswer { text: &response[range.clone()], range, source: FinalAnswerSource::LastLines { lines } }
}

/// The byte range of the earliest step-3 marker that begins a line, if any.
pub fn find_step3_marker(response: &str) -> Option<Range<usize>> {
    let line_starts = std::iter::once(0).chain(response.match_indices('\n').map(|(index, _)| index + 1));
    line_starts.into_iter().find_map(|line_start| {
        let after_space = skip_whitespace(response, line_start);
        // Up to three `#` and the whitespace after them, or none: the marker never starts with `#`,
        // so trying the longest run first is enough.
        let hashes = response[after_space..].chars().take_while(|&c| c == '#').count();
        let start = if (1..=3).contains(&hashes) {
            skip_whitespace(response, after_space + hashes)
        } else if hashes == 0 {
            after_space
        } else {
            return None;
        };
        marker_length(&response[start..]).map(|length| start..start + length)
    })
}

/// The byte length of a step-3 marker at the start of `text`.
fn marker_length(text: &str) -> Option<usize> {
    // `3`, an optional separator, optional whitespace, a step word.
    if let Some(rest) = text.strip_prefix('3') {
        let after_separator = match rest.chars().next() {
            Some(c) if matches!(c, '-' | '.' | ':') || c.is_whitespace() => &rest[c.len_utf8()..],
            _ => rest,
        };
        let after_space = after_separator.trim_start();
        if let Some(length) = STEP_WORDS.iter().find_map(|word| prefix_length_ignoring_case(after_space, word)) {
            return Some(text.len() - after_space.len() + length);
        }
    }
    // A step word, optional whitespace, `3`.
    for word in STEP_WORDS {
        if let Some(length) = prefix_length_ignoring_case(text, word) {
            let after_space = text[length..].trim_start();
            if after_space.starts_with('3') {
                return Some(text.len() - after_space.len() + 1);
            }
        }
    }
    ANSWER_PHRASES.iter().find_map(|phrase| prefix_length_ignoring_case(text, phrase))
}

/// If `text` starts with `lowercase_pattern` compared case-insensitively, the byte length of that
/// start of `text`.
fn prefix_length_ignoring_case(text: &str, lowercase_pattern: &str) -> Option<usize> {
    let mut length = 0;
    let mut text_chars = text.chars();
    for expected in lowercase_pattern.chars() {
        let actual = text_chars.next()?;
        if actual != expected && !lowercases_to(actual, expected) {
            return None;
        }
        length += actual.len_utf8();
    }
    Some(length)
}

/// Whether `c` lowercases to exactly `lowercase` (one character).
fn lowercases_to(c: char, lowercase: char) -> bool {
    let mut lower = c.to_lowercase();
    lower.next() == Some(lowercase) && lower.next().is_none()
}

fn skip_whitespace(text: &str, from: usize) -> usize {
    text.len() - text[from..].trim_start().len()
}

/// `range` without leading and trailing whitespace.
fn trim_range(text: &str, range: Range<usize>) -> Range<usize> {
    let slice = &text[range.clone()];
    let start = range.start + (slice.len() - slice.trim_start().len());
    let end = range.start + slice.trim_end().len();
    start..end.max(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn final_text(response: &str, condition: Condition) -> &str {
        extract_final_answer(response, condition).text
    }

    #[test]
    fn direct_conditions_use_the_whole_response() {
        let response = "  1. Step one\n3-қадам: жауап  ";
        let answer = extract_final_answer(response, Condition::C2);
        assert_eq!(answer.text, response);
        assert_eq!(answer.range, 0..response.len());
        assert_eq!(answer.source, FinalAnswerSource::WholeResponse);
    }

    #[test]
    fn the_answer_starts_after_the_marker_itself_not_after_its_line() {
        let response = "1-қадам: аудару\nWhat is X?\n2-қадам: жауап\nX is Y.\n3-қадам: Қазақ тіліне аудару\nX — Y.";
        assert_eq!(final_text(response, Condition::C3), ": Қазақ тіліне аудару\nX — Y.");
    }

    #[test]
    fn markers_match_case_insensitively_in_cyrillic_and_latin() {
        assert_eq!(final_text("intro\n## 3-ҚАДАМ\nЖауап", Condition::C3), "Жауап");
        assert_eq!(final_text("intro\n### STEP 3: Translate\nХариулт", Condition::C5), ": Translate\nХариулт");
        assert_eq!(final_text("a\nАЛХАМ 3. Орчуулах\nХариулт", Condition::C5), ". Орчуулах\nХариулт");
        assert_eq!(final_text("a\n  Адым3 жооп", Condition::C3), "жооп");
        assert_eq!(final_text("a\nОРЧУУЛГА: Монгол хариулт", Condition::C5), ": Монгол хариулт");
        assert_eq!(final_text("a\nFinal Answer - done", Condition::C3), "- done");
    }

    #[test]
    fn the_separator_after_3_is_one_of_dash_dot_colon_or_whitespace() {
        assert_eq!(final_text("a\n3. step\nb", Condition::C3), "b");
        assert_eq!(final_text("a\n3:   Step\nb", Condition::C3), "b");
        // Two separators do not make a marker; the fallback keeps a short response whole.
        let response = "a\n3.- step\nb";
        assert_eq!(extract_final_answer(response, Condition::C3).source, FinalAnswerSource::ShortResponse);
    }

    #[test]
    fn more_than_three_hashes_or_other_text_first_is_not_a_marker() {
        let response = "#### 3 қадам\nx";
        assert_eq!(find_step3_marker(response), None);
        assert_eq!(find_step3_marker("**3-қадам**"), None);
        assert_eq!(find_step3_marker("see step 3 below"), None);
        assert_eq!(find_step3_marker("## translation"), Some(3..14));
    }

    #[test]
    fn the_earliest_marker_wins() {
        let response = "Translation of the question: What?\nAnswer.\n3-қадам\nЖауап";
        assert_eq!(final_text(response, Condition::C3), "of the question: What?\nAnswer.\n3-қадам\nЖауап");
    }

    #[test]
    fn without_a_marker_a_long_response_gives_its_last_third_of_lines() {
        let response = "\n\nl1\nl2\nl3\nl4\nl5\nl6\n  l7\n  ";
        // Trimmed: 7 lines, 7 / 3 = 2 lines: "  l7" trimmed at the front, and "l6".
        let answer = extract_final_answer(response, Condition::C3);
        assert_eq!(answer.text, "l6\n  l7");
        assert_eq!(answer.source, FinalAnswerSource::LastLines { lines: 2 });
        assert_eq!(&response[answer.range.clone()], answer.text);
    }

    #[test]
    fn without_a_marker_a_short_response_is_kept_whole_untrimmed() {
        let response = " one\ntwo\nthree\nfour\nfive \n";
        let answer = extract_final_answer(response, Condition::C5);
        assert_eq!(answer.text, response);
        assert_eq!(answer.source, FinalAnswerSource::ShortResponse);
    }

    #[test]
    fn the_range_is_in_bytes_and_on_character_boundaries() {
        let response = "Сұрақ\n3 қадам — Жауап: Абай  ";
        let answer = extract_final_answer(response, Condition::C3);
        assert_eq!(answer.text, "— Жауап: Абай");
        assert_eq!(&response[answer.range.clone()], "— Жауап: Абай");
        let FinalAnswerSource::Marker { marker } = answer.source else { panic!("expected a marker") };
        assert_eq!(&response[marker], "3 қадам");
    }

    #[test]
    fn a_marker_at_the_end_gives_an_empty_answer() {
        let answer = extract_final_answer("text\nStep 3", Condition::C3);
        assert_eq!(answer.text, "");
        assert_eq!(answer.range, 11..11);
    }
}

//! Measuring one response's text: length, script ratios, language consistency, script issues, code
//! switching, transfer-step compliance, English leakage and the detected language.

use crate::{Condition, Language, ModelRegistry, ResultsFile, extract_final_answer, identify_language};

use super::{CodeSwitching, ResponseMetrics, ScriptIssue, TextMetrics, TransferCompliance};

/// Characters per token for mostly Cyrillic and for other text.
const CYRILLIC_CHARS_PER_TOKEN: f64 = 2.5;
const OTHER_CHARS_PER_TOKEN: f64 = 4.0;

/// English words the study counts as leakage into Kazakh or Mongolian answers.
const ENGLISH_LEAKAGE_WORDS: [&str; 29] = [
    "the",
    "is",
    "are",
    "was",
    "were",
    "and",
    "or",
    "but",
    "this",
    "that",
    "with",
    "for",
    "from",
    "have",
    "has",
    "which",
    "would",
    "could",
    "should",
    "about",
    "because",
    "however",
    "therefore",
    "although",
    "answer",
    "question",
    "translation",
    "translate",
    "step",
];

/// Letters that Kazakh has and Russian does not.
const KAZAKH_SPECIFIC_CHARS: &str = "ӘәҒғҚқҢңӨөҰұҮүҺһІі";

/// Measures one response of `condition`.
pub fn measure_response(response: &str, condition: Condition) -> TextMetrics {
    let final_answer = extract_final_answer(response, condition);
    let measured = final_answer.text;
    let char_count = measured.chars().count();
    let chars_per_token = if cyrillic_ratio(measured) > 0.5 { CYRILLIC_CHARS_PER_TOKEN } else { OTHER_CHARS_PER_TOKEN };
    let ratio = cyrillic_ratio(response);
    let language_consistent = match condition {
        Condition::C1 => ratio < 0.1,
        Condition::C2 | Condition::C4 => ratio > 0.7,
        Condition::C3 | Condition::C5 => 0.15 < ratio && ratio < 0.85,
    };
    let detected = identify_language(measured);
    TextMetrics {
        measured: final_answer.range.clone(),
        measured_source: final_answer.source.clone(),
        char_count,
        word_count: measured.split_whitespace().count(),
        estimated_tokens: (char_count as f64 / chars_per_token).round_ties_even() as u64,
        cyrillic_ratio: ratio,
        language_consistent,
        script_issues: script_issues(response, condition),
        code_switching: if condition == Condition::C1 {
            CodeSwitching { count: 0, ratio: 0.0, pieces: 0 }
        } else {
            code_switching(response)
        },
        transfer: condition.is_transfer().then(|| transfer_compliance(response)),
        english_word_count: matches!(condition, Condition::C2 | Condition::C4).then(|| english_word_count(response)),
        detected,
        wrong_language: !detected.language.is(condition.language()),
    }
}

/// (Cyrillic letters, ASCII Latin letters). "Cyrillic" is the block U+0400..U+04FF.
fn script_counts(text: &str) -> (usize, usize) {
    text.chars().fold((0, 0), |(cyrillic, latin), c| {
        if ('\u{0400}'..='\u{04FF}').contains(&c) {
            (cyrillic + 1, latin)
        } else if c.is_ascii_alphabetic() {
            (cyrillic, latin + 1)
        } else {
            (cyrillic, latin)
        }
    })
}

/// Cyrillic / (Cyrillic + ASCII Latin) letters; 0 when there are none.
pub fn cyrillic_ratio(text: &str) -> f64 {
    let (cyrillic, latin) = script_counts(text);
    if cyrillic + latin == 0 { 0.0 } else { cyrillic as f64 / (cyrillic + latin) as f64 }
}

fn script_issues(response: &str, condition: Condition) -> Vec<ScriptIssue> {
    let mut issues = Vec::new();
    match condition {
        Condition::C1 => {}
        Condition::C2 | Condition::C4 => {
            let ratio = cyrillic_ratio(response);
            if ratio < 0.5 {
                issues.push(ScriptIssue::ResponseMostlyLatin);
            }
            if condition.language() == Language::Kazakh
                && ratio > 0.3
                && !response.chars().any(|c| KAZAKH_SPECIFIC_CHARS.contains(c))
            {
                issues.push(ScriptIssue::MissingKazakhSpecificChars);
            }
        }
        Condition::C3 | Condition::C5 => {
            let lines: Vec<&str> = response.trim().split('\n').collect();
            let last = lines.len().min(3.max(lines.len() / 3));
            if cyrillic_ratio(&lines[lines.len() - last..].join("\n")) < 0.3 {
                issues.push(ScriptIssue::FinalAnswerNotInTargetLanguage);
            }
        }
    }
    issues
}

/// Splits on runs of sentence ends and line breaks, keeps the trimmed pieces longer than 10
/// characters, and counts changes between mostly Cyrillic pieces and the others.
pub fn code_switching(response: &str) -> CodeSwitching {
    let pieces: Vec<&str> = response
        .split(['.', '!', '?', '।', '。', '\n'])
        .map(str::trim)
        .filter(|piece| piece.chars().count() > 10)
        .collect();
    if pieces.len() < 2 {
        return CodeSwitching { count: 0, ratio: 0.0, pieces: pieces.len() };
    }
    let cyrillic: Vec<bool> = pieces.iter().map(|piece| cyrillic_ratio(piece) > 0.5).collect();
    let count = cyrillic.windows(2).filter(|pair| pair[0] != pair[1]).count();
    CodeSwitching { count, ratio: round3(count as f64 / (pieces.len() - 1) as f64), pieces: pieces.len() }
}

fn transfer_compliance(response: &str) -> TransferCompliance {
    let lower = response.to_lowercase();
    let has_step_markers = ["step", "қадам", "алхам"].iter().any(|word| {
        lower
            .match_indices(word)
            .any(|(index, _)| lower[index + word.len()..].trim_start().starts_with(['1', '2', '3']))
    }) || ["1.", "2.", "3."].iter().any(|marker| lower.contains(marker));
    let (cyrillic, latin) = script_counts(response);
    let has_english_section = latin > 50;
    let has_target_section = cyrillic > 50;
    TransferCompliance {
        has_step_markers,
        has_english_section,
        has_target_section,
        all_steps_present: has_step_markers && has_english_section && has_target_section,
    }
}

/// Whole words (runs of letters, digits and `_`), compared case-insensitively.
fn english_word_count(response: &str) -> usize {
    response
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| ENGLISH_LEAKAGE_WORDS.iter().any(|marker| word.eq_ignore_ascii_case(marker)))
        .count()
}

/// Rounds to 3 decimals the way Python's `round(x, 3)` does (on the exact binary value).
pub(super) fn round3(value: f64) -> f64 {
    format!("{value:.3}").parse().expect("a formatted float parses")
}

/// The metrics of every response of `results`, ordered by condition, model (registry order) and
/// question id. Failed calls are not responses and are not measured.
pub fn compute_metrics(results: &[ResultsFile], registry: &ModelRegistry) -> Vec<ResponseMetrics> {
    let mut rows: Vec<ResponseMetrics> = results
        .iter()
        .flat_map(|file| {
            file.responses.iter().map(move |response| ResponseMetrics {
                question_id: response.question_id,
                category: response.category,
                model: file.model.clone(),
                condition: file.condition,
                language: file.language,
                response_time_seconds: response.response_time_seconds,
                metrics: measure_response(&response.response, file.condition),
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.condition, registry.order_of(&a.model), a.question_id).cmp(&(
            b.condition,
            registry.order_of(&b.model),
            b.question_id,
        ))
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DetectedLanguage;

    #[test]
    fn tokens_round_half_to_even() {
        // 5 Latin characters / 4 = 1.25 -> 1; 10 / 4 = 2.5 -> 2; 14 / 4 = 3.5 -> 4.
        assert_eq!(measure_response("abcde", Condition::C1).estimated_tokens, 1);
        assert_eq!(measure_response("abcdefghij", Condition::C1).estimated_tokens, 2);
        assert_eq!(measure_response("abcdefghijklmn", Condition::C1).estimated_tokens, 4);
        // Mostly Cyrillic: 5 characters / 2.5 = 2; "қазақ" is 5 scalar values but 10 bytes.
        let kazakh = measure_response("қазақ", Condition::C2);
        assert_eq!((kazakh.char_count, kazakh.estimated_tokens), (5, 2));
    }

    #[test]
    fn cyrillic_ratio_counts_the_block_against_ascii_letters_only() {
        assert_eq!(cyrillic_ratio("123 !?"), 0.0);
        assert_eq!(cyrillic_ratio("абв def"), 0.5);
        // é is not ASCII, so it counts for neither script.
        assert_eq!(cyrillic_ratio("абвé"), 1.0);
    }

    #[test]
    fn consistency_thresholds_follow_the_condition() {
        assert!(measure_response("English only", Condition::C1).language_consistent);
        assert!(!measure_response("Қазақ тілі text", Condition::C2).language_consistent);
        assert!(measure_response("Қазақ тілі бар", Condition::C2).language_consistent);
        assert!(measure_response("Question: what? Сұрақ: не?", Condition::C3).language_consistent);
        assert!(!measure_response("Сұрақ: не?", Condition::C3).language_consistent);
    }

    #[test]
    fn script_issues_follow_the_study() {
        assert_eq!(
            measure_response("mostly latin text here ок", Condition::C2).script_issues,
            [ScriptIssue::ResponseMostlyLatin]
        );
        // Cyrillic but no Kazakh letter: Russian or Kyrgyz-looking text in C2.
        assert_eq!(
            measure_response("Это русский текст", Condition::C2).script_issues,
            [ScriptIssue::MissingKazakhSpecificChars]
        );
        // Mongolian has no such check.
        assert!(measure_response("Энэ монгол текст", Condition::C4).script_correct());
        let transfer = "Сұрақ\nQuestion\nAnswer\nЖауап\nline five\nline six\nline seven\nThe end";
        assert_eq!(
            measure_response(transfer, Condition::C3).script_issues,
            [ScriptIssue::FinalAnswerNotInTargetLanguage]
        );
    }

    #[test]
    fn code_switching_counts_changes_between_pieces() {
        let text = "Бұл қазақша сөйлем. This is an English sentence! Тағы қазақша сөйлем\nshort\nAnother English line";
        let switching = code_switching(text);
        assert_eq!(switching, CodeSwitching { count: 3, ratio: 1.0, pieces: 4 });
        let text = "Бірінші ұзын сөйлем. Екінші ұзын сөйлем. Third long sentence";
        assert_eq!(code_switching(text), CodeSwitching { count: 1, ratio: 0.5, pieces: 3 });
        assert_eq!(code_switching("Бір ғана сөйлем"), CodeSwitching { count: 0, ratio: 0.0, pieces: 1 });
        let three_pieces = "Бірінші ұзын сөйлем. Second long sentence. Үшінші ұзын сөйлем. Fourth long sentence";
        assert_eq!(code_switching(three_pieces).ratio, 1.0);
        assert_eq!(measure_response(three_pieces, Condition::C1).code_switching.count, 0);
    }

    #[test]
    fn code_switch_ratio_has_three_decimals() {
        let text = "Бірінші ұзын сөйлем. Second long sentence. Үшінші ұзын сөйлем. Төртінші ұзын сөйлем";
        assert_eq!(code_switching(text), CodeSwitching { count: 2, ratio: 0.667, pieces: 4 });
    }

    #[test]
    fn transfer_compliance_needs_markers_and_both_scripts() {
        let latin = "a".repeat(51);
        let cyrillic = "б".repeat(51);
        let compliance = |text: &str| measure_response(text, Condition::C3).transfer.expect("C3 has compliance");
        assert!(compliance(&format!("Step 1 {latin} {cyrillic}")).all_steps_present);
        assert!(compliance(&format!("ҚАДАМ  2 {latin} {cyrillic}")).all_steps_present);
        assert!(compliance(&format!("version 2.5 {latin} {cyrillic}")).has_step_markers);
        assert!(!compliance(&format!("steps {latin} {cyrillic}")).has_step_markers);
        assert!(!compliance(&format!("Step 1 {cyrillic}")).all_steps_present);
        assert!(!compliance(&format!("Step 1 {latin} {}", "б".repeat(50))).has_target_section);
        assert_eq!(measure_response("Step 1", Condition::C2).transfer, None);
    }

    #[test]
    fn english_leakage_counts_whole_words_case_insensitively_in_direct_conditions() {
        let text = "The answer: Theory and thesis — THE step, steps; this_is that жауап";
        assert_eq!(measure_response(text, Condition::C2).english_word_count, Some(6));
        assert_eq!(measure_response(text, Condition::C3).english_word_count, None);
    }

    #[test]
    fn transfer_conditions_measure_the_final_answer_and_detect_its_language() {
        let response = "1. Translate\nWhat is the capital of Kazakhstan and why did it move there?\n2. Answer\n\
            The capital is Astana.\n3-қадам: Қазақстанның астанасы — Астана қаласы, ол 1997 жылы көшірілді.";
        let metrics = measure_response(response, Condition::C3);
        assert_eq!(
            &response[metrics.measured.clone()],
            ": Қазақстанның астанасы — Астана қаласы, ол 1997 жылы көшірілді."
        );
        assert_eq!(metrics.word_count, 10);
        assert_eq!(metrics.detected.language, DetectedLanguage::Kazakh);
        assert!(!metrics.wrong_language);
        assert!(measure_response(response, Condition::C5).wrong_language);
    }
}

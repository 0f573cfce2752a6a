//! Truncating text by characters and counting words in messages.

use left_behind_shared::{failed_calls_not_graded, truncate};

#[test]
fn text_is_truncated_by_characters_never_inside_one() {
    // Cyrillic letters are two bytes each: a cut by bytes would split one (or panic).
    assert_eq!(truncate("Қазақстан", 3), "Қаз…");
    assert_eq!(truncate("Қазақстан", 8), "Қазақста…");
    assert_eq!(truncate("Қазақстан", 9), "Қазақстан", "nine letters fit in nine");
    assert_eq!(truncate("Қазақстан", 10), "Қазақстан");
    // Mongolian Cyrillic's own letters (ө, ү) are cut between, not inside.
    assert_eq!(truncate("Өвөрхангай аймаг", 5), "Өвөрх…");
    assert_eq!(truncate("Үндэсний их баяр наадам", 8), "Үндэсний…");
}

#[test]
fn the_space_before_the_cut_is_dropped() {
    assert_eq!(truncate("Монгол хэл", 7), "Монгол…");
    assert_eq!(truncate("Монгол хэл", 6), "Монгол…");
    assert_eq!(truncate("Монгол хэл", 8), "Монгол х…");
}

#[test]
fn nothing_to_keep_is_an_ellipsis_alone_and_empty_text_stays_empty() {
    assert_eq!(truncate("", 0), "");
    assert_eq!(truncate("", 5), "");
    assert_eq!(truncate("ab", 0), "…");
    assert_eq!(truncate("қ", 0), "…");
}

#[test]
fn every_cut_of_kazakh_text_keeps_a_prefix_of_at_most_max_letters() {
    let text = "Абай Құнанбайұлы — қазақтың ақыны, ағартушысы, ойшылы.";
    let letters = text.chars().count();
    for max in 0..=letters + 1 {
        let cut = truncate(text, max);
        if max >= letters {
            assert_eq!(cut, text, "{max}");
            continue;
        }
        let kept = cut.strip_suffix('…').unwrap_or_else(|| panic!("{max}: a cut text ends in an ellipsis: {cut}"));
        assert!(text.starts_with(kept), "{max}: {kept:?} is not where the text begins");
        assert!(kept.chars().count() <= max, "{max}: {kept:?} is longer than {max} letters");
        assert_eq!(kept, kept.trim_end(), "{max}: the space before the cut is kept: {kept:?}");
    }
}

#[test]
fn failed_calls_agree_in_number() {
    assert_eq!(failed_calls_not_graded(1), "1 failed call holds no answer and is not graded");
    assert_eq!(failed_calls_not_graded(3), "3 failed calls hold no answer and are not graded");
}

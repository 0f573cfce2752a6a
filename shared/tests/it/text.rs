//! Shortening and counting words in messages.

use left_behind_shared::{failed_calls_not_graded, shorten_chars};

#[test]
fn text_is_shortened_by_characters_never_inside_one() {
    // Two bytes a letter: a cut by bytes would split one.
    assert_eq!(shorten_chars("Қазақстан", 3, "…"), "Қаз…");
    assert_eq!(shorten_chars("Қазақстан", 9, "…"), "Қазақстан", "nine letters fit in nine");
    assert_eq!(shorten_chars("Монгол хэл", 6, "..."), "Монгол...");
    assert_eq!(shorten_chars("", 0, "…"), "");
    assert_eq!(shorten_chars("ab", 0, "…"), "…");
}

#[test]
fn failed_calls_agree_in_number() {
    assert_eq!(failed_calls_not_graded(1), "1 failed call holds no answer and is not graded");
    assert_eq!(failed_calls_not_graded(3), "3 failed calls hold no answer and are not graded");
}

//! Truncating text by characters, aligning columns by characters, and counting words in messages.

use left_behind_shared::{Alignment, column_widths, failed_calls_not_graded, left_aligned_columns, pad, truncate};

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

#[test]
fn padding_counts_letters_not_bytes() {
    // "Қазақ" is 5 letters in 10 bytes: padded to 7 it gains 2 spaces, not none.
    assert_eq!(pad("Қазақ", 7, Alignment::Left), "Қазақ  ");
    assert_eq!(pad("Қазақ", 7, Alignment::Right), "  Қазақ");
    assert_eq!(pad("Монгол", 3, Alignment::Left), "Монгол", "a longer value is kept whole");
}

#[test]
fn column_widths_are_the_widest_cell_in_letters() {
    let rows = [
        vec!["name".to_owned(), "model id".to_owned()],
        vec!["kazakh_model".to_owned(), "Қазақ-LLM".to_owned()],
        vec!["mn".to_owned(), "Монгол".to_owned(), "extra".to_owned()],
    ];
    assert_eq!(column_widths(&rows), [12, 9, 5]);
    assert_eq!(column_widths(Vec::<Vec<String>>::new()), Vec::<usize>::new());
}

#[test]
fn listings_line_up_cyrillic_cells_by_letters() {
    let row = |cells: [&str; 3]| cells.map(str::to_owned);
    let listing = left_aligned_columns(
        &row(["name", "model id", "key"]),
        &[row(["kk", "Қазақ-LLM", "KK_KEY (set)"]), row(["mongol_model", "x", ""])],
    );
    assert_eq!(
        listing,
        "  name          model id   key\n  \
         kk            Қазақ-LLM  KK_KEY (set)\n  \
         mongol_model  x\n"
    );
    // Every line puts its second column at the same letter, whatever the bytes before it.
    for (line, first_letter) in listing.lines().zip(['m', 'Қ', 'x']) {
        let letters: Vec<char> = line.chars().collect();
        assert_eq!(letters[14..17], [' ', ' ', first_letter], "{line:?}");
    }
}

//! Review files: parsing (every kind of bad input named by file, line and field, the rest still
//! loading), writing, the graded-text hash and stale reviews, and the review queue's sample.

use left_behind_shared::{
    Condition, DataFileKind, ModelRegistry, REVIEW_COLUMNS, ResponseKey, ReviewFlag, ReviewStatus, Scores, Strata,
    assemble, classify_path, graded_text, graded_text_sha256, index_responses, is_rfc3339, load_reviews, parse_reviews,
    review_status, reviewer_from_path, reviews_to_csv, stratified_sample,
};

use crate::fixtures::{GRADES_HEADER, QUESTIONS, file, results_json};

fn header() -> String {
    REVIEW_COLUMNS.join(",") + "\n"
}

fn row(condition: &str, model: &str, question: &str, scores: [&str; 3], flag: &str, notes: &str, hash: &str) -> String {
    format!(
        "{condition},{model},{question},{},{},{},{flag},{notes},2026-03-01T14:05:00Z,{hash}\n",
        scores[0], scores[1], scores[2]
    )
}

fn dataset_files() -> Vec<left_behind_shared::DataFile> {
    vec![
        file("benchmark/questions.json", QUESTIONS),
        file("results/C1_english/gpt_5.2.json", &results_json(Condition::C1, "gpt_5.2", &[1, 2, 3, 4])),
        file("results/C2_kazakh/gpt_5.2.json", &results_json(Condition::C2, "gpt_5.2", &[1, 2, 3, 4])),
        file(
            "grades/C1_english.csv",
            &format!(
                "{GRADES_HEADER}1,neutral_factual,gpt_5.2,2,2,2,6,1.0,1,\n2,neutral_factual,gpt_5.2,1,2,1,4,1.0,1,\n\
                 3,neutral_reasoning,gpt_5.2,0,2,0,2,1.0,1,\n4,kazakh_cultural,gpt_5.2,-1,-1,-1,-1,1.0,1,failed\n"
            ),
        ),
    ]
}

fn hash_of(text: &str) -> String {
    graded_text_sha256(text, Condition::C1)
}

#[test]
fn the_graded_text_hash_is_sha256_of_the_utf8_graded_text() {
    // FIPS 180-2's first example: SHA-256("abc").
    assert_eq!(
        graded_text_sha256("abc", Condition::C1),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    // In C3/C5 the graded text is the final answer only, as `grade` sends it to the judge.
    let response =
        "Step 1: translation\nquestion in English\n\nStep 2: answer\nfour\n\nStep 3: Final answer in Kazakh\nтөрт";
    let final_answer = graded_text(response, Condition::C3);
    assert_ne!(final_answer, response);
    assert_eq!(graded_text_sha256(response, Condition::C3), graded_text_sha256(final_answer, Condition::C1));
    assert_ne!(graded_text_sha256(response, Condition::C3), graded_text_sha256(response, Condition::C2));
}

#[test]
fn a_review_file_reads_and_writes_back_the_same() {
    let hash = hash_of("answer 1");
    let text = header()
        + &row("C1", "gpt_5.2", "1", ["2", "1", "2"], "judge", "\"the judge missed \"\"four\"\", see note\"", &hash)
        + &row("C2", "gpt_5.2", "2", ["0", "0", "0"], "", "", &hash_of("answer 2"));
    let parsed = parse_reviews(&text, "alice", "reviews/alice.csv").unwrap();
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.reviews.len(), 2);
    let first = &parsed.reviews[0];
    assert_eq!(first.reviewer, "alice");
    assert_eq!(first.key, ResponseKey { condition: Condition::C1, model: "gpt_5.2".into(), question_id: 1 });
    assert_eq!(first.scores, Scores { accuracy: 2, fluency: 1, completeness: 2 });
    assert_eq!(first.flag, Some(ReviewFlag::Judge));
    assert_eq!(first.notes, "the judge missed \"four\", see note");
    assert_eq!(first.line, 2);
    assert_eq!(parsed.reviews[1].flag, None);

    let written = reviews_to_csv(&parsed.reviews, None);
    let again = parse_reviews(&written, "alice", "reviews/alice.csv").unwrap();
    assert_eq!(again.reviews, parsed.reviews);
    assert!(written.starts_with(&REVIEW_COLUMNS.join(",")));
}

#[test]
fn export_adds_the_judges_scores_and_import_ignores_them() {
    let loaded = assemble(&dataset_files());
    let text = header() + &row("C1", "gpt_5.2", "2", ["2", "2", "2"], "", "ok", &hash_of("answer 2"));
    let parsed = parse_reviews(&text, "bob", "reviews/bob.csv").unwrap();
    let written = reviews_to_csv(&parsed.reviews, Some(&loaded.dataset.grades));
    let mut lines = written.lines();
    assert!(lines.next().unwrap().ends_with("graded_text_sha256,judge_accuracy,judge_fluency,judge_completeness"));
    assert!(lines.next().unwrap().ends_with(",1,2,1"), "{written}");
    let again = parse_reviews(&written, "bob", "reviews/bob.csv").unwrap();
    assert!(again.problems.is_empty());
    assert_eq!(again.reviews, parsed.reviews);
}

#[test]
fn a_file_without_the_flag_column_reads_as_unflagged_and_unknown_columns_are_ignored() {
    let text = "extra,graded_text_sha256,reviewed_at,notes,completeness,fluency,accuracy,question_id,model,condition\n\
                x,"
    .to_owned()
        + &hash_of("answer 1")
        + ",2026-03-01T14:05:00+05:00,fine,1,1,1,1,gpt_5.2,C1\n";
    let parsed = parse_reviews(&text, "carol", "reviews/carol.csv").unwrap();
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.reviews[0].flag, None);
    assert_eq!(parsed.reviews[0].scores, Scores { accuracy: 1, fluency: 1, completeness: 1 });
}

#[test]
fn a_missing_column_is_one_message_naming_the_file_and_the_column() {
    let text = "condition,model,question_id,accuracy,fluency,flag,notes,reviewed_at,graded_text_sha256\n";
    let error = parse_reviews(text, "dave", "reviews/dave.csv").unwrap_err();
    assert_eq!(
        error.to_string(),
        "reviews/dave.csv:1: missing column `completeness` (the header has: condition, model, question_id, accuracy, \
         fluency, flag, notes, reviewed_at, graded_text_sha256)"
    );
}

#[test]
fn each_bad_row_is_named_by_line_and_field_and_the_rest_still_loads() {
    let loaded = assemble(&dataset_files());
    let good = hash_of("answer 1");
    let text = header()
        + &row("C1", "gpt_5.2", "1", ["2", "2", "2"], "", "good", &good) // line 2
        + &row("C1", "gpt_5.2", "2", ["3", "2", "2"], "", "score", &good) // 3
        + &row("C9", "gpt_5.2", "2", ["2", "2", "2"], "", "condition", &good) // 4
        + &row("C1", "no_such_model", "2", ["2", "2", "2"], "", "model", &good) // 5
        + &row("C1", "gpt_5.2", "99", ["2", "2", "2"], "", "question", &good) // 6
        + &row("C1", "gpt_5.2", "1", ["0", "0", "0"], "", "duplicate", &good) // 7
        + &row("C1", "gpt_5.2", "3", ["2", "2", "2"], "", "hash", "abc123") // 8
        + &row("C1", "gpt_5.2", "3", ["2", "2", "2"], "maybe", "flag", &good) // 9
        + "C1,gpt_5.2,4,1,1,1,,when,yesterday,"
        + &good
        + "\n" // 10
        + &row("C2", "gpt_5.2", "4", ["1", "1", "1"], "question", "last good", &hash_of("answer 4")); // 11
    let parsed = load_reviews(&text, "reviews/erin.csv", &loaded.dataset);
    let messages: Vec<String> = parsed.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "error: reviews/erin.csv:3: field `accuracy`: \"3\" is not a score (0, 1 or 2)",
            "error: reviews/erin.csv:4: field `condition`: \"C9\" is not a condition (expected one of C1, C2, C3, C4, C5)",
            "error: reviews/erin.csv:5: field `model`: the dataset has no model \"no_such_model\" (no results or grades of it)",
            "error: reviews/erin.csv:6: field `question_id`: the dataset has no question 99",
            "error: reviews/erin.csv:7: field `question_id`: a second review of C1 gpt_5.2 question 1 (the first is on line 2); only the first is kept",
            "error: reviews/erin.csv:8: field `graded_text_sha256`: \"abc123\" is not a SHA-256 (64 hexadecimal digits)",
            "error: reviews/erin.csv:9: field `flag`: \"maybe\" is not a flag (expected empty, question, reference or judge)",
            "error: reviews/erin.csv:10: field `reviewed_at`: \"yesterday\" is not an RFC 3339 time (such as 2026-03-01T14:05:00Z)",
        ]
    );
    let kept: Vec<(Condition, u32)> =
        parsed.reviews.iter().map(|review| (review.key.condition, review.key.question_id)).collect();
    assert_eq!(kept, [(Condition::C1, 1), (Condition::C2, 4)]);
}

#[test]
fn review_files_in_a_dataset_load_like_grades_and_their_problems_are_reported() {
    let mut files = dataset_files();
    files.push(file(
        "reviews/alice.csv",
        &(header()
            + &row("C1", "gpt_5.2", "1", ["2", "2", "2"], "", "", &hash_of("answer 1"))
            + &row("C1", "gpt_5.2", "2", ["7", "2", "2"], "", "", &hash_of("answer 2"))),
    ));
    files.push(file("reviews/bad name.csv", &header()));
    files.push(file("reviews/README.md", "about reviews"));
    assert_eq!(classify_path("reviews/alice.csv"), DataFileKind::Reviews { reviewer: "alice".into() });
    assert!(matches!(classify_path("reviews/bad name.csv"), DataFileKind::Misplaced { .. }));
    assert_eq!(classify_path("reviews/README.md"), DataFileKind::Other);
    let loaded = assemble(&files);
    assert_eq!(loaded.dataset.reviews.len(), 1);
    let messages: Vec<String> = loaded.problems.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages.contains(&"error: reviews/alice.csv:3: field `accuracy`: \"7\" is not a score (0, 1 or 2)".into())
    );
    assert!(messages.iter().any(|message| message.starts_with("warning: reviews/bad name.csv: ignored:")));
}

#[test]
fn a_review_of_an_answer_changed_since_is_stale() {
    let loaded = assemble(&dataset_files());
    let text = header()
        + &row("C1", "gpt_5.2", "1", ["2", "2", "2"], "", "", &hash_of("answer 1"))
        + &row("C1", "gpt_5.2", "2", ["2", "2", "2"], "", "", &hash_of("an older answer 2"));
    let parsed = load_reviews(&text, "reviews/frank.csv", &loaded.dataset);
    let statuses: Vec<ReviewStatus> =
        parsed.reviews.iter().map(|review| review_status(review, &loaded.dataset)).collect();
    assert_eq!(statuses, [ReviewStatus::Current, ReviewStatus::Stale]);
}

#[test]
fn reviewer_names_are_file_stems_of_letters_digits_underscores_and_hyphens() {
    assert_eq!(reviewer_from_path("reviews/ana-maria_2.csv").unwrap(), "ana-maria_2");
    assert!(reviewer_from_path("reviews/ana maria.csv").is_err());
    assert!(reviewer_from_path("reviews/<script>.csv").is_err());
    assert!(reviewer_from_path("reviews/.csv").is_err());
    assert!(reviewer_from_path("reviews/alice.txt").is_err());
}

#[test]
fn rfc3339_times_are_checked() {
    for good in ["2026-03-01T14:05:00Z", "2026-03-01t14:05:00.123456+05:00", "2026-12-31T23:59:60-00:00"] {
        assert!(is_rfc3339(good), "{good}");
    }
    for bad in [
        "",
        "2026-03-01",
        "2026-13-01T14:05:00Z",
        "2026-03-01T14:05:00",
        "2026-03-01T14:05:00.Z",
        "2026-03-01T24:00:00Z",
    ] {
        assert!(!is_rfc3339(bad), "{bad}");
    }
}

#[test]
fn the_stratified_sample_is_k_per_stratum_and_the_same_for_the_same_seed() {
    let mut files = dataset_files();
    files.push(file("results/C1_english/qwen3.json", &results_json(Condition::C1, "qwen3", &[1, 2, 3, 4])));
    let loaded = assemble(&files);
    let entries = index_responses(&loaded.dataset, &ModelRegistry::study());
    let sample = stratified_sample(&entries, &loaded.dataset, Strata::ModelCondition, 2, 7);
    assert_eq!(sample.len(), 6, "2 from each of 3 cells");
    let mut cells: Vec<(String, Condition)> =
        sample.iter().map(|&index| (entries[index].key.model.clone(), entries[index].key.condition)).collect();
    cells.dedup();
    assert_eq!(cells.len(), 3);
    assert_eq!(sample, stratified_sample(&entries, &loaded.dataset, Strata::ModelCondition, 2, 7));
    assert!(sample.windows(2).all(|pair| pair[0] < pair[1]), "in list order");
    let seeds_differ =
        (0..20u64).any(|seed| stratified_sample(&entries, &loaded.dataset, Strata::ModelCondition, 2, seed) != sample);
    assert!(seeds_differ);
    // k larger than a stratum takes the whole stratum.
    assert_eq!(stratified_sample(&entries, &loaded.dataset, Strata::QuestionCategory, 100, 1).len(), 12);
    let by_category = stratified_sample(&entries, &loaded.dataset, Strata::QuestionCategory, 1, 1);
    assert_eq!(by_category.len(), 3, "three categories in the fixture");
}

#[test]
fn the_review_queue_round_trips_through_the_url_and_walks_unreviewed_items() {
    use left_behind_shared::{ReviewQueue, next_unreviewed};
    let sample = ReviewQueue::from_query("sample=category&k=3&seed=42");
    assert_eq!(sample, ReviewQueue::Sample { strata: Strata::QuestionCategory, k: 3, seed: 42 });
    assert_eq!(ReviewQueue::from_query(&sample.to_query()), sample);
    let filter = ReviewQueue::from_query("condition=C2&model=gpt_5.2");
    assert!(matches!(&filter, ReviewQueue::Filter(filter) if filter.conditions == [Condition::C2]));
    assert_eq!(ReviewQueue::from_query(&filter.to_query()), filter);

    let loaded = assemble(&dataset_files());
    let entries = index_responses(&loaded.dataset, &ModelRegistry::study());
    let queue = filter_queue(&entries, &loaded.dataset, &filter);
    assert_eq!(queue.len(), 4);
    // Items 0 and 2 reviewed: from the start the first unreviewed is position 1, after 1 it is 3,
    // after 3 it wraps to 1; with all reviewed there is none.
    let reviewed = [queue[0], queue[2]];
    assert_eq!(next_unreviewed(&queue, None, |index| reviewed.contains(&index)), Some(1));
    assert_eq!(next_unreviewed(&queue, Some(1), |index| reviewed.contains(&index)), Some(3));
    assert_eq!(next_unreviewed(&queue, Some(3), |index| reviewed.contains(&index)), Some(1));
    assert_eq!(next_unreviewed(&queue, None, |_| true), None);
}

fn filter_queue(
    entries: &[left_behind_shared::ResponseEntry],
    dataset: &left_behind_shared::Dataset,
    queue: &left_behind_shared::ReviewQueue,
) -> Vec<usize> {
    queue.entries(entries, dataset)
}

#[test]
fn line_numbers_are_right_in_a_file_with_crlf_line_ends() {
    let text = (header()
        + &row("C1", "gpt_5.2", "1", ["2", "2", "2"], "", "", &hash_of("answer 1"))
        + &row("C1", "gpt_5.2", "2", ["9", "2", "2"], "", "", &hash_of("answer 2")))
        .replace('\n', "\r\n");
    let parsed = parse_reviews(&text, "gina", "reviews/gina.csv").unwrap();
    assert_eq!(parsed.reviews[0].line, 2);
    assert_eq!(parsed.problems[0].line, Some(3));
}

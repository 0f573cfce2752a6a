use left_behind_shared::{
    Condition, DataError, GradeOutcome, QuestionCategory, Scores, grades_to_csv, parse_grades, python_float,
};

use crate::fixtures::GRADES_HEADER;

#[test]
fn rows_parse_and_failed_gradings_are_not_zeros() {
    let text = format!(
        "{GRADES_HEADER}1,neutral_factual,m,2,1,0,3,12.5,40,\"Good, but short\"\n2,neutral_factual,m,-1,-1,-1,-1,8.0,10,judge returned garbage\n"
    );
    let parsed = parse_grades(&text, Condition::C2, "grades/C2_kazakh.csv").unwrap();
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.rows.len(), 2);
    let first = &parsed.rows[0];
    assert_eq!(first.condition, Condition::C2);
    assert_eq!(first.category, QuestionCategory::NeutralFactual);
    assert_eq!(first.outcome, GradeOutcome::Scored(Scores { accuracy: 2, fluency: 1, completeness: 0 }));
    assert_eq!(first.notes, "Good, but short");
    assert_eq!(first.line, 2);
    assert!(parsed.rows[1].is_failed());
    assert_eq!(parsed.rows[1].scores(), None);
}

#[test]
fn bad_rows_are_reported_with_line_and_column_and_left_out() {
    let text = format!(
        "{GRADES_HEADER}\
         1,neutral_factual,m,3,1,0,4,1.0,5,out of range\n\
         2,neutral_factual,m,2,2,2,5,1.0,5,bad total\n\
         3,neutral_reasoning,m,two,2,2,6,1.0,5,not a number\n\
         4,kazakh_cultural,m,-1,2,2,3,1.0,5,half failed\n\
         1,neutral_factual,m2,2,2,2,6,fast,5,bad time\n\
         2,neutral_factual,m2,2,2,2,6,1.0,5,fine\n"
    );
    let parsed = parse_grades(&text, Condition::C1, "grades/C1_english.csv").unwrap();
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(parsed.rows[0].model, "m2");
    let messages: Vec<String> = parsed.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "error: grades/C1_english.csv:2: field `accuracy`: 3 is outside 0..=2 (-1 marks a failed grading)",
            "error: grades/C1_english.csv:3: field `total`: total 5 is not accuracy + fluency + completeness = 2 + 2 + 2 = 6",
            "error: grades/C1_english.csv:4: field `accuracy`: expected an integer, found \"two\"",
            "error: grades/C1_english.csv:5: field `fluency`: -1 marks a failed grading and must then be in every score column",
            "error: grades/C1_english.csv:6: field `response_time`: expected a number of seconds, found \"fast\"",
        ]
    );
}

#[test]
fn a_missing_column_fails_the_file_naming_the_column() {
    let text = "question_id,category,model,accuracy,fluency,total,response_time,response_length,notes\n";
    let error = parse_grades(text, Condition::C1, "grades/C1_english.csv").unwrap_err();
    assert!(matches!(&error, DataError::MissingColumn { column, .. } if column == "completeness"));
    assert_eq!(
        error.to_string(),
        "grades/C1_english.csv:1: missing column `completeness` (the header has: question_id, category, model, \
         accuracy, fluency, total, response_time, response_length, notes)"
    );
}

#[test]
fn columns_may_come_in_any_order() {
    let text = "model,question_id,notes,category,total,completeness,fluency,accuracy,response_length,response_time\n\
                m,7,ok,neutral_technical,4,2,1,1,99,3.25\n";
    let parsed = parse_grades(text, Condition::C4, "g.csv").unwrap();
    assert_eq!(parsed.rows[0].question_id, 7);
    assert_eq!(parsed.rows[0].scores().unwrap().total(), 4);
    assert_eq!(parsed.rows[0].response_time, Some(3.25));
}

#[test]
fn writing_gives_the_study_format_and_reads_back_the_same() {
    let text = format!(
        "{GRADES_HEADER}1,neutral_factual,m,2,1,0,3,12.5,40,\"Good, but \"\"short\"\"\"\n2,neutral_factual,m,-1,-1,-1,-1,8.0,10,failed\n"
    )
    .replace('\n', "\r\n");
    let parsed = parse_grades(&text, Condition::C2, "g.csv").unwrap();
    assert_eq!(grades_to_csv(&parsed.rows), text);
}

#[test]
fn floats_print_like_python() {
    assert_eq!(python_float(7.0), "7.0");
    assert_eq!(python_float(16.72), "16.72");
    assert_eq!(python_float(0.1 + 0.2), "0.30000000000000004");
}

#[test]
fn line_numbers_are_the_same_with_crlf_line_ends() {
    // The study's files end lines in CRLF (`grades_to_csv` writes them so); a message must still name
    // the line an editor shows.
    let lf = format!(
        "{GRADES_HEADER}1,neutral_factual,m,2,2,2,6,1.0,5,fine\n2,neutral_factual,m,3,2,2,7,1.0,5,out of range\n\
         3,neutral_factual,m,2,2,2,6,1.0,5,\"notes over\ntwo lines\"\n4,neutral_factual,m,2,2,2,5,1.0,5,bad total\n"
    );
    let crlf = lf.replace('\n', "\r\n");
    for (ends, text) in [("LF", &lf), ("CRLF", &crlf)] {
        let parsed = parse_grades(text, Condition::C1, "grades/C1_english.csv").unwrap();
        let lines: Vec<u64> = parsed.problems.iter().filter_map(|problem| problem.line).collect();
        assert_eq!(lines, [3, 6], "{ends}: {:?}", parsed.problems);
        let rows: Vec<u64> = parsed.rows.iter().map(|row| row.line).collect();
        assert_eq!(rows, [2, 4], "{ends}");
    }
}

#[test]
fn an_empty_time_is_unknown_and_written_back_empty() {
    let text = format!(
        "{GRADES_HEADER}1,neutral_factual,m,2,1,0,3,,40,answered in a batch\n2,neutral_factual,m,2,2,2,6,7.0,10,\n"
    )
    .replace('\n', "\r\n");
    let parsed = parse_grades(&text, Condition::C2, "g.csv").unwrap();
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.rows[0].response_time, None);
    assert_eq!(parsed.rows[1].response_time, Some(7.0));
    // Unknown stays an empty field (never 0.0); a known time keeps the study's `7.0`.
    assert_eq!(grades_to_csv(&parsed.rows), text);
    assert!(grades_to_csv(&parsed.rows).contains("3,,40,answered in a batch\r\n"));
}

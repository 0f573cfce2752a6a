//! Consistency checks across the files of a dataset, beyond what parsing each file catches:
//! duplicates, gaps, grades without a response and responses without a grade.

use std::collections::{BTreeMap, BTreeSet};

use crate::{Condition, Dataset, Language, ModelRegistry, Problem, QUESTIONS_PATH, grades_path, plural};

/// Every problem of `dataset` (parse problems are reported by [`crate::assemble`]; these come on top).
/// Errors make the data unfit for analysis; warnings describe gaps a partial or extended dataset may
/// legitimately have.
pub fn validate(dataset: &Dataset, registry: &ModelRegistry) -> Vec<Problem> {
    let mut problems = Vec::new();
    check_questions(dataset, &mut problems);
    check_answer_sheet(dataset, &mut problems);
    check_results(dataset, registry, &mut problems);
    check_grades(dataset, &dataset.grades, &dataset.graded_conditions, &grades_path, &mut problems);
    // Every other judge's grades are checked as the study's are, each against its own files.
    for judge in &dataset.judges {
        let path = |condition: Condition| judge.grades_path(condition);
        check_grades(dataset, &judge.rows, &judge.graded_conditions, &path, &mut problems);
    }
    problems
}

fn check_questions(dataset: &Dataset, problems: &mut Vec<Problem>) {
    if dataset.questions.is_empty() {
        problems.push(Problem::error(QUESTIONS_PATH, "no questions (the file is missing or empty)"));
        return;
    }
    let mut seen = BTreeSet::new();
    for (index, question) in dataset.questions.iter().enumerate() {
        if !seen.insert(question.id) {
            problems.push(
                Problem::error(QUESTIONS_PATH, format!("question id {} appears more than once", question.id))
                    .in_field(format!("[{index}].id")),
            );
        }
        for language in Language::ALL {
            if question.text(language).trim().is_empty() {
                problems.push(
                    Problem::error(QUESTIONS_PATH, format!("question {} has no {language} text", question.id))
                        .in_field(format!("[{index}].{}", language.key())),
                );
            }
        }
    }
}

fn check_answer_sheet(dataset: &Dataset, problems: &mut Vec<Problem>) {
    let Some(sheet) = &dataset.answer_sheet else {
        problems.push(Problem::warning("benchmark/", "no answer sheet (benchmark/*answer_sheet.txt)"));
        return;
    };
    let file = sheet.file.as_str();
    for (language, entries) in &sheet.sections {
        for entry in entries {
            if entry.answer.is_none() {
                problems.push(
                    Problem::warning(
                        file,
                        format!(
                            "the {language} section gives no answer for question {} of {}",
                            entry.number, entry.category
                        ),
                    )
                    .at_line(entry.line as u64),
                );
            }
        }
        for category in crate::QuestionCategory::ALL {
            let in_questions = dataset.questions.iter().filter(|q| q.category == category).count();
            let in_sheet = entries.iter().filter(|entry| entry.category == category).count();
            if in_questions != in_sheet && !dataset.questions.is_empty() {
                problems.push(Problem::warning(
                    file,
                    format!(
                        "the {language} section lists {in_sheet} questions of {category}, questions.json has {in_questions}"
                    ),
                ));
            }
        }
    }
}

fn check_results(dataset: &Dataset, registry: &ModelRegistry, problems: &mut Vec<Problem>) {
    let question_ids: BTreeSet<u32> = dataset.questions.iter().map(|question| question.id).collect();
    let mut unassigned = BTreeSet::new();
    for results in &dataset.results {
        let file = results.relative_path();
        if registry.get(&results.model).is_none() {
            unassigned.insert(results.model.clone());
        }
        if results.language != results.condition.language() {
            problems.push(
                Problem::error(
                    &file,
                    format!(
                        "language {} does not match condition {} ({})",
                        results.language.key(),
                        results.condition,
                        results.condition.language().key()
                    ),
                )
                .in_field("language"),
            );
        }
        let mut seen = BTreeSet::new();
        for (index, response) in results.responses.iter().enumerate() {
            let field = format!("responses[{index}].question_id");
            if !seen.insert(response.question_id) {
                problems.push(
                    Problem::error(&file, format!("question {} is answered more than once", response.question_id))
                        .in_field(field),
                );
            } else if !question_ids.is_empty() && !question_ids.contains(&response.question_id) {
                problems.push(
                    Problem::error(&file, format!("question {} is not in {QUESTIONS_PATH}", response.question_id))
                        .in_field(field),
                );
            } else if let Some(question) = dataset.question(response.question_id)
                && question.category != response.category
            {
                problems.push(
                    Problem::warning(
                        &file,
                        format!(
                            "question {} is {} in {QUESTIONS_PATH} but {} here",
                            response.question_id,
                            question.category.key(),
                            response.category.key()
                        ),
                    )
                    .in_field(format!("responses[{index}].category")),
                );
            }
        }
        let failed: BTreeSet<u32> = results.errors.iter().map(|error| error.question_id).collect();
        let missing: Vec<u32> =
            question_ids.iter().copied().filter(|id| !seen.contains(id) && !failed.contains(id)).collect();
        if !missing.is_empty() {
            problems.push(Problem::warning(
                &file,
                format!(
                    "{} of {} have no response: {}",
                    missing.len(),
                    plural(question_ids.len(), "question"),
                    id_list(&missing)
                ),
            ));
        }
        if !results.errors.is_empty() {
            let ids: Vec<u32> = failed.iter().copied().collect();
            problems.push(
                Problem::warning(
                    &file,
                    format!(
                        "{} failed and {} no answer (questions {}); `left-behind run` retries them",
                        plural(results.errors.len(), "call"),
                        if results.errors.len() == 1 { "holds" } else { "hold" },
                        id_list(&ids)
                    ),
                )
                .in_field("errors"),
            );
        }
    }
    for model in unassigned {
        problems.push(Problem::warning(
            "results/",
            format!("model {model:?} is not in the model registry; it is reported as unassigned"),
        ));
    }
}

/// The checks of one judge's grades (`rows` from the files `grades_path` names).
fn check_grades(
    dataset: &Dataset,
    rows: &[crate::GradeRow],
    graded_conditions: &[Condition],
    grades_path: &dyn Fn(Condition) -> String,
    problems: &mut Vec<Problem>,
) {
    // (condition, model, question) -> line of the first grade row.
    let mut graded: BTreeMap<(Condition, &str, u32), u64> = BTreeMap::new();
    let question_ids: BTreeSet<u32> = dataset.questions.iter().map(|question| question.id).collect();
    let mut failed_by_condition: BTreeMap<Condition, usize> = BTreeMap::new();
    for row in rows {
        let file = grades_path(row.condition);
        if row.is_failed() {
            *failed_by_condition.entry(row.condition).or_default() += 1;
        }
        let key = (row.condition, row.model.as_str(), row.question_id);
        if let Some(first) = graded.insert(key, row.line) {
            problems.push(
                Problem::error(
                    &file,
                    format!("{} question {} is graded twice (first on line {first})", row.model, row.question_id),
                )
                .at_line(row.line),
            );
            continue;
        }
        if !question_ids.is_empty() && !question_ids.contains(&row.question_id) {
            problems.push(
                Problem::error(&file, format!("question {} is not in {QUESTIONS_PATH}", row.question_id))
                    .at_line(row.line)
                    .in_field("question_id"),
            );
        } else if dataset.results_file(row.condition, &row.model).is_some()
            && dataset.response(row.condition, &row.model, row.question_id).is_none()
        {
            problems.push(
                Problem::warning(
                    &file,
                    format!("{} question {} is graded but has no response", row.model, row.question_id),
                )
                .at_line(row.line),
            );
        }
    }
    let mut models_without_results: BTreeSet<(Condition, &str)> = BTreeSet::new();
    for row in rows {
        if dataset.results_file(row.condition, &row.model).is_none() {
            models_without_results.insert((row.condition, row.model.as_str()));
        }
    }
    for (condition, model) in models_without_results {
        problems.push(Problem::warning(
            grades_path(condition),
            format!("{model} is graded but {} does not exist", crate::results_path(condition, model)),
        ));
    }
    for (condition, failed) in failed_by_condition {
        problems.push(Problem::warning(
            grades_path(condition),
            format!("{} failed (-1 scores); they are counted and left out of every mean", plural(failed, "grading")),
        ));
    }
    for results in &dataset.results {
        if !graded_conditions.contains(&results.condition) {
            continue;
        }
        let ungraded: Vec<u32> = results
            .responses
            .iter()
            .map(|response| response.question_id)
            .filter(|id| !graded.contains_key(&(results.condition, results.model.as_str(), *id)))
            .collect::<BTreeSet<u32>>()
            .into_iter()
            .collect();
        if !ungraded.is_empty() {
            problems.push(Problem::warning(
                grades_path(results.condition),
                format!(
                    "{} has {} without a grade: questions {}",
                    results.model,
                    plural(ungraded.len(), "response"),
                    id_list(&ungraded)
                ),
            ));
        }
    }
    for condition in graded_conditions {
        if !dataset.results.iter().any(|results| results.condition == *condition) {
            problems.push(Problem::warning(
                grades_path(*condition),
                format!("no results files in results/{}/", condition.directory()),
            ));
        }
    }
}

/// `1-3, 7, 9-10`
fn id_list(ids: &[u32]) -> String {
    let mut parts = Vec::new();
    let mut index = 0;
    while index < ids.len() {
        let start = ids[index];
        let mut end = start;
        while index + 1 < ids.len() && ids[index + 1] == end + 1 {
            index += 1;
            end = ids[index];
        }
        parts.push(if start == end { start.to_string() } else { format!("{start}-{end}") });
        index += 1;
    }
    parts.join(", ")
}

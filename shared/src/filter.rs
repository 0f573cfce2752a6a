//! The explorer's list of responses and the filters a reader applies to it.
//!
//! [`index_responses`] joins every response with its grade into one [`ResponseEntry`] per
//! (condition, model, question); [`ResponseFilter`] says which entries to show and round-trips through
//! a URL query string, so a filtered view is a link; [`filter_entries`] applies it, full-text search
//! included. All of it is pure, so the browser and the native tests run the same code.

use std::collections::{BTreeMap, HashMap};

use crate::{
    Condition, Dataset, DetectedLanguage, GradeRow, ModelCategory, ModelRegistry, QuestionCategory, ResponseRecord,
    RowsSummary, extract_final_answer, identify_language, summarize_rows,
};

/// Which response: the condition, the model (its file name) and the question.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct ResponseKey {
    pub condition: Condition,
    pub model: String,
    pub question_id: u32,
}

/// One row of the explorer's list: a response, its grade, or both. Text is not copied: the entry
/// points into the [`Dataset`] it was built from.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseEntry {
    pub key: ResponseKey,
    pub model_category: ModelCategory,
    pub question_category: QuestionCategory,
    /// `(index into dataset.results, index into its responses)`, when the response was loaded.
    pub response: Option<(usize, usize)>,
    /// Index into `dataset.grades`, when the response was graded.
    pub grade: Option<usize>,
    /// The language of the graded text (the final answer in C3/C5), as `left-behind metrics` detects
    /// it; `None` without a response.
    pub detected_language: Option<DetectedLanguage>,
    /// Question (in the condition's language and in English), response and judge notes, lowercased
    /// once here so that a search is a plain substring test.
    search_text: String,
}

impl ResponseEntry {
    pub fn response<'a>(&self, dataset: &'a Dataset) -> Option<&'a ResponseRecord> {
        let (file, index) = self.response?;
        dataset.results.get(file)?.responses.get(index)
    }

    pub fn grade<'a>(&self, dataset: &'a Dataset) -> Option<&'a GradeRow> {
        dataset.grades.get(self.grade?)
    }

    /// Where the entry stands with the judge.
    pub fn grading_state(&self, dataset: &Dataset) -> GradingState {
        match self.grade(dataset) {
            None => GradingState::Ungraded,
            Some(row) if row.is_failed() => GradingState::Failed,
            Some(_) => GradingState::Scored,
        }
    }
}

/// Builds the list: every response and every grade row, joined by (condition, model, question), in
/// condition order, then the registry's model order, then question id.
pub fn index_responses(dataset: &Dataset, registry: &ModelRegistry) -> Vec<ResponseEntry> {
    let mut by_key: BTreeMap<(Condition, (usize, String), u32), ResponseEntry> = BTreeMap::new();
    let sort_key = |condition: Condition, model: &str, question_id: u32| {
        let (position, name) = registry.order_of(model);
        (condition, (position, name.to_owned()), question_id)
    };
    let new_entry = |condition: Condition, model: &str, question_id: u32, category: QuestionCategory| ResponseEntry {
        key: ResponseKey { condition, model: model.to_owned(), question_id },
        model_category: registry.category_of(model),
        question_category: category,
        response: None,
        grade: None,
        detected_language: None,
        search_text: String::new(),
    };
    for (file_index, results) in dataset.results.iter().enumerate() {
        for (response_index, record) in results.responses.iter().enumerate() {
            let entry = by_key
                .entry(sort_key(results.condition, &results.model, record.question_id))
                .or_insert_with(|| new_entry(results.condition, &results.model, record.question_id, record.category));
            // A duplicated response (which validation reports) keeps the first one, as the grades do.
            entry.response.get_or_insert((file_index, response_index));
        }
    }
    for (grade_index, row) in dataset.grades.iter().enumerate() {
        let entry = by_key
            .entry(sort_key(row.condition, &row.model, row.question_id))
            .or_insert_with(|| new_entry(row.condition, &row.model, row.question_id, row.category));
        entry.grade.get_or_insert(grade_index);
    }
    let questions: HashMap<u32, &crate::Question> = dataset.questions.iter().map(|q| (q.id, q)).collect();
    let mut entries: Vec<ResponseEntry> = by_key.into_values().collect();
    for entry in &mut entries {
        let mut text = String::new();
        if let Some(question) = questions.get(&entry.key.question_id) {
            text.push_str(question.text(entry.key.condition.language()));
            text.push('\n');
            text.push_str(&question.english);
            text.push('\n');
        }
        if let Some(record) = entry.response(dataset) {
            let graded = extract_final_answer(&record.response, entry.key.condition);
            entry.detected_language = Some(identify_language(graded.text).language);
            text.push_str(&record.question_text);
            text.push('\n');
            text.push_str(&record.response);
            text.push('\n');
        }
        if let Some(row) = entry.grade(dataset) {
            text.push_str(&row.notes);
        }
        entry.search_text = text.to_lowercase();
    }
    entries
}

/// Whether and how a response was graded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GradingState {
    /// The judge gave three scores.
    Scored,
    /// The grading failed (-1 scores in the file).
    Failed,
    /// No grade row for this response.
    Ungraded,
}

impl GradingState {
    pub const ALL: [GradingState; 3] = [GradingState::Scored, GradingState::Failed, GradingState::Ungraded];

    pub fn key(self) -> &'static str {
        match self {
            GradingState::Scored => "scored",
            GradingState::Failed => "failed",
            GradingState::Ungraded => "ungraded",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            GradingState::Scored => "Scored",
            GradingState::Failed => "Grading failed",
            GradingState::Ungraded => "Not graded",
        }
    }

    pub fn from_key(key: &str) -> Option<GradingState> {
        GradingState::ALL.into_iter().find(|state| state.key() == key)
    }
}

/// The three rubric criteria, for the sub-score filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Criterion {
    Accuracy,
    Fluency,
    Completeness,
}

impl Criterion {
    pub const ALL: [Criterion; 3] = [Criterion::Accuracy, Criterion::Fluency, Criterion::Completeness];

    pub fn key(self) -> &'static str {
        match self {
            Criterion::Accuracy => "accuracy",
            Criterion::Fluency => "fluency",
            Criterion::Completeness => "completeness",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            Criterion::Accuracy => "Accuracy",
            Criterion::Fluency => "Fluency",
            Criterion::Completeness => "Completeness",
        }
    }

    pub fn score(self, scores: crate::Scores) -> u8 {
        match self {
            Criterion::Accuracy => scores.accuracy,
            Criterion::Fluency => scores.fluency,
            Criterion::Completeness => scores.completeness,
        }
    }
}

/// What the reader asked to see. Every list is "any of these" (empty means no restriction); the
/// lists combine with "and". A score filter keeps only scored entries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseFilter {
    pub models: Vec<String>,
    pub model_categories: Vec<ModelCategory>,
    pub conditions: Vec<Condition>,
    pub question_categories: Vec<QuestionCategory>,
    pub question_ids: Vec<u32>,
    /// Lowest total score to show (0..=6).
    pub total_min: Option<u8>,
    /// Highest total score to show (0..=6).
    pub total_max: Option<u8>,
    pub accuracy: Vec<u8>,
    pub fluency: Vec<u8>,
    pub completeness: Vec<u8>,
    pub grading: Vec<GradingState>,
    /// Detected languages of the graded text (an entry without a response has none and is left out).
    pub languages: Vec<DetectedLanguage>,
    /// Words that must all occur (case-insensitively) in the question, the response or the notes.
    pub search: String,
}

/// The query keys, one per filter (repeated for several values).
mod keys {
    pub const MODEL: &str = "model";
    pub const MODEL_CATEGORY: &str = "model_category";
    pub const CONDITION: &str = "condition";
    pub const QUESTION_CATEGORY: &str = "question_category";
    pub const QUESTION: &str = "question";
    pub const TOTAL_MIN: &str = "total_min";
    pub const TOTAL_MAX: &str = "total_max";
    pub const GRADING: &str = "grading";
    pub const LANGUAGE: &str = "language";
    pub const SEARCH: &str = "q";
}

impl ResponseFilter {
    /// True when nothing is restricted.
    pub fn is_empty(&self) -> bool {
        *self == ResponseFilter::default()
    }

    /// The sub-score values allowed for `criterion`.
    pub fn criterion(&self, criterion: Criterion) -> &Vec<u8> {
        match criterion {
            Criterion::Accuracy => &self.accuracy,
            Criterion::Fluency => &self.fluency,
            Criterion::Completeness => &self.completeness,
        }
    }

    pub fn criterion_mut(&mut self, criterion: Criterion) -> &mut Vec<u8> {
        match criterion {
            Criterion::Accuracy => &mut self.accuracy,
            Criterion::Fluency => &mut self.fluency,
            Criterion::Completeness => &mut self.completeness,
        }
    }

    /// The filter as a URL query string without the leading `?` (empty for no filter). Values are
    /// form-encoded, so any search text survives the round trip through [`ResponseFilter::from_query`].
    pub fn to_query(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for model in &self.models {
            query.append_pair(keys::MODEL, model);
        }
        for category in &self.model_categories {
            query.append_pair(keys::MODEL_CATEGORY, category.key());
        }
        for condition in &self.conditions {
            query.append_pair(keys::CONDITION, condition.id());
        }
        for category in &self.question_categories {
            query.append_pair(keys::QUESTION_CATEGORY, category.key());
        }
        for id in &self.question_ids {
            query.append_pair(keys::QUESTION, &id.to_string());
        }
        if let Some(min) = self.total_min {
            query.append_pair(keys::TOTAL_MIN, &min.to_string());
        }
        if let Some(max) = self.total_max {
            query.append_pair(keys::TOTAL_MAX, &max.to_string());
        }
        for criterion in Criterion::ALL {
            for score in self.criterion(criterion) {
                query.append_pair(criterion.key(), &score.to_string());
            }
        }
        for state in &self.grading {
            query.append_pair(keys::GRADING, state.key());
        }
        for language in &self.languages {
            query.append_pair(keys::LANGUAGE, language.key());
        }
        // Kept as typed (a trailing space included): the search box shows what the URL says.
        if !self.search.trim().is_empty() {
            query.append_pair(keys::SEARCH, &self.search);
        }
        query.finish()
    }

    /// Reads a filter from a query string (with or without the leading `?`). Keys it does not know
    /// (the list's `page`, say) and values that make no sense (`condition=C9`) are skipped, so an old or
    /// hand-edited link still opens.
    pub fn from_query(query: &str) -> ResponseFilter {
        let pairs: Vec<_> = form_urlencoded::parse(query.trim_start_matches('?').as_bytes()).collect();
        ResponseFilter::from_pairs(pairs.iter().map(|(key, value)| (key.as_ref(), value.as_ref())))
    }

    /// The filter of decoded query pairs (the explorer's router has already parsed the URL), with the
    /// same tolerance as [`ResponseFilter::from_query`].
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> ResponseFilter {
        let mut filter = ResponseFilter::default();
        let score = |value: &str, max: u8| value.parse::<u8>().ok().filter(|score| *score <= max);
        for (key, value) in pairs {
            match key {
                keys::MODEL if !value.is_empty() => push_unique(&mut filter.models, value.to_owned()),
                keys::MODEL_CATEGORY => {
                    if let Some(category) = ModelCategory::from_key(value) {
                        push_unique(&mut filter.model_categories, category);
                    }
                }
                keys::CONDITION => {
                    if let Some(condition) = Condition::parse(value) {
                        push_unique(&mut filter.conditions, condition);
                    }
                }
                keys::QUESTION_CATEGORY => {
                    if let Some(category) = QuestionCategory::from_key(value) {
                        push_unique(&mut filter.question_categories, category);
                    }
                }
                keys::QUESTION => {
                    if let Ok(id) = value.parse() {
                        push_unique(&mut filter.question_ids, id);
                    }
                }
                keys::TOTAL_MIN => filter.total_min = score(value, crate::Scores::MAX_TOTAL),
                keys::TOTAL_MAX => filter.total_max = score(value, crate::Scores::MAX_TOTAL),
                keys::GRADING => {
                    if let Some(state) = GradingState::from_key(value) {
                        push_unique(&mut filter.grading, state);
                    }
                }
                keys::LANGUAGE => {
                    if let Some(language) = DetectedLanguage::from_key(value) {
                        push_unique(&mut filter.languages, language);
                    }
                }
                keys::SEARCH => filter.search = value.to_owned(),
                other => {
                    if let Some(criterion) = Criterion::ALL.into_iter().find(|criterion| criterion.key() == other)
                        && let Some(value) = score(value, crate::Scores::MAX_EACH)
                    {
                        push_unique(filter.criterion_mut(criterion), value);
                    }
                }
            }
        }
        filter
    }

    /// Whether `entry` passes every restriction of the filter except the search.
    fn admits(&self, entry: &ResponseEntry, dataset: &Dataset) -> bool {
        let key = &entry.key;
        if !(self.models.is_empty() || self.models.contains(&key.model))
            || !any_of(&self.model_categories, entry.model_category)
            || !any_of(&self.conditions, key.condition)
            || !any_of(&self.question_categories, entry.question_category)
            || !(self.question_ids.is_empty() || self.question_ids.contains(&key.question_id))
            || !(self.grading.is_empty() || self.grading.contains(&entry.grading_state(dataset)))
            || !(self.languages.is_empty()
                || entry.detected_language.is_some_and(|language| self.languages.contains(&language)))
        {
            return false;
        }
        let restricts_scores = self.total_min.is_some()
            || self.total_max.is_some()
            || Criterion::ALL.iter().any(|criterion| !self.criterion(*criterion).is_empty());
        if !restricts_scores {
            return true;
        }
        let Some(scores) = entry.grade(dataset).and_then(GradeRow::scores) else {
            return false;
        };
        let total = scores.total();
        self.total_min.is_none_or(|min| total >= min)
            && self.total_max.is_none_or(|max| total <= max)
            && Criterion::ALL.iter().all(|criterion| {
                let allowed = self.criterion(*criterion);
                allowed.is_empty() || allowed.contains(&criterion.score(scores))
            })
    }
}

/// Whether `value` is in `allowed`, an empty list allowing everything.
fn any_of<T: PartialEq>(allowed: &[T], value: T) -> bool {
    allowed.is_empty() || allowed.contains(&value)
}

fn push_unique<T: PartialEq>(values: &mut Vec<T>, value: T) {
    if !values.contains(&value) {
        values.push(value);
    }
}

/// The search's words, lowercased; a phrase in double quotes is one word.
pub fn search_terms(search: &str) -> Vec<String> {
    let mut terms = Vec::new();
    for (index, part) in search.split('"').enumerate() {
        let part = part.to_lowercase();
        if index % 2 == 1 {
            if !part.trim().is_empty() {
                terms.push(part.trim().to_owned());
            }
        } else {
            terms.extend(part.split_whitespace().map(str::to_owned));
        }
    }
    terms
}

/// The positions in `entries` of the entries the filter admits, in list order.
pub fn filter_entries(entries: &[ResponseEntry], dataset: &Dataset, filter: &ResponseFilter) -> Vec<usize> {
    let terms = search_terms(&filter.search);
    entries
        .iter()
        .enumerate()
        .filter(|(_, entry)| filter.admits(entry, dataset))
        .filter(|(_, entry)| terms.iter().all(|term| entry.search_text.contains(term.as_str())))
        .map(|(index, _)| index)
        .collect()
}

/// The summary figures of a selection of entries (its graded rows), with the report's own arithmetic.
pub fn summarize_entries(entries: &[ResponseEntry], selection: &[usize], dataset: &Dataset) -> RowsSummary {
    summarize_rows(selection.iter().filter_map(|&index| entries.get(index)?.grade(dataset)))
}

/// The entries before and after `key` within `selection` (for previous/next in a filtered list).
pub fn neighbours(entries: &[ResponseEntry], selection: &[usize], key: &ResponseKey) -> Neighbours {
    let position = selection.iter().position(|&index| entries.get(index).is_some_and(|entry| &entry.key == key));
    match position {
        None => Neighbours { position: None, previous: None, next: None },
        Some(position) => Neighbours {
            position: Some(position),
            previous: position.checked_sub(1).map(|before| selection[before]),
            next: selection.get(position + 1).copied(),
        },
    }
}

/// Where an entry stands in a selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Neighbours {
    /// Its 0-based place in the selection, if it is in it.
    pub position: Option<usize>,
    /// The index into the entries of the one before it.
    pub previous: Option<usize>,
    /// The index into the entries of the one after it.
    pub next: Option<usize>,
}

//! The explorer's response list: joining, filtering, search, the URL round trip, previous/next.

use left_behind_shared::{
    Condition, DataFile, DetectedLanguage, GradingState, ModelCategory, ModelRegistry, QuestionCategory,
    ResponseFilter, ResponseKey, assemble, filter_entries, index_responses, neighbours, search_terms,
    summarize_entries,
};

const QUESTIONS: &str = r#"[
  {"id": 1, "category": "neutral_factual", "english": "What is the capital of Kazakhstan?",
   "kazakh": "Қазақстанның астанасы қай қала?", "mongolian": "Казахстаны нийслэл аль хот вэ?", "reference_answer": "Astana"},
  {"id": 2, "category": "kazakh_cultural", "english": "What is a dombra?",
   "kazakh": "Домбыра деген не?", "mongolian": "Домбра гэж юу вэ?", "reference_answer": null}
]"#;

fn results(condition: &str, directory: &str, language: &str, model: &str, responses: &[(u32, &str, &str)]) -> DataFile {
    let responses: Vec<String> = responses
        .iter()
        .map(|(id, category, text)| {
            format!(
                r#"{{"question_id": {id}, "category": "{category}", "question_text": "q{id}", "response": {}, "reference_answer": null, "response_time_seconds": 1.5}}"#,
                serde_json::to_string(text).unwrap()
            )
        })
        .collect();
    DataFile {
        path: format!("results/{directory}/{model}.json"),
        bytes: format!(
            r#"{{"model": "{model}", "model_id": "{model}", "condition": "{condition}", "condition_description": "d",
                "language": "{language}", "started_at": "t", "responses": [{}], "last_updated": "t"}}"#,
            responses.join(",")
        )
        .into_bytes(),
    }
}

fn grades(directory: &str, rows: &[&str]) -> DataFile {
    let mut text = String::from(
        "question_id,category,model,accuracy,fluency,completeness,total,response_time,response_length,notes\n",
    );
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    DataFile { path: format!("grades/{directory}.csv"), bytes: text.into_bytes() }
}

/// Two questions, two models (one English-first, one bilingual), conditions C1 and C2; one grading
/// failed, one response has no grade and one grade has no response.
fn dataset() -> left_behind_shared::LoadedDataset {
    let files = vec![
        DataFile { path: "benchmark/questions.json".into(), bytes: QUESTIONS.as_bytes().to_vec() },
        results(
            "C1",
            "C1_english",
            "english",
            "gpt_5.2",
            &[
                (1, "neutral_factual", "Astana."),
                (
                    2,
                    "kazakh_cultural",
                    "The dombra is a two-stringed lute of the Kazakh people, and it is played with the fingers.",
                ),
            ],
        ),
        results(
            "C1",
            "C1_english",
            "english",
            "qwen3",
            &[(1, "neutral_factual", "Almaty."), (2, "kazakh_cultural", "An instrument.")],
        ),
        results(
            "C2",
            "C2_kazakh",
            "kazakh",
            "gpt_5.2",
            &[
                (1, "neutral_factual", "Астана."),
                (
                    2,
                    "kazakh_cultural",
                    "Домбыра — қазақ халқының екі ішекті музыкалық аспабы және ол саусақпен ойналады.",
                ),
            ],
        ),
        results("C2", "C2_kazakh", "kazakh", "qwen3", &[(1, "neutral_factual", "Астана қаласы.")]),
        grades(
            "C1_english",
            &[
                "1,neutral_factual,gpt_5.2,2,2,2,6,1.5,1,Correct.",
                "2,kazakh_cultural,gpt_5.2,2,2,1,5,1.5,4,Right but short.",
                "1,neutral_factual,qwen3,0,2,1,3,1.5,1,Wrong city: Almaty was the capital until 1997.",
                "2,kazakh_cultural,qwen3,-1,-1,-1,-1,1.5,2,Judge returned no JSON",
            ],
        ),
        grades(
            "C2_kazakh",
            &[
                "1,neutral_factual,gpt_5.2,2,2,2,6,1.5,1,Correct; fluent Kazakh.",
                "1,neutral_factual,qwen3,2,1,2,5,1.5,2,Correct; one case ending is wrong.",
                "2,kazakh_cultural,qwen3,1,1,1,3,1.5,2,Graded although the response is missing.",
            ],
        ),
    ];
    let loaded = assemble(&files);
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    loaded
}

fn keys(entries: &[left_behind_shared::ResponseEntry], selection: &[usize]) -> Vec<String> {
    selection
        .iter()
        .map(|&index| {
            format!("{}/{}/{}", entries[index].key.condition, entries[index].key.model, entries[index].key.question_id)
        })
        .collect()
}

#[test]
fn the_index_joins_responses_and_grades_in_list_order() {
    let loaded = dataset();
    let entries = index_responses(&loaded.dataset, &ModelRegistry::study());
    let all: Vec<usize> = (0..entries.len()).collect();
    // gpt_5.2 comes before qwen3 in the registry, whatever the file order.
    assert_eq!(
        keys(&entries, &all),
        [
            "C1/gpt_5.2/1",
            "C1/gpt_5.2/2",
            "C1/qwen3/1",
            "C1/qwen3/2",
            "C2/gpt_5.2/1",
            "C2/gpt_5.2/2",
            "C2/qwen3/1",
            "C2/qwen3/2"
        ]
    );
    let dataset = &loaded.dataset;
    let c2_gpt_2 = &entries[5];
    assert!(c2_gpt_2.response(dataset).is_some());
    assert_eq!(c2_gpt_2.grading_state(dataset), GradingState::Ungraded);
    let c2_qwen_2 = &entries[7];
    assert!(c2_qwen_2.response(dataset).is_none(), "a grade without a response is still listed");
    assert_eq!(c2_qwen_2.grade(dataset).unwrap().notes, "Graded although the response is missing.");
    assert_eq!(entries[3].grading_state(dataset), GradingState::Failed);
    assert_eq!(entries[2].model_category, ModelCategory::Bilingual);
    assert_eq!(entries[1].question_category, QuestionCategory::KazakhCultural);
}

#[test]
fn filters_combine_with_and_and_values_with_or() {
    let loaded = dataset();
    let dataset = &loaded.dataset;
    let entries = index_responses(dataset, &ModelRegistry::study());
    let run = |filter: &ResponseFilter| keys(&entries, &filter_entries(&entries, dataset, filter));

    let filter = ResponseFilter { models: vec!["qwen3".into()], conditions: vec![Condition::C1], ..Default::default() };
    assert_eq!(run(&filter), ["C1/qwen3/1", "C1/qwen3/2"]);

    let filter =
        ResponseFilter { conditions: vec![Condition::C1, Condition::C2], question_ids: vec![2], ..Default::default() };
    assert_eq!(run(&filter), ["C1/gpt_5.2/2", "C1/qwen3/2", "C2/gpt_5.2/2", "C2/qwen3/2"]);

    let filter = ResponseFilter { model_categories: vec![ModelCategory::EnglishFirst], ..Default::default() };
    assert_eq!(run(&filter).len(), 4);

    let filter = ResponseFilter { question_categories: vec![QuestionCategory::NeutralFactual], ..Default::default() };
    assert_eq!(run(&filter).len(), 4);

    let filter = ResponseFilter { grading: vec![GradingState::Failed, GradingState::Ungraded], ..Default::default() };
    assert_eq!(run(&filter), ["C1/qwen3/2", "C2/gpt_5.2/2"]);
}

#[test]
fn score_filters_keep_only_scored_entries_in_range() {
    let loaded = dataset();
    let dataset = &loaded.dataset;
    let entries = index_responses(dataset, &ModelRegistry::study());
    let run = |filter: &ResponseFilter| keys(&entries, &filter_entries(&entries, dataset, filter));

    let filter = ResponseFilter { total_min: Some(5), ..Default::default() };
    assert_eq!(run(&filter), ["C1/gpt_5.2/1", "C1/gpt_5.2/2", "C2/gpt_5.2/1", "C2/qwen3/1"]);
    let filter = ResponseFilter { total_min: Some(3), total_max: Some(4), ..Default::default() };
    assert_eq!(run(&filter), ["C1/qwen3/1", "C2/qwen3/2"], "the failed grading is not a zero and not a 3");
    let filter = ResponseFilter { total_max: Some(0), ..Default::default() };
    assert!(run(&filter).is_empty(), "a failed grading never counts as a score of 0");

    let filter = ResponseFilter { accuracy: vec![0, 1], ..Default::default() };
    assert_eq!(run(&filter), ["C1/qwen3/1", "C2/qwen3/2"]);
    let filter = ResponseFilter { fluency: vec![1], completeness: vec![2], ..Default::default() };
    assert_eq!(run(&filter), ["C2/qwen3/1"]);
}

#[test]
fn search_is_case_insensitive_over_question_response_and_notes_in_every_script() {
    let loaded = dataset();
    let dataset = &loaded.dataset;
    let entries = index_responses(dataset, &ModelRegistry::study());
    let run = |search: &str| {
        let filter = ResponseFilter { search: search.into(), ..Default::default() };
        keys(&entries, &filter_entries(&entries, dataset, &filter))
    };
    // In a response, Cyrillic, whatever the case.
    assert_eq!(run("АСТАНА"), ["C2/gpt_5.2/1", "C2/qwen3/1"]);
    // In the judge's notes.
    assert_eq!(run("until 1997"), ["C1/qwen3/1"]);
    // In the question, in the condition's language (Kazakh letters қ, ң) or in English.
    assert_eq!(run("қай"), ["C2/gpt_5.2/1", "C2/qwen3/1"], "the Kazakh question is searched only where it was asked");
    assert_eq!(run("dombra").len(), 4);
    // Every word must occur; a quoted phrase is one word.
    assert_eq!(run("wrong case"), ["C2/qwen3/1"]);
    assert!(run("\"wrong case\"").is_empty());
    assert_eq!(run("\"case ending\""), ["C2/qwen3/1"]);
    assert_eq!(search_terms("  Астана  \"Two Words\" x"), ["астана", "two words", "x"]);
}

#[test]
fn the_filter_round_trips_through_the_query_string() {
    let filter = ResponseFilter {
        models: vec!["gpt_5.2".into(), "aya_expanse".into()],
        model_categories: vec![ModelCategory::Multilingual],
        conditions: vec![Condition::C3, Condition::C5],
        question_categories: vec![QuestionCategory::MongolianCultural],
        question_ids: vec![7, 42],
        total_min: Some(2),
        total_max: Some(5),
        accuracy: vec![0],
        fluency: vec![1, 2],
        completeness: vec![2],
        grading: vec![GradingState::Failed],
        languages: vec![DetectedLanguage::Kyrgyz, DetectedLanguage::Kazakh],
        search: "Қазақ & \"a=b\" 100%".into(),
    };
    let query = filter.to_query();
    assert!(query.starts_with("model=gpt_5.2&model=aya_expanse&model_category=multilingual&condition=C3"), "{query}");
    assert_eq!(ResponseFilter::from_query(&query), filter);
    assert_eq!(
        ResponseFilter::from_query(&format!("?{query}&page=3")),
        filter,
        "a leading ? and unknown keys are fine"
    );
    assert_eq!(ResponseFilter::default().to_query(), "");
    assert!(ResponseFilter::from_query("").is_empty());
    // Decoded pairs (as the explorer's router hands them over) give the same filter.
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    assert_eq!(ResponseFilter::from_pairs(pairs.iter().map(|(key, value)| (key.as_str(), value.as_str()))), filter);
}

#[test]
fn the_detected_language_of_the_graded_text_is_a_filter() {
    let loaded = dataset();
    let dataset = &loaded.dataset;
    let entries = index_responses(dataset, &ModelRegistry::study());
    assert_eq!(entries[1].detected_language, Some(DetectedLanguage::English));
    assert_eq!(entries[5].detected_language, Some(DetectedLanguage::Kazakh));
    assert_eq!(entries[7].detected_language, None, "a grade without a response has no language");
    let filter = ResponseFilter::from_query("language=kazakh&language=kyrgyz");
    assert_eq!(filter.languages, [DetectedLanguage::Kazakh, DetectedLanguage::Kyrgyz]);
    let selection = filter_entries(&entries, dataset, &filter);
    assert!(selection.contains(&5));
    assert!(!selection.contains(&1) && !selection.contains(&7));
    assert!(selection.iter().all(|&index| matches!(
        entries[index].detected_language,
        Some(DetectedLanguage::Kazakh | DetectedLanguage::Kyrgyz)
    )));
}

#[test]
fn nonsense_in_a_hand_edited_link_is_skipped() {
    let filter = ResponseFilter::from_query(
        "condition=C9&condition=c2&total_min=7&accuracy=3&fluency=x&grading=maybe&question=abc&model=&language=klingon",
    );
    assert_eq!(filter, ResponseFilter { conditions: vec![Condition::C2], ..Default::default() });
    let filter = ResponseFilter::from_query("condition=C2&condition=C2_kazakh");
    assert_eq!(filter.conditions, [Condition::C2], "the same condition twice is kept once");
}

#[test]
fn summaries_and_neighbours_follow_the_selection() {
    let loaded = dataset();
    let dataset = &loaded.dataset;
    let entries = index_responses(dataset, &ModelRegistry::study());
    let filter = ResponseFilter { models: vec!["qwen3".into()], ..Default::default() };
    let selection = filter_entries(&entries, dataset, &filter);
    let summary = summarize_entries(&entries, &selection, dataset);
    // Scored: 3 + 5 + 3 = 11 of 18; the failed grading is counted apart.
    assert_eq!((summary.n, summary.failed), (3, 1));
    assert!((summary.total_pct.unwrap() - 11.0 / 3.0 / 6.0 * 100.0).abs() < 1e-12);

    let key = |condition, question_id| ResponseKey { condition, model: "qwen3".into(), question_id };
    let middle = neighbours(&entries, &selection, &key(Condition::C1, 2));
    assert_eq!(middle.position, Some(1));
    assert_eq!(keys(&entries, &[middle.previous.unwrap(), middle.next.unwrap()]), ["C1/qwen3/1", "C2/qwen3/1"]);
    let first = neighbours(&entries, &selection, &key(Condition::C1, 1));
    assert_eq!((first.position, first.previous), (Some(0), None));
    let last = neighbours(&entries, &selection, &key(Condition::C2, 2));
    assert_eq!((last.position, last.next), (Some(3), None));
    let outside = neighbours(
        &entries,
        &selection,
        &ResponseKey { condition: Condition::C1, model: "gpt_5.2".into(), question_id: 1 },
    );
    assert_eq!(outside.position, None);
}

#[test]
fn active_count_counts_each_kind_of_restriction_once() {
    assert_eq!(ResponseFilter::default().active_count(), 0);
    assert_eq!(ResponseFilter::from_query("q=%20%20").active_count(), 0, "blank search restricts nothing");
    let filter = ResponseFilter::from_query("model=qwen3&model=gpt_5.2&condition=C3&total_min=2&total_max=5&q=Астана");
    assert_eq!(filter.active_count(), 4, "{filter:?}");
    let filter = ResponseFilter::from_query("total_max=3&grading=failed&language=kyrgyz");
    assert_eq!(filter.active_count(), 3, "{filter:?}");
}

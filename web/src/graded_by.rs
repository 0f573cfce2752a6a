//! "Graded by": the overview computed under the study's judge, another judge, or the panel of all
//! judges, chosen with `?judge=NAME` (`?judge=panel`; none is the study's judge). The report, its
//! tables, the headline and Figure 1 come from `shared`, as `left-behind report --judge NAME` prints
//! them.

use left_behind_shared::{
    FIGURE1_SIZE, GradeRow, GradedBy, ReportTables, StudyReport, compute_report, figure1_svg, headline_lines, panel,
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::data::SiteData;
use crate::site::navigator;

/// The overview's numbers under one judge (or the panel).
#[derive(Debug, Clone, PartialEq)]
pub struct GradedReport {
    pub by: GradedBy,
    /// The panel's members; empty for a single judge.
    pub members: Vec<String>,
    /// `None` without grades.
    pub report: Option<StudyReport>,
    /// `None` without grades.
    pub tables: Option<ReportTables>,
    pub headline: Vec<String>,
    pub figure: Option<Result<String, String>>,
    /// The judge the URL asked for, when the dataset has no grades of it (the study's are shown).
    pub unknown_judge: Option<String>,
}

/// The `judge` parameter of the page's URL, as a reactive value.
pub fn use_graded_by() -> Memo<Option<String>> {
    let query = use_query_map();
    Memo::new(move |_| query.with(|query| query.get("judge")).filter(|value| !value.is_empty()))
}

/// The report under `judge` (a name from the URL; `None` is the study's judge). A name the dataset
/// has no grades of falls back to the study's judge, and says so.
pub fn graded_report(site: &SiteData, judge: Option<&str>) -> GradedReport {
    let dataset = &site.study.dataset;
    // The judge whose grades are `grades/`: the one the site was built with, as `left-behind report`.
    let study_judge = site.study.judge.name.as_str();
    let requested = judge.map(|name| GradedBy::parse(name, study_judge));
    let by = match requested {
        Some(Ok(by)) if dataset.graders().contains(&by) => by,
        _ => GradedBy::StudyJudge,
    };
    let unknown_judge = judge.filter(|_| by == GradedBy::StudyJudge && judge != Some(study_judge)).map(str::to_owned);
    if by == GradedBy::StudyJudge {
        return GradedReport {
            by,
            members: Vec::new(),
            report: site.report.clone(),
            tables: site.tables.clone(),
            headline: site.headline.clone(),
            figure: site.figure.clone(),
            unknown_judge,
        };
    }
    let (rows, members): (Vec<GradeRow>, Vec<String>) = match &by {
        GradedBy::Panel => {
            let panel = panel(dataset, study_judge, &site.study.registry);
            (panel.rows, panel.members)
        }
        GradedBy::Judge(name) => {
            (dataset.judge_grades(name.as_str()).map(|judge| judge.rows.clone()).unwrap_or_default(), Vec::new())
        }
        GradedBy::StudyJudge => unreachable!("returned above"),
    };
    let report = (!rows.is_empty()).then(|| compute_report(&rows, &site.study.registry));
    GradedReport {
        tables: report.as_ref().map(|report| ReportTables::new(report, &site.study.registry)),
        headline: report.as_ref().map(headline_lines).unwrap_or_default(),
        figure: report.as_ref().map(|report| {
            figure1_svg(report, FIGURE1_SIZE.width, FIGURE1_SIZE.height).map_err(|error| error.to_string())
        }),
        report,
        by,
        members,
        unknown_judge,
    }
}

/// What the overview says about whose grades it shows: the panel and its members, or that the
/// judge in the URL has no grades here.
pub fn judge_note(graded: &GradedReport) -> Option<String> {
    match (&graded.unknown_judge, graded.members.is_empty()) {
        (Some(name), _) => {
            Some(format!("This dataset has no grades of judge {name:?}; the study's judge's grades are shown."))
        }
        (None, false) => Some(format!(
            "Graded by the panel: per response and criterion, the median of {} ({}); of an even number, the lower middle score.",
            graded.members.len(),
            graded.members.join(", ")
        )),
        (None, true) => None,
    }
}

/// The "graded by" choice: the study's judge, each other judge, the panel. Shown only when the
/// dataset has more than one judge; changing it changes the URL's `judge` parameter.
#[component]
pub fn GradedByChoice(site: std::sync::Arc<SiteData>, selected: GradedBy) -> impl IntoView {
    let graders = site.study.dataset.graders();
    if graders.len() < 2 {
        return ().into_any();
    }
    let navigate = navigator();
    let study_judge = site.study.judge.name.clone();
    let options = graders
        .into_iter()
        .map(|by| {
            let value = by.to_query().unwrap_or_default();
            let label = match &by {
                GradedBy::StudyJudge => format!("{study_judge} (the study's judge)"),
                GradedBy::Judge(name) => name.to_string(),
                GradedBy::Panel => "the panel (median of all judges)".to_owned(),
            };
            let is_selected = by == selected;
            view! { <option value=value selected=is_selected>{label}</option> }
        })
        .collect_view();
    view! {
        <label class="select graded-by">
            "Graded by "
            <select
                data-testid="graded-by"
                on:change=move |event| {
                    let value = event_target_value(&event);
                    let by = if value.is_empty() { Ok(GradedBy::StudyJudge) } else { GradedBy::parse(&value, &study_judge) };
                    let query = by.map(|by| by.to_query_string()).unwrap_or_default();
                    navigate(&if query.is_empty() { "/".to_owned() } else { format!("/?{query}") }, false);
                }
            >
                {options}
            </select>
        </label>
    }
    .into_any()
}

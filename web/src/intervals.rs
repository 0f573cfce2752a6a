//! The overview's 95% intervals and contrasts, computed once, after the first paint: 10,000 bootstrap
//! resamples and permutation draws for every cell and contrast take a noticeable fraction of a second
//! in WASM, and the overview's first paint (its load budget, BENCHMARKS.md) shows the point estimates
//! without waiting for them. The numbers are `shared::add_uncertainty`'s with the default settings,
//! the same as `left-behind report` prints.

use std::sync::Arc;
use std::time::Duration;

use left_behind_shared::{
    FIGURE1_SIZE, ReportTables, StudyReport, UncertaintySettings, add_uncertainty, figure1_svg, headline_lines,
};
use leptos::prelude::*;

use crate::data::SiteData;
use crate::timing;

/// The report with its intervals, and what the overview shows of it.
pub struct IntervalReport {
    pub report: StudyReport,
    /// The report's tables with intervals, and the contrast tables.
    pub tables: ReportTables,
    /// The headline with each contrast's interval and p-value in words.
    pub headline: Vec<String>,
    /// Figure 1 with error bars.
    pub figure: Result<String, String>,
}

/// The intervals, `None` until computed (or without grades). Provided by [`provide_intervals`] for
/// the whole app.
#[derive(Clone, Copy)]
pub struct Intervals(RwSignal<Option<Arc<IntervalReport>>>);

impl Intervals {
    pub fn get(&self) -> Option<Arc<IntervalReport>> {
        self.0.get()
    }
}

pub fn use_intervals() -> Intervals {
    expect_context::<Intervals>()
}

/// Provides [`Intervals`], empty until [`compute_after_paint`] fills it.
pub fn provide_intervals() -> Intervals {
    let intervals = Intervals(RwSignal::new(None));
    provide_context(intervals);
    intervals
}

/// Computes the intervals of `site`'s report after the next frame is painted. They depend on the
/// grades only, which the first (core) data already holds: once is enough.
pub fn compute_after_paint(site: Arc<SiteData>, intervals: Intervals) {
    let Some(report) = site.report.clone() else { return };
    // After the frame is painted (the animation frame runs before it, the timeout after it).
    request_animation_frame(move || {
        set_timeout(
            move || {
                timing::mark("lb:intervals-start");
                let computed = compute(report, &site);
                timing::mark("lb:intervals-end");
                timing::measure("lb:intervals", "lb:intervals-start", "lb:intervals-end");
                intervals.0.set(Some(Arc::new(computed)));
            },
            Duration::ZERO,
        )
    });
}

fn compute(mut report: StudyReport, site: &SiteData) -> IntervalReport {
    let grades = &site.study.dataset.grades;
    add_uncertainty(&mut report, grades, &site.study.registry, &UncertaintySettings::default());
    let tables = ReportTables::new(&report, &site.study.registry);
    let headline = headline_lines(&report);
    let figure = figure1_svg(&report, FIGURE1_SIZE.width, FIGURE1_SIZE.height).map_err(|error| error.to_string());
    IntervalReport { report, tables, headline, figure }
}

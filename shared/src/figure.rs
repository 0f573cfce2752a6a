//! Figure 1 of the paper as SVG: mean score against mean response time for each model category in
//! each condition, every point labelled with its condition. Drawn with plotters into a string, so the
//! runner writes it to a file and the explorer puts it in the page: the same drawing code for both.
//! When the report has intervals ([`crate::add_uncertainty`]), each point carries its 95% interval
//! as a vertical error bar on the score axis.

use plotters::prelude::*;

use crate::{CategorySummary, ModelCategory, StudyReport};

/// A failure inside plotters (it cannot happen for an in-memory SVG, but is not hidden if it does).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("drawing figure 1 failed: {0}")]
pub struct FigureError(String);

/// Colours of the Okabe-Ito palette, distinguishable with the common colour-vision deficiencies.
pub fn category_colour(category: ModelCategory) -> (u8, u8, u8) {
    match category {
        ModelCategory::EnglishFirst => (0, 114, 178), // blue
        ModelCategory::Bilingual => (230, 159, 0),    // orange
        ModelCategory::Multilingual => (0, 158, 115), // bluish green
        ModelCategory::Unassigned => (204, 121, 167), // reddish purple
    }
}

/// A figure's size in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FigureSize {
    pub width: u32,
    pub height: u32,
}

/// Figure 1's size: the report's `figure1.svg` and the explorer's overview draw it alike.
pub const FIGURE1_SIZE: FigureSize = FigureSize { width: 860, height: 560 };

/// Figure 1 as an SVG document of `width` x `height` pixels.
pub fn figure1_svg(report: &StudyReport, width: u32, height: u32) -> Result<String, FigureError> {
    let points: Vec<(&CategorySummary, f64, f64)> = report
        .model_categories
        .iter()
        .filter_map(|summary| Some((summary, summary.mean_time_s?, summary.score_pct?)))
        .collect();
    let mut svg = String::new();
    draw(&mut svg, &points, width, height).map_err(|error| FigureError(error.to_string()))?;
    Ok(svg)
}

fn draw(
    svg: &mut String,
    points: &[(&CategorySummary, f64, f64)],
    width: u32,
    height: u32,
) -> Result<(), Box<dyn std::error::Error>> {
    let with_intervals = points.iter().any(|(summary, _, _)| summary.score_ci95_pp.is_some());
    let root = SVGBackend::with_string(svg, (width, height)).into_drawing_area();
    root.fill(&WHITE)?;
    // Times span two orders of magnitude (a few seconds to minutes), so the time axis is logarithmic.
    let (min_time, max_time) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), (_, time, _)| (low.min(*time), high.max(*time)));
    let (min_time, max_time) =
        if min_time.is_finite() && min_time > 0.0 { (min_time / 1.6, max_time * 1.6) } else { (1.0, 100.0) };
    let mut chart = ChartBuilder::on(&root)
        .caption(
            if with_intervals {
                "Score vs response time by model category and condition (bars: 95% intervals)"
            } else {
                "Score vs response time by model category and condition"
            },
            ("sans-serif", 18),
        )
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(56)
        .build_cartesian_2d(
            (min_time..max_time).log_scale().with_key_points(time_ticks(min_time, max_time)),
            0f64..100f64,
        )?;
    chart
        .configure_mesh()
        .x_desc("Mean response time (s, log scale)")
        .y_desc("Mean score (% of maximum)")
        .x_label_formatter(&|time| format!("{time:.0}"))
        .x_labels(8)
        .y_labels(11)
        .y_label_formatter(&|score| format!("{score:.0}"))
        .max_light_lines(0)
        .bold_line_style(RGBColor(225, 225, 225))
        .draw()?;
    for category in ModelCategory::ALL {
        let (r, g, b) = category_colour(category);
        let colour = RGBColor(r, g, b);
        let series: Vec<(f64, f64, &str)> = points
            .iter()
            .filter(|(summary, _, _)| summary.category == category)
            .map(|(summary, time, score)| (*time, *score, summary.condition.id()))
            .collect();
        if series.is_empty() {
            continue;
        }
        chart.draw_series(
            points
                .iter()
                .filter(|(summary, _, _)| summary.category == category)
                .filter_map(|(summary, time, score)| Some((*time, *score, summary.score_ci95_pp?)))
                .map(move |(time, score, interval)| {
                    ErrorBar::new_vertical(time, interval.low, score, interval.high, colour.stroke_width(1), 8)
                }),
        )?;
        chart
            .draw_series(series.into_iter().map(move |(time, score, label)| {
                EmptyElement::at((time, score))
                    + Circle::new((0, 0), 5, colour.filled())
                    + Text::new(label.to_owned(), (7, -14), ("sans-serif", 12).into_font().color(&colour))
            }))?
            .label(category.display_name())
            .legend(move |(x, y)| Circle::new((x, y), 5, colour.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(180, 180, 180))
        .label_font(("sans-serif", 13))
        .draw()?;
    root.present()?;
    Ok(())
}

/// 1, 2, 5, 10, 20, 50, ... seconds within the range: readable ticks on a log axis.
fn time_ticks(min: f64, max: f64) -> Vec<f64> {
    let mut ticks = Vec::new();
    let mut decade = 10f64.powf(min.log10().floor());
    while decade <= max {
        for step in [1.0, 2.0, 5.0] {
            let tick = decade * step;
            if tick >= min && tick <= max {
                ticks.push(tick);
            }
        }
        decade *= 10.0;
    }
    ticks
}

//! The model x condition score heatmap. Colour follows a single-hue sequential scale (light to dark
//! blue), readable with any colour-vision deficiency, and every cell prints its number, so colour is
//! never the only carrier of the value.

use left_behind_shared::{ModelRegistry, ResponseFilter, StudyReport, format_number};
use leptos::prelude::*;

use crate::site::{href, responses_route};

/// A cell's colours.
struct HeatColours {
    /// A CSS `rgb()`.
    background: String,
    /// Dark on light cells, white on dark ones.
    text: &'static str,
}

/// Background and text colour for a score in 0..=100.
fn colours(score: f64) -> HeatColours {
    // From #f7fbff (0) to #08306b (100), the ends of ColorBrewer's "Blues".
    let t = (score / 100.0).clamp(0.0, 1.0);
    let mix = |low: f64, high: f64| (low + (high - low) * t).round() as u8;
    let background = format!("rgb({}, {}, {})", mix(247.0, 8.0), mix(251.0, 48.0), mix(255.0, 107.0));
    HeatColours { background, text: if t > 0.55 { "#ffffff" } else { "#111111" } }
}

#[component]
pub fn Heatmap(report: StudyReport, registry: ModelRegistry) -> impl IntoView {
    let conditions = report.conditions_present();
    let models = registry.sorted_names(report.models.iter().map(|summary| summary.model.as_str()));
    let header = conditions
        .iter()
        .map(|condition| view! { <th scope="col" class="num" title=condition.label()>{condition.id()}</th> })
        .collect_view();
    let rows = models
        .iter()
        .map(|model| {
            let cells = conditions
                .iter()
                .map(|&condition| {
                    let summary = report.model(model, condition);
                    match summary.and_then(|summary| summary.score_pct) {
                        Some(score) => {
                            let HeatColours { background, text } = colours(score);
                            let filter = ResponseFilter {
                                models: vec![model.clone()],
                                conditions: vec![condition],
                                ..Default::default()
                            };
                            let link = href(&responses_route(&filter.to_query()));
                            view! {
                                <td class="num heat" style=format!("background:{background};color:{text}")>
                                    <a href=link style=format!("color:{text}")>{format_number(score, 1, false)}</a>
                                </td>
                            }
                            .into_any()
                        }
                        None => view! { <td class="num">"–"</td> }.into_any(),
                    }
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{registry.display_name(model).to_owned()}</th>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="heatmap" data-table="heatmap">
                <caption>"Total score by model and condition (% of maximum); a cell opens its responses"</caption>
                <thead><tr><th scope="col">"Model"</th>{header}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

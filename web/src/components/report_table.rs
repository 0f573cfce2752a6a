//! A report table (`shared::Table`) as an HTML table: the same cells, at the same precision, as
//! `left-behind report` prints them.

use left_behind_shared::Table;
use leptos::prelude::*;

/// What an empty numeric cell shows (the text report's dash).
pub const MISSING: &str = "–";

#[component]
pub fn ReportTable(table: Table) -> impl IntoView {
    let numeric: Vec<bool> = (0..table.headers.len()).map(|index| table.is_numeric_column(index)).collect();
    let header_cells = table
        .headers
        .iter()
        .enumerate()
        .map(|(index, header)| {
            let class = if numeric[index] { "num" } else { "" };
            view! { <th scope="col" class=class>{header.clone()}</th> }
        })
        .collect_view();
    let bodies = table
        .groups
        .iter()
        .map(|group| {
            let rows = group
                .iter()
                .map(|row| {
                    let cells = row
                        .iter()
                        .enumerate()
                        .map(|(index, cell)| {
                            let text = cell.display(MISSING);
                            if index == 0 {
                                view! { <th scope="row">{text}</th> }.into_any()
                            } else {
                                let class = if numeric.get(index).copied().unwrap_or(false) { "num" } else { "" };
                                view! { <td class=class>{text}</td> }.into_any()
                            }
                        })
                        .collect_view();
                    view! { <tr>{cells}</tr> }
                })
                .collect_view();
            view! { <tbody>{rows}</tbody> }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="report-table" data-table=table.id>
                <caption>{table.heading()}</caption>
                <thead><tr>{header_cells}</tr></thead>
                {bodies}
            </table>
        </div>
    }
}

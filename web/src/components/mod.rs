//! Pieces the pages share.

mod heatmap;
mod markdown_view;
mod problems;
mod report_table;
mod scores;
mod uncertainty_method;

pub use heatmap::Heatmap;
pub use markdown_view::MarkdownView;
pub use problems::{EmptyDataset, ProblemsPanel};
pub use report_table::ReportTable;
pub use scores::{ScoreSummary, Scores, total_label};
pub use uncertainty_method::UncertaintyMethod;

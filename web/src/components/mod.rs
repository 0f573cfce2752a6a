//! Pieces the pages share.

mod heatmap;
mod judges;
mod markdown_view;
mod problems;
mod report_table;
mod review_files;
mod review_panel;
mod scores;
mod uncertainty_method;

pub use heatmap::Heatmap;
pub use judges::{JudgeVerdicts, JudgesTable};
pub use markdown_view::MarkdownView;
pub use problems::{EmptyDataset, ProblemsPanel};
pub use report_table::ReportTable;
pub use review_files::ReviewFiles;
pub use review_panel::{BlindSwitch, HiddenGrade, OtherReviews, ReviewPanel, judge_visible, typing_in_a_field};
pub use scores::{ScoreSummary, Scores, total_label};
pub use uncertainty_method::UncertaintyMethod;

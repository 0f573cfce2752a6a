//! The output formats of `left-behind report` (and `report --judges`), apart from both so that
//! neither imports the other.

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Markdown,
    Csv,
    Json,
    Latex,
}

impl ReportFormat {
    /// The extension of a file in this format (`report.md`, `judges.tex`).
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Text => "txt",
            ReportFormat::Markdown => "md",
            ReportFormat::Csv => "csv",
            ReportFormat::Json => "json",
            ReportFormat::Latex => "tex",
        }
    }
}

//! Integration tests of the shared core: parsers, validation, the report's aggregates and renderings,
//! on small datasets written by hand in each test.

mod agreement;
mod answer_sheet;
mod dataset;
mod filter;
mod fixtures;
mod grades;
mod grading;
mod judge;
mod judges;
mod metrics;
mod questions;
mod registry;
mod report;
mod results;
mod review;
mod run_records;
mod study;
mod text;
mod uncertainty;

//! Integration tests of the `left-behind` binary: each test writes a small dataset into a temporary
//! directory, runs the real binary on it, and checks its output, exit status and files.

mod fetch;
mod metrics;
mod report;
mod support;
mod validate;

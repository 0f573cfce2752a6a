//! Integration tests of the `left-behind` binary and library: each test writes a small dataset into
//! a temporary directory, runs the real binary (or the library) on it, and checks its output, exit
//! status and files. Every test that talks HTTP talks to a real server on 127.0.0.1 it started.

mod agreement;
mod batch;
mod batch_server;
mod config;
mod dispatch;
mod docs_commands;
mod faults;
mod fetch;
mod grade;
mod judges;
mod kill;
mod local_model;
mod metrics;
mod providers_wire;
mod report;
mod run_cli;
mod secrets;
mod support;
mod validate;

// SPDX-License-Identifier: GPL-3.0-or-later
//! caltally turns a shared calendar into exact, classified time reports.
//!
//! Pipeline: sources → parse → expand(period, zone) → occurrences → classify(config) →
//! entries → aggregate → [`report::Report`] → render (CSV, Markdown). Parsing, expansion,
//! classification, aggregation and rendering do no I/O; [`app`] wires the stages to files.
#![warn(missing_docs)]

pub mod app;
pub mod caldav;
pub mod check;
pub mod classify;
pub mod cli;
pub mod closing;
pub mod config;
pub mod file_names;
pub mod ical;
pub mod input;
pub mod mail;
pub mod model;
pub mod output;
pub mod publish;
pub mod remind;
pub mod report;
pub mod store;
pub mod terminal;

// SPDX-License-Identifier: GPL-3.0-or-later
//! Fuzz target: arbitrary bytes through every pure CalDAV response parser (multistatus,
//! error bodies, hrefs). An error is an answer; a panic, a hang or unbounded memory is a
//! finding.
#![no_main]

use caltally::caldav::xml::{decode_href, parse_error, parse_multistatus};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_multistatus(data);
    let _ = parse_error(data);
    let _ = decode_href(&String::from_utf8_lossy(data));
});

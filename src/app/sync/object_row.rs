// SPDX-License-Identifier: GPL-3.0-or-later
//! A fetched object as the store keeps it: its raw bytes, ETag, UID and time bounds, with
//! a warning naming the object for what is wrong with it (too large, not UTF-8, not
//! readable). Runs on the fetching threads, so objects are read in parallel.

use crate::caldav::fetch::{self, Fetched, ObjectProblem};
use crate::ical;
use crate::store::ObjectRow;

/// A fetched object as stored, with its time bounds; warns about what is wrong with it.
/// Runs on the fetching threads.
pub(super) fn object_row(calendar: &str, f: Fetched) -> ObjectRow {
    match f.problem {
        Some(ObjectProblem::TooLarge) => log::warn!(
            "{calendar}: object {} is larger than {} MiB: stored as unreadable, its data not kept",
            f.href,
            fetch::MAX_OBJECT >> 20
        ),
        Some(ObjectProblem::NotUtf8) => log::warn!(
            "{calendar}: object {} is not valid UTF-8: the bytes that are not were replaced by U+FFFD",
            f.href
        ),
        None => {}
    }
    let data = f.data.into_bytes();
    let b = ical::object_bounds(&data);
    if !b.readable && f.problem != Some(ObjectProblem::TooLarge) {
        log::warn!(
            "{calendar}: object {} could not be read; stored, and reported as a warning",
            f.href
        );
    }
    ObjectRow {
        href: f.href,
        etag: f.etag,
        uid: b.uid,
        data,
        first_start: b.first_start,
        last_end: b.last_end,
    }
}

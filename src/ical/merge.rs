// SPDX-License-Identifier: GPL-3.0-or-later
//! The ill-defined inputs of the parse step, read the way calendar apps read them.
//!
//! Owns two choices, both reported as warnings naming the UID:
//! - **Floating times beside a zoned DTSTART** (RFC 5545 §3.3.5 leaves them to the reader):
//!   a DTEND, RDATE or EXDATE without TZID or `Z` is read in the DTSTART's zone, and a
//!   floating RECURRENCE-ID in its master's, as every client does.
//! - **One UID several times without RECURRENCE-ID** (concatenated invitations, a
//!   re-exported calendar): the highest SEQUENCE wins, then the latest LAST-MODIFIED, then
//!   the latest DTSTAMP (RFC 5546 §2.1.5); on a full tie the first one read is kept.
//!
//! Does not resolve zones (see [`super::tz`]) or expand anything (see [`super::recur`]).

use super::parse::{Component, Event, Moment, PeriodEnd};

/// Reads the floating times of one component in its DTSTART's zone, and notes which
/// properties were read so in its warnings.
pub fn anchor_floating(comp: &mut Component) {
    let Some(Moment::Zoned(_, tzid)) = &comp.start else {
        return;
    };
    let tzid = tzid.clone();
    let mut moved: Vec<&str> = Vec::new();
    if comp.end.as_mut().is_some_and(|m| anchor(m, &tzid)) {
        moved.push("DTEND");
    }
    let mut rdate = false;
    for r in &mut comp.rdates {
        rdate |= anchor(&mut r.start, &tzid);
        if let Some(PeriodEnd::End(end)) = &mut r.end {
            rdate |= anchor(end, &tzid);
        }
    }
    if rdate {
        moved.push("RDATE");
    }
    let mut exdate = false;
    for m in &mut comp.exdates {
        exdate |= anchor(m, &tzid);
    }
    if exdate {
        moved.push("EXDATE");
    }
    if !moved.is_empty() {
        comp.warnings
            .push(floating_message(&moved.join(", "), &tzid));
    }
}

/// Reads the floating RECURRENCE-IDs of an event's overrides in its master's DTSTART zone
/// (else the override's own). Returns the lines of the overrides changed, with the zone.
pub fn anchor_recurrence_ids(event: &mut Event) -> Vec<(usize, String)> {
    if event.overrides.is_empty() {
        return Vec::new();
    }
    let master_zone = match event.master.as_ref().and_then(|m| m.start.as_ref()) {
        Some(Moment::Zoned(_, tzid)) => Some(tzid.clone()),
        _ => None,
    };
    let mut changed = Vec::new();
    for o in &mut event.overrides {
        let own_zone = match &o.start {
            Some(Moment::Zoned(_, tzid)) => Some(tzid.clone()),
            _ => None,
        };
        let Some(tzid) = master_zone.clone().or(own_zone) else {
            continue;
        };
        if o.recurrence_id.as_mut().is_some_and(|m| anchor(m, &tzid)) {
            changed.push((o.line, tzid));
        }
    }
    changed
}

/// The warning for floating `what` read in the zone `tzid`.
pub fn floating_message(what: &str, tzid: &str) -> String {
    format!(
        "floating {what} (no TZID) read in the DTSTART's time zone `{tzid}`, as calendar apps do"
    )
}

fn anchor(m: &mut Moment, tzid: &str) -> bool {
    match m {
        Moment::Floating(t) => {
            *m = Moment::Zoned(*t, tzid.to_string());
            true
        }
        _ => false,
    }
}

/// True if `new` replaces `kept` as the master of a UID: a higher SEQUENCE, else a later
/// LAST-MODIFIED, else a later DTSTAMP (a missing value is older than any).
pub fn supersedes(new: &Component, kept: &Component) -> bool {
    (new.sequence, new.last_modified, new.stamp) > (kept.sequence, kept.last_modified, kept.stamp)
}

/// The warning for a UID whose master was written several times.
pub fn duplicate_message(kept_line: usize, ignored: &[usize]) -> String {
    let lines: Vec<String> = ignored.iter().map(usize::to_string).collect();
    let ignored_text = match lines.as_slice() {
        [one] => format!("the one at line {one} is ignored"),
        many => format!("those at lines {} are ignored", many.join(", ")),
    };
    format!(
        "{} VEVENTs without RECURRENCE-ID share this UID; the one at line {kept_line} is used \
         (highest SEQUENCE, then latest LAST-MODIFIED, then latest DTSTAMP) and {ignored_text}",
        ignored.len() + 1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ical::parse::parse_component;
    use chrono::NaiveDate;

    fn component(props: &str) -> Component {
        let text = format!(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n{}END:VEVENT\r\nEND:VCALENDAR\r\n",
            props.replace('\n', "\r\n")
        );
        parse_component(&text, 1).1.expect("component")
    }

    fn at(h: u32) -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 10, 5)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .expect("valid")
    }

    #[test]
    fn floating_rdate_and_exdate_take_the_start_zone() {
        let c = component(
            "DTSTART;TZID=America/New_York:20261005T100000\nRRULE:FREQ=DAILY;COUNT=3\n\
             RDATE:20261005T150000\nEXDATE:20261005T100000\n",
        );
        let ny = |h| Moment::Zoned(at(h), "America/New_York".into());
        assert_eq!(c.rdates[0].start, ny(15));
        assert_eq!(c.exdates, vec![ny(10)]);
        assert_eq!(
            c.warnings,
            vec![floating_message("RDATE, EXDATE", "America/New_York")]
        );
    }

    #[test]
    fn floating_times_stay_floating_beside_a_floating_or_utc_start() {
        for start in ["DTSTART:20261005T100000", "DTSTART:20261005T100000Z"] {
            let c = component(&format!("{start}\nDTEND:20261005T113000\n"));
            assert!(matches!(c.end, Some(Moment::Floating(_))), "{start}");
            assert!(c.warnings.is_empty(), "{start}");
        }
    }

    #[test]
    fn sequence_then_last_modified_then_dtstamp() {
        let base = "DTSTART:20261005T100000Z\n";
        let seq1 = component(&format!("{base}SEQUENCE:1\n"));
        let seq0_late = component(&format!(
            "{base}SEQUENCE:0\nLAST-MODIFIED:20300101T000000Z\nDTSTAMP:20300101T000000Z\n"
        ));
        assert!(supersedes(&seq1, &seq0_late));
        assert!(!supersedes(&seq0_late, &seq1));
        let modified = component(&format!(
            "{base}LAST-MODIFIED:20261002T000000Z\nDTSTAMP:20261001T000000Z\n"
        ));
        let stamped = component(&format!(
            "{base}LAST-MODIFIED:20261001T000000Z\nDTSTAMP:20261009T000000Z\n"
        ));
        assert!(supersedes(&modified, &stamped));
        let later_stamp = component(&format!("{base}DTSTAMP:20261009T000000Z\n"));
        let earlier_stamp = component(&format!("{base}DTSTAMP:20261001T000000Z\n"));
        assert!(supersedes(&later_stamp, &earlier_stamp));
        assert!(!supersedes(&earlier_stamp, &earlier_stamp.clone()));
    }
}

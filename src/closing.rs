// SPDX-License-Identifier: GPL-3.0-or-later
//! Closings: a month frozen by a fingerprint of its entries, and the amendments that later
//! edits of the calendar make to it.
//!
//! Owns: the fingerprint (per UID and recurrence: start, end, minutes, association, kind),
//! the comparison of a closing with the current entries (added, removed, changed with
//! before and after), and the Markdown of the amendments. Pure; the store keeps closings.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use crate::model::{Entry, Kind};
use crate::report::i18n::Text;
use crate::report::markdown::escape;

/// What is frozen of one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// UID.
    pub uid: String,
    /// Original start of a recurring instance (RFC 3339), empty otherwise.
    pub recurrence_id: String,
    /// SUMMARY, for people reading the amendment (not compared).
    pub summary: String,
    /// Clipped start (RFC 3339).
    pub start: String,
    /// Clipped end (RFC 3339).
    pub end: String,
    /// Counted minutes.
    pub minutes: i64,
    /// Association key, empty if none.
    pub association: String,
    /// Kind.
    pub kind: String,
}

impl Item {
    fn key(&self) -> (&str, &str) {
        (&self.uid, &self.recurrence_id)
    }

    fn same(&self, other: &Item) -> bool {
        (
            &self.start,
            &self.end,
            self.minutes,
            &self.association,
            &self.kind,
        ) == (
            &other.start,
            &other.end,
            other.minutes,
            &other.association,
            &other.kind,
        )
    }
}

/// The fingerprint of a period's entries, sorted by UID and recurrence.
pub fn fingerprint(entries: &[Entry]) -> Vec<Item> {
    let mut items: Vec<Item> = entries
        .iter()
        .map(|e| Item {
            uid: e.uid.clone(),
            recurrence_id: e.recurrence_id.map(|r| r.to_rfc3339()).unwrap_or_default(),
            summary: e.summary.to_string(),
            start: e.start.to_rfc3339(),
            end: e.end.to_rfc3339(),
            minutes: e.minutes,
            association: e.association.clone().unwrap_or_default(),
            kind: e.kind.as_str().to_string(),
        })
        .collect();
    items.sort_by(|a, b| a.key().cmp(&b.key()));
    items
}

/// A short digest of association `key`'s items (times, minutes, association, kind; not
/// the summary): equal digests mean no amendment for that association. FNV-1a, 64 bits, hex.
pub fn digest(items: &[Item], key: &str) -> String {
    let mut h = Fnv::default();
    for i in items.iter().filter(|i| i.association == key) {
        for field in [&i.uid, &i.recurrence_id, &i.start, &i.end, &i.kind] {
            h.eat(field);
        }
        h.eat(&i.minutes.to_string());
    }
    format!("{:016x}", h.0)
}

/// The same digest of a text (e.g. an association key, made ASCII for a Message-ID).
pub fn digest_text(text: &str) -> String {
    let mut h = Fnv::default();
    h.eat(text);
    format!("{:016x}", h.0)
}

/// FNV-1a, 64 bits: stable across versions and platforms, which is all a digest needs here.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn eat(&mut self, s: &str) {
        for b in s.bytes().chain([0u8]) {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// A difference between a closing and the calendar now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Amendment {
    /// In the calendar, not in the closing.
    Added(Item),
    /// In the closing, no longer in the calendar.
    Removed(Item),
    /// In both, with other times, minutes, association or kind.
    Changed {
        /// As closed.
        before: Item,
        /// As now.
        after: Item,
    },
}

impl Amendment {
    /// True if it concerns association `key` (before or after).
    pub fn concerns(&self, key: &str) -> bool {
        match self {
            Amendment::Added(i) | Amendment::Removed(i) => i.association == key,
            Amendment::Changed { before, after } => {
                before.association == key || after.association == key
            }
        }
    }
}

/// Compares a closing with the current fingerprint.
pub fn amendments(closed: &[Item], now: &[Item]) -> Vec<Amendment> {
    let before: BTreeMap<_, _> = closed.iter().map(|i| (i.key(), i)).collect();
    let after: BTreeMap<_, _> = now.iter().map(|i| (i.key(), i)).collect();
    let mut out = Vec::new();
    for (k, b) in &before {
        match after.get(k) {
            None => out.push(Amendment::Removed((*b).clone())),
            Some(a) if !b.same(a) => out.push(Amendment::Changed {
                before: (*b).clone(),
                after: (*a).clone(),
            }),
            Some(_) => {}
        }
    }
    for (k, a) in &after {
        if !before.contains_key(k) {
            out.push(Amendment::Added((*a).clone()));
        }
    }
    out
}

/// Writes the amendments section (nothing if there are none).
pub fn write_amendments(mut w: impl Write, list: &[&Amendment], t: &Text) -> io::Result<()> {
    if list.is_empty() {
        return Ok(());
    }
    writeln!(w, "\n## {}\n", t.amendments)?;
    writeln!(w, "{}\n", t.amendments_note)?;
    write_amendment_lines(w, list, t)
}

/// Writes one Markdown list item per amendment, with before and after.
pub fn write_amendment_lines(mut w: impl Write, list: &[&Amendment], t: &Text) -> io::Result<()> {
    let show = |i: &Item| {
        let kind = Kind::parse(&i.kind).map_or(i.kind.as_str(), |k| t.kind(k));
        let association = if i.association.is_empty() {
            "–"
        } else {
            &i.association
        };
        let (start, end) = (
            i.start.get(..16).unwrap_or(&i.start),
            i.end.get(11..16).unwrap_or(&i.end),
        );
        format!("{start} → {end}, {} min, {association}, {kind}", i.minutes)
    };
    for a in list {
        match a {
            Amendment::Added(i) => writeln!(
                w,
                "- {} : {} ({}) — {}",
                t.added,
                escape(&i.summary),
                escape(&i.uid),
                show(i)
            )?,
            Amendment::Removed(i) => writeln!(
                w,
                "- {} : {} ({}) — {}",
                t.removed,
                escape(&i.summary),
                escape(&i.uid),
                show(i)
            )?,
            Amendment::Changed { before, after } => writeln!(
                w,
                "- {} : {} ({}) — {} {} ; {} {}",
                t.changed,
                escape(&after.summary),
                escape(&after.uid),
                t.before,
                show(before),
                t.after,
                show(after)
            )?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(uid: &str, minutes: i64) -> Item {
        Item {
            uid: uid.into(),
            recurrence_id: String::new(),
            summary: "s".into(),
            start: "2026-10-05T10:00:00+02:00".into(),
            end: "2026-10-05T11:00:00+02:00".into(),
            minutes,
            association: "amis".into(),
            kind: "paid".into(),
        }
    }

    #[test]
    fn added_removed_and_changed() {
        let closed = vec![item("a", 60), item("b", 60), item("c", 60)];
        let mut renamed = item("c", 60);
        renamed.summary = "another title".into();
        let now = vec![item("a", 90), renamed, item("d", 30)];
        let got = amendments(&closed, &now);
        assert_eq!(
            got.len(),
            3,
            "a summary change alone is no amendment: {got:?}"
        );
        assert!(
            matches!(&got[0], Amendment::Changed { before, after } if before.minutes == 60 && after.minutes == 90)
        );
        assert!(matches!(&got[1], Amendment::Removed(i) if i.uid == "b"));
        assert!(matches!(&got[2], Amendment::Added(i) if i.uid == "d"));
    }

    #[test]
    fn digest_follows_amendments_of_one_association() {
        let closed = vec![item("a", 60), item("b", 60)];
        let mut renamed = closed.clone();
        renamed[0].summary = "another title".into();
        assert_eq!(digest(&closed, "amis"), digest(&renamed, "amis"));
        let mut longer = closed.clone();
        longer[1].minutes = 61;
        assert_ne!(digest(&closed, "amis"), digest(&longer, "amis"));
        let mut moved = closed.clone();
        moved[1].association = "radio".into();
        assert_ne!(digest(&closed, "amis"), digest(&moved, "amis"));
        assert_ne!(digest(&closed, "radio"), digest(&moved, "radio"));
        assert_eq!(digest(&[], "amis"), digest(&closed, "other"));
    }
}

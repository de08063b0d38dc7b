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
    /// How many people are named (not compared; 0 in closings made before it was kept).
    #[serde(default)]
    pub people: usize,
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
            uid: e.uid.to_string(),
            recurrence_id: e.recurrence_id.map(|r| r.to_rfc3339()).unwrap_or_default(),
            summary: e.summary.to_string(),
            start: e.start.to_rfc3339(),
            end: e.end.to_rfc3339(),
            minutes: e.minutes,
            association: e.association.as_deref().unwrap_or_default().to_string(),
            kind: e.kind.as_str().to_string(),
            people: e.people.len(),
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

/// Writes one Markdown list item per amendment, as a letter would say it: the day and
/// slot in words, what happened, the duration and kind, and what the entry is (without
/// hashtags or mentions), e.g. `jeudi 22 octobre, 9 h – 10 h 30 : retiré (1 h 30,
/// bénévole) — Renouvellement des certificats`.
pub fn write_amendment_lines(mut w: impl Write, list: &[&Amendment], t: &Text) -> io::Result<()> {
    for a in list {
        let line = match a {
            Amendment::Added(i) => {
                format!("{}{}{} ({})", when(i, t), t.colon(), t.added, facts(i, t))
            }
            Amendment::Removed(i) => {
                format!("{}{}{} ({})", when(i, t), t.colon(), t.removed, facts(i, t))
            }
            Amendment::Changed { before, after } => {
                let mut now = String::new();
                if date_of(&before.start) != date_of(&after.start) {
                    now.push_str(&when(after, t));
                } else if (&before.start, &before.end) != (&after.start, &after.end) {
                    now.push_str(&slot(after, t));
                }
                if before.association != after.association && !after.association.is_empty() {
                    if !now.is_empty() {
                        now.push_str(", ");
                    }
                    now.push_str(&format!("{} {}", t.moved_to, after.association));
                }
                if !now.is_empty() {
                    now.push(' ');
                }
                format!(
                    "{}{}{}, {} {now}({}) {} ({})",
                    when(before, t),
                    t.colon(),
                    t.changed,
                    t.now_reads,
                    facts(after, t),
                    t.instead_of,
                    facts(before, t)
                )
            }
        };
        let summary = crate::classify::without_markup(&a.item().summary);
        if summary.is_empty() {
            writeln!(w, "- {}", escape(&line))?;
        } else {
            writeln!(w, "- {} — {}", escape(&line), escape(&summary))?;
        }
    }
    Ok(())
}

impl Amendment {
    /// The entry as it is now, or as it was if it was removed.
    fn item(&self) -> &Item {
        match self {
            Amendment::Added(i) | Amendment::Removed(i) => i,
            Amendment::Changed { after, .. } => after,
        }
    }
}

/// The local date and time of an RFC 3339 instant as it was written (the report's zone).
fn local(instant: &str) -> Option<chrono::NaiveDateTime> {
    chrono::DateTime::parse_from_rfc3339(instant)
        .ok()
        .map(|d| d.naive_local())
}

fn date_of(instant: &str) -> Option<chrono::NaiveDate> {
    local(instant).map(|d| d.date())
}

/// `jeudi 22 octobre, 9 h – 10 h 30`.
fn when(i: &Item, t: &Text) -> String {
    match local(&i.start) {
        Some(start) => format!("{}, {}", t.day_words(start.date()), slot(i, t)),
        None => i.start.clone(),
    }
}

/// `9 h – 10 h 30`, with the end's day if it is another day.
fn slot(i: &Item, t: &Text) -> String {
    match (local(&i.start), local(&i.end)) {
        (Some(s), Some(e)) if s.date() == e.date() => t.slot(s.time(), e.time()),
        (Some(s), Some(e)) => format!(
            "{} – {} {}",
            t.clock(s.time()),
            t.day_words(e.date()),
            t.clock(e.time())
        ),
        _ => String::new(),
    }
}

/// `1 h 30, bénévole`.
fn facts(i: &Item, t: &Text) -> String {
    let kind = Kind::parse(&i.kind).map_or(i.kind.as_str(), |k| t.kind(k));
    format!("{}, {}", t.duration_words(i.minutes), kind.to_lowercase())
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
            people: 1,
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
    fn amendments_read_like_a_letter() {
        let mut removed = item("r", 90);
        removed.start = "2026-10-22T09:00:00+02:00".into();
        removed.end = "2026-10-22T10:30:00+02:00".into();
        removed.kind = "volunteer".into();
        removed.summary = "Certificats TLS #amis @alice #1h30".into();
        let mut later = item("c", 60);
        later.kind = "volunteer".into();
        let mut longer = later.clone();
        longer.end = "2026-10-05T12:00:00+02:00".into();
        longer.minutes = 120;
        let list = [
            Amendment::Removed(removed),
            Amendment::Changed {
                before: later,
                after: longer,
            },
        ];
        let show = |lang: crate::report::i18n::Lang| {
            let mut out = Vec::new();
            write_amendment_lines(&mut out, &list.iter().collect::<Vec<_>>(), lang.text())
                .expect("written");
            String::from_utf8(out)
                .expect("utf-8")
                .replace('\u{a0}', " ")
        };
        assert_eq!(
            show(crate::report::i18n::Lang::Fr),
            "- jeudi 22 octobre, 9 h – 10 h 30 : retiré (1 h 30, bénévole) — Certificats TLS\n\
             - lundi 5 octobre, 10 h – 11 h : modifié, désormais 10 h – 12 h (2 h, bénévole) au lieu de (1 h, bénévole) — s\n"
        );
        assert_eq!(
            show(crate::report::i18n::Lang::En),
            "- Thursday 22 October, 9:00–10:30: removed (1:30, volunteer) — Certificats TLS\n\
             - Monday 5 October, 10:00–11:00: changed, now 10:00–12:00 (2:00, volunteer) instead of (1:00, volunteer) — s\n"
        );
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

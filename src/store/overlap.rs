// SPDX-License-Identifier: GPL-3.0-or-later
//! Finding the objects whose occurrences may overlap a period, without reading the whole
//! store.
//!
//! Key terms: an object's *span* is `last_end - first_start` (its stored time bounds); its
//! *span class* ([`span_class`]) is the smallest power of two times [`BASE_SPAN`] above
//! that span, or [`OPEN_CLASS`] when a bound is unknown (an endless series, an unreadable
//! object). The index `objects_by_span (span_class, first_start, last_end)` then answers
//! "overlaps `[from, to)`" with one short range per class: an object of class `k` that
//! ends after `from` started after `from - limit(k)`, so only the starts in
//! `(from - limit(k), to)` are read, instead of every object that started before `to`.

use std::collections::HashMap;

use rusqlite::params;

use super::{Store, StoreError, StoredObject};

/// The span limit of class 0, in seconds (8 days): a one-off event with the two days of
/// margin on each side of its bounds.
pub(super) const BASE_SPAN: i64 = 8 * 24 * 3600;

/// Classes `0..BOUNDED_CLASSES` hold spans below `BASE_SPAN << class`; the class
/// `BOUNDED_CLASSES` holds the longer bounded spans (over 22 years).
pub(super) const BOUNDED_CLASSES: i64 = 11;

/// The class of objects with an unknown bound: always read, then filtered by the bound
/// they have.
pub(super) const OPEN_CLASS: i64 = BOUNDED_CLASSES + 1;

/// The span class of an object with these bounds (see the module doc).
pub(super) fn span_class(first_start: Option<i64>, last_end: Option<i64>) -> i64 {
    let (Some(first), Some(last)) = (first_start, last_end) else {
        return OPEN_CLASS;
    };
    let span = last.saturating_sub(first);
    (0..BOUNDED_CLASSES)
        .find(|k| span < BASE_SPAN << k)
        .unwrap_or(BOUNDED_CLASSES)
}

/// The upper limit (exclusive) of the spans of a bounded class, `None` for the last one.
fn span_limit(class: i64) -> Option<i64> {
    (class < BOUNDED_CLASSES).then(|| BASE_SPAN << class)
}

impl Store {
    /// Objects whose occurrences may overlap `[from, to)` (Unix times), by calendar and
    /// href.
    pub fn objects_overlapping(&self, from: i64, to: i64) -> Result<Vec<StoredObject>, StoreError> {
        let mut found: Vec<(i64, StoredObject)> = Vec::new();
        self.each_object_overlapping(from, to, |id, o| found.push((id, o)))?;
        found.sort_unstable_by(|a, b| (a.0, &a.1.href).cmp(&(b.0, &b.1.href)));
        Ok(found.into_iter().map(|(_, o)| o).collect())
    }

    /// The same objects, handed to `each` with their calendar's row id as they are read (in
    /// no particular order), so that they can be used while the rest is read.
    pub fn each_object_overlapping(
        &self,
        from: i64,
        to: i64,
        mut each: impl FnMut(i64, StoredObject),
    ) -> Result<(), StoreError> {
        let calendars = self.calendar_names()?;
        let mut hand = |(id, href, data): (i64, String, Vec<u8>)| {
            let (calendar, calendar_url) = calendars.get(&id).cloned().unwrap_or_default();
            each(
                id,
                StoredObject {
                    calendar,
                    calendar_url,
                    href,
                    data,
                },
            );
        };
        let mut bounded = self.conn.prepare_cached(
            "SELECT calendar_id, href, data FROM objects
             WHERE span_class = ?1 AND first_start > ?2 AND first_start < ?4 AND last_end > ?3",
        )?;
        let row = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?, r.get(2)?));
        for class in 0..=BOUNDED_CLASSES {
            let after = span_limit(class).map_or(i64::MIN, |limit| from.saturating_sub(limit));
            for o in bounded.query_map(params![class, after, from, to], row)? {
                hand(o?);
            }
        }
        let mut open = self.conn.prepare_cached(
            "SELECT calendar_id, href, data FROM objects
             WHERE span_class = ?1 AND (first_start IS NULL OR first_start < ?3)
               AND (last_end IS NULL OR last_end > ?2)",
        )?;
        for o in open.query_map(params![OPEN_CLASS, from, to], row)? {
            hand(o?);
        }
        Ok(())
    }

    fn calendar_names(&self) -> Result<HashMap<i64, (String, String)>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT id, name, url FROM calendars")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rusqlite::Connection;

    use super::super::schema::MIGRATIONS;
    use super::super::{CalendarRow, ObjectRow};
    use super::*;

    const DAY: i64 = 24 * 3600;

    fn store_with(bounds: &[(Option<i64>, Option<i64>)]) -> Store {
        let mut store = Store::in_memory().expect("store");
        let tx = store.begin().expect("tx");
        let id = tx
            .upsert_calendar(&CalendarRow {
                source: "s".into(),
                url: "https://h/c/".into(),
                name: "C".into(),
                ..CalendarRow::default()
            })
            .expect("calendar");
        for (i, (first_start, last_end)) in bounds.iter().enumerate() {
            let row = ObjectRow {
                href: format!("{i:04}"),
                etag: None,
                uid: None,
                data: Vec::new(),
                first_start: *first_start,
                last_end: *last_end,
            };
            tx.put_object(id, &row).expect("put");
        }
        tx.commit().expect("commit");
        store
    }

    /// The rule the query must follow exactly, object by object.
    fn overlaps(first_start: Option<i64>, last_end: Option<i64>, from: i64, to: i64) -> bool {
        first_start.is_none_or(|f| f < to) && last_end.is_none_or(|l| l > from)
    }

    fn hrefs(store: &Store, from: i64, to: i64) -> Vec<String> {
        let objects = store.objects_overlapping(from, to).expect("query");
        objects.into_iter().map(|o| o.href).collect()
    }

    #[test]
    fn span_classes_double_from_eight_days() {
        assert_eq!(span_class(Some(0), Some(0)), 0);
        assert_eq!(span_class(Some(0), Some(BASE_SPAN - 1)), 0);
        assert_eq!(span_class(Some(0), Some(BASE_SPAN)), 1);
        assert_eq!(span_class(Some(10), Some(5)), 0, "an end before the start");
        assert_eq!(span_class(Some(0), Some((BASE_SPAN << 10) - 1)), 10);
        assert_eq!(span_class(Some(0), Some(BASE_SPAN << 10)), BOUNDED_CLASSES);
        assert_eq!(span_class(Some(i64::MIN), Some(i64::MAX)), BOUNDED_CLASSES);
        assert_eq!(span_class(Some(0), None), OPEN_CLASS);
        assert_eq!(span_class(None, Some(0)), OPEN_CLASS);
        assert_eq!(span_class(None, None), OPEN_CLASS);
    }

    #[test]
    fn objects_touching_the_period_at_an_edge_are_left_out() {
        let (from, to) = (1000 * DAY, 1030 * DAY);
        let store = store_with(&[
            (Some(from - 5 * DAY), Some(from)), // 0000: ends as the period starts
            (Some(from - 5 * DAY), Some(from + 1)), // 0001: one second inside
            (Some(to), Some(to + DAY)),         // 0002: starts as the period ends
            (Some(to - 1), Some(to + DAY)),     // 0003: one second inside
            (Some(from - 3000 * DAY), Some(to + 9)), // 0004: a long series across it
            (Some(from - 3000 * DAY), None),    // 0005: endless since long ago
            (Some(to), None),                   // 0006: endless, starts after
            (None, None),                       // 0007: unreadable: always read
            (Some(from - 9000 * DAY), Some(from - 1)), // 0008: ended just before
            (Some(0), Some(0)),                 // 0009: nothing to count
        ]);
        assert_eq!(
            hrefs(&store, from, to),
            ["0001", "0003", "0004", "0005", "0007"]
        );
    }

    #[test]
    fn migration_6_classes_the_objects_of_an_existing_store() {
        let bounds = [
            (Some(0), Some(4 * DAY)),
            (Some(0), Some(BASE_SPAN)),
            (Some(-50 * DAY), Some(600 * DAY)),
            (Some(0), Some(BASE_SPAN << 10)),
            (Some(0), Some((BASE_SPAN << 10) - 1)),
            (Some(0), Some(9000 * DAY)),
            (Some(0), None),
            (None, None),
        ];
        let conn = Connection::open_in_memory().expect("db");
        for (i, sql) in MIGRATIONS.iter().take(5).enumerate() {
            conn.execute_batch(sql).expect("old schema");
            conn.pragma_update(None, "user_version", (i + 1) as i64)
                .expect("version");
        }
        conn.execute(
            "INSERT INTO calendars (id, source, url, name) VALUES (1, 's', 'https://h/c/', 'C')",
            [],
        )
        .expect("calendar");
        for (i, (first, last)) in bounds.iter().enumerate() {
            conn.execute(
                "INSERT INTO objects (calendar_id, href, data, first_start, last_end) VALUES (1, ?1, x'', ?2, ?3)",
                params![format!("{i:04}"), first, last],
            )
            .expect("object");
        }
        let mut store = Store { conn };
        store.migrate().expect("migrates");
        for (i, (first, last)) in bounds.iter().enumerate() {
            let class: i64 = store
                .conn
                .query_row(
                    "SELECT span_class FROM objects WHERE href = ?1",
                    [format!("{i:04}")],
                    |r| r.get(0),
                )
                .expect("class");
            assert_eq!(class, span_class(*first, *last), "object {i}");
        }
        assert_eq!(
            hrefs(&store, 500 * DAY, 501 * DAY),
            ["0002", "0003", "0004", "0005", "0006", "0007"]
        );
    }

    fn bound() -> impl Strategy<Value = Option<i64>> {
        prop_oneof![
            1 => Just(None),
            12 => (-20_000 * DAY..20_000 * DAY).prop_map(Some),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        /// Whatever the bounds and the period, the query returns exactly the objects whose
        /// bounds overlap it, in calendar and href order.
        #[test]
        fn the_query_finds_exactly_the_overlapping_bounds(
            rows in proptest::collection::vec((bound(), -12_000 * DAY..12_000 * DAY), 1..60),
            from in -20_000 * DAY..20_000 * DAY,
            length in prop_oneof![0..DAY, 0..40 * DAY, 0..9000 * DAY],
        ) {
            // Spans spread over every class: a start and a length, or a missing bound.
            let bounds: Vec<_> = rows
                .iter()
                .map(|(first, len)| (*first, first.map(|f| f + len.abs() / (1 + len.rem_euclid(7) * 97))))
                .collect();
            let store = store_with(&bounds);
            let to = from + length;
            let expected: Vec<String> = bounds
                .iter()
                .enumerate()
                .filter(|(_, (f, l))| overlaps(*f, *l, from, to))
                .map(|(i, _)| format!("{i:04}"))
                .collect();
            prop_assert_eq!(hrefs(&store, from, to), expected);
        }
    }
}

// SPDX-License-Identifier: GPL-3.0-or-later
//! A report from the store never misses an occurrence: for many periods and report zones,
//! every object the store does not read for a period has no occurrence in it, so the
//! occurrences from the store are those of every object read directly. The objects are the fixture corpus (`fixtures/ical/`) and the
//! store's own cases (`fixtures/store/`: series endless since 2010, an override moved
//! from 2012 into November 2026, events ending at a month's first instant, floating times,
//! a DST night), each stored with the bounds `sync` computes.

use std::collections::HashSet;
use std::path::Path;

use caltally::ical::{self, Expansion, tz::Zone};
use caltally::model::Occurrence;
use caltally::store::{CalendarRow, ObjectRow, Store};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

/// Instances per event: the same small cap on both sides keeps the endless series cheap.
const MAX_INSTANCES: usize = 1_000;

type Key = (
    String,
    DateTime<Utc>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    bool,
);

struct Object {
    name: String,
    bytes: Vec<u8>,
}

fn read_objects() -> Vec<Object> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut objects = Vec::new();
    for dir in ["ical", "store"] {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(dir))
            .expect("fixture folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "ics"))
            .collect();
        paths.sort();
        for path in paths {
            let name = format!(
                "{dir}/{}",
                path.file_name().expect("name").to_string_lossy()
            );
            let bytes = std::fs::read(&path).expect("fixture");
            objects.push(Object { name, bytes });
        }
    }
    objects
}

/// The store `sync` would write: one object per file, with its bounds.
fn store_of(objects: &[Object]) -> Store {
    let mut store = Store::in_memory().expect("store");
    let tx = store.begin().expect("tx");
    let id = tx
        .upsert_calendar(&CalendarRow {
            source: "https://cloud.example/remote.php/dav/".into(),
            url: "https://cloud.example/remote.php/dav/calendars/c/".into(),
            name: "C".into(),
            ..CalendarRow::default()
        })
        .expect("calendar");
    for o in objects {
        let b = ical::object_bounds(&o.bytes);
        let row = ObjectRow {
            href: o.name.clone(),
            etag: None,
            uid: b.uid,
            data: o.bytes.clone(),
            first_start: b.first_start,
            last_end: b.last_end,
        };
        tx.put_object(id, &row).expect("put");
    }
    tx.commit().expect("commit");
    store
}

fn keys<'a>(objects: impl Iterator<Item = (&'a str, &'a [u8])>, x: &Expansion) -> Vec<Key> {
    let mut keys: Vec<Key> = objects
        .flat_map(|(name, bytes)| ical::read_occurrences(bytes, name, "C", x).0)
        .map(|o| key(&o))
        .collect();
    keys.sort();
    keys
}

fn key(o: &Occurrence) -> Key {
    (
        o.uid.to_string(),
        o.start,
        o.end,
        o.recurrence_id,
        o.all_day.is_some(),
    )
}

fn window(zone: &Zone, from: DateTime<Utc>, to: DateTime<Utc>) -> Expansion {
    Expansion {
        report_zone: zone.clone(),
        from,
        to,
        max_instances: MAX_INSTANCES,
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// Months from December 2025 to February 2027, two-month report windows, and each day
/// around the end of October 2026 (the DST change and a month's edge).
fn periods(zone: &Zone) -> Vec<Expansion> {
    let mut dates: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    let months: Vec<NaiveDate> = (0..16)
        .map(|i| day(2025 + (11 + i) / 12, (11 + i as u32) % 12 + 1, 1))
        .collect();
    for pair in months.windows(2) {
        dates.push((pair[0], pair[1]));
    }
    for triple in months.windows(3) {
        dates.push((triple[0], triple[2]));
    }
    for d in 0..18 {
        let from = day(2026, 10, 20) + TimeDelta::days(d);
        dates.push((from, from + TimeDelta::days(1)));
    }
    dates
        .into_iter()
        .map(|(from, to)| {
            let mut x = Expansion::for_dates(zone.clone(), from, to);
            x.max_instances = MAX_INSTANCES;
            x
        })
        .collect()
}

/// Every object the store leaves out has no occurrence in the window; returns how many
/// it read.
fn assert_nothing_missed(store: &Store, objects: &[Object], x: &Expansion) -> usize {
    let read = store
        .objects_overlapping(x.from.timestamp(), x.to.timestamp())
        .expect("query");
    let names: HashSet<&str> = read.iter().map(|o| o.href.as_str()).collect();
    for o in objects.iter().filter(|o| !names.contains(o.name.as_str())) {
        let missed = keys(std::iter::once((o.name.as_str(), &o.bytes[..])), x);
        assert!(
            missed.is_empty(),
            "{} was not read for {} to {} in {:?}, yet it has {missed:?}",
            o.name,
            x.from,
            x.to,
            x.report_zone
        );
    }
    read.len()
}

#[test]
fn a_period_read_from_the_store_has_every_occurrence_of_the_objects() {
    let objects = read_objects();
    let store = store_of(&objects);
    let zones = [
        Zone::Iana(chrono_tz::Europe::Brussels),
        Zone::Iana(chrono_tz::Pacific::Kiritimati),
        Zone::Iana(chrono_tz::Pacific::Pago_Pago),
        Zone::Utc,
    ];
    let mut fewest = objects.len();
    for zone in &zones {
        for x in periods(zone) {
            fewest = fewest.min(assert_nothing_missed(&store, &objects, &x));
        }
    }
    assert!(
        fewest < objects.len() / 2,
        "some period reads only part of the store ({fewest} of {})",
        objects.len()
    );
}

/// Windows that touch an occurrence at an instant (ending as it starts, starting as it
/// ends, its first second), for the first and last occurrences of each object in
/// October and November 2026.
#[test]
fn windows_touching_an_occurrence_at_its_edges_agree() {
    let objects = read_objects();
    let store = store_of(&objects);
    let zone = Zone::Iana(chrono_tz::Europe::Brussels);
    let mut autumn = Expansion::for_dates(zone.clone(), day(2026, 10, 1), day(2026, 12, 1));
    autumn.max_instances = MAX_INSTANCES;
    let mut edges: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for o in &objects {
        let all = ical::read_occurrences(&o.bytes, &o.name, "C", &autumn).0;
        let ends = all.iter().take(2).chain(all.iter().rev().take(2));
        for occ in ends {
            let hour = TimeDelta::hours(1);
            edges.push((occ.start - hour, occ.start));
            edges.push((occ.end, occ.end + hour));
            edges.push((occ.start, occ.start + TimeDelta::seconds(1)));
        }
    }
    edges.sort();
    edges.dedup();
    assert!(edges.len() > 100, "{} windows", edges.len());
    for (from, to) in edges {
        assert_nothing_missed(&store, &objects, &window(&zone, from, to));
    }
}

#[test]
fn november_2026_from_the_store_has_the_occurrence_moved_from_2012() {
    let objects = read_objects();
    let store = store_of(&objects);
    let zone = Zone::Iana(chrono_tz::Europe::Brussels);
    let mut x = Expansion::for_dates(zone, day(2026, 11, 1), day(2026, 12, 1));
    x.max_instances = MAX_INSTANCES;
    let read = store
        .objects_overlapping(x.from.timestamp(), x.to.timestamp())
        .expect("query");
    let found = keys(read.iter().map(|o| (o.href.as_str(), &o.data[..])), &x);
    let uids = |uid: &str| found.iter().filter(|k| k.0 == uid).count();
    assert_eq!(uids("store-moved-2012"), 1);
    assert_eq!(uids("store-endless-2010"), 3, "4 Tuesdays, one skipped");
    assert_eq!(uids("store-endless-monthly"), 1);
    assert_eq!(uids("store-yearly-40"), 1);
    assert_eq!(uids("store-moved-out"), 4, "5 days, one moved to 2027");
    assert_eq!(uids("store-until-edge"), 1, "the midnight of 1 November");
    assert_eq!(uids("store-ends-at-edge"), 0);
}

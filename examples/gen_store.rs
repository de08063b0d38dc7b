// SPDX-License-Identifier: GPL-3.0-or-later
//! Writes a synced store for the "federation" benchmark: many collectives, each a CalDAV
//! source with a few calendars, years of history, written through caltally's own store
//! and with the time bounds `sync` computes ([`caltally::ical::object_bounds`]).
//!
//! ```text
//! cargo run --release --example gen_store -- --objects 1000000 --years 20 --out FILE [--config FILE]
//!     [--seed N] [--collectives 20] [--end 2026-12-01]
//! ```
//!
//! Each object is one event as Nextcloud keeps it: one-off events with hashtags for an
//! association and a kind, about 5 % recurring series (weekly or monthly; most end by
//! UNTIL or COUNT, some never end; EXDATEs and a moved occurrence), UTC times mostly and
//! Europe/Brussels times with their VTIMEZONE for a part. More events in recent years, as
//! a federation grows. Every source is marked synced at `--end`. Deterministic for a
//! seed. `--config` also writes a `caltally.toml` naming the sources and the store.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use caltally::ical::object_bounds;
use caltally::store::{CalendarRow, ObjectRow, Store};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Europe::Brussels;
use rayon::prelude::*;

const CALENDARS: [&str; 3] = ["Collectif", "Permanences", "Chantiers"];
const ASSOCIATIONS: [&str; 12] = [
    "amis",
    "ecole",
    "radio",
    "jardin",
    "velo",
    "theatre",
    "epicerie",
    "cinema",
    "chorale",
    "bibliotheque",
    "repair",
    "musee",
];
const KINDS: [&str; 3] = ["#benevole", "#paye", "#prixlibre"];
const PEOPLE: [&str; 8] = [
    "alice", "bruno", "chloe", "driss", "emma", "farid", "gaelle", "hugo",
];
const WORDS: [&str; 24] = [
    "mise à jour",
    "serveur",
    "sauvegarde",
    "migration",
    "messagerie",
    "certificat",
    "nextcloud",
    "yunohost",
    "gitea",
    "utilisateurs",
    "formation",
    "réunion",
    "dépannage",
    "supervision",
    "sécurité",
    "annuaire",
    "agenda",
    "partage",
    "bénévoles",
    "trésorerie",
    "documentation",
    "wiki",
    "réseau",
    "imprimante",
];
const VTIMEZONE: &str = "BEGIN:VTIMEZONE\r\nTZID:Europe/Brussels\r\nBEGIN:DAYLIGHT\r\n\
TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19700329T020000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\n\
TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";
/// Objects generated and written per transaction.
const CHUNK: usize = 20_000;

struct Args {
    objects: usize,
    years: u32,
    collectives: usize,
    seed: u64,
    end: NaiveDate,
    out: PathBuf,
    config: Option<PathBuf>,
}

fn parse_args() -> Result<Args> {
    let mut a = Args {
        objects: 1_000_000,
        years: 20,
        collectives: 20,
        seed: 7,
        end: NaiveDate::from_ymd_opt(2026, 12, 1).context("date")?,
        out: PathBuf::new(),
        config: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--objects" => a.objects = value.parse()?,
            "--years" => a.years = value.parse()?,
            "--collectives" => a.collectives = value.parse()?,
            "--seed" => a.seed = value.parse()?,
            "--end" => a.end = value.parse()?,
            "--out" => a.out = value.into(),
            "--config" => a.config = Some(value.into()),
            _ => bail!("unknown option {flag} (see the doc at the top of examples/gen_store.rs)"),
        }
    }
    if a.out.as_os_str().is_empty() || a.collectives == 0 || a.years == 0 {
        bail!("usage: gen_store --objects N --years N --out FILE [--config FILE] [--seed N]");
    }
    Ok(a)
}

/// SplitMix64: small, fast and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn source_of(collective: usize) -> String {
    format!("https://cloud.collectif-{collective:02}.example/remote.php/dav/")
}

/// The path of a calendar collection; its URL is the source's origin and this path.
fn calendar_path(calendar: usize) -> String {
    format!(
        "/remote.php/dav/calendars/federation/{}/",
        CALENDARS[calendar].to_lowercase()
    )
}

fn calendar_url(collective: usize, calendar: usize) -> String {
    format!(
        "https://cloud.collectif-{collective:02}.example{}",
        calendar_path(calendar)
    )
}

/// A date-time property: `t` is Europe/Brussels wall time if `zoned`, else UTC.
fn when(name: &str, t: NaiveDateTime, zoned: bool) -> String {
    if zoned {
        format!("{name};TZID=Europe/Brussels:{}", t.format("%Y%m%dT%H%M%S"))
    } else {
        format!("{name}:{}Z", t.format("%Y%m%dT%H%M%S"))
    }
}

/// One object's iCalendar text; `n` is its number, `rng` seeded for it alone.
fn object_text(n: usize, collective: usize, a: &Args, rng: &mut Rng) -> (String, String) {
    let days = (a.end
        - a.end
            .with_year(a.end.year() - a.years as i32)
            .unwrap_or(a.end))
    .num_days()
    .max(1);
    // Density grows linearly over the years (1 at the start, 3 at the end).
    let u = rng.unit();
    let t = ((1.0 + 8.0 * u).sqrt() - 1.0) / 2.0;
    let day = a.end - Duration::days(days - (t * days as f64) as i64);
    let start = day.and_hms_opt(7 + rng.below(14) as u32, 15 * rng.below(4) as u32, 0);
    let mut start = start.unwrap_or_default();
    let length = Duration::minutes(*rng.pick(&[30, 45, 60, 90, 120, 180, 240]));
    let uid = format!(
        "{:016x}-{n}@cloud.collectif-{collective:02}.example",
        rng.next()
    );
    let recurring = rng.below(100) < 5;
    let zoned = rng.below(100) < if recurring { 50 } else { 10 };
    if !zoned {
        // The same wall clock, written in UTC as many clients do.
        start = Brussels
            .from_local_datetime(&start)
            .earliest()
            .map_or(start, |z| z.naive_utc());
    }
    let association = ASSOCIATIONS[(collective + rng.below(6) as usize) % ASSOCIATIONS.len()];
    let summary = format!(
        "{} {} #{association} {}",
        rng.pick(&WORDS),
        rng.pick(&WORDS),
        rng.pick(&KINDS)
    );
    let mut s = String::with_capacity(1400);
    s.push_str("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Nextcloud calendar v4.7.0\r\nCALSCALE:GREGORIAN\r\n");
    if zoned {
        s.push_str(VTIMEZONE);
    }
    let stamp = day.format("%Y%m%dT090000Z");
    let _ = write!(
        s,
        "BEGIN:VEVENT\r\nCREATED:{stamp}\r\nDTSTAMP:{stamp}\r\nLAST-MODIFIED:{stamp}\r\nSEQUENCE:0\r\n\
UID:{uid}\r\n{}\r\n{}\r\nSTATUS:CONFIRMED\r\nSUMMARY:{summary}\r\n",
        when("DTSTART", start, zoned),
        when("DTEND", start + length, zoned),
    );
    if rng.below(2) == 0 {
        let words: Vec<&str> = (0..2 + rng.below(5)).map(|_| *rng.pick(&WORDS)).collect();
        let _ = write!(
            s,
            "DESCRIPTION:{} @{}\r\n",
            words.join(" "),
            rng.pick(&PEOPLE)
        );
    }
    let organizer = rng.pick(&PEOPLE);
    let _ = write!(
        s,
        "ORGANIZER;CN={organizer}:mailto:{organizer}@collectif-{collective:02}.example\r\n"
    );
    let mut moved = None;
    if recurring {
        moved = write_rule(&mut s, start, zoned, rng);
    }
    s.push_str("END:VEVENT\r\n");
    if let Some(original) = moved {
        let new_start = original + Duration::days(1) + Duration::hours(1);
        let _ = write!(
            s,
            "BEGIN:VEVENT\r\nDTSTAMP:{stamp}\r\nUID:{uid}\r\n{}\r\n{}\r\n{}\r\nSEQUENCE:1\r\n\
SUMMARY:{summary} (déplacé)\r\nEND:VEVENT\r\n",
            when("RECURRENCE-ID", original, zoned),
            when("DTSTART", new_start, zoned),
            when("DTEND", new_start + length, zoned),
        );
    }
    s.push_str("END:VCALENDAR\r\n");
    (uid, s)
}

/// RRULE and EXDATE of a series; returns the original start of a moved occurrence.
fn write_rule(
    s: &mut String,
    start: NaiveDateTime,
    zoned: bool,
    rng: &mut Rng,
) -> Option<NaiveDateTime> {
    let weekly = rng.below(10) < 6;
    let (freq, step) = if weekly {
        ("FREQ=WEEKLY", Duration::weeks(1))
    } else {
        // Monthly on the same day of the month, never past the 28th.
        ("FREQ=MONTHLY", Duration::days(28))
    };
    let count = if weekly {
        10 + rng.below(140)
    } else {
        6 + rng.below(30)
    };
    match rng.below(100) {
        0..2 => {
            let _ = write!(s, "RRULE:{freq}\r\n");
        }
        2..51 => {
            let until = start + step * (count as i32 - 1) + Duration::hours(1);
            let until = until.format("%Y%m%dT%H%M%SZ");
            let _ = write!(s, "RRULE:{freq};UNTIL={until}\r\n");
        }
        _ => {
            let _ = write!(s, "RRULE:{freq};COUNT={count}\r\n");
        }
    }
    if !weekly {
        return None;
    }
    let skipped = [1 + rng.below(count - 1), 1 + rng.below(count - 1)];
    let second = when("", start + step * skipped[1] as i32, zoned);
    let value = second.rsplit(':').next().unwrap_or_default();
    let _ = write!(
        s,
        "{},{value}\r\n",
        when("EXDATE", start + step * skipped[0] as i32, zoned)
    );
    (rng.below(3) == 0).then(|| start + step * (1 + rng.below(count - 1)) as i32)
}

fn main() -> Result<()> {
    let a = parse_args()?;
    let clock = std::time::Instant::now();
    if a.out.exists() {
        bail!("{} exists: remove it first", a.out.display());
    }
    let mut store = Store::open(&a.out)?;
    let calendars = a.collectives * CALENDARS.len();
    let mut ids = Vec::with_capacity(calendars);
    {
        let tx = store.begin()?;
        for c in 0..calendars {
            let (collective, calendar) = (c / CALENDARS.len(), c % CALENDARS.len());
            ids.push(tx.upsert_calendar(&CalendarRow {
                source: source_of(collective),
                url: calendar_url(collective, calendar),
                name: format!("{} {collective:02}", CALENDARS[calendar]),
                ..CalendarRow::default()
            })?);
        }
        tx.commit()?;
    }
    let mut written = 0;
    while written < a.objects {
        let n = (a.objects - written).min(CHUNK);
        let rows: Vec<(i64, ObjectRow)> = (written..written + n)
            .into_par_iter()
            .map(|i| {
                let mut rng = Rng(a.seed ^ (i as u64).wrapping_mul(0x2545_f491_4f6c_dd1d));
                let c = rng.below(calendars as u64) as usize;
                let (uid, text) = object_text(i, c / CALENDARS.len(), &a, &mut rng);
                let b = object_bounds(text.as_bytes());
                let row = ObjectRow {
                    href: format!("{}{uid}.ics", calendar_path(c % CALENDARS.len())),
                    etag: Some(format!("\"{:x}\"", rng.next())),
                    uid: b.uid,
                    data: text.into_bytes(),
                    first_start: b.first_start,
                    last_end: b.last_end,
                };
                (ids[c], row)
            })
            .collect();
        let tx = store.begin()?;
        for (id, row) in &rows {
            tx.put_object(*id, row)?;
        }
        tx.commit()?;
        written += n;
    }
    let synced = a
        .end
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
        .timestamp();
    let tx = store.begin()?;
    for collective in 0..a.collectives {
        tx.mark_synced(&source_of(collective), synced)?;
    }
    tx.commit()?;
    if let Some(path) = &a.config {
        write_config(path, &a)?;
    }
    eprintln!(
        "gen_store: {} objects in {calendars} calendars of {} sources, {} years to {}, in {:.1} s",
        a.objects,
        a.collectives,
        a.years,
        a.end,
        clock.elapsed().as_secs_f64()
    );
    Ok(())
}

fn write_config(path: &std::path::Path, a: &Args) -> Result<()> {
    let store = std::path::absolute(&a.out)?;
    let mut text = format!(
        "# Written by examples/gen_store.rs.\ntimezone = \"Europe/Brussels\"\nstore = \"{}\"\n",
        store.display()
    );
    for collective in 0..a.collectives {
        let _ = write!(
            text,
            "\n[[source]]\ncaldav = \"{}\"\nusername = \"federation\"\npassword_env = \"FEDERATION_PASSWORD\"\n",
            source_of(collective)
        );
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

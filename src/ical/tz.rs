// SPDX-License-Identifier: GPL-3.0-or-later
//! Time zones: turning a TZID into a [`Zone`], and a local wall-clock time into an instant.
//!
//! Owns: the TZID resolution order and the RFC 5545 §3.3.5 rules for local times.
//! 1. An IANA name is taken from the tz database (chrono-tz), never from the file's
//!    VTIMEZONE, because clients write truncated or wrong VTIMEZONE blocks.
//! 2. A vendor prefix before an IANA name is dropped: libical's
//!    `/freeassociation.sourceforge.net/` (with or without `Tzfile/`), `/mozilla.org/<date>/`,
//!    `/softwarestudio.org/Olson_<date>/` and `/citadel.org/<date>/`. Windows names
//!    (`Romance Standard Time`) are mapped to IANA by calcard.
//! 3. A TZID known only by its VTIMEZONE is evaluated from that block ([`super::vtimezone`]).
//! 4. A `(UTC±hh:mm) …` display name with no usable VTIMEZONE gets that fixed offset.
//! 5. Anything else is unknown: the caller reads it in the report zone and warns.
//!
//! A local time in a DST gap is read with the offset in force before the gap (so it moves
//! forward); an ambiguous local time takes the first of its two instants.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeDelta, Utc};

use super::vtimezone::CustomZone;

/// A resolved time zone.
#[derive(Debug, Clone)]
pub enum Zone {
    /// UTC.
    Utc,
    /// A zone of the tz database.
    Iana(chrono_tz::Tz),
    /// A fixed offset (e.g. `(UTC+01:00) …` names).
    Fixed(FixedOffset),
    /// A zone known only by its VTIMEZONE rules.
    Custom(Arc<CustomZone>),
}

impl Zone {
    /// Offset from UTC, in seconds, in force at the UTC instant `utc`.
    pub fn offset_at(&self, utc: NaiveDateTime) -> i32 {
        match self {
            Zone::Iana(tz) => super::offsets::offset_at(*tz, utc.and_utc().timestamp()),
            _ => self.offset_at_unix(utc.and_utc().timestamp(), || utc),
        }
    }

    /// The same at the Unix time `t`; `utc` gives that instant as a date and time, which
    /// only a VTIMEZONE's rules need.
    fn offset_at_unix(&self, t: i64, utc: impl FnOnce() -> NaiveDateTime) -> i32 {
        match self {
            Zone::Utc => 0,
            Zone::Iana(tz) => super::offsets::offset_at(*tz, t),
            Zone::Fixed(off) => off.local_minus_utc(),
            Zone::Custom(zone) => zone.offset_at(utc()),
        }
    }

    /// [`Zone::offset_at_unix`] for a Unix time alone.
    fn offset_at_seconds(&self, t: i64) -> i32 {
        self.offset_at_unix(t, || {
            DateTime::from_timestamp(t, 0)
                .unwrap_or_default()
                .naive_utc()
        })
    }

    /// The instant of the local wall-clock time `local` in this zone.
    ///
    /// A time in a DST gap uses the offset before the gap; an ambiguous time takes the
    /// earlier instant (RFC 5545 §3.3.5).
    pub fn to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self {
            Zone::Utc => local.and_utc(),
            Zone::Fixed(off) => {
                (local - TimeDelta::seconds(off.local_minus_utc().into())).and_utc()
            }
            _ => self.resolve_local(local),
        }
    }

    fn resolve_local(&self, local: NaiveDateTime) -> DateTime<Utc> {
        // In Unix seconds: the wall clock read as if it were UTC.
        const DAY: i64 = 86_400;
        let wall = local.and_utc();
        let seconds = wall.timestamp();
        // Offsets on either side of any transition near `local` (transitions are never
        // closer than a day apart in practice).
        let before = self.offset_at_seconds(seconds - DAY);
        let after = self.offset_at_seconds(seconds + DAY);
        let utc = if before == after {
            // The one candidate is the answer whether or not it checks out (see below).
            seconds - i64::from(before)
        } else {
            let mut best: Option<i64> = None;
            for off in [before, after] {
                let utc = seconds - i64::from(off);
                if self.offset_at_seconds(utc) == off && best.is_none_or(|b| utc < b) {
                    best = Some(utc);
                }
            }
            best.unwrap_or(seconds - i64::from(before))
        };
        // Out of chrono's range only for years far beyond iCalendar's four digits.
        DateTime::from_timestamp(utc, wall.timestamp_subsec_nanos()).unwrap_or(wall)
    }

    /// The local wall-clock time of `utc` in this zone.
    pub fn to_local(&self, utc: DateTime<Utc>) -> NaiveDateTime {
        let naive = utc.naive_utc();
        let offset = self.offset_at_unix(utc.timestamp(), || naive);
        naive + TimeDelta::seconds(offset.into())
    }

    /// The instant with its offset in this zone, for display.
    pub fn fixed(&self, utc: DateTime<Utc>) -> DateTime<FixedOffset> {
        let off = FixedOffset::east_opt(self.offset_at_unix(utc.timestamp(), || utc.naive_utc()))
            .unwrap_or(FixedOffset::east_opt(0).expect("zero is a valid offset"));
        utc.with_timezone(&off)
    }
}

/// Maps a TZID to a zone of the tz database by name alone: IANA, then Windows and libical
/// names through calcard.
pub fn zone_by_name(tzid: &str) -> Option<Zone> {
    let tzid = tzid.trim().trim_matches('"');
    if let Ok(tz) = chrono_tz::Tz::from_str(tzid) {
        return Some(iana(tz));
    }
    if let Some(tz) = without_vendor_prefix(tzid).and_then(|n| chrono_tz::Tz::from_str(n).ok()) {
        return Some(iana(tz));
    }
    match calcard::common::timezone::Tz::from_str(tzid).ok()? {
        // `(UTC+02:00) …` names that calcard cannot place come back as `Etc/GMT-2`:
        // an offset without daylight saving time, kept as a last resort.
        calcard::common::timezone::Tz::Tz(tz) if tz.name().starts_with("Etc/") => None,
        calcard::common::timezone::Tz::Tz(tz) => Some(iana(tz)),
        _ => None,
    }
}

/// The IANA name after a known vendor prefix (libical, Mozilla, softwarestudio.org, Citadel),
/// or `None` if `tzid` has none of them. The caller checks that the rest is an IANA name.
fn without_vendor_prefix(tzid: &str) -> Option<&str> {
    /// A prefix, and whether one more path segment (a dated version) follows it.
    const PREFIXES: [(&str, bool); 4] = [
        ("/freeassociation.sourceforge.net/", false),
        ("/mozilla.org/", true),
        ("/softwarestudio.org/", true),
        ("/citadel.org/", true),
    ];
    PREFIXES.iter().find_map(|(prefix, dated)| {
        let rest = strip_prefix_ignore_case(tzid, prefix)?;
        if *dated {
            let (version, name) = rest.split_once('/')?;
            let version = version.strip_prefix("Olson_").unwrap_or(version);
            version
                .starts_with(|c: char| c.is_ascii_digit())
                .then_some(name)
        } else {
            Some(strip_prefix_ignore_case(rest, "Tzfile/").unwrap_or(rest))
        }
    })
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// The fixed offset a name like `(UTC+02:00) Helsinki, Kyiv` announces: a last resort, used
/// only when neither the tz database nor the file's VTIMEZONE knows the name (it ignores
/// daylight saving time).
fn offset_by_name(tzid: &str) -> Option<Zone> {
    match calcard::common::timezone::Tz::from_str(tzid.trim().trim_matches('"')).ok()? {
        calcard::common::timezone::Tz::Fixed(off) => Some(Zone::Fixed(off)),
        calcard::common::timezone::Tz::Tz(tz) => Some(iana(tz)),
        calcard::common::timezone::Tz::Floating => None,
    }
}

fn iana(tz: chrono_tz::Tz) -> Zone {
    match tz {
        chrono_tz::UTC | chrono_tz::Tz::Etc__UTC | chrono_tz::Tz::Etc__GMT => Zone::Utc,
        tz => Zone::Iana(tz),
    }
}

/// Resolves the TZIDs of one file: names first, then the file's own VTIMEZONE blocks.
#[derive(Debug, Default, Clone)]
pub struct ZoneResolver {
    custom: HashMap<String, Zone>,
}

impl ZoneResolver {
    /// A resolver that knows the given VTIMEZONE-only zones.
    pub fn new(custom: HashMap<String, Zone>) -> Self {
        Self { custom }
    }

    /// The zone for `tzid`: the tz database, else the file's VTIMEZONE, else the offset a
    /// `(UTC±hh:mm) …` name announces; `None` if nothing knows it.
    pub fn resolve(&self, tzid: &str) -> Option<Zone> {
        zone_by_name(tzid)
            .or_else(|| {
                self.custom
                    .get(tzid)
                    .or_else(|| self.custom.get(tzid.trim().trim_matches('"')))
                    .cloned()
            })
            .or_else(|| offset_by_name(tzid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, Offset, TimeZone};

    fn local(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, 0)
            .unwrap()
    }

    #[test]
    fn gap_moves_forward_and_ambiguous_takes_first() {
        let z = zone_by_name("Europe/Brussels").unwrap();
        assert_eq!(
            z.to_utc(local(2026, 3, 29, 2, 30)).naive_utc(),
            local(2026, 3, 29, 1, 30)
        );
        assert_eq!(
            z.to_utc(local(2026, 10, 25, 2, 30)).naive_utc(),
            local(2026, 10, 25, 0, 30)
        );
        assert_eq!(
            z.to_utc(local(2026, 7, 1, 12, 0)).naive_utc(),
            local(2026, 7, 1, 10, 0)
        );
    }

    /// What RFC 5545 asks of a local time, read from chrono-tz directly: the instant if
    /// there is one, the earlier of two, and in a gap the offset in force before it.
    fn reference(tz: chrono_tz::Tz, local: NaiveDateTime) -> NaiveDateTime {
        use chrono::LocalResult;
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) => t.naive_utc(),
            LocalResult::Ambiguous(a, b) => a.naive_utc().min(b.naive_utc()),
            LocalResult::None => {
                let before = tz
                    .offset_from_utc_datetime(&(local - TimeDelta::days(1)))
                    .fix()
                    .local_minus_utc();
                local - TimeDelta::seconds(before.into())
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn local_times_near_transitions_match_the_tz_database(
            zone in 0..5usize,
            year in 1970..2040i32,
            around in 0..6usize,
            minutes in -(3 * 24 * 60)..(3 * 24 * 60i64),
        ) {
            let tz = [
                chrono_tz::Europe::Brussels,
                chrono_tz::America::New_York,
                chrono_tz::Australia::Lord_Howe,
                chrono_tz::Australia::Sydney,
                chrono_tz::America::Santiago,
            ][zone];
            // A week around the second or last Sunday of March, the first of April,
            // October or November, or the last of October: every day on which these
            // zones change their clocks, in most years.
            let (month, day) = [(3, 11), (3, 28), (4, 4), (10, 4), (10, 28), (11, 4)][around];
            let local = NaiveDate::from_ymd_opt(year, month, day).unwrap().and_hms_opt(2, 0, 0).unwrap()
                + TimeDelta::minutes(minutes);
            let got = Zone::Iana(tz).to_utc(local).naive_utc();
            proptest::prop_assert_eq!(got, reference(tz, local), "{} {}", tz, local);
        }
    }

    #[test]
    fn windows_and_libical_names_map_to_iana() {
        for name in [
            "Romance Standard Time",
            "W. Europe Standard Time",
            "/freeassociation.sourceforge.net/Tzfile/Europe/Paris",
            "/freeassociation.sourceforge.net/Europe/Paris",
            "/mozilla.org/20050126_1/Europe/Paris",
            "/mozilla.org/20070129_1/Europe/Brussels",
            "/softwarestudio.org/Olson_20011030_5/Europe/Paris",
            "/softwarestudio.org/Olson_20011030/Europe/Paris",
            "/citadel.org/20190914_1/Europe/Paris",
        ] {
            let z = zone_by_name(name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(z.offset_at(local(2026, 1, 10, 12, 0)), 3600, "{name}");
        }
        assert!(zone_by_name("Nowhere/Land").is_none());
    }

    #[test]
    fn vendor_prefixes_need_an_iana_name_after_them() {
        let z = zone_by_name("/freeassociation.sourceforge.net/America/New_York").unwrap();
        assert_eq!(z.offset_at(local(2026, 10, 5, 12, 0)), -4 * 3600);
        for name in [
            "/freeassociation.sourceforge.net/Nowhere/Land",
            "/mozilla.org/Europe/Paris",
            "/citadel.org/20190914_1/Nowhere",
        ] {
            assert!(zone_by_name(name).is_none(), "{name}");
        }
    }
}

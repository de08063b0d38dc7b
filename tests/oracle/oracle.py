# SPDX-License-Identifier: GPL-3.0-or-later
"""The independent oracle of the differential test: icalendar + recurring_ical_events.

    oracle.py FILE --from YYYY-MM-DD --to YYYY-MM-DD [--floating-tz ZONE]

Output contract: one line per TIMED occurrence (all-day ones, with a DATE start, are left
out) that is not STATUS:CANCELLED (the status of the occurrence's own component: an
override's, else its master's) and overlaps [from, to) — start < to and end > from, --from
and --to being UTC midnights — sorted (byte order), tab-separated, LF-terminated:

    UID<TAB>START<TAB>END

START and END are UTC instants written YYYY-MM-DDTHH:MM:SSZ. An occurrence without an end
ends at its start (so one of zero length at --from is left out). Floating times are read in
--floating-tz (default Europe/Brussels) with zoneinfo's fold=0 (a time in a DST gap takes
the offset before the gap, i.e. moves forward; an ambiguous time takes the first offset).
Identical lines are printed once: compare as sets.
"""

import argparse
import datetime as dt
import sys
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events


def to_utc(value, floating):
    if value.tzinfo is None:
        value = value.replace(tzinfo=floating, fold=0)
    return value.astimezone(dt.timezone.utc)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="an .ics file")
    p.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD",
                   help="first day, read as 00:00 UTC (inclusive)")
    p.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD",
                   help="day after the last, read as 00:00 UTC (exclusive)")
    p.add_argument("--floating-tz", default="Europe/Brussels", metavar="ZONE",
                   help="IANA zone for floating times (default: %(default)s)")
    a = p.parse_args()
    floating = ZoneInfo(a.floating_tz)
    start = dt.datetime.fromisoformat(a.start).replace(tzinfo=dt.timezone.utc)
    end = dt.datetime.fromisoformat(a.end).replace(tzinfo=dt.timezone.utc)
    with open(a.file, "rb") as f:
        cal = icalendar.Calendar.from_ical(f.read())
    # between() keeps what overlaps its span, but compares floating times as if they were
    # UTC and keeps a zero-length occurrence at the span's start: ask for a wider span and
    # apply the contract's rule below.
    margin = dt.timedelta(days=3)
    lines = set()
    for ev in recurring_ical_events.of(cal).between(start - margin, end + margin):
        if str(ev.get("STATUS", "")).upper() == "CANCELLED":
            continue
        s = ev["DTSTART"].dt
        if not isinstance(s, dt.datetime):
            continue
        e = ev["DTEND"].dt if "DTEND" in ev else s
        s, e = to_utc(s, floating), to_utc(e, floating)
        if s < end and e > start:
            lines.add(f"{ev['UID']}\t{s:%Y-%m-%dT%H:%M:%SZ}\t{e:%Y-%m-%dT%H:%M:%SZ}")
    sys.stdout.write("".join(line + "\n" for line in sorted(lines)))


if __name__ == "__main__":
    main()

# SPDX-License-Identifier: GPL-3.0-or-later
"""The script a user would write instead of caltally: icalendar + recurring_ical_events read
the calendar, expand one year, and sum the hours per tag (hashtags and CATEGORIES).

    peer.py FILE --year YYYY
"""

import argparse
import collections
import datetime as dt
import re
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

TAG = re.compile(r"#([\w-]+)")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("file")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--tz", default="Europe/Brussels")
    a = p.parse_args()
    zone = ZoneInfo(a.tz)
    start = dt.datetime(a.year, 1, 1, tzinfo=zone)
    end = dt.datetime(a.year + 1, 1, 1, tzinfo=zone)
    with open(a.file, "rb") as f:
        cal = icalendar.Calendar.from_ical(f.read())
    hours = collections.Counter()
    for ev in recurring_ical_events.of(cal).between(start, end):
        if str(ev.get("STATUS", "")).upper() == "CANCELLED":
            continue
        s, e = ev["DTSTART"].dt, ev["DTEND"].dt if "DTEND" in ev else ev["DTSTART"].dt
        if not isinstance(s, dt.datetime):
            continue
        h = (e - s).total_seconds() / 3600
        tags = set(TAG.findall(str(ev.get("SUMMARY", ""))) + TAG.findall(str(ev.get("DESCRIPTION", ""))))
        cats = ev.get("CATEGORIES")
        if cats is not None:
            for c in cats if isinstance(cats, list) else [cats]:
                tags.update(str(x) for x in c.cats)
        for t in tags:
            hours[t.lower()] += h
    for tag, h in sorted(hours.items()):
        print(f"{tag}\t{h:.2f}")


if __name__ == "__main__":
    main()

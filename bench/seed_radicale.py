# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes N objects of a calendar file straight into a Radicale storage folder (one .ics
file per UID, as Radicale stores them), so a benchmark can start a server holding
thousands of objects without thousands of PUTs.

    seed_radicale.py CALENDAR.ics STORAGE USER COLLECTION [--limit N]
"""

import argparse
import json
import os

import icalendar


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("ics")
    p.add_argument("storage")
    p.add_argument("user")
    p.add_argument("collection")
    p.add_argument("--limit", type=int, default=0)
    a = p.parse_args()
    with open(a.ics, "rb") as f:
        cal = icalendar.Calendar.from_ical(f.read())
    zones = list(cal.walk("VTIMEZONE"))
    groups = {}
    for ev in cal.walk("VEVENT"):
        groups.setdefault(str(ev["UID"]), []).append(ev)
    folder = os.path.join(a.storage, "collection-root", a.user, a.collection)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, ".Radicale.props"), "w") as f:
        json.dump({"tag": "VCALENDAR", "D:displayname": a.collection, "C:supported-calendar-component-set": "VEVENT"}, f)
    n = 0
    for uid, events in groups.items():
        obj = icalendar.Calendar()
        obj.add("VERSION", "2.0")
        obj.add("PRODID", "-//caltally//bench//EN")
        for z in zones:
            obj.add_component(z)
        for ev in events:
            obj.add_component(ev)
        name = "".join(c if c.isalnum() or c in "-_" else "_" for c in uid)
        with open(os.path.join(folder, name + ".ics"), "wb") as f:
            f.write(obj.to_ical())
        n += 1
        if a.limit and n >= a.limit:
            break
    print(n)


if __name__ == "__main__":
    main()

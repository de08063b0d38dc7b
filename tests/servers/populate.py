# SPDX-License-Identifier: GPL-3.0-or-later
"""The calendar app of the sync tests, on the python `caldav` client.

    populate.py URL USER PASS --calendar NAME [--cacert CRT] (--create FILE.ics | --apply SCRIPT.json | --dump)

--create  discovers the principal like a calendar app, creates the calendar NAME if it is
          missing, and PUTs every object of FILE.ics: the VEVENTs are grouped by UID (a master
          and its RECURRENCE-ID overrides go in one resource) with the VTIMEZONEs they use.
--apply   runs a list of edits a person makes between two syncs:
          {"op": "delete", "uid": U}, {"op": "put", "ics": TEXT},
          {"op": "edit-summary", "uid": U, "summary": S}.
--dump    prints UID<TAB>SUMMARY of every object.
"""

import argparse
import json
import sys

import caldav
import icalendar


def calendar_named(principal, name, create):
    for cal in principal.calendars():
        if cal.get_display_name() == name or str(cal.url).rstrip("/").endswith("/" + name):
            return cal
    if not create:
        sys.exit(f"no calendar named {name}")
    return principal.make_calendar(name=name, cal_id=name, supported_calendar_component_set=["VEVENT"])


def objects_of(path):
    with open(path, "rb") as f:
        cal = icalendar.Calendar.from_ical(f.read())
    zones = {str(tz["TZID"]): tz for tz in cal.walk("VTIMEZONE")}
    groups = {}
    for ev in cal.walk("VEVENT"):
        groups.setdefault(str(ev["UID"]), []).append(ev)
    for uid, events in groups.items():
        obj = icalendar.Calendar()
        obj.add("VERSION", "2.0")
        obj.add("PRODID", "-//caltally tests//populate//EN")
        used = set()
        for ev in events:
            for prop in ("DTSTART", "DTEND", "RECURRENCE-ID"):
                if prop in ev and "TZID" in ev[prop].params:
                    used.add(ev[prop].params["TZID"])
        for tzid in sorted(used):
            if tzid in zones:
                obj.add_component(zones[tzid])
        for ev in events:
            obj.add_component(ev)
        yield uid, obj.to_ical().decode()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("url")
    p.add_argument("user")
    p.add_argument("password")
    p.add_argument("--calendar", required=True)
    p.add_argument("--cacert")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--create")
    g.add_argument("--apply")
    g.add_argument("--dump", action="store_true")
    a = p.parse_args()
    client = caldav.DAVClient(url=a.url, username=a.user, password=a.password, ssl_verify_cert=a.cacert or True)
    principal = client.principal()
    cal = calendar_named(principal, a.calendar, create=bool(a.create))
    if a.create:
        n = 0
        for _uid, text in objects_of(a.create):
            cal.save_event(text)
            n += 1
        print(f"created {n} objects in {cal.url}")
    elif a.apply:
        with open(a.apply, encoding="utf-8") as f:
            ops = json.load(f)
        for op in ops:
            if op["op"] == "delete":
                cal.event_by_uid(op["uid"]).delete()
                print(f"deleted {op['uid']}")
            elif op["op"] == "put":
                cal.save_event(op["ics"])
                print("put 1 object")
            elif op["op"] == "edit-summary":
                ev = cal.event_by_uid(op["uid"])
                ical = icalendar.Calendar.from_ical(ev.data)
                for comp in ical.walk("VEVENT"):
                    comp["SUMMARY"] = op["summary"]
                ev.data = ical.to_ical().decode()
                ev.save()
                print(f"edited {op['uid']}")
            else:
                sys.exit(f"unknown op {op['op']}")
    else:
        for ev in cal.events():
            ical = icalendar.Calendar.from_ical(ev.data)
            for comp in ical.walk("VEVENT"):
                if "RECURRENCE-ID" not in comp:
                    print(f"{comp['UID']}\t{comp.get('SUMMARY', '')}")


if __name__ == "__main__":
    main()

# SPDX-License-Identifier: GPL-3.0-or-later
"""The calendar app of the sync tests, on the python `caldav` client.

    populate.py URL USER PASS --calendar NAME [--cacert CRT] (--create FILE.ics | --apply SCRIPT.json | --dump)

--create FILE.ics
    Discovers the principal and its calendar home from URL (like a calendar app), creates
    the calendar NAME (MKCALENDAR) if it is missing, then PUTs every object of FILE.ics:
    the VEVENTs are grouped by UID (a master and its RECURRENCE-ID overrides go into one
    resource, the master first) together with the VTIMEZONEs they use. The resource name
    is made from the UID. Prints "created N objects in CALENDAR-URL".
--apply SCRIPT.json
    Applies a list of edits, as a person would between two syncs:
      {"op": "delete", "uid": U}
      {"op": "put", "ics": "BEGIN:VCALENDAR..."}   (creates, or replaces the object with that UID)
      {"op": "edit-summary", "uid": U, "summary": S}
    The master's SUMMARY changes, and so does that of each override that had the same one.
    Prints one line per operation.
--dump
    Prints "UID<TAB>SUMMARY" for every object of the calendar (the master's SUMMARY), sorted.

Objects are stored as given: SEQUENCE is never bumped. On any failure the script prints
what it was doing and why on stderr and exits with status 1 (2 for bad arguments).
"""

import argparse
import json
import sys
from urllib.parse import unquote

import caldav
import icalendar

PRODID = "-//caltally tests//populate.py//EN"


class Failure(Exception):
    """An error with a message meant for the person running the tests."""


def fail(message):
    raise Failure(message)


# ---------------------------------------------------------------- calendars


def last_segment(url):
    return unquote(str(url).rstrip("/").rsplit("/", 1)[-1])


def find_calendar(principal, name):
    """The calendar NAME of the principal: by URL segment first, then by display name."""
    calendars = principal.calendars()
    for cal in calendars:
        if last_segment(cal.url) == name:
            return cal
    for cal in calendars:
        if cal.get_display_name() == name:
            return cal
    return None


def open_calendar(principal, name, create):
    cal = find_calendar(principal, name)
    if cal is not None:
        return cal
    if not create:
        have = ", ".join(last_segment(c.url) for c in principal.calendars()) or "none"
        fail(f"no calendar named {name!r} (the principal has: {have})")
    return principal.make_calendar(name=name, cal_id=name, supported_calendar_component_set=["VEVENT"])


# ---------------------------------------------------------------- iCalendar


def parse_calendar(text, where):
    try:
        cal = icalendar.Calendar.from_ical(text)
    except Exception as e:  # icalendar raises ValueError and friends
        fail(f"{where}: not an iCalendar object: {e}")
    if isinstance(cal, list):  # several VCALENDARs in one file
        fail(f"{where}: holds {len(cal)} VCALENDARs, expected one")
    return cal


def tzids_used(component):
    """Every TZID parameter in the component and its subcomponents (DTSTART, EXDATE, ...)."""
    found = set()
    for sub in component.walk():
        for value in sub.values():
            for v in value if isinstance(value, list) else [value]:
                params = getattr(v, "params", None)
                if params and "TZID" in params:
                    found.add(str(params["TZID"]))
    return found


def objects_of(path):
    """(uid, text) of every calendar object resource FILE.ics describes."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        fail(f"cannot read {path}: {e}")
    source = parse_calendar(raw, path)
    zones = {str(tz["TZID"]): tz for tz in source.walk("VTIMEZONE")}
    groups = {}
    for n, ev in enumerate(source.walk("VEVENT"), 1):
        if "UID" not in ev:
            fail(f"{path}: VEVENT #{n} has no UID")
        groups.setdefault(str(ev["UID"]), []).append(ev)
    if not groups:
        fail(f"{path}: no VEVENT")
    for uid, events in groups.items():
        # The master (no RECURRENCE-ID) first: caldav treats the first component as the
        # object, and an override first would make it look for a master to merge into.
        events.sort(key=lambda ev: "RECURRENCE-ID" in ev)
        obj = icalendar.Calendar()
        obj.add("VERSION", "2.0")
        obj.add("PRODID", str(source.get("PRODID", PRODID)))
        if "CALSCALE" in source:
            obj.add("CALSCALE", str(source["CALSCALE"]))
        used = set()
        for ev in events:
            used |= tzids_used(ev)
        for tzid in sorted(used):
            if tzid in zones:
                obj.add_component(zones[tzid])
            else:
                print(f"warning: {uid}: no VTIMEZONE for TZID={tzid} in {path}", file=sys.stderr)
        for ev in events:
            obj.add_component(ev)
        yield uid, obj.to_ical().decode("utf-8")


def uid_of(text, where):
    uids = {str(ev["UID"]) for ev in parse_calendar(text, where).walk("VEVENT") if "UID" in ev}
    if len(uids) != 1:
        fail(f"{where}: expected VEVENTs with one UID, found {sorted(uids) or 'none'}")
    return uids.pop()


def master_of(ical):
    events = list(ical.walk("VEVENT"))
    for ev in events:
        if "RECURRENCE-ID" not in ev:
            return ev
    return events[0] if events else None


# ---------------------------------------------------------------- operations


def lookup(cal, uid):
    """The object with this UID, or None."""
    try:
        return cal.get_event_by_uid(uid)
    except caldav.lib.error.NotFoundError:
        return None


def create(cal, path):
    n = 0
    for uid, text in objects_of(path):
        try:
            cal.add_event(text, increase_seqno=False)
        except Exception as e:
            fail(f"PUT of {uid} failed: {type(e).__name__}: {e}")
        n += 1
    print(f"created {n} objects in {cal.url}")


def check_script(ops, path):
    if not isinstance(ops, list):
        fail(f"{path}: expected a JSON list of operations")
    needs = {"delete": ("uid",), "put": ("ics",), "edit-summary": ("uid", "summary")}
    for n, op in enumerate(ops, 1):
        if not isinstance(op, dict) or op.get("op") not in needs:
            fail(f"{path}: operation #{n}: expected op to be one of {', '.join(needs)}: {op!r}")
        for key in needs[op["op"]]:
            if not isinstance(op.get(key), str):
                fail(f"{path}: operation #{n} ({op['op']}): missing string {key!r}")


def apply(cal, path):
    try:
        with open(path, encoding="utf-8") as f:
            ops = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"cannot read {path}: {e}")
    check_script(ops, path)
    for n, op in enumerate(ops, 1):
        where = f"operation #{n} ({op['op']})"
        if op["op"] == "delete":
            obj = lookup(cal, op["uid"])
            if obj is None:
                fail(f"{where}: no object with UID {op['uid']}")
            obj.delete()
            print(f"deleted {op['uid']}")
        elif op["op"] == "put":
            uid = uid_of(op["ics"], where)
            obj = lookup(cal, uid)
            if obj is None:
                cal.add_event(op["ics"], increase_seqno=False)
                print(f"put {uid} (created)")
            else:
                obj.data = op["ics"]
                obj.save(increase_seqno=False, only_this_recurrence=False)
                print(f"put {uid} (replaced)")
        else:
            obj = lookup(cal, op["uid"])
            if obj is None:
                fail(f"{where}: no object with UID {op['uid']}")
            ical = parse_calendar(obj.data, f"{where}: object {op['uid']}")
            master = master_of(ical)
            old = master.get("SUMMARY") if master is not None else None
            for ev in ical.walk("VEVENT"):
                if ev is master or ev.get("SUMMARY") == old:
                    if "SUMMARY" in ev:
                        del ev["SUMMARY"]
                    ev.add("SUMMARY", op["summary"])
            obj.data = ical.to_ical().decode("utf-8")
            obj.save(increase_seqno=False, only_this_recurrence=False)
            print(f"edited {op['uid']}: SUMMARY {op['summary']}")


def dump(cal):
    lines = []
    for obj in cal.get_events():
        ical = parse_calendar(obj.data, str(obj.url))
        master = master_of(ical)
        if master is None:
            continue
        summary = str(master.get("SUMMARY", "")).replace("\n", "\\n")
        lines.append(f"{master.get('UID', '')}\t{summary}")
    for line in sorted(lines):
        print(line)


# ---------------------------------------------------------------- main


def main():
    p = argparse.ArgumentParser(
        prog="populate.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("url", help="server root (or any URL the principal can be discovered from)")
    p.add_argument("user")
    p.add_argument("password")
    p.add_argument("--calendar", required=True, metavar="NAME")
    p.add_argument("--cacert", metavar="CRT", help="PEM certificate to trust (self-signed servers)")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--create", metavar="FILE.ics")
    g.add_argument("--apply", metavar="SCRIPT.json")
    g.add_argument("--dump", action="store_true")
    a = p.parse_args()

    step = f"connecting to {a.url}"
    try:
        client = caldav.DAVClient(
            url=a.url, username=a.user, password=a.password, ssl_verify_cert=a.cacert or True
        )
        step = "discovering the principal"
        principal = client.principal()
        step = f"opening calendar {a.calendar!r}"
        cal = open_calendar(principal, a.calendar, create=bool(a.create))
        if a.create:
            step = f"creating objects from {a.create}"
            create(cal, a.create)
        elif a.apply:
            step = f"applying {a.apply}"
            apply(cal, a.apply)
        else:
            step = "listing objects"
            dump(cal)
    except Failure as e:
        print(f"populate.py: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # the caldav client, the HTTP stack, TLS
        print(f"populate.py: {step}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

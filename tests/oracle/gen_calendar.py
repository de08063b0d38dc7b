# SPDX-License-Identifier: GPL-3.0-or-later
"""Generates a deterministic calendar for the differential test.

    gen_calendar.py --seed N --events M --year YYYY --out FILE

One VCALENDAR (UTF-8, CRLF, folded at 75 octets) with at least M VEVENT masters around YEAR:
single events in UTC, TZID (Brussels, Paris, New York), floating and DURATION forms, some
across midnight and across the European DST nights; recurring masters (DAILY, WEEKLY,
MONTHLY, YEARLY with INTERVAL, BYDAY, BYMONTHDAY, COUNT, UNTIL, EXDATE, RDATE) with
overrides in the same object (moved, SEQUENCE bumped, cancelled); cancelled events; all-day
events; long accented DESCRIPTIONs. DTSTART is always an occurrence of its rule, COUNT never
meets UNTIL, and DTEND never precedes DTSTART, so that RFC 5545 defines every expansion;
cases where recurring_ical_events departs from RFC 5545 are left out (see the comments).
Only `random.Random` seeded from SEED decides: no clock, no environment.
"""

import argparse
import datetime as dt
import random
from zoneinfo import ZoneInfo

ZONES = ["Europe/Brussels", "Europe/Paris", "America/New_York"]
TAGS = ["#amis", "#ecole", "#radio", "#jardin", "#collectif"]
KINDS = ["#benevole", "#paye", ""]
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
WORDS = ("réunion dépannage sécurité bénévoles trésorerie élèves été café déménagement "
         "réseau imprimante serveur sauvegarde mise à jour formation atelier compte-rendu "
         "événement fête goûter pétanque émission répétition œuvre français ça").split()

VTIMEZONES = {
    "Europe/Brussels": ("+0100", "+0200", "CET", "CEST", "3", "10"),
    "Europe/Paris": ("+0100", "+0200", "CET", "CEST", "3", "10"),
}


def vtimezone(tzid):
    if tzid == "America/New_York":
        return [
            "BEGIN:VTIMEZONE", "TZID:America/New_York",
            "BEGIN:DAYLIGHT", "TZOFFSETFROM:-0500", "TZOFFSETTO:-0400", "TZNAME:EDT",
            "DTSTART:19700308T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU", "END:DAYLIGHT",
            "BEGIN:STANDARD", "TZOFFSETFROM:-0400", "TZOFFSETTO:-0500", "TZNAME:EST",
            "DTSTART:19701101T020000", "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU", "END:STANDARD",
            "END:VTIMEZONE",
        ]
    std, dst, sn, dn, m1, m2 = VTIMEZONES[tzid]
    return [
        "BEGIN:VTIMEZONE", f"TZID:{tzid}",
        "BEGIN:DAYLIGHT", f"TZOFFSETFROM:{std}", f"TZOFFSETTO:{dst}", f"TZNAME:{dn}",
        "DTSTART:19700329T020000", f"RRULE:FREQ=YEARLY;BYMONTH={m1};BYDAY=-1SU", "END:DAYLIGHT",
        "BEGIN:STANDARD", f"TZOFFSETFROM:{dst}", f"TZOFFSETTO:{std}", f"TZNAME:{sn}",
        "DTSTART:19701025T030000", f"RRULE:FREQ=YEARLY;BYMONTH={m2};BYDAY=-1SU", "END:STANDARD",
        "END:VTIMEZONE",
    ]


def fold(line):
    data = line.encode("utf-8")
    out, first = [], True
    while data:
        limit = 75 if first else 74
        cut = min(limit, len(data))
        while cut < len(data) and (data[cut] & 0xC0) == 0x80:
            cut -= 1
        out.append((b"" if first else b" ") + data[:cut])
        data = data[cut:]
        first = False
    return b"\r\n".join(out)


def exact_differs_from_wall(start, days, minutes, tzid):
    """Whether DTSTART (local, naive) + DURATION ends at another instant under RFC 5545
    §3.3.6 (days on the wall clock, then hours and minutes as exact time) than under
    Python's aware arithmetic, which recurring_ical_events uses (all on the wall clock)."""
    zone = ZoneInfo(tzid)
    day_later = (start + dt.timedelta(days=days)).replace(tzinfo=zone)
    rfc = day_later.astimezone(dt.timezone.utc) + dt.timedelta(minutes=minutes)
    wall = (day_later + dt.timedelta(minutes=minutes)).astimezone(dt.timezone.utc)
    return rfc != wall


def stamp(t):
    return t.strftime("%Y%m%dT%H%M%S")


class Gen:
    def __init__(self, seed, year):
        self.r = random.Random(seed)
        self.seed = seed
        self.year = year
        self.n = 0
        self.lines = []
        # DESCRIPTION text has its own generator, so that it never shifts the other choices.
        self.text = random.Random(seed * 1_000_003 + 17)

    def uid(self):
        self.n += 1
        return f"gen-{self.seed}-{self.n}@caltally.test"

    def day(self):
        start = dt.date(self.year - 1, 11, 1)
        return start + dt.timedelta(days=self.r.randrange(0, 365 + 120))

    def when(self, day):
        return dt.datetime.combine(day, dt.time(self.r.randrange(0, 24), self.r.choice([0, 15, 30, 45])))

    def summary(self):
        return f"Travail {self.n} {self.r.choice(TAGS)} {self.r.choice(KINDS)}".strip()

    def description(self):
        """Long, accented text, so that lines fold, often next to a multi-byte character."""
        t = self.text
        words = [t.choice(WORDS) for _ in range(t.randrange(8, 45))]
        if t.random() < 0.2:
            words.insert(t.randrange(len(words)), "https://wiki.collectif.example/page#notes")
        if t.random() < 0.3:
            words.insert(t.randrange(len(words)), "à voir\\, puis\\; ensuite\\n")
        return "DESCRIPTION:" + " ".join(words)

    def emit(self, props):
        self.lines.append("BEGIN:VEVENT")
        self.lines.extend(props)
        if self.text.random() < 0.3:
            self.lines.append(self.description())
        self.lines.append("END:VEVENT")

    def form(self):
        """Returns (start props, end props, zone) for a random timed form."""
        return self.r.choices(["tzid", "utc", "floating", "duration"], weights=[45, 20, 15, 20])[0]

    def dst_night(self):
        """A start on a European DST night, in local Brussels time."""
        y = self.year
        def last_sunday(month):
            d = dt.date(y, month, 31 if month in (3, 10) else 30)
            while d.weekday() != 6:
                d -= dt.timedelta(days=1)
            return d
        d = last_sunday(self.r.choice([3, 10]))
        return dt.datetime.combine(d, dt.time(self.r.choice([0, 1]), self.r.choice([0, 30])))

    def single(self):
        uid = self.uid()
        night = self.r.random() < 0.03
        start = self.dst_night() if night else self.when(self.day())
        minutes = self.r.choice([30, 45, 60, 90, 120, 150, 180, 240, 300, 420, 540])
        end = start + dt.timedelta(minutes=minutes)
        form = self.form()
        if night and form == "duration":
            # RFC 5545 §3.3.6 counts DURATION hours as exact time, Python's aware arithmetic
            # as wall-clock time: the two differ across a DST change, so the oracle cannot
            # judge this case (fixtures/ical/dst-duration.ics pins caltally's answer). Other
            # DURATION spans that cross a DST change become DTEND below.
            form = "tzid"
        props = [f"UID:{uid}", "DTSTAMP:20250101T000000Z", f"SUMMARY:{self.summary()}"]
        if form == "tzid":
            tz = self.r.choice(ZONES)
            props += [f"DTSTART;TZID={tz}:{stamp(start)}", f"DTEND;TZID={tz}:{stamp(end)}"]
        elif form == "utc":
            props += [f"DTSTART:{stamp(start)}Z", f"DTEND:{stamp(end)}Z"]
        elif form == "floating":
            props += [f"DTSTART:{stamp(start)}", f"DTEND:{stamp(end)}"]
        else:
            tz = self.r.choice(ZONES)
            days = 1 if self.r.random() < 0.1 else 0
            h, m = divmod(minutes, 60)
            dur = "P" + (f"{days}D" if days else "") + "T" + (f"{h}H" if h else "") + (f"{m}M" if m else "")
            if dur.endswith("T"):
                dur = dur[:-1]
            if exact_differs_from_wall(start, days, minutes, tz):
                # Same reason as above: this span crosses a DST change in the hours part.
                end = start + dt.timedelta(days=days, minutes=minutes)
                props += [f"DTSTART;TZID={tz}:{stamp(start)}", f"DTEND;TZID={tz}:{stamp(end)}"]
            else:
                props += [f"DTSTART;TZID={tz}:{stamp(start)}", f"DURATION:{dur}"]
        if self.r.random() < 0.03:
            props.append("STATUS:CANCELLED")
        if self.r.random() < 0.2:
            props.append("CATEGORIES:" + self.r.choice(["Bénévole", "Amis", "Radio,Payé"]))
        self.emit(props)

    def all_day(self):
        uid = self.uid()
        d = self.day()
        days = self.r.choice([1, 1, 2, 3])
        self.emit([f"UID:{uid}", "DTSTAMP:20250101T000000Z", f"SUMMARY:{self.summary()}",
                   f"DTSTART;VALUE=DATE:{d:%Y%m%d}", f"DTEND;VALUE=DATE:{d + dt.timedelta(days=days):%Y%m%d}"])

    def recurring(self):
        uid = self.uid()
        r = self.r
        tz = r.choice(ZONES + ["UTC", "floating"])
        start_day = dt.date(self.year - 1, 10, 1) + dt.timedelta(days=r.randrange(0, 420))
        start = dt.datetime.combine(start_day, dt.time(r.randrange(6, 21), r.choice([0, 30])))
        minutes = r.choice([30, 60, 90, 120, 180])
        freq = r.choices(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"], weights=[20, 50, 25, 5])[0]
        interval = r.choice([1, 1, 1, 2, 3])
        parts = [f"FREQ={freq}"]
        if interval > 1:
            parts.append(f"INTERVAL={interval}")
        if freq == "WEEKLY" and r.random() < 0.5:
            days = sorted({start.weekday(), r.randrange(7)})
            parts.append("BYDAY=" + ",".join(WEEKDAYS[d] for d in days))
        if freq == "MONTHLY":
            if r.random() < 0.5:
                parts.append(f"BYMONTHDAY={min(start.day, 28)}")
                start = start.replace(day=min(start.day, 28))
            else:
                # The n-th weekday of the month that DTSTART is.
                nth = (start.day - 1) // 7 + 1
                if nth == 5:
                    nth = -1
                parts.append(f"BYDAY={nth}{WEEKDAYS[start.weekday()]}")
        end_kind = r.choice(["count", "until", "forever"])
        if end_kind == "count":
            parts.append(f"COUNT={r.randrange(2, 40)}")
        elif end_kind == "until":
            until = start + dt.timedelta(days=r.randrange(20, 400))
            if tz == "floating":
                parts.append(f"UNTIL={stamp(until)}")
            else:
                zone = dt.timezone.utc if tz == "UTC" else ZoneInfo(tz)
                u = until.replace(tzinfo=zone).astimezone(dt.timezone.utc)
                parts.append(f"UNTIL={stamp(u)}Z")
        end = start + dt.timedelta(minutes=minutes)

        def value(t):
            if tz == "UTC":
                return f":{stamp(t)}Z"
            if tz == "floating":
                return f":{stamp(t)}"
            return f";TZID={tz}:{stamp(t)}"

        props = [f"UID:{uid}", "DTSTAMP:20250101T000000Z", f"SUMMARY:{self.summary()}",
                 f"DTSTART{value(start)}", f"DTEND{value(end)}", "RRULE:" + ";".join(parts)]
        # Early occurrences of the rule, to pick exceptions from (computed with dateutil,
        # which the oracle uses too; only instances certainly generated are picked).
        from dateutil.rrule import rrulestr
        rule = rrulestr(";".join(parts).replace("Z", "") if tz == "floating" else ";".join(p for p in parts if not p.startswith("UNTIL")), dtstart=start)
        early = []
        for i, t in enumerate(rule):
            if i >= 12:
                break
            early.append(t)
        early = early[1:]  # keep DTSTART itself untouched
        if end_kind == "until":
            limit = until
            early = [t for t in early if t <= limit - dt.timedelta(days=1)]
        if end_kind == "count":
            count = int([p for p in parts if p.startswith("COUNT=")][0][6:])
            early = early[: max(0, count - 1)]
        r.shuffle(early)
        exdates = early[:r.choice([0, 0, 1, 2])]
        early = early[len(exdates):]
        if exdates:
            props.append("EXDATE" + ("" if tz in ("UTC", "floating") else f";TZID={tz}") + ":" + ",".join(stamp(t) + ("Z" if tz == "UTC" else "") for t in exdates))
        extra = None
        if r.random() < 0.1 and tz not in ("floating",):
            extra = start + dt.timedelta(days=r.randrange(1, 60), hours=1)
        cancelled = r.random() < 0.03
        overrides, exceptions = [], list(exdates)
        if r.random() < 0.4 and early:
            for t in early[:r.choice([1, 1, 2, 3])]:
                exceptions.append(t)
                kind = r.choice(["moved", "moved", "sequence", "cancelled"])
                o = [f"UID:{uid}", "DTSTAMP:20250102T000000Z", f"RECURRENCE-ID{value(t)}"]
                if kind == "cancelled":
                    o += [f"DTSTART{value(t)}", f"DTEND{value(t + dt.timedelta(minutes=minutes))}", "STATUS:CANCELLED", "SUMMARY:annulé"]
                else:
                    shift = dt.timedelta(days=r.choice([0, 0, 1, -1, 2]), minutes=r.choice([-60, 30, 90, 0]))
                    ns = t + shift
                    ne = ns + dt.timedelta(minutes=r.choice([minutes, 45, 150]))
                    o += [f"DTSTART{value(ns)}", f"DTEND{value(ne)}", f"SUMMARY:{self.summary()} (déplacé)"]
                    if kind == "sequence":
                        o.append(f"SEQUENCE:{r.randrange(1, 5)}")
                overrides.append(o)
        if extra is not None:
            # recurring_ical_events matches an EXDATE or a RECURRENCE-ID to an instance when
            # any of their UTC or local wall-clock values are equal, not only their instants:
            # an RDATE one hour after the rule's time in CET (its UTC value is the rule's
            # local time) would be removed with the exception of the same day. Such an RDATE
            # is moved off the hour and half-hour, where no exception can meet it.
            zone = dt.timezone.utc if tz == "UTC" else ZoneInfo(tz)
            def clocks(t):
                return {t, t.replace(tzinfo=zone).astimezone(dt.timezone.utc).replace(tzinfo=None)}
            taken = set().union(*(clocks(t) for t in exceptions)) if exceptions else set()
            if clocks(extra) & taken:
                extra += dt.timedelta(minutes=20)
            props.append(f"RDATE{value(extra)}")
        if cancelled:
            props.append("STATUS:CANCELLED")
        self.emit(props)
        for o in overrides:
            self.emit(o)

    def render(self):
        head = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//caltally//oracle generator//EN", "X-WR-CALNAME:generated"]
        for z in ZONES:
            head += vtimezone(z)
        body = head + self.lines + ["END:VCALENDAR"]
        return b"\r\n".join(fold(l) for l in body) + b"\r\n"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--events", type=int, default=5000)
    p.add_argument("--year", type=int, default=2025)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    g = Gen(a.seed, a.year)
    while g.n < a.events:
        x = g.r.random()
        if x < 0.20:
            g.recurring()
        elif x < 0.25:
            g.all_day()
        else:
            g.single()
    with open(a.out, "wb") as f:
        f.write(g.render())


if __name__ == "__main__":
    main()

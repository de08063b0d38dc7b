# SPDX-License-Identifier: GPL-3.0-or-later
"""Generates the benchmark calendar: 50,000 events, about 16 MB.

    gen_bench.py --seed N --out FILE [--events 50000]

About 8 events a day from 2010 to 2026 in Europe/Brussels, hashtags for five associations
and two kinds, realistic DESCRIPTION text, and about 5 % weekly recurring masters with
EXDATEs and moved overrides. Deterministic for a seed.
"""

import argparse
import datetime as dt
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "oracle"))
from gen_calendar import fold  # noqa: E402  (one folding routine for both generators)

TAGS = ["#amis", "#ecole", "#radio", "#jardin", "#collectif"]
KINDS = ["#benevole", "#paye"]
WORDS = ("mise à jour serveur sauvegarde migration messagerie certificat nextcloud yunohost gitea "
         "utilisateurs formation réunion dépannage supervision sécurité annuaire agenda partage "
         "bénévoles association trésorerie documentation wiki réseau imprimante").split()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--events", type=int, default=50000)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    r = random.Random(a.seed)
    first = dt.date(2010, 1, 1)
    days = (dt.date(2026, 12, 31) - first).days
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//caltally//bench//EN", "X-WR-CALNAME:Collectif",
             "BEGIN:VTIMEZONE", "TZID:Europe/Brussels",
             "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST", "DTSTART:19700329T020000",
             "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
             "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET", "DTSTART:19701025T030000",
             "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD", "END:VTIMEZONE"]
    for n in range(a.events):
        day = first + dt.timedelta(days=r.randrange(days))
        start = dt.datetime.combine(day, dt.time(r.randrange(7, 21), r.choice([0, 15, 30, 45])))
        end = start + dt.timedelta(minutes=r.choice([30, 45, 60, 90, 120, 180, 240]))
        uid = f"bench-{n}-{r.getrandbits(64):016x}@cloud.collectif.example"
        summary = f"{' '.join(r.choice(WORDS) for _ in range(3)).capitalize()} {r.choice(TAGS)} {r.choice(KINDS)}"
        desc = " ".join(r.choice(WORDS) for _ in range(r.randrange(2, 6)))
        ev = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z",
              f"DTSTART;TZID=Europe/Brussels:{start:%Y%m%dT%H%M%S}", f"DTEND;TZID=Europe/Brussels:{end:%Y%m%dT%H%M%S}",
              f"SUMMARY:{summary}", f"DESCRIPTION:{desc}",
              "ORGANIZER;CN=Alice Dubois:mailto:alice@collectif.example"]
        recurring = r.random() < 0.05
        if recurring:
            weeks = r.randrange(10, 150)
            ev.append(f"RRULE:FREQ=WEEKLY;COUNT={weeks}")
            skipped = sorted(r.sample(range(1, weeks), min(3, weeks - 1)))
            ev.append("EXDATE;TZID=Europe/Brussels:" + ",".join(f"{start + dt.timedelta(weeks=k):%Y%m%dT%H%M%S}" for k in skipped[:2]))
        ev.append("END:VEVENT")
        lines += ev
        if recurring and len(skipped) > 2:
            k = skipped[2]
            orig = start + dt.timedelta(weeks=k)
            moved = orig + dt.timedelta(days=1, hours=1)
            lines += ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z",
                      f"RECURRENCE-ID;TZID=Europe/Brussels:{orig:%Y%m%dT%H%M%S}",
                      f"DTSTART;TZID=Europe/Brussels:{moved:%Y%m%dT%H%M%S}",
                      f"DTEND;TZID=Europe/Brussels:{moved + (end - start):%Y%m%dT%H%M%S}",
                      "SEQUENCE:1", f"SUMMARY:{summary} (déplacé)", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    with open(a.out, "wb") as f:
        f.write(b"\r\n".join(fold(l) for l in lines) + b"\r\n")


if __name__ == "__main__":
    main()

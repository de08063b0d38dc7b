#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes hostile calendars, one quirk per file, to measure caltally's bounds by hand.

Usage: gen_hostile.py OUT_DIR
Then, for example:
  /usr/bin/time -v caltally --config OUT_DIR/caltally.toml check --month 2026-10 \
      --source OUT_DIR/minutely-300-tags.ics
"""
import os
import sys

HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//caltally//hostile//EN\r\n"
TAIL = "END:VCALENDAR\r\n"


def event(uid, lines):
    body = "".join(line + "\r\n" for line in lines)
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261001T000000Z\r\n"
        f"{body}END:VEVENT\r\n"
    )


def write(out, name, text):
    with open(os.path.join(out, name), "w", encoding="utf-8", newline="") as f:
        f.write(text)


def main(out):
    os.makedirs(out, exist_ok=True)
    write(out, "caltally.toml", '[associations.amis]\nname = "Les Amis"\n')
    for n in (100, 300):
        tags = " ".join(f"#tag{i}" for i in range(n))
        write(out, f"minutely-{n}-tags.ics", HEAD + event(
            f"minutely-{n}",
            ["DTSTART:20261001T000000Z", "DTEND:20261001T000100Z",
             "RRULE:FREQ=MINUTELY", f"SUMMARY:#amis {tags}"]) + TAIL)
    for n, name in ((160_000, "rdate-160k.ics"), (2_000_000, "rdate-2m.ics")):
        rdates = [f"RDATE:202610{1 + i // 86400 % 28:02d}T"
                  f"{i // 3600 % 24:02d}{i // 60 % 60:02d}{i % 60:02d}Z"
                  for i in range(n)]
        write(out, name, HEAD + event(
            name, ["DTSTART:20261001T000000Z", "DTEND:20261001T000100Z",
                   "SUMMARY:#amis rdates"] + rdates) + TAIL)
    write(out, "secondly-8000.ics", HEAD + event(
        "secondly-8000",
        ["DTSTART:20261001T000000Z", "DTEND:20261001T000001Z", "SUMMARY:#amis"]
        + ["RRULE:FREQ=SECONDLY"] * 8000) + TAIL)
    values = ",".join(["x"] * 20_000_000)
    write(out, "categories-20m.ics", HEAD + event(
        "categories-20m",
        ["DTSTART:20261001T100000Z", "DTEND:20261001T110000Z", "SUMMARY:#amis",
         f"CATEGORIES:{values}"]) + TAIL)
    hashtags = " ".join(f"#h{i}" for i in range(2_000_000))
    write(out, "hashtags-2m.ics", HEAD + event(
        "hashtags-2m",
        ["DTSTART:20261001T100000Z", "DTEND:20261001T110000Z",
         f"SUMMARY:#amis {hashtags}"]) + TAIL)
    overrides = []
    for i in range(20_000):
        m = 2 * i
        t = f"202610{1 + m // 1440:02d}T{m // 60 % 24:02d}{m % 60:02d}00Z"
        overrides.append(event("taf", [
            f"RECURRENCE-ID;RANGE=THISANDFUTURE:{t}", f"DTSTART:{t}", f"DTEND:{t}",
            "SUMMARY:#amis moved"]))
    write(out, "taf-20k.ics", HEAD + event(
        "taf", ["DTSTART:20261001T000000Z", "DTEND:20261001T000100Z",
                "RRULE:FREQ=MINUTELY", "SUMMARY:#amis"]) + "".join(overrides) + TAIL)
    write(out, "year-2300.ics", HEAD + event(
        "year-2300",
        ["DTSTART:23001015T100000Z", "DTEND:23001015T120000Z",
         "SUMMARY:#amis far away"]) + TAIL)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "hostile")

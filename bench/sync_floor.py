# SPDX-License-Identifier: GPL-3.0-or-later
"""The server's own time for an initial sync: the requests that carry the data, sent by a
client that does nothing else (no parsing, no store), so that a sync's time can be told
apart from the server's.

It sends what caltally's initial sync sends for one collection: a `sync-collection` REPORT
from no token, then `calendar-multiget` REPORTs of 100 hrefs each, IN_FLIGHT at a time on
their own connections, each asking for a gzip-compressed answer as caltally does. Discovery (a handful of small PROPFINDs) is left out. Prints the
wall time in seconds, then the parts.

    sync_floor.py URL USER PASSWORD [--in-flight N]

URL is the collection's, e.g. http://127.0.0.1:5232/alice/work/.
"""

import argparse
import base64
import gzip
import http.client
import re
import threading
import time
import urllib.parse

LISTING = (
    b'<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:">'
    b"<d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop>"
    b"</d:sync-collection>"
)
MULTIGET_HEAD = (
    b'<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget xmlns:d="DAV:" '
    b'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/>'
    b"</d:prop>"
)
BATCH = 100


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("url")
    p.add_argument("user")
    p.add_argument("password")
    p.add_argument("--in-flight", type=int, default=2)
    a = p.parse_args()
    url = urllib.parse.urlsplit(a.url)
    token = base64.b64encode(f"{a.user}:{a.password}".encode()).decode()
    headers = {
        "Authorization": f"Basic {token}",
        "Depth": "1",
        "Content-Type": "application/xml; charset=utf-8",
        "Accept-Encoding": "gzip",
    }

    def report(conn, body):
        conn.request("REPORT", url.path, body=body, headers=headers)
        reply = conn.getresponse()
        data = reply.read()
        if reply.status != 207:
            raise SystemExit(f"REPORT answered {reply.status}")
        if reply.getheader("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        return data

    def connect():
        return http.client.HTTPConnection(url.hostname, url.port)

    start = time.perf_counter()
    listing = report(connect(), LISTING)
    listed = time.perf_counter()
    hrefs = re.findall(rb"<(?:[A-Za-z0-9]+:)?href>([^<]+)</", listing)
    hrefs = [h for h in hrefs if h.rstrip(b"/") != url.path.rstrip("/").encode()]
    batches = [hrefs[i : i + BATCH] for i in range(0, len(hrefs), BATCH)]
    lock = threading.Lock()
    failed = []

    def fetch():
        conn = connect()
        while True:
            with lock:
                if not batches or failed:
                    return
                batch = batches.pop()
            asked = b"".join(b"<d:href>" + h + b"</d:href>" for h in batch)
            try:
                report(conn, MULTIGET_HEAD + asked + b"</c:calendar-multiget>")
            except (OSError, SystemExit) as e:
                failed.append(e)
                return

    workers = [threading.Thread(target=fetch) for _ in range(a.in_flight)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if failed:
        raise SystemExit(f"a multiget failed: {failed[0]}")
    end = time.perf_counter()
    print(
        f"{end - start:.3f} {len(hrefs)} hrefs: listing {listed - start:.3f} s, "
        f"multigets {end - listed:.3f} s"
    )


if __name__ == "__main__":
    main()

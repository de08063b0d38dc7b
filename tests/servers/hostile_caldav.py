# SPDX-License-Identifier: GPL-3.0-or-later
"""A scripted CalDAV server on loopback, for tests of hostile or broken answers.

Usage: hostile_caldav.py SCRIPT.json LOG.jsonl

It listens on a free port of 127.0.0.1, prints "PORT <n>" once ready, and serves until it
is killed. SCRIPT.json is read again on every request, so a test can change the server's
behaviour between two runs. It holds a list of routes; the first route whose "method",
"path" and "contains" (a substring of the request body) all match answers:

  {"method": "PROPFIND", "path": "/dav/", "contains": "sync-collection",
   "status": 207, "headers": {"Content-Type": "..."},
   "body": "...", "encoding": "latin-1"}

or, instead of "body", a generated one that is never held in memory whole:

  "huge": {"prefix": "...", "filler": "X", "size": 100000000, "suffix": "..."}

or, for a calendar-multiget, an answer holding only the hrefs asked for, in the order
asked (an href asked for that is not in the map is left out):

  "multiget": {"/dav/cal/team/a.ics": "<d:response>...</d:response>", ...}

A route may also wait "delay" seconds before it answers. "{base}" in a body or header
value becomes http://127.0.0.1:<port>. Unmatched requests get 404. Each request is
appended to LOG.jsonl as {"method", "path", "authorization", "body" (its first 2,000
characters), "in_flight"}, where "in_flight" counts the calendar-multiget requests being
served when it arrived, itself included (0 for other requests).
"""

import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

SCRIPT, LOG = sys.argv[1], sys.argv[2]
LOCK = threading.Lock()
CHUNK = 1 << 16
MULTIGETS = [0]  # calendar-multiget requests being served
HREF = re.compile(r"<(?:[A-Za-z0-9]+:)?href>([^<]*)</(?:[A-Za-z0-9]+:)?href>")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        multiget = "calendar-multiget" in body
        with LOCK:
            if multiget:
                MULTIGETS[0] += 1
            with open(LOG, "a", encoding="utf-8") as log:
                log.write(
                    json.dumps(
                        {
                            "method": self.command,
                            "path": self.path,
                            "authorization": self.headers.get("Authorization"),
                            "body": body[:2000],
                            "in_flight": MULTIGETS[0] if multiget else 0,
                        }
                    )
                    + "\n"
                )
        try:
            self.route(body)
        finally:
            if multiget:
                with LOCK:
                    MULTIGETS[0] -= 1

    def route(self, body):
        with open(SCRIPT, encoding="utf-8") as f:
            routes = json.load(f)
        base = "http://127.0.0.1:%d" % self.server.server_address[1]
        for route in routes:
            if route.get("method", self.command) != self.command:
                continue
            if route.get("path", self.path) != self.path:
                continue
            if route.get("contains", "") not in body:
                continue
            time.sleep(route.get("delay", 0))
            if "multiget" in route:
                route = dict(route, body=multiget_answer(route["multiget"], body))
            self.reply(route, base)
            return
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def reply(self, route, base):
        self.close_connection = True
        self.send_response(route.get("status", 207))
        headers = {"Content-Type": "application/xml; charset=utf-8"}
        headers.update(route.get("headers", {}))
        huge = route.get("huge")
        if huge:
            prefix = huge.get("prefix", "").replace("{base}", base).encode()
            suffix = huge.get("suffix", "").replace("{base}", base).encode()
            size = int(huge["size"])
            filler = (huge.get("filler", "X") * CHUNK).encode()[:CHUNK]
            headers["Content-Length"] = str(len(prefix) + size + len(suffix))
        else:
            text = route.get("body", "").replace("{base}", base)
            data = text.encode(route.get("encoding", "utf-8"))
            headers["Content-Length"] = str(len(data))
        headers["Connection"] = "close"
        for name, value in headers.items():
            self.send_header(name, value.replace("{base}", base))
        self.end_headers()
        try:
            if huge:
                self.wfile.write(prefix)
                left = size
                while left > 0:
                    n = min(left, CHUNK)
                    self.wfile.write(filler[:n])
                    left -= n
                self.wfile.write(suffix)
            else:
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = do_PROPFIND = do_REPORT = do_PUT = do_DELETE = do_OPTIONS = answer


def multiget_answer(objects, body):
    """A multistatus with the responses of the hrefs asked for in `body`."""
    asked = [unquote(h) for h in HREF.findall(body)]
    return (
        '<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:" '
        'xmlns:c="urn:ietf:params:xml:ns:caldav">'
        + "".join(objects[h] for h in asked if h in objects)
        + "</d:multistatus>"
    )


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

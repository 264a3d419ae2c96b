#!/usr/bin/env python3
"""feeds_http_server.py - a tiny HTTP server for `mamori feeds sync` tests, bound to 127.0.0.1.

Usage: feeds_http_server.py ROOT PORTFILE [LOG]
Serves files under ROOT with ETag / If-None-Match, Last-Modified / If-Modified-Since and
single-range requests (Range: bytes=N- or N-M -> 206). Writes the chosen port to PORTFILE and
logs "METHOD PATH STATUS RANGE" lines to LOG. Never binds anything but 127.0.0.1.
"""
import email.utils
import hashlib
import http.server
import os
import sys

ROOT, PORTFILE = sys.argv[1], sys.argv[2]
LOG = sys.argv[3] if len(sys.argv) > 3 else None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def note(self, status):
        if LOG:
            with open(LOG, "a") as f:
                f.write("%s %s %d %s\n" % (self.command, self.path, status,
                                            self.headers.get("Range", "-")))

    def send_empty(self, status):
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.note(status)

    def do_GET(self):
        path = os.path.normpath(os.path.join(ROOT, self.path.lstrip("/").split("?")[0]))
        if not path.startswith(os.path.abspath(ROOT)) or not os.path.isfile(path):
            return self.send_empty(404)
        with open(path, "rb") as f:
            data = f.read()
        st = os.stat(path)
        etag = '"%s"' % hashlib.sha1(data).hexdigest()[:16]
        lastmod = email.utils.formatdate(st.st_mtime, usegmt=True)
        if self.headers.get("If-None-Match") == etag:
            return self.send_empty(304)
        ims = self.headers.get("If-Modified-Since")
        if ims and not self.headers.get("If-None-Match"):
            t = email.utils.parsedate_to_datetime(ims).timestamp()
            if int(st.st_mtime) <= int(t):
                return self.send_empty(304)
        status, body = 200, data
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes="):
            a, _, b = rng[6:].partition("-")
            start = int(a)
            end = int(b) if b else len(data) - 1
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(data))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return self.note(416)
            status, body = 206, data[start:end + 1]
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", lastmod)
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, start + len(body) - 1,
                                                                   len(data)))
        self.end_headers()
        self.wfile.write(body)
        self.note(status)


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()

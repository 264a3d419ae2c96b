#!/usr/bin/env python3
# bench/web_reports_scans.py - report download / "generate now" latency and a console scan (loopback only)
# through `mamori serve`; run: MAMORI=build/release/mamori python3 bench/web_reports_scans.py
# measures: PDF download latency, "generate now" latency, console scan time-to-done (loopback)
import os, sys, time, statistics, subprocess
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
os.environ.setdefault("MAMORI_SOURCE_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import webtest as W
import tempfile
tmp = tempfile.mkdtemp(prefix="mamori-bench-web3-")
db = W.setup_store(tmp)
rep = W.make_reports(db, tmp)
srv = W.Server(db, tmp, "--reports-dir", rep)
try:
    _, op = W.login(srv, "operator")
    _, ana = W.login(srv, "analyst")
    csrf = W.session_csrf(srv, "analyst", ana)
    t = []
    for i in range(20):
        t0 = time.monotonic(); r = srv.request("GET", "/orgs/kanto-rail/reports/2026Q4.pdf", cookie=op); t.append(time.monotonic() - t0)
        assert r.status == 200
    print("download %d KB PDF: median %.1f ms, max %.1f ms (20 requests)" % (len(r.body) // 1024, statistics.median(t) * 1000, max(t) * 1000))
    t = []
    for i in range(5):
        t0 = time.monotonic(); r = srv.request("POST", "/orgs/osaka-water/reports", {"csrf": csrf, "period": "2026Q%d" % (i % 4 + 1)}, cookie=ana); t.append(time.monotonic() - t0)
        assert r.status == 303, r.status
    print("generate now (HTML+PDF): median %.0f ms, max %.0f ms (5 requests)" % (statistics.median(t) * 1000, max(t) * 1000))
    port = 20000 + os.getpid() % 20000
    W.listener("127.0.10.1", port)
    t0 = time.monotonic()
    r = srv.request("POST", "/scans", {"csrf": csrf, "org": "kanto-rail", "ports": "%d,%d,%d" % (port, port + 1, port + 2)}, cookie=ana)
    post = time.monotonic() - t0
    sid = int(r.header("Location").rsplit("/", 1)[1])
    s = W.wait_scan(srv, ana, sid)
    print("console scan 16 addresses x 3 ports: POST answered in %.1f ms, done after %.2f s, state %s, open %d" % (post * 1000, time.monotonic() - t0, s["state"], s["open"]))
finally:
    srv.stop()

#!/usr/bin/env python3
"""kpi_empty.py - the KPI panel of a sector page (issue 14): a sector with no findings says so
in one line (Japanese, and English on ?lang=en) instead of drawing four empty charts; a sector
with a finding keeps its charts. Against `mamori serve` on 127.0.0.1 (helpers from webtest.py).
Prints "N passed, M failed" last."""
import os
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import webtest as w  # noqa: E402


def main():
    tmp = tempfile.mkdtemp(prefix="mamori-kpi-")
    db = os.path.join(tmp, "m.db")
    env = dict(os.environ, MAMORI_PASSWORD=w.PASSWORD)
    w.run("--db", db, "init", env=env)
    w.run("--db", db, "inventory", "import", os.path.join(w.SRC, "examples", "inventory.yaml"),
          env=env)
    w.run("--db", db, "user", "add", "analyst", "--role", "analyst", env=env)
    c = sqlite3.connect(db)
    w.add_finding(c, "kanto-rail", "www.kanto-rail.test", "vuln:CVE-2021-41773", "vulnerability",
                  "critical", "open", "Apache パストラバーサル / Apache path traversal", kev=1,
                  cve="CVE-2021-41773")
    c.commit()
    c.close()
    srv = w.Server(db, tmp)
    try:
        _, ana = w.login(srv, "analyst")
        for lang, line in (("ja", "この分野にはまだ指摘がありません"),
                           ("en", "No findings in this sector yet")):
            r = srv.request("GET", "/orgs?sector=water&lang=" + lang, cookie=ana)
            t = r.text()
            w.check(r.status == 200 and 'id="kpi-empty"' in t and line in t,
                    "%s: water (no findings) says so in one line: %d" % (lang, r.status))
            w.check('id="kpi"' in t and "<svg" not in t and 'id="kpi-age"' not in t,
                    "%s: water draws no empty chart" % lang)
            if lang == "en":
                w.check("指摘" not in t.split('id="kpi"')[1].split("</section>")[0],
                        "en: the empty state has no Japanese")
            r = srv.request("GET", "/orgs?sector=railways&lang=" + lang, cookie=ana)
            t = r.text()
            w.check(r.status == 200 and 'id="kpi-empty"' not in t and 'id="kpi-age-chart"' in t
                    and 'id="kpi-kev-overdue"' in t,
                    "%s: railways (one KEV finding) keeps its charts" % lang)
    finally:
        w.check(srv.stop() == 0, "server exit status")
    print("%d passed, %d failed" % (w.passed, w.failed))
    return 1 if w.failed else 0


if __name__ == "__main__":
    sys.exit(main())

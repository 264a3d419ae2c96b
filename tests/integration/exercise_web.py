#!/usr/bin/env python3
"""exercise_web.py - the exercise pages of the console and API against a real server on
127.0.0.1 (helpers from webtest.py). Prints "N passed, M failed" last."""
import hashlib
import json
import os
import re
import sqlite3
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import webtest as w  # noqa: E402

T0 = "2026-12-07T00:00:00Z"
NOW = "2026-12-07T00:02:00Z"  # the server's clock: T+02:00 at speed 1


def check(ok, what):
    w.check(ok, what)


def main():
    tmp = tempfile.mkdtemp(prefix="mamori-exweb-")
    db = os.path.join(tmp, "m.db")
    exdir = os.path.join(w.SRC, "data", "exercises")
    os.environ["MAMORI_EXERCISES"] = exdir
    env = dict(os.environ, MAMORI_PASSWORD=w.PASSWORD, MAMORI_NOW=T0)
    w.run("--db", db, "init", env=env)
    w.run("--db", db, "inventory", "import", os.path.join(w.SRC, "examples", "inventory.yaml"),
          env=env)
    for name, args in {"analyst": ["--role", "analyst"],
                       "operator": ["--role", "operator", "--org", "kanto-rail",
                                    "--display", "関東 太郎"],
                       "operator2": ["--role", "operator", "--org", "kanto-rail"],
                       "operator-b": ["--role", "operator", "--org", "kansai-rail"]}.items():
        w.run("--db", db, "user", "add", name, *args, env=env)
    run = json.loads(w.run("--db", db, "exercise", "start", "airport-vpn-kev", "--users",
                           "operator:operator_csirt", "--speed", "1", "--json", env=env))["run"]
    # a real notice beside the 【訓練】 mail of the first inject
    w.run("--db", db, "advisories", "send", "--products",
          "cpe:2.3:a:nginx:nginx:*:*:*:*:*:*:*:*", "--title", "本物の注意喚起", "--body",
          "実際の通知", env=env)
    con = sqlite3.connect(db)
    n_ex = con.execute("SELECT count(*) FROM alerts WHERE issue_key LIKE 'exercise:%'").fetchone()[0]
    n_real = con.execute("SELECT count(*) FROM alerts WHERE issue_key NOT LIKE 'exercise:%'"
                         ).fetchone()[0]
    con.close()
    check(n_ex > 0 and n_real > 0, "setup: exercise mails (%d) and real alerts (%d)" % (n_ex, n_real))

    os.environ["MAMORI_NOW"] = NOW
    srv = w.Server(db, tmp)
    try:
        _, ana = w.login(srv, "analyst")
        _, op = w.login(srv, "operator")
        _, op2 = w.login(srv, "operator2")
        _, opb = w.login(srv, "operator-b")
        base = "/exercises/%d" % run

        # --- 4. 【訓練】 mails: out of the live list, its counts and the API; in the run's view
        r = srv.request("GET", "/alerts", cookie=ana)
        rows = re.findall(r'<tr id="alert-\d+">.*?</tr>', r.text(), re.S)
        check(r.status == 200 and len(rows) == n_real and not any("【訓練】" in x for x in rows),
              "live alert list: the %d real alerts, no 【訓練】 mail (%d rows)" % (n_real, len(rows)))
        r = srv.request("GET", "/api/v1/alerts?limit=1000", cookie=ana)
        items = r.json()["items"]
        check(r.json()["total"] == n_real and not any(i["issue_key"].startswith("exercise:")
                                                      for i in items),
              "alert API: total %d counts only real alerts (%d)" % (r.json()["total"], n_real))
        r = srv.request("GET", "/", cookie=ana)
        m = re.search(r'id="alerts-awaiting-count" data-count="(\d+)"', r.text())
        con = sqlite3.connect(db)
        urgent_real = con.execute("SELECT count(*) FROM alerts WHERE urgent = 1 AND acked_at IS"
                                  " NULL AND issue_key NOT LIKE 'exercise:%'").fetchone()[0]
        con.close()
        check(m is not None and int(m.group(1)) == urgent_real,
              "dashboard KPI counts no exercise mail: %s vs %d" % (m and m.group(1), urgent_real))
        r = srv.request("GET", "/alerts.csv", cookie=ana)
        check(r.status == 200 and "【訓練】" not in r.text(), "alerts CSV: no 【訓練】 mail")
        r = srv.request("GET", "/alerts?exercise=1", cookie=ana)
        rows = re.findall(r'<tr id="alert-\d+">.*?</tr>', r.text(), re.S)
        check(r.status == 200 and len(rows) == n_ex and all("【訓練】" in x for x in rows),
              "explicit filter ?exercise=1: the %d exercise mails, marked (%d)" % (n_ex, len(rows)))
        r = srv.request("GET", base, cookie=ana)
        mails = re.search(r'<ul id="exercise-mails">(.*?)</ul>', r.text(), re.S)
        check(mails is not None and mails.group(1).count("【訓練】") == n_ex,
              "the run's own view lists its 【訓練】 mails")
        r = srv.request("GET", base, cookie=op)
        mails = re.search(r'<ul id="exercise-mails">(.*?)</ul>', r.text(), re.S)
        check(r.status == 200 and mails is not None and "【訓練】" in mails.group(1),
              "the participant's run view lists its org's 【訓練】 mails")

        # --- 2. named participants
        check("関東 太郎" in r.text() and 'data-user="operator"' in r.text(),
              "the run page names the participant")
        for who, jar in (("operator2 (same org, not invited)", op2), ("operator-b", opb)):
            for path in (base, "/api/v1/exercises/%d" % run, base + "/incident"):
                r = srv.request("GET", path, cookie=jar)
                check(r.status == 404, "%s reads %s: %d" % (who, path, r.status))
        r = srv.request("GET", "/exercises", cookie=op2)
        check(r.status == 200 and 'href="%s"' % base not in r.text(),
              "an uninvited user's run list leaves the run out")
        csrf2 = w.session_csrf(srv, "operator", op2)
        r = srv.request("POST", base + "/respond", {"csrf": csrf2, "role": "operator_csirt",
                                                    "action": "isolate"}, cookie=op2)
        check(r.status == 404, "an uninvited user acting in the run: %d" % r.status)
        csrfa = w.session_csrf(srv, "analyst", ana)
        r = srv.request("POST", base + "/participants", {"csrf": csrfa, "user": "analyst"},
                        cookie=ana)
        check(r.status == 400 and "事業者ユーザー" in r.text(),
              "inviting a non-operator is refused: %d" % r.status)
        r = srv.request("POST", base + "/participants", {"csrf": csrfa, "user": "operator2",
                                                         "role": "executive"}, cookie=ana)
        check(r.status == 303, "analyst invites operator2 as 経営層: %d" % r.status)
        r = srv.request("GET", base, cookie=op2)
        check(r.status == 200 and 'id="r-role"><option value="executive">' in r.text(),
              "the invited user sees the run, its role fixed: %d" % r.status)

        # --- 1. the exercise incident form
        csrf = w.session_csrf(srv, "operator", op)
        r = srv.request("GET", base + "/incident", cookie=op)
        check(r.status == 200 and "【訓練】" in r.text() and 'id="incident-form"' in r.text()
              and 'name="csrf"' in r.text() and 'id="save-draft"' not in r.text(),
              "the participant's exercise incident form: %d" % r.status)
        form = {"report": "initial", "type": "ddos", "occurred_at": "2026-12-07T09:00",
                "aware_at": "2026-12-07T09:01", "contact_name": "演習 担当", "x_inject": "asm-notice",
                "summary": "<script>alert(1)</script>"}
        r = srv.request("POST", base + "/incident", dict(form, title="x"), cookie=op)
        check(r.status == 403, "the form without its CSRF token: %d" % r.status)
        r = srv.request("POST", base + "/incident", dict(form, csrf=csrf), cookie=op)
        err = re.search(r'id="form-error"[^>]*>(.*?)</p>', r.text(), re.S)
        check(r.status == 400 and err is not None and "件名" in err.group(1) and "title"
              in err.group(1) and "必須項目" in err.group(1) and "missing required" not in
              err.group(1) and "Title" not in err.group(1),
              "a report without a title: the error in Japanese only, naming the field: %s"
              % (err and err.group(1)))
        r = srv.request("POST", base + "/incident", dict(form, csrf=csrf, x_inject="lateral",
                                                         title="演習 初報"), cookie=op)
        check(r.status == 400 and "まだ配信されていない" in r.text(),
              "answering an inject not yet delivered: %d" % r.status)
        r = srv.request("POST", base + "/incident", dict(form, csrf=csrf, title="演習 初報"),
                        cookie=op)
        loc = r.header("Location") or ""
        check(r.status == 303 and loc.startswith(base + "?filed="), "filed: %d %s" % (r.status, loc))
        iid = int(loc.split("=")[-1]) if "=" in loc else 0
        con = sqlite3.connect(db)
        row = con.execute("SELECT exercise_run FROM incidents WHERE id = ?", (iid,)).fetchone()
        act = con.execute("SELECT kind, actor, scen_s, inject_id FROM exercise_actions WHERE "
                          "incident_id = ?", (iid,)).fetchone()
        con.close()
        check(row is not None and row[0] == run, "the incident is marked with the run")
        check(act == ("file_initial", "operator", 120, "asm-notice"),
              "recorded as the user's file_initial at T+02:00 against asm-notice: %s" % (act,))
        r = srv.request("GET", "/api/v1/incidents", cookie=ana)
        check(r.status == 200 and all(i.get("id") != iid for i in r.json().get("items", [])),
              "the exercise incident is not in the real incident list")
        r = srv.request("GET", "/incidents/%d" % iid, cookie=ana)
        check(r.status == 404, "nor readable as a real incident: %d" % r.status)
        r = srv.request("GET", base, cookie=ana)
        acts = re.search(r'<ul id="actions">(.*?)</ul>', r.text(), re.S)
        check(acts is not None and "T+02:00 関東 太郎" in acts.group(1) and "インシデント初報"
              in acts.group(1) and "【訓練】#%d" % iid in acts.group(1),
              "the analyst sees the filing, timed and named: %s" % (acts and acts.group(1)[:300]))
        st = srv.request("GET", "/api/v1/exercises/%d" % run, cookie=ana).json()
        p = [x for x in st["participants"] if x["user"] == "operator"]
        check(p and p[0]["actions"] == 1 and p[0]["display"] == "関東 太郎",
              "per-participant tally in the API: %s" % p)

        # the report as filed: the analyst and the participant's org read it, others 404
        view = base + "/incidents/%d" % iid
        r = srv.request("GET", view, cookie=ana)
        check(r.status == 200 and "演習 初報" in r.text() and "&lt;script&gt;alert(1)" in
              r.text() and "<script>alert(1)" not in r.text() and "【訓練】" in r.text(),
              "the analyst reads the exercise report, marked, script escaped: %d" % r.status)
        r = srv.request("GET", base, cookie=ana)
        check('href="%s"' % view in r.text(), "the run page links the filing to it")
        r = srv.request("GET", view, cookie=op)
        check(r.status == 200, "the participant reads its own report: %d" % r.status)
        r = srv.request("GET", view, cookie=opb)
        check(r.status == 404, "another org's operator: %d" % r.status)
        r = srv.request("GET", base + "/incidents/%d" % (iid + 1000), cookie=ana)
        check(r.status == 404, "an incident not of the run: %d" % r.status)

        # the NISC severity of that exercise incident, from the run's page
        r = srv.request("GET", base, cookie=op)
        check('id="exercise-assess"' in r.text() and 'value="%d">#%d' % (iid, iid) in r.text(),
              "the run page offers the assessment of the filed incident")
        r = srv.request("POST", base + "/assess", {"csrf": csrf, "incident": str(iid),
                                                   "continuity": "3", "safety": "1",
                                                   "trust": "2"}, cookie=op)
        check(r.status == 303, "the participant assesses it: %d" % r.status)
        r = srv.request("POST", base + "/assess", {"csrf": csrf, "incident": str(iid),
                                                   "continuity": "9", "safety": "1",
                                                   "trust": "2"}, cookie=op)
        check(r.status == 400, "a level outside 0..4: %d" % r.status)
        con = sqlite3.connect(db)
        act = con.execute("SELECT actor, role FROM exercise_actions WHERE kind = "
                          "'assess_severity' AND incident_id = ?", (iid,)).fetchall()
        con.close()
        check(act == [("operator", "operator_csirt")], "recorded as the user's assessment: %s" % act)
        r = srv.request("POST", base + "/assess", {"csrf": w.session_csrf(srv, "operator", opb),
                                                   "incident": str(iid), "continuity": "1",
                                                   "safety": "1", "trust": "1"}, cookie=opb)
        check(r.status == 404, "another org's operator assessing: %d" % r.status)

        # --- 3. attachment bytes
        path = base + "/attachments/exploited"
        r = srv.request("GET", path, cookie=op)
        check(r.status == 404, "an attachment of an inject not yet delivered: %d" % r.status)
        w.run("--db", db, "exercise", "inject-now", str(run), "exploited",
              env=dict(os.environ))
        want = open(os.path.join(exdir, "attachments", "airport-vpn-kev", "ict-result.txt"),
                    "rb").read()
        r = srv.request("GET", path, cookie=op)
        check(r.status == 200 and r.body == want, "the participant downloads the bytes: %d" % r.status)
        cd = r.header("Content-Disposition") or ""
        check(cd.startswith("attachment;") and "ict-result.txt" in cd,
              "Content-Disposition: attachment (%s)" % cd)
        check(r.header("X-Content-Type-Options") == "nosniff", "nosniff on the download")
        check((r.header("Content-Type") or "").startswith("text/plain"),
              "content type of the allow-list: %s" % r.header("Content-Type"))
        r = srv.request("GET", base, cookie=op)
        check(hashlib.sha256(want).hexdigest() in r.text(), "the run page shows the SHA-256")
        r = srv.request("GET", path, cookie=op2)
        check(r.status == 200, "operator2, invited since, downloads too: %d" % r.status)
        r = srv.request("GET", path, cookie=opb)
        check(r.status == 404, "another org's operator downloads: %d" % r.status)
        r = srv.request("GET", base + "/attachments/no-such", cookie=ana)
        check(r.status == 404, "an inject without attachment: %d" % r.status)
        api = "/api/v1/exercises/%d/attachments/exploited" % run
        hdr = {"Content-Type": "application/octet-stream", "X-CSRF-Token": csrfa}
        for what, body, status, text in (
                ("empty", b"", 400, "空"), ("over the cap", b"a" * (2 * 1024 * 1024 + 1), 413,
                                              "too_big"),
                ("not text", b"\x7fELF\x02\x01\x01\x00", 400, "一致しません")):
            r = srv.request("POST", api, body, headers=hdr, cookie=ana)
            check(r.status == status and text in r.text(),
                  "upload %s: %d %s" % (what, r.status, r.text()[:200]))
        r = srv.request("POST", api, b"x", headers=hdr, cookie=op)
        check(r.status == 403, "a participant cannot upload: %d" % r.status)
        new = "【訓練】差し替え\n".encode()
        r = srv.request("POST", api, new, headers=hdr, cookie=ana)
        check(r.status == 201 and r.json()["sha256"] == hashlib.sha256(new).hexdigest(),
              "analyst replaces the attachment: %d" % r.status)
        r = srv.request("GET", path, cookie=ana)
        check(r.status == 200 and r.body == new, "the new bytes are served")
    finally:
        check(srv.stop() == 0, "server exit status")
    print("%d passed, %d failed" % (w.passed, w.failed))
    sys.exit(1 if w.failed else 0)


if __name__ == "__main__":
    if not w.M:
        raise SystemExit("MAMORI must name the built binary")
    main()

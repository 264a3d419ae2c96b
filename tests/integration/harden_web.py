#!/usr/bin/env python3
"""Web and auth hardening (issue #19 items 14-21), against `mamori serve` on 127.0.0.0/8.

Each section starts its own server on a random port and only talks to loopback addresses;
every loop is bounded in count and time. Prints "N passed, M failed" last.
"""
import concurrent.futures
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import webtest as wt  # noqa: E402  (Server, login, setup_store, run)

M = wt.M
PASSWORD = wt.PASSWORD
passed = 0
failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what, flush=True)
    return ok


def q(db, sql, args=()):
    c = sqlite3.connect(db, timeout=30)
    try:
        rows = c.execute(sql, args).fetchall()
        c.commit()
        return rows
    finally:
        c.close()


def mamori(db, *args, env=None, check_rc=False):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([M, "--db", db, *args], env=e, capture_output=True, text=True,
                          check=check_rc)


def raw_conn(port, source, timeout=5):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def closed_by_peer(s):
    """True when the server closed s (EOF or reset); False when it is still open."""
    s.setblocking(False)
    try:
        d = s.recv(65536)
        return d == b"" or d.startswith(b"HTTP/1.1 4") or d.startswith(b"HTTP/1.1 5")
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        s.setblocking(True)


# ---- 14: slow-loris ----

def slowloris(db, tmp):
    n_loris, hold = 200, 6.0
    srv = wt.Server(db, tmp, "--max-conns", "100", "--timeout", "30")
    socks = []
    try:
        t0 = time.monotonic()
        for i in range(n_loris):  # bounded: 200 connections, one address
            try:
                s = raw_conn(srv.port, "127.0.0.50", timeout=2)
                s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                socks.append(s)
            except OSError:
                pass
        # keep them trickling while another client uses the console
        answered, worst = 0, 0.0
        deadline = t0 + hold
        k = 0
        while time.monotonic() < deadline and k < 20:
            k += 1
            for s in socks:
                try:
                    s.send(b"X-a: b\r\n")
                except OSError:
                    pass
            t = time.monotonic()
            try:
                r = srv.request("GET", "/login", source="127.0.0.1")
                if r.status == 200:
                    answered += 1
            except Exception:
                pass
            worst = max(worst, time.monotonic() - t)
            time.sleep(0.3)
        check(answered == k and worst < 3.0,
              "console answers under a %d-connection slow-loris: %d/%d answered, slowest %.1f s"
              % (n_loris, answered, k, worst))
        still = sum(1 for s in socks if not closed_by_peer(s))
        check(still <= 64, "one address holds %d connections (per-address limit 64)" % still)
    finally:
        for s in socks:
            s.close()
        check(srv.stop() == 0, "slow-loris server exit status")
    # total time to receive a request: headers or a body trickled slowly are cut off
    srv = wt.Server(db, tmp, "--timeout", "30", "--request-timeout", "3")
    try:
        hs = raw_conn(srv.port, "127.0.0.51")
        hs.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        bs = raw_conn(srv.port, "127.0.0.52")
        bs.sendall(b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                   b"application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n")
        t0 = time.monotonic()
        cut = {"headers": None, "body": None}
        while time.monotonic() - t0 < 9 and None in cut.values():
            for what, s in (("headers", hs), ("body", bs)):
                if cut[what] is not None:
                    continue
                try:
                    s.send(b"X-b: c\r\n" if what == "headers" else b"a")
                except OSError:
                    cut[what] = time.monotonic() - t0
                    continue
                if closed_by_peer(s):
                    cut[what] = time.monotonic() - t0
            time.sleep(0.4)
        for what in cut:
            check(cut[what] is not None and cut[what] < 6,
                  "slow %s cut off after the request timeout (3 s): %s" % (what, cut[what]))
        r = srv.request("GET", "/login")
        check(r.status == 200, "a normal request still answered: %d" % r.status)
    finally:
        hs.close()
        bs.close()
        check(srv.stop() == 0, "request-timeout server exit status")


# ---- 15: org and sector reports apart, reserved slugs ----

def reports(db, tmp):
    yml = os.path.join(tmp, "reserved.yaml")
    with open(yml, "w") as f:
        f.write("version: 1\norganisations:\n  - id: sector-water\n    name: 偽\n    sector: water\n")
    scratch = os.path.join(tmp, "scratch.db")
    mamori(scratch, "init", check_rc=True)
    p = mamori(scratch, "inventory", "import", yml)
    check(p.returncode != 0 and "sector-" in p.stderr,
          "YAML import refuses the reserved slug sector-water: %d %s"
          % (p.returncode, p.stderr.strip()[:200]))
    # a store from before the check: an operator whose slug is sector-railways
    q(db, "INSERT INTO orgs (slug, name_ja, sector, created_at, updated_at) VALUES"
          " ('sector-railways', '偽の鉄道', 'railways', 1, 1)")
    mamori(db, "user", "add", "op-sector", "--role", "operator", "--org", "sector-railways",
           env={"MAMORI_PASSWORD": PASSWORD}, check_rc=True)
    d = os.path.join(tmp, "reports")
    os.makedirs(d, exist_ok=True)
    p = mamori(db, "report", "sector", "railways", "--period", "2026Q4", "--out", d)
    check(p.returncode == 0, "report sector: %d %s" % (p.returncode, p.stderr[:200]))
    # the layout of earlier versions too: sector reports next to the org reports
    with open(os.path.join(d, "sector-railways-2026Q4.pdf"), "wb") as f:
        f.write(b"%PDF-1.4 sector report of the old layout")
    srv = wt.Server(db, tmp, "--reports-dir", d)
    try:
        _, op = wt.login(srv, "op-sector")
        r = srv.request("GET", "/orgs/sector-railways/reports/2026Q4.pdf", cookie=op)
        check(r.status == 404, "operator sector-railways gets the sector report: %d" % r.status)
        r = srv.request("GET", "/api/v1/orgs/sector-railways/reports", cookie=op)
        check(r.status == 200 and r.json()["total"] == 0,
              "operator sector-railways lists sector reports: %d %s" % (r.status, r.body[:200]))
        _, bu = wt.login(srv, "bureau")
        r = srv.request("GET", "/api/v1/sectors/railways/reports", cookie=bu)
        check(r.status == 200 and r.json()["total"] == 1, "bureau lists its sector report: %s"
              % r.body[:200])
        r = srv.request("GET", "/sectors/railways/reports/2026Q4.pdf", cookie=bu)
        check(r.status == 200 and r.body.startswith(b"%PDF") and b"old layout" not in r.body,
              "bureau downloads its sector report: %d" % r.status)
    finally:
        check(srv.stop() == 0, "reports server exit status")


# ---- 16: login throttle ----

def login_form(srv, source):
    r = srv.request("GET", "/login", source=source)
    return r.cookies(), wt.csrf_of(r.text())


def post_login(srv, jar, token, name, password, source):
    r = srv.request("POST", "/login", {"csrf": token, "name": name, "password": password},
                    cookie=jar, source=source)
    return r.status


def throttle(db, tmp):
    srv = wt.Server(db, tmp, "--threads", "4")
    srv_threads = 4
    try:
        # race: 10 wrong passwords at once from one address; at most 5 may be checked
        forms = [login_form(srv, "127.0.0.70") for _ in range(10)]
        before = q(db, "SELECT count(*) FROM audit_log WHERE action = 'login.failed'"
                       " AND actor = 'member'")[0][0]
        with concurrent.futures.ThreadPoolExecutor(max_workers=10) as ex:
            sts = list(ex.map(lambda f: post_login(srv, f[0], f[1], "member", "wrong pass x",
                                                   "127.0.0.70"), forms))
        after = q(db, "SELECT count(*) FROM audit_log WHERE action = 'login.failed'"
                      " AND actor = 'member'")[0][0]
        check(after - before == 5 and sts.count(401) == 5 and sts.count(429) == 5,
              "10 concurrent wrong logins (%d workers): %d checked, statuses %s"
              % (srv_threads, after - before, sorted(sts)))
        # a named account cannot be locked from elsewhere
        for i in range(6):
            j, t = login_form(srv, "127.0.0.71")
            post_login(srv, j, t, "victim", "wrong pass %d" % i, "127.0.0.71")
        j, t = login_form(srv, "127.0.0.71")
        check(post_login(srv, j, t, "victim", PASSWORD, "127.0.0.71") == 429,
              "the failing address is locked for that user")
        j, t = login_form(srv, "127.0.0.1")
        st = post_login(srv, j, t, "victim", PASSWORD, "127.0.0.1")
        check(st == 303, "victim logs in from its own address after failures elsewhere: %d" % st)
        # the slower global per-user limit: failures spread over many addresses
        for i in range(21):
            src = "127.0.1.%d" % (10 + i)
            j, t = login_form(srv, src)
            post_login(srv, j, t, "victim", "spray %d" % i, src)
        j, t = login_form(srv, "127.0.1.200")
        st = post_login(srv, j, t, "victim", PASSWORD, "127.0.1.200")
        check(st == 429, "21 failures from 21 addresses lock the user for new addresses: %d" % st)
        j, t = login_form(srv, "127.0.0.1")
        st = post_login(srv, j, t, "victim", PASSWORD, "127.0.0.1")
        check(st == 303, "an address the user signed in from before still may: %d" % st)
        # failed /ack links do not lock logins
        for i in range(8):
            srv.request("GET", "/ack/" + "%032x" % (i + 99), source="127.0.0.72")
        r = srv.request("GET", "/ack/" + "%032x" % 7, source="127.0.0.72")
        check(r.status == 429, "ack token guessing is still throttled: %d" % r.status)
        j, t = login_form(srv, "127.0.0.72")
        st = post_login(srv, j, t, "analyst", PASSWORD, "127.0.0.72")
        check(st == 303, "login from an address that failed /ack links: %d" % st)
    finally:
        check(srv.stop() == 0, "throttle server exit status")


# ---- 17: language switch on error pages; 18: JSON bodies ----

def links_and_json(db, tmp):
    srv = wt.Server(db, tmp)
    try:
        for path in ["//evil.example/x", "//evil.example", "/%2F%2Fevil.example/x",
                     "/\\evil.example/x"]:
            try:
                r = srv.request("GET", path)
            except Exception as ex:  # the client refusing to send it is fine
                check(True, "")
                continue
            hrefs = re.findall(r'href="([^"]*)"', r.text())
            bad = [h for h in hrefs if h.startswith("//") or "evil" in h or
                   re.match(r"^[a-z]+:", h)]
            check(not bad, "%s: off-site links %s" % (path, bad))
        r = srv.request("GET", "/login")
        lang = re.findall(r'class="lang" href="([^"]*)"', r.text())
        check(lang and lang[0].startswith("?lang="), "language link is relative: %s" % lang)
        _, admin = wt.login(srv, "admin")
        csrf = wt.session_csrf(srv, "admin", admin)
        hdr = {"Content-Type": "application/json", "X-CSRF-Token": csrf}
        cases = [
            (b'{"name":"nul1\\u0000x","role":"member","password":"correct horse battery"}',
             "escaped NUL in a name"),
            (b'{"name":"nul2","role":"member","password":"correct horse\\u0000 tail"}',
             "escaped NUL in a password"),
            (b'{"name":"ctl\x01x","role":"member","password":"correct horse battery"}',
             "raw control character"),
            (b'{"name":"ctl2","role":"member","password":"correct\nhorse battery"}',
             "raw newline in a string"),
            (b'{"name":"trail1","role":"member","password":"correct horse battery"} x',
             "trailing data"),
            (b'{"name":"trail2","role":"member","password":"correct horse battery"}{}',
             "a second object"),
            (b'{"name":"trail3","role":"member","password":"correct horse battery"}\x00',
             "trailing NUL"),
        ]
        for body, what in cases:
            r = srv.request("POST", "/api/v1/users", body, headers=hdr, cookie=admin)
            ok = r.status == 400
            try:
                ok = ok and r.json()["error"]["code"] == "parse"
            except Exception:
                ok = False
            check(ok, "%s: %d %s" % (what, r.status, r.body[:120]))
        n = q(db, "SELECT count(*) FROM users WHERE name IN ('nul1', 'nul2', 'ctl2', 'trail1',"
                  " 'trail2', 'trail3') OR name LIKE 'ctl%'")[0][0]
        check(n == 0, "refused bodies created %d users" % n)
        r = srv.request("POST", "/api/v1/users",
                        b' {"name":"jsonok","role":"member","password":"correct horse battery"}'
                        b' \r\n', headers=hdr, cookie=admin)
        check(r.status == 201, "surrounding whitespace is fine: %d %s" % (r.status, r.body[:100]))
    finally:
        check(srv.stop() == 0, "links/json server exit status")


# ---- 19: TLS versions and suites ----

def tls(db, tmp):
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1"], check=True,
                   capture_output=True)
    srv = wt.Server(db, tmp, "--tls-cert", cert, "--tls-key", key)

    def hs(*args):
        p = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % srv.port,
                            "-servername", "localhost", *args], input=b"", capture_output=True,
                           timeout=20)
        out = p.stdout.decode("utf-8", "replace")
        m = re.search(r"Cipher is (\S+)", out)
        ok = p.returncode == 0 and m is not None and m.group(1) != "(NONE)"
        return ok, (m.group(1) if m else "-")

    try:
        low = "DEFAULT:@SECLEVEL=0"
        for args, want, what in [
            (["-tls1", "-cipher", low], False, "TLS 1.0"),
            (["-tls1_1", "-cipher", low], False, "TLS 1.1"),
            (["-tls1_2", "-cipher", "AES128-SHA:@SECLEVEL=0"], False, "TLS 1.2 RSA key exchange CBC"),
            (["-tls1_2", "-cipher", "AES128-GCM-SHA256"], False, "TLS 1.2 RSA key exchange GCM"),
            (["-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA"], False, "TLS 1.2 ECDHE CBC"),
            (["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"], True, "TLS 1.2 ECDHE-GCM"),
            (["-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305"], True,
             "TLS 1.2 ECDHE-ChaCha20"),
            (["-tls1_3"], True, "TLS 1.3"),
        ]:
            ok, cipher = hs(*args)
            check(ok == want, "%s %s (cipher %s)" % (what, "accepted" if ok else "refused",
                                                     cipher))
        r, jar = wt.login(srv, "analyst")
        check(r.status == 303, "login over TLS: %d" % r.status)
    finally:
        check(srv.stop() == 0, "TLS server exit status")


# ---- 20: denied object reads audited, a burst alerts analysts ----

def denied(db, tmp):
    srv = wt.Server(db, tmp)
    try:
        _, op = wt.login(srv, "operator")
        t0 = q(db, "SELECT coalesce(max(id), 0) FROM audit_log")[0][0]
        paths = ["/api/v1/orgs/kansai-rail", "/orgs/kansai-rail", "/api/v1/orgs/osaka-water/assets",
                 "/api/v1/findings/%d" % wt.SEED_IDS["kansai"],
                 "/alerts/%d" % wt.ALERT_IDS["kansai"]]
        sts = set()
        for i in range(60):
            r = srv.request("GET", paths[i % len(paths)], cookie=op)
            sts.add(r.status)
        check(sts == {404}, "other organisations' objects answer 404: %s" % sts)
        time.sleep(1.5)  # the audit queue writes in batches
        rows = q(db, "SELECT action, object FROM audit_log WHERE id > ? AND actor = 'operator'",
                 (t0,))
        den = [x for x in rows if x[0].startswith("read.denied")]
        check(1 <= len(den) <= 12,
              "denied reads audited, rate-limited: %d rows of 60 requests" % len(den))
        check(any(x[1] == "/api/v1/orgs/kansai-rail" for x in den),
              "the denied object is named: %s" % den[:3])
        al = q(db, "SELECT id, org_slug, subject FROM alerts WHERE issue_key LIKE 'security:%'")
        check(len(al) == 1 and "operator" in al[0][2],
              "one alert for the burst of denied reads: %s" % al)
        if al:
            _, ana = wt.login(srv, "analyst")
            r = srv.request("GET", "/api/v1/alerts/%d" % al[0][0], cookie=ana)
            check(r.status == 200, "analysts see the alert: %d" % r.status)
            r = srv.request("GET", "/api/v1/alerts/%d" % al[0][0], cookie=op)
            check(r.status == 404, "the operator does not: %d" % r.status)
            r = srv.request("GET", "/alerts", cookie=ana)
            check(r.status == 200 and "不審なアクセス" in r.text(),
                  "the alert list shows it to analysts: %d" % r.status)
            _, bu = wt.login(srv, "bureau")
            r = srv.request("GET", "/alerts", cookie=bu)
            check(r.status == 200 and "不審なアクセス" not in r.text(),
                  "bureau users do not see it: %d" % r.status)
        # a signed-in user's own reads are not denials
        r = srv.request("GET", "/api/v1/orgs/kanto-rail", cookie=op)
        check(r.status == 200, "own org still readable: %d" % r.status)
    finally:
        check(srv.stop() == 0, "denied server exit status")


# ---- 21: API tokens ----

def tokens(db, tmp):
    srv = wt.Server(db, tmp)

    def new_token(name):
        out = mamori(db, "user", "token", name, "--label", "ci", check_rc=True).stdout
        m = re.search(r"mamori_[0-9a-f]{64}", out)
        return m.group(0)

    def status(tok):
        return srv.request("GET", "/api/v1/me", headers={"Authorization": "Bearer " + tok}).status

    env = {"MAMORI_PASSWORD": PASSWORD}
    try:
        tok = new_token("bureau-water")
        check(status(tok) == 200, "fresh token works")
        mamori(db, "user", "passwd", "bureau-water", env=env, check_rc=True)
        check(status(tok) == 401, "token revoked by a password change: %d" % status(tok))
        tok = new_token("bureau-water")
        mamori(db, "user", "disable", "bureau-water", check_rc=True)
        mamori(db, "user", "enable", "bureau-water", check_rc=True)
        check(status(tok) == 401, "token not resurrected by disable+enable: %d" % status(tok))
        tok = new_token("bureau-water")
        tok2 = new_token("bureau-water")
        check(status(tok2) == 200, "second token works")
        p = mamori(db, "user", "tokens", "bureau-water")
        check(p.returncode == 0 and tok[7:20] not in p.stdout and "ci" in p.stdout,
              "user tokens lists without secrets: %d %s" % (p.returncode, p.stdout[:300]))
        pj = mamori(db, "user", "tokens", "bureau-water", "--json")
        try:
            items = json.loads(pj.stdout)
        except ValueError:
            items = []
        live = [i for i in items if not i.get("revoked")]
        check(len(live) == 2 and all("id" in i and "created_at" in i and "last_used_at" in i
                                      for i in items),
              "tokens --json: %s" % pj.stdout[:300])
        used = [i for i in live if i.get("last_used_at")]
        check(len(used) == 1, "last use recorded for the used token: %s" % live)
        tid = used[0]["id"] if used else 0
        p = mamori(db, "user", "revoke", "bureau-water", str(tid))
        check(p.returncode == 0, "user revoke: %d %s" % (p.returncode, p.stderr))
        check(status(tok2) == 401 and status(tok) == 200,
              "revoked token refused, the other still works")
        p = mamori(db, "user", "revoke", "analyst", str(tid))
        check(p.returncode != 0, "revoking another user's token id fails: %d" % p.returncode)
        check(q(db, "SELECT count(*) FROM audit_log WHERE action = 'token.revoke'")[0][0] >= 1,
              "revocation audited")
        # the admin console: the same list, and a revoke button
        _, adm = wt.login(srv, "admin")
        r = srv.request("GET", "/users", cookie=adm)
        check('href="/users/bureau-water/tokens"' in r.text(), "users page links to tokens")
        r = srv.request("GET", "/users/bureau-water/tokens", cookie=adm)
        t = r.text()
        live_id = [i["id"] for i in live if i["id"] != tid]
        check(r.status == 200 and tok[7:20] not in t and
              ('action="/users/bureau-water/tokens/%d/revoke"' % live_id[0]) in t and
              ('action="/users/bureau-water/tokens/%d/revoke"' % tid) not in t,
              "console token list: %d" % r.status)
        r = srv.request("POST", "/users/bureau-water/tokens/%d/revoke" % live_id[0],
                        {"csrf": wt.csrf_of(t)}, cookie=adm)
        check(r.status == 303 and status(tok) == 401, "console revoke: %d" % r.status)
        r = srv.request("POST", "/users/analyst/tokens/%d/revoke" % live_id[0],
                        {"csrf": wt.csrf_of(t)}, cookie=adm)
        check(r.status == 404, "console revoke of another user's token id: %d" % r.status)
    finally:
        check(srv.stop() == 0, "tokens server exit status")


def main():
    if not M:
        raise SystemExit("MAMORI must name the built binary")
    only = sys.argv[1:]
    tmp = tempfile.mkdtemp(prefix="mamori-harden-")
    db = wt.setup_store(tmp)
    for name, fn in [("slowloris", slowloris), ("reports", reports), ("throttle", throttle),
                     ("links_json", links_and_json), ("tls", tls), ("denied", denied),
                     ("tokens", tokens)]:
        if only and name not in only:
            continue
        try:
            fn(db, tmp)
        except (Exception, SystemExit) as ex:
            check(False, "%s: %s\n%s" % (name, ex, traceback.format_exc()))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""trust_demo.py T - the web and mail half of trust_demo_lab.sh (issue 14) on T/demo/asm.db."""
import email
import email.policy
import glob
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import webtest  # noqa: E402  (Server, login, check)

T = sys.argv[1]
DB = os.path.join(T, "demo", "asm.db")
M = os.environ["MAMORI"]
env = dict(os.environ, MAMORI_PASSWORD=webtest.PASSWORD)


def run(*a):
    return subprocess.run([M, "--db", DB, *a], env=env, check=True, capture_output=True,
                          text=True).stdout


def squash(s):
    return re.sub(r"\s+", "", s)


run("user", "add", "analyst", "--role", "analyst")
run("user", "add", "op-tohoku", "--role", "operator", "--org", "tohoku-freight")
srv = webtest.Server(DB, T)
try:
    _, ana = webtest.login(srv, "analyst")
    dash = srv.request("GET", "/", cookie=ana).text()
    mails = {}
    for f in glob.glob(os.path.join(T, "demo", "mail", "*", "*", "new", "*")):
        m = email.message_from_binary_file(open(f, "rb"), policy=email.policy.default)
        mails.setdefault(os.path.basename(os.path.dirname(os.path.dirname(
            os.path.dirname(f)))), []).append((str(m["subject"]), m.get_content()))
    webtest.check(len(mails) >= 4, "mails to at least 4 operators' domains: %d" % len(mails))
    for dom, msgs in sorted(mails.items()):
        slug = dom.split(".")[0]
        first = json.loads(run("findings", "list", "--org", slug, "--open", "--limit", "1",
                               "--json"))
        if not first:
            continue
        f0 = first[0]
        title_ja = f0["title"].split(" / ")[0]
        # one mail per recipient: every mailbox of the domain got exactly one
        boxes = glob.glob(os.path.join(T, "demo", "mail", dom, "*", "new"))
        webtest.check(all(len(os.listdir(b)) == 1 for b in boxes),
                      "%s: one mail per mailbox" % slug)
        subj, body = msgs[0]
        # a network finding is named with its asset (address:port/proto); a declared product
        # with the asset it was declared on, never its internal "declared:cpe:…" key
        if f0["asset"].startswith("declared:"):
            line = re.search(r"最優先で対応すべき指摘: (.*)", body)
            webtest.check(line is not None and title_ja in line.group(1) and
                          "declared:" not in line.group(1),
                          "%s: the mail names the first item %s (declared product, no internal key)"
                          % (slug, title_ja))
        else:
            # a hostname asset is named by its hostname, the address beside it
            a = f0["asset"]
            name = a if a[0].isdigit() or ":" not in a else a.split(":")[0]
            webtest.check("最優先で対応すべき指摘: %s（%s" % (title_ja, name) in body,
                          "%s: the mail names the first item %s (%s)" % (slug, title_ja, a))
        webtest.check("mamori advisories" not in body and "vuln:" not in subj,
                      "%s: no CLI and no internal key in the mail" % slug)
        urgent = body.split("━━ 確認のお願い")[0]
        webtest.check("要確認" not in urgent.split("━━ 緊急")[-1] if "━━ 緊急" in urgent else True,
                      "%s: no 要確認 item in the urgent section" % slug)
        ff = dash.split('id="fix-first"', 1)[-1].split("</table>", 1)[0]
        row = re.search(r'<tr data-org="%s">(.*?)</tr>' % re.escape(slug), ff, re.S)
        webtest.check(row is not None and 'href="/findings/%d"' % f0["id"] in row.group(1),
                      "%s: the dashboard's fix-first row is finding #%d" % (slug, f0["id"]))
        page = srv.request("GET", "/orgs/" + slug, cookie=ana).text()
        tbody = page.split('id="findings"', 1)[-1]
        m = re.search(r'href="/findings/(\d+)"', tbody)
        webtest.check(m is not None and int(m.group(1)) == f0["id"],
                      "%s: the org page lists finding #%d first (got %s)" %
                      (slug, f0["id"], m and m.group(1)))
        pdf = glob.glob(os.path.join(T, "reports", slug + "-*.pdf"))
        txt = subprocess.run(["pdftotext", "-l", "1", pdf[0], "-"], capture_output=True,
                             text=True).stdout if pdf else ""
        five = squash(re.split(r"最優先で対応すべき(?: \d 項目|項目)", txt, maxsplit=1)[-1])
        webtest.check(squash(title_ja)[:24] in five[:400],
                      "%s: PDF page 1 leads with %s" % (slug, title_ja))
    # the never-scanned operator: no grade on the dashboard, 未診断 on its page
    webtest.check('data-org="hokkaido-water"' in dash and
                  re.search(r'data-org="hokkaido-water">.*?未診断', dash, re.S) is not None,
                  "dashboard lists hokkaido-water as 未診断")
    grades = dash.split('id="grades"', 1)[-1].split("</section>", 1)[0]
    webtest.check("hokkaido-water" not in grades, "hokkaido-water has no grade on the dashboard")
    page = srv.request("GET", "/orgs/hokkaido-water", cookie=ana).text()
    webtest.check('id="grade"' not in page and "未診断" in page,
                  "hokkaido-water's page: 未診断, no grade")
    # what a CVE is, in words, on its finding page (NVD's description and CWE class), and an
    # English page says it in English (issue 14)
    vulns = json.loads(run("findings", "list", "--kind", "vulnerability", "--open", "--limit",
                           "1", "--json"))
    if vulns:
        page = srv.request("GET", "/findings/%d?lang=en" % vulns[0]["id"], cookie=ana).text()
        title = re.search(r'id="finding-title">(.*?)</h2>', page, re.S)
        webtest.check('id="cve-description"' in page and title and
                      not re.search("[\u3040-\u30ff\u4e00-\u9fff]", title.group(1)),
                      "finding #%d (en): English title and the CVE's description" % vulns[0]["id"])
    # the operator's own dashboard: its fix-first item only
    _, op = webtest.login(srv, "op-tohoku")
    d = srv.request("GET", "/", cookie=op).text()
    webtest.check('data-org="tohoku-freight"' in d and 'data-org="kanto-rail"' not in d,
                  "operator dashboard: own organisation only")
finally:
    srv.stop()
print("%d passed, %d failed" % (webtest.passed, webtest.failed))
sys.exit(1 if webtest.failed else 0)

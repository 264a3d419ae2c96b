#!/usr/bin/env python3
"""feeds_sync_server.py - plays the NVD CVE API 2.0, the cvelistV5 release assets and the
MyJVN API for `mamori feeds sync` tests, from the shared data files. Binds 127.0.0.1 only.

Usage: feeds_sync_server.py DATA_DIR STATE_DIR
STATE_DIR/port is written at start; STATE_DIR/mode (optional, re-read on every request) holds
lines "KEY=VALUE": nvd_per=N (server page size), nvd_die_at=START (send half the page and
drop the connection, once), nvd_bad_at=START (a truncated JSON page), nvd_lie_total=N,
nvd_repeat=1 (ignore startIndex), nvd_grow_at=START (totalResults one higher on that page,
once), jvn_per=N, jvn_bad_status=1 (totalRes="many"),
cve5_tag=YYYY-MM-DD_HH00Z[,...], cve5_kind=delta|evil|baseline (evil adds "../" and absolute
member names; baseline nests cves.zip). An apiKey header is logged as KEY=... Requests are logged
to STATE_DIR/log as "PATH?QUERY STATUS".
"""
import glob
import gzip
import http.server
import io
import json
import lzma
import os
import re
import sys
import urllib.parse
import zipfile

DATA, STATE = sys.argv[1], sys.argv[2]

NVD = sorted(json.load(lzma.open(DATA + "/nvd/nvdcve-2.0-subset.json.xz"))["vulnerabilities"],
             key=lambda v: (v["cve"]["lastModified"], v["cve"]["id"]))
CVE5 = [json.loads(l) for l in lzma.open(DATA + "/cve5/vulnrichment-subset.jsonl.xz") if l.strip()][:40]


def cve5_zip(prefix="deltaCves/", evil=False):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for r in CVE5:
            cid = r["cveMetadata"]["cveId"]
            year, num = cid.split("-")[1], int(cid.split("-")[2])
            z.writestr("%scves/%s/%dxxx/%s.json" % (prefix, year, num // 1000, cid),
                       json.dumps(r, indent=2, ensure_ascii=False))
        z.writestr(prefix + "deltaLog.json", "[]")
        if evil:  # names a careless unzip would write outside its folder
            z.writestr("../../evil/CVE-2024-0001.json", "{}")
            z.writestr("/abs/CVE-2024-0002.json", "{}")
    return b.getvalue()


def cve5_baseline():
    """The midnight baseline: a zip holding cves.zip (the whole list)."""
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_STORED) as z:
        z.writestr("cves.zip", cve5_zip(prefix=""))
    return b.getvalue()


CVE5_ZIP = {"delta": cve5_zip(), "evil": cve5_zip(evil=True), "baseline": cve5_baseline()}

# MyJVN: the VULDEF entries of the shared detail samples, one per JVNDB id.
JVN = {}
for f in sorted(glob.glob(DATA + "/jvn/examples/hnd/*.xml")):
    text = open(f, encoding="utf-8").read()
    for m in re.finditer(r"<Vulinfo>.*?</Vulinfo>", text, re.S):
        block = m.group(0)
        vid = re.search(r"<VulinfoID>([^<]*)</VulinfoID>", block).group(1)
        title = re.search(r"<Title>([^<]*)</Title>", block).group(1)
        upd = re.search(r"<DateLastUpdated>([^<]*)</DateLastUpdated>", block).group(1)
        first = re.search(r"<DateFirstPublished>([^<]*)</DateFirstPublished>", block).group(1)
        JVN.setdefault(vid, dict(block=block, title=title, updated=upd, first=first))
JVN_IDS = sorted(JVN, key=lambda i: (JVN[i]["updated"], i))
VULDEF_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<VULDEF-Document version="3.2" '
               'xmlns="http://jvn.jp/vuldef/" xmlns:vuldef="http://jvn.jp/vuldef/" '
               'xmlns:status="http://jvndb.jvn.jp/myjvn/Status" '
               'xmlns:sec="http://jvn.jp/rss/mod_sec/3.0/" xml:lang="ja">\n')
RDF_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF xmlns="http://purl.org/rss/1.0/" '
            'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:sec="http://jvn.jp/rss/mod_sec/3.0/" '
            'xmlns:status="http://jvndb.jvn.jp/myjvn/Status" xml:lang="ja">\n'
            '<channel rdf:about="https://jvndb.jvn.jp/apis/myjvn"><title>JVNDB</title></channel>\n')


def status(method, total, ret, first, extra=""):
    return ('<status:Status version="3.3" method="%s" lang="ja" retCd="0" retMax="50" errCd="" '
            'errMsg="" totalRes="%d" totalResRet="%d" firstRes="%d" feed="hnd"%s />\n'
            % (method, total, ret, first, extra))


def mode():
    m = {}
    try:
        for line in open(STATE + "/mode"):
            k, _, v = line.strip().partition("=")
            if k:
                m[k] = v
    except FileNotFoundError:
        pass
    return m


def drop_mode(key):
    m = mode()
    m.pop(key, None)
    with open(STATE + "/mode", "w") as f:
        f.write("".join("%s=%s\n" % kv for kv in m.items()))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body, ctype="application/json", cut=False):
        # Logged before answering, so the log keeps the order of the requests.
        with open(STATE + "/log", "a") as f:
            f.write("%s %d%s%s\n" % (self.path, status, " CUT" if cut else "",
                                     " KEY=" + self.headers["apiKey"] if self.headers["apiKey"] else ""))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if cut:  # the server "dies" half way through the body
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        m = mode()
        if u.path == "/rest/json/cves/2.0":
            return self.nvd(q, m)
        if u.path == "/myjvn":
            return self.jvn(q, m)
        if u.path.startswith("/cve5/"):
            for tag in filter(None, m.get("cve5_tag", "").split(",")):
                d, h = tag[:10], tag[11:13]
                if u.path == "/cve5/cve_%s/%s_delta_CVEs_at_%s00Z.zip" % (tag, d, h):
                    return self.reply(200, CVE5_ZIP[m.get("cve5_kind", "delta")],
                                      "application/zip")
        return self.reply(404, b"")

    def nvd(self, q, m):
        a, b = q["lastModStartDate"][:19], q["lastModEndDate"][:19]
        start = int(q.get("startIndex", 0))
        per = min(int(q.get("resultsPerPage", 2000)), int(m.get("nvd_per", 2000)))
        recs = [v for v in NVD if a <= v["cve"]["lastModified"][:19] <= b]
        total = len(recs)
        if "nvd_lie_total" in m and total:
            total = int(m["nvd_lie_total"])
        if m.get("nvd_repeat"):
            page = recs[:per]
        else:
            page = recs[start:start + per]
        if m.get("nvd_grow_at") == str(start) and page:
            total += 1  # a record changed while the client paged (once)
            drop_mode("nvd_grow_at")
        doc = {"resultsPerPage": len(page), "startIndex": start, "totalResults": total,
               "format": "NVD_CVE", "version": "2.0", "timestamp": "2026-11-23T06:00:00.000",
               "vulnerabilities": page}
        body = json.dumps(doc).encode()
        if m.get("nvd_bad_at") == str(start) and page:
            body = body[:len(body) * 2 // 3]  # valid HTTP, truncated JSON
            drop_mode("nvd_bad_at")
        cut = m.get("nvd_die_at") == str(start) and bool(page)
        if cut:
            drop_mode("nvd_die_at")
        return self.reply(200, body, cut=cut)

    def jvn(self, q, m):
        if q.get("method") == "getVulnOverviewList":
            since = "%s-%s-%s" % (q["datePublishedStartY"], q["datePublishedStartM"],
                                  q["datePublishedStartD"])
            ids = [i for i in JVN_IDS if JVN[i]["updated"][:10] >= since]
            first = int(q.get("startItem", 1))
            per = min(int(q.get("maxCountItem", 50)), int(m.get("jvn_per", 50)))
            page = ids[first - 1:first - 1 + per]
            items = "".join(
                '<item rdf:about="https://jvndb.jvn.jp/ja/contents/%s/%s.html"><title>%s</title>'
                '<link>https://jvndb.jvn.jp/ja/contents/%s/%s.html</link><description>%s</description>'
                '<sec:identifier>%s</sec:identifier><dcterms:issued>%s</dcterms:issued>'
                '<dcterms:modified>%s</dcterms:modified></item>\n'
                % (i[6:10], i, JVN[i]["title"], i[6:10], i, JVN[i]["title"], i, JVN[i]["first"],
                   JVN[i]["updated"]) for i in page)
            st = status("getVulnOverviewList", len(ids), len(page), first if page else 0)
            if m.get("jvn_bad_status"):
                st = st.replace('totalRes="%d"' % len(ids), 'totalRes="many"')
            body = RDF_HEAD + items + st + "</rdf:RDF>\n"
            return self.reply(200, body.encode(), "application/xml")
        if q.get("method") == "getVulnDetailInfo":
            ids = [i for i in re.split(r"[+ ]", q.get("vulnId", "")) if i in JVN][:10]
            body = (VULDEF_HEAD + "".join(JVN[i]["block"] + "\n" for i in ids)
                    + status("getVulnDetailInfo", len(ids), len(ids), 1 if ids else 0)
                    + "</VULDEF-Document>\n")
            return self.reply(200, body.encode(), "application/xml")
        return self.reply(400, b"")


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(STATE + "/port.tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(STATE + "/port.tmp", STATE + "/port")
srv.serve_forever()

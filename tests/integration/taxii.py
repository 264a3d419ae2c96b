#!/usr/bin/env python3
"""A TAXII 2.1 client written from the specification (OASIS TAXII 2.1, 10 June 2021) with
Debian's python3-requests, driving `mamori serve` on 127.0.0.1 (issue #21).

  taxii.py conformance   every endpoint, success and error codes, media types, auth, TLP
  taxii.py paging        10,000 objects (1,000 sharing one date_added) walked with limit=7
                         while another writer adds objects: each seen exactly once

Prints "N passed, M failed" last; exits non-zero on failure.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import requests

M = os.environ["MAMORI"]
DATA = os.environ.get("MAMORI_DATA_DIR", "")
PASSWORD = "correct horse battery"
MT = "application/taxii+json;version=2.1"
STIX_MT = "application/stix+json;version=2.1"
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
        print("ok - " + what)
    else:
        failed += 1
        print("FAIL - " + what)


def run(*args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([M, *args], check=True, capture_output=True, text=True, env=e).stdout


class Server:
    def __init__(self, db, tmp):
        self.port_file = os.path.join(tmp, "port")
        self.log = open(os.path.join(tmp, "serve.log"), "ab")
        self.proc = subprocess.Popen([M, "--db", db, "serve", "--listen", "127.0.0.1:0",
                                      "--threads", "4", "--body-max", "1048576",
                                      "--taxii-body-max", "2000000",
                                      "--port-file", self.port_file],
                                     stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if os.path.exists(self.port_file) and open(self.port_file).read().strip():
                self.base = "http://127.0.0.1:%d" % int(open(self.port_file).read())
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise SystemExit("server did not start")

    def stop(self):
        self.proc.terminate()
        return self.proc.wait(timeout=30)


class Taxii:
    """The client side of TAXII 2.1 as the spec describes it (section numbers in comments)."""

    def __init__(self, base, user=None, password=None, token=None):
        self.base = base
        self.s = requests.Session()
        self.s.headers["Accept"] = MT  # 1.6.8.1: clients MUST send Accept
        self.s.headers["User-Agent"] = "mamori-tests/taxii21"
        if token:
            self.s.headers["Authorization"] = "Bearer " + token
        elif user:
            self.s.auth = (user, password)  # 1.6.9: HTTP Basic

    def get(self, path, params=None, headers=None):
        return self.s.get(self.base + path, params=params, headers=headers, timeout=30)

    def post(self, path, envelope, headers=None):
        h = {"Content-Type": MT}
        h.update(headers or {})
        body = envelope if isinstance(envelope, (bytes, str)) else json.dumps(envelope)
        return self.s.post(self.base + path, data=body, headers=h, timeout=60)

    def delete(self, path, params=None):
        return self.s.delete(self.base + path, params=params, timeout=30)


def taxii_ok(r):
    """Every response, errors too, is application/taxii+json;version=2.1 (1.6.8)."""
    return r.headers.get("Content-Type", "").replace(" ", "") == MT


def is_error(r, status):
    try:
        e = r.json()
    except ValueError:
        return False
    return (r.status_code == status and taxii_ok(r) and "title" in e and
            e.get("http_status") == str(status))


def indicator(n, created="2026-01-01T00:00:00.000Z", modified=None, marking=None):
    o = {"type": "indicator", "spec_version": "2.1",
         "id": "indicator--%s" % uuid.UUID(int=(0x4000 << 64) | (0x8 << 60) | n, version=4),
         "created": created, "modified": modified or created, "name": "ind %d" % n,
         "pattern": "[ipv4-addr:value = '198.51.%d.%d']" % (n // 250 % 250, n % 250),
         "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"}
    if marking:
        o["object_marking_refs"] = [marking]
    return o


TLP = {"clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
       "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
       "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
       "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
       "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
       "white1": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
       "opencti-amber+strict": "marking-definition--826578e1-40ad-459f-bc73-ede076f81f37"}


def setup(tmp):
    db = os.path.join(tmp, "m.db")
    env = {"MAMORI_PASSWORD": PASSWORD}
    run("--db", db, "init")
    run("--db", db, "inventory", "import",
        os.path.join(os.environ["MAMORI_SOURCE_DIR"], "examples", "inventory.yaml"))
    for name, role, org in (("ana", "analyst", None), ("mem1", "member", None),
                            ("mem2", "member", None), ("op1", "operator", "kanto-rail"),
                            ("op2", "operator", "kansai-rail"), ("bur", "bureau", None)):
        args = ["--db", db, "user", "add", name, "--role", role]
        if org:
            args += ["--org", org]
        if role == "bureau":
            args += ["--sector", "railways"]
        run(*args, env=env)
    run("--db", db, "share", "collection", "add", "isac", "--title", "交通ISAC",
        "--tlp", "green", "--read", "role:member,org:kanto-rail,user:op2,user:mem1",
        "--write", "role:member,org:kanto-rail")
    run("--db", db, "share", "collection", "add", "ro", "--title", "read only",
        "--read", "role:member")
    run("--db", db, "share", "collection", "add", "wo", "--title", "write only",
        "--write", "role:member")
    run("--db", db, "share", "collection", "add", "secret", "--title", "analysts only")
    return db


def conformance():
    tmp = tempfile.mkdtemp(prefix="mamori-taxii-")
    db = setup(tmp)
    ex = os.path.join(DATA, "stix", "cti-stix2-json-schemas", "examples")
    run("--db", db, "share", "import", os.path.join(ex, "threat-reports", "apt1.json"),
        "--collection", "isac")
    tok = run("--db", db, "user", "token", "mem2").strip()
    run("--db", db, "share", "consumer", "mem2", "--tlp1")
    srv = Server(db, tmp)
    try:
        mem = Taxii(srv.base, "mem1", PASSWORD)
        mem2 = Taxii(srv.base, token=tok)
        ana = Taxii(srv.base, "ana", PASSWORD)
        anon = Taxii(srv.base)
        root = "/taxii2/root/"

        # Discovery and API root (4.1, 4.2)
        r = mem.get("/taxii2/")
        d = r.json()
        check(r.status_code == 200 and taxii_ok(r) and d["api_roots"] == [root] and
              d["default"] == root and d["title"], "discovery: 200, api_roots, default")
        r = mem.get(root)
        check(r.status_code == 200 and taxii_ok(r) and MT in r.json()["versions"] and
              r.json()["max_content_length"] == 2000000, "api root: versions, max_content_length")
        # Auth (1.6.9): 401 with WWW-Authenticate; wrong password; bearer works
        r = anon.get(root)
        check(is_error(r, 401) and "Basic" in r.headers.get("WWW-Authenticate", ""),
              "anonymous: 401 TAXII error with WWW-Authenticate: Basic")
        r = Taxii(srv.base, "mem1", "wrong password!").get(root)
        check(is_error(r, 401), "wrong Basic password: 401")
        r = mem2.get(root)
        check(r.status_code == 200, "bearer token: 200")
        r = Taxii(srv.base, "bur", PASSWORD).get(root)
        check(is_error(r, 403), "bureau role: 403 TAXII error")
        # Accept (406) and lenient forms
        r = mem.get(root, headers={"Accept": "text/html"})
        check(is_error(r, 406), "Accept: text/html -> 406 with the TAXII media type")
        r = mem.get(root, headers={"Accept": "application/taxii+json;version=2.0"})
        check(is_error(r, 406), "Accept: version=2.0 -> 406")
        r = mem.get(root, headers={"Accept": "application/json, */*"})
        check(r.status_code == 200, "Accept: application/json, */* accepted (lenient in)")
        r = mem.get(root, headers={"Accept": "application/taxii+json"})
        check(r.status_code == 200, "Accept without version accepted")

        # Collections (5.1, 5.2): can_read/can_write per caller; hidden ones absent
        r = mem.get(root + "collections/")
        cs = {c["alias"]: c for c in r.json()["collections"]}
        check(r.status_code == 200 and taxii_ok(r) and set(cs) == {"isac", "ro", "wo"},
              "member sees isac, ro, wo, not secret: %s" % sorted(cs))
        check(cs["ro"]["can_read"] and not cs["ro"]["can_write"] and
              cs["wo"]["can_write"] and not cs["wo"]["can_read"] and
              cs["isac"]["media_types"] == [STIX_MT], "can_read/can_write per collection")
        isac = cs["isac"]["id"]
        r = ana.get(root + "collections/")
        check(len(r.json()["collections"]) == 4, "analyst sees all 4")
        r = mem.get(root + "collections/%s/" % isac)
        check(r.status_code == 200 and r.json()["id"] == isac, "collection by id")
        r = mem.get(root + "collections/isac/")
        check(r.status_code == 200 and r.json()["id"] == isac, "collection by alias")
        secret = [c for c in ana.get(root + "collections/").json()["collections"]
                  if c["alias"] == "secret"][0]["id"]
        r1 = mem.get(root + "collections/%s/" % secret)
        r2 = mem.get(root + "collections/%s/" % uuid.uuid4())
        check(is_error(r1, 404) and is_error(r2, 404) and r1.json() == r2.json(),
              "unreadable collection answers exactly like a missing one")
        r = mem.get(root + "collections/%s/objects/" % secret)
        check(is_error(r, 404), "objects of an unreadable collection: 404")

        # Objects GET (5.4): verbatim, paged, headers
        base = root + "collections/%s/" % isac
        r = mem.get(base + "objects/")
        env = r.json()
        check(r.status_code == 200 and taxii_ok(r) and len(env["objects"]) == 76 and
              env["more"] is False, "objects: all 76 apt1 objects, more false")
        check(r.headers.get("X-TAXII-Date-Added-First", "").endswith("Z") and
              len(r.headers["X-TAXII-Date-Added-Last"]) == 27,
              "X-TAXII-Date-Added-First/Last with microseconds")
        raw = open(os.path.join(ex, "threat-reports", "apt1.json"), encoding="utf-8").read()
        body = r.text
        first = body[body.index("[") + 1:]
        sample = first[:first.index("}") + 1]
        check(sample in raw, "objects served as the exact bytes that were imported")
        r = mem.get(base + "objects/", params={"limit": "10"})
        e1 = r.json()
        check(len(e1["objects"]) == 10 and e1["more"] is True and "next" in e1,
              "limit=10: 10 objects, more, next")
        r = mem.get(base + "objects/", params={"limit": "10", "next": e1["next"]})
        e2 = r.json()
        ids1 = {o["id"] for o in e1["objects"]}
        check(len(e2["objects"]) == 10 and not ids1 & {o["id"] for o in e2["objects"]},
              "next: the following 10, none repeated")
        r = mem.get(base + "objects/", params={"limit": "100000"})
        check(len(r.json()["objects"]) == 76, "limit above the server maximum is clamped")
        for bad in ({"limit": "0"}, {"limit": "-1"}, {"limit": "x"},
                    {"added_after": "yesterday"}, {"next": "zzz"},
                    {"next": "1.2.3"}, {"match[version]": "lastish"},
                    {"match[version]": "all,first"}, {"match[spec_version]": "2"},
                    {"match[id]": "indicator--x,"}, {"match[type]": "Bad Type"}):
            r = mem.get(base + "objects/", params=bad)
            check(is_error(r, 400), "bad query %s: 400 TAXII error naming it: %s"
                  % (bad, r.text[:120]))
        r = mem.get(base + "objects/", params={"match[type]": "indicator,malware"})
        types = {o["type"] for o in r.json().get("objects", [])}
        check(types == {"indicator", "malware"}, "match[type] ORs values: %s" % types)
        r = mem.get(base + "objects/", params={"match[type]": "grouping"})
        check(r.status_code == 200 and r.json() == {"more": False}, "no match: 200, no objects")
        oid = e1["objects"][0]["id"]
        r = mem.get(base + "objects/", params={"match[id]": oid})
        check([o["id"] for o in r.json()["objects"]] == [oid], "match[id]")
        r = mem.get(base + "objects/", params={"match[spec_version]": "2.1", "limit": "5"})
        check(len(r.json()["objects"]) == 5, "match[spec_version]=2.1")
        last = r.headers["X-TAXII-Date-Added-Last"]
        r = mem.get(base + "objects/", params={"added_after": last})
        check(r.status_code == 200 and "objects" not in r.json() and
              r.headers.get("X-TAXII-Date-Added-Last") == last,
              "added_after is strictly after (one batch shares its date_added); empty page "
              "echoes it")
        r = mem.get(base + "objects/", params={"added_after": "2000-01-01T00:00:00+00:00"})
        check(len(r.json()["objects"]) == 76, "added_after with +00:00 accepted")

        # POST (5.5): 202 + status, per-object failures, duplicates succeed, 415, 413, 422
        ind = [indicator(1, "2026-01-01T00:00:00.000Z"),
               indicator(1, "2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z"),
               indicator(1, "2026-01-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z")]
        bad = dict(indicator(2))
        del bad["pattern"]
        r = mem.post(base + "objects/", {"objects": ind + [bad]})
        st = r.json()
        check(r.status_code == 202 and taxii_ok(r) and st["status"] == "complete" and
              st["total_count"] == 4 and st["success_count"] == 3 and st["failure_count"] == 1,
              "POST: 202, status complete, 3 successes, 1 failure")
        check("pattern" in st["failures"][0]["message"] and
              st["failures"][0]["id"] == bad["id"], "failure names the object and the field")
        r = mem.get(root + "status/%s/" % st["id"])
        check(r.status_code == 200 and r.json()["id"] == st["id"] and taxii_ok(r),
              "status resource readable by its poster")
        r = mem2.get(root + "status/%s/" % st["id"])
        check(is_error(r, 404), "another member's status: 404")
        r = mem.get(root + "status/%s/" % uuid.uuid4())
        check(is_error(r, 404), "unknown status: 404")
        r = mem.post(base + "objects/", {"objects": ind[:1]})
        check(r.status_code == 202 and r.json()["success_count"] == 1,
              "re-adding an identical object (same id and version) is a success")
        r = mem.post(base + "objects/", {"objects": ind[:1]},
                     headers={"Content-Type": "application/json"})
        check(is_error(r, 415), "POST with Content-Type application/json: 415")
        r = mem.post(base + "objects/", {"objects": ind[:1]},
                     headers={"Content-Type": "application/taxii+json;version=2.0"})
        check(is_error(r, 415), "POST with version=2.0: 415")
        r = mem.post(base + "objects/", b"x" * 2100000)
        check(is_error(r, 413) and "--taxii-body-max" in r.json().get("description", ""),
              "POST over max_content_length: 413 TAXII error naming --taxii-body-max")
        # an envelope over --body-max (1 MiB) but within --taxii-body-max is spooled and
        # streamed into the store, not refused
        big = [dict(indicator(9000 + k), description="z" * 800) for k in range(1500)]
        body = json.dumps({"objects": big}).encode()
        r = mem.post(root + "collections/wo/objects/", body)
        check(len(body) > 1048576 and r.status_code == 202 and
              r.json().get("success_count") == 1500,
              "POST of a %d-byte envelope (over --body-max, within --taxii-body-max): 202, "
              "1500 successes" % len(body))
        r = mem.post(base + "objects/", {"type": "bundle", "id": "bundle--" + str(uuid.uuid4()),
                                         "objects": ind[:1]})
        check(is_error(r, 422), "POST of a STIX bundle (not an envelope): 422")
        r = mem.post(base + "objects/", '{"objects": [')
        check(is_error(r, 422), "POST of malformed JSON: 422 with the offset: %s" % r.text[:100])
        r = mem.post(base + "objects/", '{"objects": [{"type": "\xff"}]}'.encode("latin-1"))
        check(is_error(r, 422) and "UTF-8" in r.json()["description"], "invalid UTF-8: 422")
        r = mem.post(root + "collections/ro/objects/", {"objects": ind[:1]})
        check(is_error(r, 403), "POST to a read-only collection: 403")
        r = mem.post(root + "collections/%s/objects/" % secret, {"objects": ind[:1]})
        check(is_error(r, 404), "POST to an unreadable, unwritable collection: 404")
        r = mem.post(root + "collections/wo/objects/", {"objects": ind[:1]})
        check(r.status_code == 202, "POST to a write-only collection: 202")
        r = mem.get(root + "collections/wo/objects/")
        check(is_error(r, 403), "GET objects of a write-only collection: 403")

        # Object, versions, match[version] (5.6, 5.8)
        iid = ind[0]["id"]
        r = mem.get(base + "objects/%s/" % iid)
        objs = r.json()["objects"]
        check(r.status_code == 200 and len(objs) == 1 and
              objs[0]["modified"] == "2026-03-01T00:00:00.000Z" and
              r.headers.get("X-TAXII-Date-Added-Last"), "object: the last version by default")
        r = mem.get(base + "objects/%s/" % iid, params={"match[version]": "first"})
        check(r.json()["objects"][0]["modified"] == "2026-01-01T00:00:00.000Z",
              "match[version]=first")
        r = mem.get(base + "objects/%s/" % iid, params={"match[version]": "all"})
        check(len(r.json()["objects"]) == 3, "match[version]=all")
        r = mem.get(base + "objects/%s/" % iid,
                    params={"match[version]": "2026-02-01T00:00:00.000Z"})
        check([o["modified"] for o in r.json()["objects"]] == ["2026-02-01T00:00:00.000Z"],
              "match[version]=<timestamp>")
        r = mem.get(base + "objects/%s/" % iid, params={"match[version]": "first,last"})
        check(len(r.json()["objects"]) == 2, "match[version]=first,last")
        r = mem.get(base + "objects/%s/versions/" % iid)
        v = r.json()
        check(r.status_code == 200 and taxii_ok(r) and v["versions"] == [
            "2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z"]
            and r.headers.get("X-TAXII-Date-Added-First"), "versions: all three")
        r = mem.get(base + "objects/%s/versions/" % iid, params={"limit": "2"})
        v = r.json()
        check(len(v["versions"]) == 2 and v["more"] and v.get("next"), "versions paged, next")
        r = mem.get(base + "objects/%s/versions/" % iid, params={"limit": "2",
                                                                 "next": v["next"]})
        check(r.json()["versions"] == ["2026-03-01T00:00:00.000Z"], "versions next page")
        r = mem.get(base + "objects/indicator--%s/" % uuid.uuid4())
        check(is_error(r, 404), "unknown object: 404")
        r = mem.get(base + "objects/%s/" % iid, params={"match[type]": "indicator"})
        check(is_error(r, 400), "match[type] on the object endpoint: 400")

        # Manifest (5.3)
        r = mem.get(base + "manifest/", params={"match[id]": iid, "match[version]": "all"})
        m = r.json()["objects"]
        check(r.status_code == 200 and taxii_ok(r) and len(m) == 3 and
              all(x["media_type"] == STIX_MT and x["date_added"].endswith("Z") for x in m) and
              r.headers.get("X-TAXII-Date-Added-First"), "manifest per version")
        r = mem.get(base + "manifest/", params={"limit": "50"})
        m = r.json()
        check(len(m["objects"]) == 50 and m["more"] and m.get("next"), "manifest paged, next")

        # DELETE (5.7)
        r = mem.delete(base + "objects/%s/" % iid,
                       params={"match[version]": "2026-03-01T00:00:00.000Z"})
        check(r.status_code == 200 and taxii_ok(r), "DELETE one version: 200")
        r = mem.get(base + "objects/%s/" % iid)
        check(r.json()["objects"][0]["modified"] == "2026-02-01T00:00:00.000Z",
              "after deleting the last version the previous one is last")
        r = mem.delete(base + "objects/%s/" % iid)
        check(r.status_code == 200, "DELETE all versions")
        r = mem.get(base + "objects/%s/" % iid)
        check(is_error(r, 404), "deleted object: 404")
        r = mem.get(base + "manifest/", params={"match[id]": iid})
        check("objects" not in r.json(), "manifest omits the deleted object")
        r = mem.delete(root + "collections/ro/objects/%s/" % iid)
        check(is_error(r, 403), "DELETE with read but not write: 403")
        r = mem.delete(base + "objects/%s/" % iid)
        check(is_error(r, 404), "DELETE of a missing object: 404")

        # TLP per audience (issue #21 item 3): isac reads role:member, org:kanto-rail,
        # user:op2, user:mem1; default green.
        marks = {lvl: indicator(100 + i, marking=TLP[lvl]) for i, lvl in enumerate(TLP)}
        r = ana.post(base + "objects/", {"objects": list(marks.values())})
        check(r.json()["success_count"] == len(TLP), "every TLP variant accepted")
        want = {
            # mem1: named user -> everything
            "mem1": set(TLP),
            # mem2: via role:member -> amber, green, clear (no amber+strict, no red)
            "mem2": {"clear", "green", "amber", "white1"},
            # op1: via org:kanto-rail -> up to amber+strict, incl. OpenCTI's
            "op1": {"clear", "green", "amber", "amber+strict", "white1",
                    "opencti-amber+strict"},
            # op2: named user -> everything
            "op2": set(TLP),
        }
        for who, levels in want.items():
            c = mem2 if who == "mem2" else Taxii(srv.base, who, PASSWORD)
            r = c.get(base + "objects/", params={"match[type]": "indicator"})
            seen = {o["name"] for o in r.json().get("objects", [])}
            exp = {marks[lvl]["name"] for lvl in levels}
            got = seen & {o["name"] for o in marks.values()}
            check(got == exp, "TLP as %s: sees %s" % (who, sorted(
                lvl for lvl in TLP if marks[lvl]["name"] in got)))
            r = c.get(base + "objects/%s/" % marks["red"]["id"])
            check((r.status_code == 200) == ("red" in levels),
                  "TLP:RED object by id as %s: %d" % (who, r.status_code))
        r = mem2.get(base + "objects/%s/" % marks["green"]["id"])
        check(TLP["green"] not in r.text and
              "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da" in r.text,
              "a TLP 1.0 consumer gets the TLP 1.0 GREEN id instead of the 2.0 one")
        r = mem2.get(base + "objects/%s/" % marks["clear"]["id"])
        check(TLP["white1"] in r.json()["objects"][0]["object_marking_refs"],
              "a TLP 1.0 consumer gets CLEAR as TLP 1.0 WHITE")
        r = mem.get(base + "objects/%s/" % marks["green"]["id"])
        check(TLP["green"] in r.text, "other consumers get the bytes as stored (TLP 2.0)")
        r = Taxii(srv.base, "op1", PASSWORD).get(base + "manifest/",
                                                 params={"match[id]": marks["red"]["id"]})
        check("objects" not in r.json(), "TLP:RED hidden from the manifest too")

        # The page cache (src/share/pagecache.c): the same query, a wider audience first
        # (named op2: every level), then narrower ones: a cached page never reaches another
        # audience class; any change to the collection (POST, CLI import from another
        # process, DELETE) makes the cached pages stale.
        q = {"match[type]": "indicator", "limit": "500"}
        op1 = Taxii(srv.base, "op1", PASSWORD)
        op2 = Taxii(srv.base, "op2", PASSWORD)

        def names(c, what):
            r = c.get(base + "objects/", params=q)
            check(r.status_code == 200, "cache: %s: %d" % (what, r.status_code))
            return {o["name"] for o in r.json().get("objects", [])}, r

        for i in range(2):
            got, _ = names(op2, "named reader #%d" % i)
            check(marks["red"]["name"] in got, "cache: the named reader sees TLP:RED (#%d)" % i)
        for i in range(2):
            got, _ = names(op1, "org reader #%d" % i)
            check(marks["red"]["name"] not in got and marks["amber+strict"]["name"] in got,
                  "cache: the org reader never gets the named reader's page (#%d)" % i)
        for i in range(2):
            got, r = names(mem2, "member, TLP 1.0 #%d" % i)
            check(marks["red"]["name"] not in got and marks["amber+strict"]["name"] not in got
                  and TLP["green"] not in r.text,
                  "cache: a role member (TLP 1.0) gets neither RED, AMBER+STRICT nor 2.0 ids")
        got, _ = names(op2, "named reader again")
        check(marks["red"]["name"] in got, "cache: the named reader still sees TLP:RED")
        late = indicator(190)
        r = ana.post(base + "objects/", {"objects": [late]})
        check(r.status_code == 202, "cache: POST while pages are cached")
        got, _ = names(op2, "after a POST")
        check(late["name"] in got, "cache: a POSTed object shows at once")
        env = os.path.join(tmp, "late.json")
        cli_obj = indicator(191)
        with open(env, "w") as f:
            json.dump({"objects": [cli_obj]}, f)
        run("--db", db, "share", "import", env, "--collection", "isac")
        got, _ = names(op1, "after a CLI import")
        check(cli_obj["name"] in got, "cache: an object imported by another process shows")
        r = ana.delete(base + "objects/%s/" % late["id"])
        check(r.status_code == 200, "cache: DELETE")
        got, _ = names(op2, "after a DELETE")
        check(late["name"] not in got, "cache: a deleted object is gone at once")
    finally:
        rc = srv.stop()
        check(rc == 0, "server exit status on SIGTERM: %s" % rc)


def paging():
    tmp = tempfile.mkdtemp(prefix="mamori-taxii-paging-")
    db = setup(tmp)
    tok = run("--db", db, "user", "token", "mem1").strip()
    # 1,000 objects in one import share one date_added; 9,000 more in 90 POSTs of 100.
    path = os.path.join(tmp, "batch.json")
    with open(path, "w") as f:
        json.dump({"objects": [indicator(n) for n in range(1000)]}, f)
    run("--db", db, "share", "import", path, "--collection", "isac")
    srv = Server(db, tmp)
    try:
        c = Taxii(srv.base, token=tok)
        base = "/taxii2/root/collections/isac/objects/"
        for b in range(90):
            objs = [indicator(1000 + b * 100 + i) for i in range(100)]
            r = c.post(base, {"objects": objs})
            if r.status_code != 202 or r.json()["success_count"] != 100:
                raise SystemExit("setup POST failed: %s" % r.text[:300])
        con = __import__("sqlite3").connect(db)
        same = con.execute("SELECT max(n) FROM (SELECT count(*) AS n FROM share_objects "
                           "GROUP BY date_added)").fetchone()[0]
        total = con.execute("SELECT count(*) FROM share_objects").fetchone()[0]
        con.close()
        check(total == 10000 and same >= 1000, "10,000 objects, %d share one date_added" % same)
        added = []
        done = threading.Event()

        def writer():
            w = Taxii(srv.base, token=tok)
            for b in range(30):
                objs = [indicator(20000 + b * 10 + i) for i in range(10)]
                r = w.post(base, {"objects": objs})
                if r.status_code == 202:
                    added.extend(o["id"] for o in objs)
                time.sleep(0.05)
            done.set()

        t = threading.Thread(target=writer)
        seen, pages, nxt = [], 0, None
        started = time.monotonic()
        t.start()
        while pages < 5000 and time.monotonic() - started < 900:
            params = {"limit": "7"}
            if nxt:
                params["next"] = nxt
            writer_done = done.is_set()
            r = c.get(base, params=params)
            if r.status_code != 200:
                break
            env = r.json()
            objs = env.get("objects", [])
            if len(objs) > 7:
                check(False, "a page holds more than limit")
            seen.extend(o["id"] for o in objs)
            pages += 1
            if env.get("next"):
                nxt = env["next"]
            if not env.get("more"):
                if writer_done:
                    break  # nothing more, and nothing can come any more
                time.sleep(0.1)  # the writer is still adding: go on from the same cursor
        t.join()
        initial = {indicator(n)["id"] for n in range(10000)}
        dup = len(seen) - len(set(seen))
        check(dup == 0, "no object seen twice (%d pages, %d objects)" % (pages, len(seen)))
        check(initial <= set(seen), "every one of the 10,000 seen (%d missing)"
              % len(initial - set(seen)))
        check(set(added) <= set(seen) and len(added) == 300,
              "the 300 objects added during the walk seen too (%d missing)"
              % len(set(added) - set(seen)))
    finally:
        rc = srv.stop()
        check(rc == 0, "server exit status on SIGTERM: %s" % rc)


if __name__ == "__main__":
    {"conformance": conformance, "paging": paging}[sys.argv[1]]()
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)

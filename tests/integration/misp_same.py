#!/usr/bin/env python3
"""misp_same.py ORIGINAL EXPORTED - exit 0 when the MISP JSON mamori exported holds the same
events (every field), attributes (by uuid, every field) and objects as the original."""
import json
import sys


def parts(d):
    r = d["response"]
    if isinstance(r, dict) and "Attribute" in r:
        return {"_loose": {"Attribute": r["Attribute"]}}, []
    evs, objs = {}, []
    for x in r:
        if "Event" in x:
            evs[x["Event"]["uuid"]] = x["Event"]
        elif "Object" in x:
            objs.append(json.dumps(x["Object"], sort_keys=True))
    return evs, sorted(objs)


a, oa = parts(json.load(open(sys.argv[1], encoding="utf-8")))
b, ob = parts(json.load(open(sys.argv[2], encoding="utf-8")))
bad = []
if set(a) != set(b):
    bad.append("events %s vs %s" % (sorted(a), sorted(b)))
for k in a:
    A, B = dict(a[k]), dict(b.get(k, {}))
    aa = {x["uuid"]: x for x in A.pop("Attribute", [])}
    ab = {x["uuid"]: x for x in B.pop("Attribute", [])}
    sa = sorted(json.dumps(o, sort_keys=True) for o in A.pop("Object", []))
    sb = sorted(json.dumps(o, sort_keys=True) for o in B.pop("Object", []))
    if A != B:
        bad.append("event %s fields differ" % k)
    if aa != ab:
        bad.append("event %s attributes differ: %s" % (k, set(aa) ^ set(ab)))
    if sa != sb:
        bad.append("event %s objects differ" % k)
if oa != ob:
    bad.append("standalone objects differ")
print("; ".join(bad) if bad else "lossless (%d events, %d objects)" % (len(a), len(oa)))
sys.exit(1 if bad else 0)

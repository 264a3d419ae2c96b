#!/usr/bin/env python3
"""exercise_drive.py - a scripted participant for one shipped scenario at speed 60.

Reads the scenario's injects and rubric from `exercise status --json` at the start, then plays
on a clock pinned with MAMORI_NOW: every inject offering options gets a decision 1 min after it
arrives (the rubric's option when it scores one), and the other expected actions are done in
turn on time (half the window), late (1 min past the deadline) or not at all. It computes the
score the rubric gives for that script on its own and prints one line per check:
"CHECK\t<0|1>\t<name>". Exercise incidents are filed with the real report form."""
import json, os, subprocess, sys

M, SCEN, ORGS, REPORT, OUT = sys.argv[1:6]
T0 = 1796601600  # 2026-12-07T00:00:00Z
SPEED = 60
GRACE = 600


def iso(t):
    import datetime
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def mam(now, *args, ok=True):
    env = dict(os.environ, MAMORI_NOW=iso(now))
    p = subprocess.run([M, *args], env=env, capture_output=True, text=True, timeout=60)
    if ok and p.returncode != 0:
        print("CHECK\t0\tcommand failed: %s: %s" % (" ".join(args), p.stderr.strip()))
    return p


def check(ok, name):
    print("CHECK\t%d\t%s: %s" % (1 if ok else 0, SCEN, name))


p = mam(T0, "exercise", "start", SCEN, "--orgs", ORGS, "--speed", str(SPEED), "--json")
run = json.loads(p.stdout)["run"]
st0 = json.loads(mam(T0, "exercise", "status", str(run), "--json").stdout)
injects = st0["injects"]
items = st0["score"]["items"]
by_id = {i["id"]: i for i in injects}

# decisions: the rubric's option when a decide item names one, else the first option
chosen = {}
events = []  # (real time, order, kind, payload)
for inj in injects:
    if inj.get("options"):
        opt = next((x["option"] for x in items if x["inject"] == inj["id"] and x["action"] == "decide"
                    and x.get("option")), inj["options"][0])
        chosen[inj["id"]] = opt


def included(inj):
    b = inj.get("branch")
    return not b or chosen.get(b["inject"]) == b["option"]


for inj in injects:
    if not included(inj):
        continue
    if inj.get("options"):
        who = next((x["who"] for x in items if x["inject"] == inj["id"] and x["action"] == "decide"),
                   inj["to"])
        events.append((T0 + inj["at_s"] // SPEED + 1, 1, "decide", (inj["id"], chosen[inj["id"]], who)))

expected = {}  # item id -> (result, score)
n = 0
for x in items:
    inj = by_id[x["inject"]]
    if not included(inj):
        continue
    deadline = inj["at_s"] + x["within_s"]
    if x["action"] == "decide":
        expected[x["id"]] = ("on_time" if inj["at_s"] + 60 <= deadline else "late", x["points"])
        continue
    mode = ("on_time", "late", "missed")[n % 3]
    n += 1
    if mode == "on_time":
        t = inj["at_s"] + max(60, (x["within_s"] // 2) // 60 * 60)
        expected[x["id"]] = ("on_time", x["points"])
    elif mode == "late":
        t = deadline + 60
        expected[x["id"]] = ("late", x["late_points"])
    else:
        expected[x["id"]] = ("missed", 0)
        continue
    events.append((T0 + t // SPEED, 2, "act", x))

# delivery checks: just before and at each inject's scaled time
for inj in injects:
    due = T0 + inj["at_s"] // SPEED
    if inj["at_s"] >= SPEED:
        events.append((due - 1, 0, "pending", inj))
    events.append((due, 0, "due", inj))
events.sort(key=lambda e: (e[0], e[1]))

incident = None
for now, _, kind, x in events:
    if kind in ("pending", "due"):
        st = json.loads(mam(now, "exercise", "status", str(run), "--json").stdout)
        state = {i["id"]: i["state"] for i in st["injects"]}[x["id"]]
        want = "pending" if kind == "pending" else ("delivered" if included(x) else "skipped")
        check(state == want, "inject %s is %s at T+%ds (real +%ds)" % (x["id"], want, (now - T0) * SPEED, now - T0))
        if kind == "due" and included(x):
            order = [i["id"] for i in st["injects"] if i["state"] == "delivered"]
            exp = [i["id"] for i in injects if included(i) and i["at_s"] <= (now - T0) * SPEED]
            check(order == exp, "delivered in order %s" % order)
        continue
    if kind == "decide":
        inj, opt, who = x
        mam(now, "exercise", "decide", str(run), inj, opt, "--org", ORGS.split(",")[0], "--role", who)
        continue
    org = ORGS.split(",")[0]
    if x["action"] == "file_initial":
        p = mam(now, "exercise", "file", str(run), REPORT, "--org", org, "--role", x["who"], "--inject",
                x["inject"], "--json")
        incident = incident or json.loads(p.stdout)["incident"]
    elif x["action"] == "assess_severity":
        if incident is None:  # a report first, tied to this inject (it matches no other item)
            p = mam(now, "exercise", "file", str(run), REPORT, "--org", org, "--role", "operator_csirt",
                    "--inject", x["inject"], "--json")
            incident = json.loads(p.stdout)["incident"]
        mam(now, "exercise", "assess", str(run), str(incident), "--org", org, "--role", x["who"],
            "--inject", x["inject"], "--continuity", "2", "--safety", "0", "--trust", "1")
    else:
        mam(now, "exercise", "respond", str(run), "--org", org, "--role", x["who"], "--action", x["action"],
            "--inject", x["inject"], "--text", "<script>alert(1)</script> 対応しました")

last = max(i["at_s"] + x["within_s"] for x in items for i in injects if i["id"] == x["inject"])
end = T0 + (last + GRACE) // SPEED + 2
mam(end, "exercise", "note", str(run), "教訓: 初報の様式を事前に用意しておく <b>")
st = json.loads(mam(end, "exercise", "status", str(run), "--json").stdout)
check(st["state"] == "finished", "run finished after the last deadline and the grace")
got = {x["id"]: (x["result"], x["score"]) for x in st["score"]["items"]}
check(got == expected, "every expected action scored as the rubric says (%s vs %s)" % (got, expected))
total = sum(s for _, s in expected.values())
possible = sum(x["points"] for x in items if included(by_id[x["inject"]]))
check(st["score"]["total"] == total and st["score"]["possible"] == possible,
      "team score %d / %d (got %d / %d)" % (total, possible, st["score"]["total"], st["score"]["possible"]))
roles = {}
for x in items:
    if included(by_id[x["inject"]]):
        r = roles.setdefault(x["who"], [0, 0])
        r[0] += expected[x["id"]][1]
        r[1] += x["points"]
check({r["role"]: [r["score"], r["possible"]] for r in st["score"]["roles"]} == roles, "scores per role %s (got %s)" % (roles, st["score"]["roles"]))
check(len({x[0] for x in expected.values()}) >= 2, "the script covers more than one outcome")
mailed = [i["id"] for i in injects if included(i) and i["channel"] != "phone"]
json.dump({"run": run, "mailed": mailed, "delivered": [i["id"] for i in injects if included(i)]},
          open(OUT, "w"))

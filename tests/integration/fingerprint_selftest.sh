#!/usr/bin/env bash
# `mamori fingerprint`: every Recog database mamori uses passes >= 99 % of its own
# examples (selftest --json), list and match work, errors map to exit codes.
set -u
M=${MAMORI:?MAMORI must name the built binary}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

"$M" fingerprint selftest --json >"$T/st.json" 2>"$T/err" && ok || bad "selftest exit $?: $(head -3 "$T/err")"
# Databases the probe engine feeds; each must pass >= 99 %, every failure explained.
python3 - "$T/st.json" <<'PY' && ok || bad "selftest pass rates"
import json, sys
d = json.load(open(sys.argv[1]))
used = ["ssh_banners", "ftp_banners", "smtp_banners", "pop_banners", "imap_banners",
        "http_servers", "http_xpoweredby", "http_cookies", "http_wwwauth", "html_title",
        "favicons", "x509_subjects", "x509_issuers", "dns_versionbind", "mysql_banners",
        "mysql_error", "telnet_banners", "tls_jarm", "snmp_sysdescr", "ntp_banners"]
dbs = {x["name"]: x for x in d["databases"]}
bad = 0
for name in used:
    x = dbs.get(name)
    if not x or x["examples"] == 0:
        print("missing or empty:", name); bad += 1; continue
    rate = (x["passed"] + x["shadowed"]) / x["examples"]
    if rate < 0.99:
        print(f"{name}: {rate:.2%}"); bad += 1
    if x["failed"] != sum(1 for f in x["failures"] if f["status"] == "failed"):
        print(name, "failures not all listed"); bad += 1
    if any(not f["reason"] for f in x["failures"]):
        print(name, "failure without a reason"); bad += 1
assert d["examples"] > 7000, d["examples"]
print(f'{d["passed"]}/{d["examples"]} passed, {d["shadowed"]} shadowed, {d["failed"]} failed, '
      f'load {d["load_seconds"]:.3f} s')
sys.exit(1 if bad else 0)
PY

"$M" fingerprint selftest --db ssh_banners >"$T/out" && grep -q "^ssh_banners" "$T/out" && ok || bad "selftest --db"
"$M" fingerprint selftest --db nope >/dev/null 2>&1; [ $? = 4 ] && ok || bad "unknown --db should exit 4"

"$M" fingerprint match ssh_banners 'OpenSSH_7.2p2 Ubuntu-4ubuntu2.10' --json >"$T/m.json" && ok || bad "match exit"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["matched"] and d["cpe23"]=="cpe:2.3:a:openbsd:openssh:7.2p2:*:*:*:*:*:*:*", d' "$T/m.json" && ok || bad "match json"
# a whole SSH identification line is normalised before matching
"$M" fingerprint match ssh_banners 'SSH-2.0-OpenSSH_7.2p2 Ubuntu-4ubuntu2.10\r\n' >"$T/out" && grep -q "7.2p2" "$T/out" && ok || bad "match SSH- line"
"$M" fingerprint match http_servers 'nothing-like-a-server' >/dev/null; [ $? = 1 ] && ok || bad "no match should exit 1"
"$M" fingerprint match no_such_db x >/dev/null 2>&1; [ $? = 4 ] && ok || bad "unknown database should exit 4"

"$M" fingerprint list --json >"$T/l.json" && ok || bad "list exit"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["databases"])>=50 and d["load_seconds"]>0, d["load_seconds"]' "$T/l.json" && ok || bad "list json"
"$M" --data-dir "$T" fingerprint list >/dev/null 2>&1; [ $? != 0 ] && ok || bad "missing recog folder should fail"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

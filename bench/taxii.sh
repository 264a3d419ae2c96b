#!/usr/bin/env bash
# Indicators against observations (issue #21): N indicators' observables (1,000,000 by default:
# addresses, /24 networks, domains, URL hosts, hashes) in the match index against M observed
# addresses and names (100,000: services and DNS records of 500 operators), timed over
# `mamori share match`. Target: < 2 s. Usage: bench/taxii.sh [--smoke] [MAMORI] [N] [M].
# Prints "N passed, M failed" last. (The 64-connection paging and 100k-object POST benchmarks of
# the issue are not written yet: docs/SHARING.md.)
set -u
SMOKE=0
[ "${1:-}" = --smoke ] && { SMOKE=1; shift; }
M=${1:-${MAMORI:-build/release/mamori}}
N=${2:-1000000}
OBS=${3:-100000}
[ "$SMOKE" = 1 ] && { N=20000; OBS=5000; }
T=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
DB=$T/m.db
pass=0 fail=0
"$M" --db "$DB" init >/dev/null || { echo "init failed"; echo "0 passed, 1 failed"; exit 1; }
"$M" --db "$DB" share collection add isac --title bench >/dev/null
# rows straight into the tables the library fills (building them through imports is another
# benchmark); every 1,000th indicator hits an observed address, every 5,000th a name.
sqlite3 "$DB" "INSERT INTO orgs (slug, name_ja, created_at, updated_at) SELECT 'bench-' || value, 'ベンチ' || value, 1, 1 FROM generate_series(0, 499)" ||
	{ echo "orgs failed"; echo "0 passed, 1 failed"; exit 1; }
python3 - "$DB" "$N" "$OBS" <<'PY'
import sqlite3, sys
db, n, obs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
c = sqlite3.connect(db)
cid = c.execute("SELECT id FROM share_collections").fetchone()[0]
orgs = [r[0] for r in c.execute("SELECT slug FROM orgs")] or ["bench-0"]
def ip(i):
    return "10.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255)
rows = []
for i in range(n):
    ind = "indicator--%08x-0000-4000-8000-000000000000" % i
    k = i % 5
    if k == 0:
        rows.append((cid, ind, "ip", ip(i) + "/32", None, 32))
    elif k == 1:
        if i % 100000 == 1:  # a few networks (checked against every address)
            rows.append((cid, ind, "ip", "172.%d.%d.0/24" % (16 + (i >> 8) % 16, i & 255), None, 24))
        else:
            rows.append((cid, ind, "ip", ip(i + 7) + "/32", None, 32))
    elif k == 2:
        rows.append((cid, ind, "domain", "d%d.evil.test" % i, None, None))
    elif k == 3:
        rows.append((cid, ind, "url", "http://u%d.evil.test/x" % i, "u%d.evil.test" % i, None))
    else:
        rows.append((cid, ind, "sha256", "%064x" % i, None, None))
c.executemany("INSERT OR IGNORE INTO share_iocs VALUES (?, ?, ?, ?, ?, ?)", rows)
srv = []
dns = []
for j in range(obs):
    org = orgs[j % len(orgs)]
    if j % 2 == 0:
        srv.append((org, ip(j * 5 if j % 1000 == 0 else 3000000 + j), 443, "tcp", "https",
                    "identified", 1, 1))
    else:
        dns.append((org, "h%d.%s.test" % (j, org) if j % 5001 else "www.d%d.evil.test" % (j * 5 + 2),
                    "CNAME", "x.test"))
c.executemany("INSERT OR IGNORE INTO services (org_slug, ip, port, proto, service, state, "
              "first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", srv)
c.executemany("INSERT OR IGNORE INTO dns_records (org_id, name, rtype, value, first_seen, last_seen) "
              "SELECT id, ?, ?, ?, 1, 1 FROM orgs WHERE slug = ?", [(d[1], d[2], d[3], d[0]) for d in dns])
c.commit()
print("indicators' observables: %d, observed rows: %d services + %d DNS" % (
    c.execute("SELECT count(*) FROM share_iocs").fetchone()[0], len(srv), len(dns)))
PY
start=$(date +%s.%N)
out=$("$M" --db "$DB" share match --json)
end=$(date +%s.%N)
secs=$(python3 -c "print(round($end - $start, 3))")
echo "share match: $secs s: $out"
if python3 -c "import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if r['observed'] > 0 and r['hits'] > 0 else 1)" "$out"; then
	pass=$((pass + 1)); echo "ok - observations looked up and hits found"
else
	fail=$((fail + 1)); echo "FAIL - no lookups or no hits"
fi
if [ "$SMOKE" = 1 ] || python3 -c "import sys; sys.exit(0 if $secs < 2 else 1)"; then
	pass=$((pass + 1)); echo "ok - time $secs s (target < 2 s for 1,000,000 x 100,000)"
else
	fail=$((fail + 1)); echo "FAIL - $secs s, target < 2 s"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

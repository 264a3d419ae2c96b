#!/usr/bin/env bash
# DNS discovery against the lab's real bind9 (127.0.10.53) inside a private namespace:
# records, SPF/DMARC summaries, CNAME candidates, idempotent re-runs, a silent resolver.
set -u
M=${MAMORI:?MAMORI must name the built binary}
SRC=${MAMORI_SOURCE_DIR:?}
if [ "$(id -u)" != 0 ]; then
	echo "discover_lab: needs root for network namespaces"
	echo "0 passed, 1 failed"
	exit 1
fi
NS=dsc$$
NS=${NS:0:15}
T=$(mktemp -d)
cleanup() {
	"$SRC/tests/lab/lab" down --ns "$NS" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
export MAMORI_DB="$T/m.db"
"$M" -q init || { echo "init failed"; exit 1; }
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
q() { sqlite3 "$MAMORI_DB" "$1"; }
expect() { # expect NAME WANT GOT
	if [ "$2" = "$3" ]; then ok; else bad "$1: got '$3', want '$2'"; fi
}

# the lab keeps its state in /tmp/mamori-lab-NS: daemons running as other users must reach it
"$SRC/tests/lab/lab" up --ns "$NS" >"$T/lab.out" 2>&1 || {
	cat "$T/lab.out"
	bad "lab up"
	echo "$pass passed, $fail failed"
	exit 1
}

cat >"$T/inv.yaml" <<'EOF'
version: 1
organisations:
  - id: kanto-rail
    name: { ja: 関東旅客鉄道株式会社, en: "Kanto Passenger Railway Co., Ltd." }
    sector: railways
    assets:
      - domain: kanto-rail.test
      - hostname: www.kanto-rail.test
      - cidr: 127.0.10.0/29
  - id: haneda-air
    name: { ja: 羽田国際航空株式会社, en: "Haneda International Airways Co., Ltd." }
    sector: aviation
    assets:
      - domain: haneda-air.test
      - hostname: booking.haneda-air.test
  - id: osaka-water
    name: { ja: 大阪市水道局, en: Osaka City Waterworks Bureau }
    sector: water
    assets:
      - domain: osaka-water.test
  - id: tohoku-gas
    name: { ja: 東北ガス株式会社, en: Tohoku Gas }
    sector: logistics
    assets:
      - domain: tohoku-gas.test
      - hostname: v6.tohoku-gas.test
EOF
"$M" inventory import "$T/inv.yaml" >/dev/null && ok || bad "inventory import"

run() { ip netns exec "$NS" "$M" "$@"; }

# 1. discovery of every organisation through the lab's bind9
if run discover --all --resolver 127.0.10.53 --json >"$T/run1.json" 2>"$T/run1.err"; then ok; else
	bad "discover --all"
	cat "$T/run1.err"
fi
expect "kanto A" 1 "$(q "SELECT count(*) FROM dns_records WHERE name='kanto-rail.test' AND rtype='A' AND value='127.0.10.1'")"
expect "kanto MX" 1 "$(q "SELECT count(*) FROM dns_records WHERE name='kanto-rail.test' AND rtype='MX' AND value='10 mail.kanto-rail.test'")"
expect "kanto SPF -all" "ok|-all" "$(q "SELECT spf_state, spf_all FROM email_hygiene WHERE domain='kanto-rail.test'" | tr -d '\n' | sed 's/|$//')"
expect "kanto DMARC reject" "ok|reject" "$(q "SELECT dmarc_state || '|' || dmarc_p FROM email_hygiene WHERE domain='kanto-rail.test'")"
expect "osaka no SPF/DMARC" "none|none" "$(q "SELECT spf_state || '|' || dmarc_state FROM email_hygiene WHERE domain='osaka-water.test'")"
expect "osaka MX recorded" 1 "$(q "SELECT count(*) FROM dns_records WHERE name='osaka-water.test' AND rtype='MX'")"
expect "haneda SPF ~all, DMARC none" "~all|none" "$(q "SELECT spf_all || '|' || dmarc_p FROM email_hygiene WHERE domain='haneda-air.test'")"
expect "CNAME target is a candidate" "candidate|dns" "$(q "SELECT status || '|' || source FROM assets WHERE value='www.haneda-air.test'")"
expect "address inside registered CIDR is no candidate" 0 "$(q "SELECT count(*) FROM assets a JOIN orgs o ON o.id=a.org_id WHERE o.slug='kanto-rail' AND a.value='127.0.10.1'")"
expect "IPv6 AAAA ::1 end to end" "ipv6|candidate" "$(q "SELECT a.kind || '|' || a.status FROM assets a JOIN orgs o ON o.id=a.org_id WHERE o.slug='tohoku-gas' AND a.value='::1'")"
expect "external MX not a candidate of haneda" 0 "$(q "SELECT count(*) FROM assets a JOIN orgs o ON o.id=a.org_id WHERE o.slug='haneda-air' AND a.value='mail.kanto-rail.test'")"
expect "resolver remembered" "127.0.10.53" "$(q "SELECT value FROM settings WHERE key='dns.resolver'")"
python3 - "$T/run1.json" <<'EOF' && ok || bad "discover --json shape"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["resolver"] == "127.0.10.53:53", d["resolver"]
assert d["records_new"] == d["records"] if isinstance(d["records"], int) else True
assert any(c["value"] == "www.haneda-air.test" and c["new"] for c in d["candidates"])
h = {x["domain"]: x for x in d["hygiene"]}
assert h["kanto-rail.test"]["spf_all"] == "-all" and h["kanto-rail.test"]["dmarc_p"] == "reject"
assert h["osaka-water.test"]["spf"] == "none" and h["osaka-water.test"]["dmarc"] == "none"
EOF

# 2. re-running changes nothing (the remembered resolver is used)
before=$(q "SELECT (SELECT count(*) FROM dns_records) || '/' || (SELECT count(*) FROM assets) || '/' || (SELECT count(*) FROM email_hygiene)")
if run discover --all >"$T/run2.out" 2>&1; then ok; else bad "discover re-run"; cat "$T/run2.out"; fi
after=$(q "SELECT (SELECT count(*) FROM dns_records) || '/' || (SELECT count(*) FROM assets) || '/' || (SELECT count(*) FROM email_hygiene)")
expect "re-run adds no rows" "$before" "$after"
grep -q "(0 new), [0-9]* candidates (0 new)" "$T/run2.out" && ok || bad "re-run reports nothing new: $(tail -n 1 "$T/run2.out")"

# 3. the analyst's decisions, then discovery again leaves them be
"$M" assets reject haneda-air www.haneda-air.test >/dev/null && ok || bad "reject"
run discover haneda-air --resolver 127.0.10.53 >/dev/null 2>&1 && ok || bad "discover haneda-air"
expect "rejected stays rejected" "rejected" "$(q "SELECT status FROM assets WHERE value='www.haneda-air.test'")"
expect "audit row" 1 "$(q "SELECT count(*) FROM audit_log WHERE action='assets.reject' AND object='haneda-air/hostname:www.haneda-air.test'")"

# 4. a resolver that does not answer fails clearly within its timeout
start=$(date +%s)
run discover kanto-rail --resolver 127.0.10.99 --timeout 1000 --tries 2 >"$T/dead.out" 2>"$T/dead.err"
rc=$?
took=$(($(date +%s) - start))
expect "dead resolver exit status (timeout)" 11 "$rc"
grep -q "127.0.10.99:53 did not answer" "$T/dead.err" && ok || bad "dead resolver message: $(cat "$T/dead.err")"
[ "$took" -le 6 ] && ok || bad "dead resolver took ${took}s"
expect "dead resolver not remembered" "127.0.10.53" "$(q "SELECT value FROM settings WHERE key='dns.resolver'")"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

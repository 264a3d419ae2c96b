#!/usr/bin/env bash
# Passive imports through the CLI: crt.sh, Shodan (plain and gzip), Censys; idempotent
# re-imports; a malformed file is refused whole with FILE:LINE; candidates, confirm, reject.
set -u
M=${MAMORI:?MAMORI must name the built binary}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export MAMORI_DB="$T/m.db"
"$M" -q init || { echo "init failed"; exit 1; }
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
expect() { if [ "$2" = "$3" ]; then ok; else bad "$1: got '$3', want '$2'"; fi; }
q() { sqlite3 "$MAMORI_DB" "$1"; }
# jget FILE KEY: a top-level value of a JSON file (sqlite3's JSON functions start faster than python)
jget() { sqlite3 :memory: "SELECT json_extract(CAST(readfile('$1') AS TEXT), '\$.$2')"; }

cat >"$T/inv.yaml" <<'EOF'
version: 1
organisations:
  - id: kanto-rail
    name: { ja: 関東旅客鉄道株式会社, en: Kanto Rail }
    sector: railways
    assets:
      - domain: kanto-rail.test
      - hostname: www.kanto-rail.test
      - cidr: 127.0.10.0/29
EOF
"$M" inventory import "$T/inv.yaml" >/dev/null && ok || bad "inventory import"

cat >"$T/crt.json" <<'EOF'
[{"issuer_ca_id":16418,"issuer_name":"C=US, O=Let's Encrypt, CN=R3","common_name":"www.kanto-rail.test",
  "name_value":"www.kanto-rail.test\nvpn.kanto-rail.test\n*.dev.kanto-rail.test\nwww.other.test",
  "id":3616206571,"entry_timestamp":"2026-05-07T16:46:43.456","not_before":"2026-05-07T15:46:43",
  "not_after":"2026-08-05T15:46:43","serial_number":"03ffeea57322e24cd6fd207682f59ead324f"}]
EOF
"$M" discover import --org kanto-rail --format crtsh --json "$T/crt.json" >"$T/o" 2>&1 && ok || bad "crtsh import: $(cat "$T/o")"
expect "crtsh candidates_new" 1 "$(jget "$T/o" candidates_new)"
expect "crtsh ignored" 1 "$(jget "$T/o" ignored)"
expect "crtsh wildcards" 1 "$(jget "$T/o" wildcards)"
"$M" discover import --org kanto-rail --format crtsh --json "$T/crt.json" >"$T/o" 2>&1 && ok || bad "crtsh re-import"
expect "crtsh re-import new" 0 "$(jget "$T/o" observations_new)"
expect "crtsh re-import unchanged" 3 "$(jget "$T/o" observations_unchanged)"

cat >"$T/shodan.json" <<'EOF'
{"ip_str":"127.0.10.1","port":443,"transport":"tcp","product":"nginx","version":"1.22.1","cpe23":["cpe:2.3:a:f5:nginx:1.22.1"],"hostnames":["www.kanto-rail.test"],"timestamp":"2026-11-01T10:21:35.713742"}
{"ip_str":"127.0.12.9","port":22,"transport":"tcp","product":"OpenSSH","version":"9.2p1","cpe":["cpe:/a:openbsd:openssh:9.2p1"],"hostnames":["ssh.kanto-rail.test"],"timestamp":"2026-11-02T00:00:00.000000"}
EOF
gzip -c "$T/shodan.json" >"$T/shodan.json.gz"
"$M" discover import --org kanto-rail --format shodan --json "$T/shodan.json.gz" >"$T/o" 2>&1 && ok || bad "shodan gzip import: $(cat "$T/o")"
expect "shodan items" 2 "$(jget "$T/o" items)"
expect "shodan unregistered" 1 "$(jget "$T/o" unregistered)"
expect "shodan candidates (address + name)" 2 "$(jget "$T/o" candidates_new)"
expect "shodan cpe" "cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*" "$(q "SELECT cpe FROM passive_services WHERE port=443")"
"$M" discover import --org kanto-rail --format shodan --json "$T/shodan.json" >"$T/o" 2>&1 && ok || bad "shodan plain re-import"
expect "shodan re-import changes nothing" "0 0 2" "$(jget "$T/o" observations_new) $(jget "$T/o" candidates_new) $(jget "$T/o" observations_unchanged)"

# a malformed file: refused whole, FILE:LINE: field: what
before=$(q "SELECT count(*) FROM passive_services")
{ head -n 1 "$T/shodan.json" | sed 's/"port":443/"port":8443/'; echo '{"ip_str":"127.0.10.3","port":"22","transport":"tcp","timestamp":"2026-11-01"}'; } >"$T/bad.json"
"$M" discover import --org kanto-rail --format shodan "$T/bad.json" >"$T/o" 2>"$T/e"
expect "malformed exit status" 3 "$?"
grep -q "bad.json:2: port: expected a number" "$T/e" && ok || bad "malformed message: $(cat "$T/e")"
expect "malformed stores nothing" "$before" "$(q "SELECT count(*) FROM passive_services")"
printf '{"result": {"ip": "127.0.10.2", "services": [\n  {"port": 443, "transport_protocol": "TCP"},\n  {"port": 80,, }]}}' >"$T/censys-bad.json"
"$M" discover import --org kanto-rail --format censys "$T/censys-bad.json" >"$T/o" 2>"$T/e"
expect "censys syntax exit status" 3 "$?"
grep -q "censys-bad.json:@[0-9]*: invalid JSON" "$T/e" && ok || bad "censys offset message: $(cat "$T/e")"

cat >"$T/censys.json" <<'EOF'
{"code": 200, "status": "OK", "result": {"ip": "127.0.10.2", "last_updated_at": "2026-11-04T00:00:00.000Z",
 "services": [{"port": 443, "service_name": "HTTP", "transport_protocol": "TCP",
   "software": [{"uniform_resource_identifier": "cpe:2.3:a:f5:nginx:1.18.0:*:*:*:*:*:*:*", "product": "nginx", "version": "1.18.0"}]}],
 "dns": {"names": ["www.kanto-rail.test"]}}}
EOF
"$M" discover import --org kanto-rail --format censys --json "$T/censys.json" >"$T/o" 2>&1 && ok || bad "censys import: $(cat "$T/o")"
expect "censys registered" 1 "$(q "SELECT registered FROM passive_services WHERE source='censys' AND ip='127.0.10.2'")"
expect "censys product" "nginx 1.18.0" "$(q "SELECT product || ' ' || version FROM passive_services WHERE source='censys'")"

"$M" discover import --org no-such --format crtsh "$T/crt.json" >/dev/null 2>&1
expect "unknown org exit status" 4 "$?"
"$M" discover import --org kanto-rail --format nmap "$T/crt.json" >/dev/null 2>&1
expect "unknown format exit status" 2 "$?"

# candidates and decisions
"$M" assets candidates kanto-rail --json >"$T/c.json" && ok || bad "assets candidates"
python3 - "$T/c.json" <<'EOF' && ok || bad "candidates list"
import json, sys
c = {(x["kind"], x["value"]): x for x in json.load(open(sys.argv[1]))}
assert ("hostname", "vpn.kanto-rail.test") in c and c[("hostname", "vpn.kanto-rail.test")]["source"] == "ct"
assert ("ipv4", "127.0.12.9") in c and "Shodan" in c[("ipv4", "127.0.12.9")]["reason"]
assert ("hostname", "ssh.kanto-rail.test") in c
EOF
"$M" assets confirm kanto-rail VPN.kanto-rail.test. --by 分析官 >/dev/null && ok || bad "confirm"
"$M" assets reject kanto-rail 127.0.12.9 >/dev/null && ok || bad "reject"
expect "statuses" "confirmed rejected" "$(q "SELECT group_concat(status, ' ') FROM (SELECT status FROM assets WHERE value IN ('vpn.kanto-rail.test', '127.0.12.9') ORDER BY value DESC)")"
expect "audit rows" "分析官|assets.confirm" "$(q "SELECT actor || '|' || action FROM audit_log WHERE action='assets.confirm'")"
"$M" assets reject kanto-rail www.kanto-rail.test >/dev/null 2>&1
expect "inventory asset protected (exit)" 12 "$?"
"$M" assets confirm kanto-rail nothing.kanto-rail.test >/dev/null 2>&1
expect "unknown candidate (exit)" 4 "$?"
"$M" assets candidates no-such-org >/dev/null 2>&1
expect "candidates of unknown org (exit)" 4 "$?"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

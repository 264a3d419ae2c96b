#!/usr/bin/env bash
# share_match.sh - indicators against what mamori sees (issue #21 item 7): an indicator on a lab
# operator's address, one on a network holding another, one on a parent domain of a host name and
# a URL on an operator's host raise one STIX sighting each (TLP:RED, no operator named) and one
# urgent alert per (operator, indicator) naming indicator, source and TLP; an unrelated indicator
# and a negated comparison raise nothing; running again adds nothing.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export MAMORI_DB=$T/m.db
. "$(dirname "$0")/../support/check.sh"
q() { sqlite3 "$MAMORI_DB" "$1"; }

"$M" init >/dev/null
"$M" inventory import "$SRC/examples/inventory.yaml" >/dev/null || { echo "inventory import failed"; exit 1; }
"$M" share collection add isac --title '交通ISAC フィード' --tlp amber >/dev/null
ind() { # id-suffix pattern [marking]
	printf '{"type": "indicator", "spec_version": "2.1", "id": "indicator--%s-0000-4000-8000-000000000000", "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "name": "test %s", "pattern": "%s", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"%s}' "$1" "$1" "$2" "${3:+, \"object_marking_refs\": [\"$3\"]}"
}
GREEN=marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb
{
	printf '{"type": "bundle", "id": "bundle--44af6c39-c09b-49c5-9de2-394224b04982", "objects": ['
	ind 00000001 "[ipv4-addr:value = '127.0.10.3']" $GREEN; printf ','
	ind 00000002 "[ipv4-addr:value ISSUBSET '127.0.10.0/29']"; printf ','
	ind 00000003 "[domain-name:value = 'KANTO-RAIL.test']"; printf ','
	ind 00000004 "[url:value = 'http://www.kanto-rail.test/login.php'] AND [file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4']"; printf ','
	ind 00000005 "[ipv4-addr:value = '198.51.100.77']"; printf ','
	ind 00000006 "[ipv4-addr:value != '127.0.10.4']"
	printf ']}'
} >"$T/b.json"
"$M" share import "$T/b.json" --collection isac >"$T/out" 2>&1
check "indicators imported and matched at once" "grep -q 'sightings' '$T/out'"
check "match index holds the concrete observables (ip, cidr, domain, url, md5)" "[ \"\$(q \"SELECT group_concat(kind || '=' || value, ' ') FROM (SELECT kind, value FROM share_iocs ORDER BY indicator_id, kind)\")\" = 'ip=127.0.10.3/32 ip=127.0.10.0/29 domain=kanto-rail.test md5=79054025255fb1a26e4bc422aef54eb4 url=http://www.kanto-rail.test/login.php ip=198.51.100.77/32' ]"
check "exact address sighted on kanto-rail's asset" "[ \"\$(q \"SELECT count(*) FROM share_sightings WHERE indicator_id LIKE 'indicator--00000001%' AND org_slug = 'kanto-rail' AND observed = 'ip 127.0.10.3'\")\" = 1 ]"
check "network /29 sighted on each kanto-rail address inside it" "[ \"\$(q \"SELECT count(DISTINCT observed) FROM share_sightings WHERE indicator_id LIKE 'indicator--00000002%'\")\" -ge 3 ]"
check "parent domain sighted on host names (www, ssh, mail ...)" "q \"SELECT observed FROM share_sightings WHERE indicator_id LIKE 'indicator--00000003%'\" | grep -q 'name www.kanto-rail.test'"
check "URL host sighted on www.kanto-rail.test" "[ \"\$(q \"SELECT observed FROM share_sightings WHERE indicator_id LIKE 'indicator--00000004%'\")\" = 'name www.kanto-rail.test' ]"
check "unrelated and negated indicators: no sighting" "[ \"\$(q \"SELECT count(*) FROM share_sightings WHERE indicator_id LIKE 'indicator--00000005%' OR indicator_id LIKE 'indicator--00000006%'\")\" = 0 ]"
n=$(q "SELECT count(*) FROM share_sightings")
check "one STIX sighting per sighting row, TLP:RED, no operator named" "[ \"\$(q \"SELECT count(*) FROM share_objects WHERE type = 'sighting' AND tlp = 'red' AND raw NOT LIKE '%kanto%'\")\" = $n ]"
check "one urgent alert per (operator, indicator): 4" "[ \"\$(q \"SELECT count(*) FROM alerts WHERE issue_key LIKE 'share:indicator--%' AND urgent = 1 AND org_slug = 'kanto-rail'\")\" = 4 ]"
check "the alert names the indicator, its source and TLP" "q \"SELECT body FROM alerts WHERE issue_key = 'share:indicator--00000001-0000-4000-8000-000000000000'\" | grep -q 'TLP: green' && q \"SELECT body FROM alerts WHERE issue_key = 'share:indicator--00000001-0000-4000-8000-000000000000'\" | grep -q '交通ISAC フィード' && q \"SELECT body FROM alerts WHERE issue_key = 'share:indicator--00000001-0000-4000-8000-000000000000'\" | grep -q 'ip 127.0.10.3'"
"$M" share match --json >"$T/again.json"
check "running again adds no sighting or alert" "python3 -c 'import json; r=json.load(open(\"$T/again.json\")); assert r[\"sightings\"]==0 and r[\"alerts\"]==0 and r[\"hits\"]>0 and r[\"observed\"]>0, r'"
# a new observation arrives (a DNS discovery record), then match
q "INSERT INTO dns_records (org_id, name, rtype, value, first_seen, last_seen) SELECT id, 'cdn.kansai-rail.test', 'A', '198.51.100.77', 1, 1 FROM orgs WHERE slug = 'kansai-rail'"
"$M" share match --json >"$T/new.json"
check "a new DNS record on an indicator's address: sighting and alert to that operator" "python3 -c 'import json; r=json.load(open(\"$T/new.json\")); assert r[\"alerts\"]==1, r' && [ \"\$(q \"SELECT org_slug FROM share_sightings WHERE indicator_id LIKE 'indicator--00000005%'\")\" = kansai-rail ]"
# a certificate mamori saw in a served chain, then an indicator on its SHA-256
CERT=aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f
q "INSERT INTO services (org_slug, ip, port, proto, service, tls, state, first_seen, last_seen, tls_info) VALUES ('kanto-rail', '127.0.10.5', 443, 'tcp', 'https', 1, 'identified', 1, 1, '{\"chain\": [{\"subject\": \"CN=x\", \"sha256\": \"$CERT\"}]}')"
{ printf '{"objects": ['; ind 00000007 "[x509-certificate:hashes.'SHA-256' = '${CERT^^}']"; printf ']}'; } >"$T/c.json"
"$M" share import "$T/c.json" --collection isac >/dev/null
check "a certificate hash indicator sighted on the served chain" "[ \"\$(q \"SELECT observed || ' ' || source FROM share_sightings WHERE indicator_id LIKE 'indicator--00000007%'\")\" = 'certificate sha256 $CERT certificates' ]"
bad='{"type": "bundle", "id": "bundle--44af6c39-c09b-49c5-9de2-394224b04982", "objects": [{"type": "indicator", "spec_version": "2.1", "id": "indicator--00000009-0000-4000-8000-000000000000", "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "pattern": "[ipv4-addr:value = ]", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"}]}'
echo "$bad" >"$T/bad.json"
check "a pattern that does not parse is refused with its offset (exit 1)" "! '$M' share import '$T/bad.json' --collection isac >/dev/null 2>'$T/err0' && grep -q 'pattern: offset 19: a literal expected' '$T/err0'"
"$M" share import "$T/bad.json" --collection isac 2>"$T/err" >/dev/null
check "the refusal names the object and the field" "grep -q 'indicator--00000009-0000-4000-8000-000000000000: pattern: offset 19' '$T/err'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

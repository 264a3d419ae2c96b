#!/usr/bin/env bash
# share_misp.sh - MISP interop (issue #21 item 6): every misp-stix MISP JSON fixture imports into
# STIX objects (grouping per event, indicator per supported attribute, tlp: tags as TLP 2.0
# markings, galaxy clusters as labels) and exports back as MISP JSON losslessly; the indicators
# carry STIX patterns that parse and feed the match index.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
DATA=${MAMORI_DATA_DIR:?set MAMORI_DATA_DIR}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export MAMORI_DB=$T/m.db
. "$(dirname "$0")/../support/check.sh"
q() { sqlite3 "$MAMORI_DB" "$1"; }
MT=$DATA/stix/misp-stix/tests

"$M" init >/dev/null
for f in events_collection_1 events_collection_2 attributes_collection_1 attributes_collection_2 objects_collection_1 objects_collection_2; do
	a=${f//_/-}
	"$M" share collection add "$a" --title "$f" >/dev/null
	check "$f imports with no refusal" "'$M' share import '$MT/test_$f.json' --collection $a >/dev/null"
	"$M" share export --collection "$a" --format misp >"$T/$f.json"
	check "$f: MISP round trip lossless" "python3 '$SRC/tests/integration/misp_same.py' '$MT/test_$f.json' '$T/$f.json'"
done
check "events became groupings with their MISP ids" "[ \"\$(q \"SELECT count(*) FROM share_objects WHERE type = 'grouping' AND stix_id = 'grouping--e2e6a6ea-f69b-4d93-8564-f51d67cafe51'\")\" = 1 ]"
check "a to_ids domain attribute became an indicator with a STIX pattern, indexed" "q \"SELECT raw FROM share_objects WHERE stix_id = 'indicator--4bb235a7-7d25-4aef-802f-2c6b45c5eceb'\" | grep -q \"domain-name:value = 'circl.lu'\" && [ \"\$(q \"SELECT DISTINCT value FROM share_iocs WHERE indicator_id = 'indicator--4bb235a7-7d25-4aef-802f-2c6b45c5eceb'\")\" = circl.lu ]"
check "MISP object attributes of supported types are indicators too (email-src, domain, ip)" "[ \"\$(q \"SELECT count(DISTINCT stix_id) FROM share_objects WHERE type = 'indicator' AND raw LIKE '%x_misp_object_ref%'\")\" -ge 3 ] && [ \"\$(q \"SELECT count(*) FROM share_iocs WHERE kind = 'email'\")\" -ge 1 ]"
check "an unsupported type (AS) kept whole as x-misp-attribute" "[ \"\$(q \"SELECT count(*) FROM share_objects WHERE type = 'x-misp-attribute'\")\" -ge 1 ]"

# tlp: tags, galaxy clusters, every supported attribute type (hand-made event, MISP's layout)
cat >"$T/ev.json" <<'J'
{"Event": {"uuid": "5e5a3c83-3e5c-4ad1-8a04-3d9b7c1e0a11", "info": "交通ISAC: 鉄道事業者を狙う DDoS", "date": "2026-11-30",
 "timestamp": "1764460800", "published": false, "analysis": "1", "threat_level_id": "2", "distribution": "1",
 "Orgc": {"name": "交通ISAC", "uuid": "5e5a3c83-3e5c-4ad1-8a04-3d9b7c1e0a12"},
 "Tag": [{"name": "tlp:amber+strict"}, {"name": "misp-galaxy:threat-actor=\"NoName057(16)\""}],
 "Galaxy": [{"type": "threat-actor", "GalaxyCluster": [{"value": "NoName057(16)"}]}],
 "Attribute": [
  {"uuid": "5e5a3c83-3e5c-4ad1-8a04-3d9b7c1e0a21", "type": "ip-dst", "category": "Network activity", "value": "198.51.100.23", "to_ids": true, "timestamp": "1764460800"},
  {"uuid": "5e5a3c83-3e5c-4ad1-8a04-3d9b7c1e0a22", "type": "ip-src", "category": "Network activity", "value": "2001:db8::23", "to_ids": true, "comment": "C2"},
  {"uuid": "5e5a3c83-3e5c-4ad1-8a04-3d9b7c1e0a23", "type": "hostname", "category": "Network activity", "value": "c2.evil.example", "to_ids": false},
  {"uuid": "5e5a3c83-3e5c-4ad1-8a04-3d9b7c1e0a24", "type": "url", "category": "Network activity", "value": "http://evil.example/it's", "to_ids": true},
  {"uuid": "5e5a3c83-3e5c-4ad1-8a04-3d9b7c1e0a25", "type": "sha256", "category": "Payload delivery", "value": "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f", "to_ids": true},
  {"uuid": "5e5a3c83-3e5c-4ad1-8a04-3d9b7c1e0a26", "type": "email-src", "category": "Payload delivery", "value": "x@evil.example", "to_ids": true},
  {"uuid": "5e5a3c83-3e5c-4ad1-8a04-3d9b7c1e0a27", "type": "filename|md5", "category": "Payload delivery", "value": "a.exe|79054025255fb1a26e4bc422aef54eb4", "to_ids": true},
  {"uuid": "5e5a3c83-3e5c-4ad1-8a04-3d9b7c1e0a28", "type": "domain", "category": "Network activity", "value": "evil.example", "to_ids": true}
 ]}}
J
"$M" share collection add hand --title hand >/dev/null
check "hand-made event with every supported type imports" "'$M' share import '$T/ev.json' --collection hand >/dev/null"
"$M" share export --collection hand --format misp >"$T/hand.json"
python3 -c "import json; d=json.load(open('$T/ev.json')); json.dump({'response': [d]}, open('$T/ev_r.json', 'w'))"
check "hand-made event round trip lossless" "python3 '$SRC/tests/integration/misp_same.py' '$T/ev_r.json' '$T/hand.json'"
check "8 indicators, all marked TLP:AMBER+STRICT" "[ \"\$(q \"SELECT count(*) FROM share_objects WHERE collection_id = (SELECT id FROM share_collections WHERE alias = 'hand') AND type = 'indicator' AND tlp = 'amber+strict'\")\" = 8 ]"
check "the galaxy cluster is a label of the grouping" "q \"SELECT raw FROM share_objects WHERE stix_id = 'grouping--5e5a3c83-3e5c-4ad1-8a04-3d9b7c1e0a11'\" | grep -q 'misp-galaxy:threat-actor=\\\\\"NoName057(16)\\\\\"'"
check "quote in a URL escaped in the pattern and indexed" "[ \"\$(q \"SELECT value FROM share_iocs WHERE indicator_id = 'indicator--5e5a3c83-3e5c-4ad1-8a04-3d9b7c1e0a24'\")\" = \"http://evil.example/it's\" ]"
check "filename|md5 indexed by its hash" "[ \"\$(q \"SELECT kind || '=' || value FROM share_iocs WHERE indicator_id = 'indicator--5e5a3c83-3e5c-4ad1-8a04-3d9b7c1e0a27'\")\" = md5=79054025255fb1a26e4bc422aef54eb4 ]"
printf '{"response": [{"Event": {"uuid": "not-a-uuid"' >"$T/bad.json"
check "malformed MISP JSON refused" "! '$M' share import '$T/bad.json' --collection hand 2>/dev/null >/dev/null"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

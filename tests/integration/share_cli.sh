#!/usr/bin/env bash
# share_cli.sh - STIX 2.1 collections from the command line (issue #21 item 1): every OASIS
# example bundle imports and is exported back byte-identical per object (checked by a Python
# span extractor, not mamori's); the negative cases are refused with their reason; re-import
# of the same objects is a success that adds nothing; TLP 2.0 and misp-stix files import.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
DATA=${MAMORI_DATA_DIR:?set MAMORI_DATA_DIR}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export MAMORI_DB=$T/m.db
. "$(dirname "$0")/../support/check.sh"
q() { sqlite3 "$MAMORI_DB" "$1"; }
SP="python3 $SRC/tests/integration/stix_spans.py"
EX=$DATA/stix/cti-stix2-json-schemas/examples

"$M" init >/dev/null
check "collection add" "'$M' share collection add isac --title '交通ISAC' --tlp green --read 'role:member,org:jr-east' --write role:member >/dev/null"
check "duplicate alias refused" "! '$M' share collection add isac --title again 2>/dev/null"
check "bad --read entry refused with the entry named" "'$M' share collection add bad --title b --read 'team:x' 2>&1 | grep -q \"team:x\""
check "collection list --json" "'$M' share collection list --json | python3 -c 'import json,sys; c=json.load(sys.stdin); assert c[0][\"alias\"]==\"isac\" and c[0][\"tlp\"]==\"green\" and \"role:member\" in c[0][\"read\"]'"

n=0
for f in "$EX"/*.json "$EX"/threat-reports/*.json; do
	b=$(basename "$f")
	[ "$b" = interop-objectmarking-test.json ] && continue
	n=$((n + 1))
	a=c$n
	"$M" share collection add "$a" --title "$b" >/dev/null
	check "$b imports with no refusal" "'$M' share import '$f' --collection $a >/dev/null"
	"$M" share export --collection "$a" >"$T/$a.json"
	check "$b exported back byte-identical per object" "$SP same '$f' '$T/$a.json' >/dev/null"
done
check "all 7 example bundles seen" "[ $n = 7 ]"
check "259 objects stored" "[ \"\$(q 'SELECT count(*) FROM share_objects')\" = 259 ]"

# Re-import: same id and version is a success and stores nothing new.
"$M" share import "$EX/threat-reports/apt1.json" --collection c6 --json >"$T/re.json"
check "re-import of identical objects succeeds, nothing added" "python3 -c 'import json; r=json.load(open(\"$T/re.json\")); assert r[\"success_count\"]==76 and r[\"failure_count\"]==0' && [ \"\$(q 'SELECT count(*) FROM share_objects')\" = 259 ]"

# Negative cases.
"$M" share collection add neg --title neg >/dev/null
check "dangling marking ref refused with the marking named" "! '$M' share import '$EX/interop-objectmarking-test.json' --collection neg 2>'$T/err' >/dev/null && grep -q 'object_marking_refs: unknown marking marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ec' '$T/err'"
check "upstream TLP 2.0 schema file with a trailing comma refused with an offset" "! '$M' share import '$DATA/stix/cti-stix-common-objects/extension-definition-specifications/tlp-2.0/marking-definition.json' --collection neg 2>'$T/err' && grep -q 'malformed JSON' '$T/err'"
cat >"$T/mixed.json" <<'J'
{"type": "bundle", "id": "bundle--44af6c39-c09b-49c5-9de2-394224b04982", "objects": [
{"type": "indicator", "spec_version": "2.1", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "created": "2016-04-06T20:03:48.000Z", "modified": "2016-04-06T20:03:48.000Z", "pattern_type": "stix", "valid_from": "2016-01-01T00:00:00Z"},
{"type": "indicator", "spec_version": "2.1", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd40", "created": "2016-04-06T20:03:48Z", "modified": "2016-04-06T20:03:48.000Z", "pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix", "valid_from": "2016-01-01T00:00:00Z"},
{"type": "malware", "id": "malware--c0931cc6-c75e-47e5-9036-78fabc95d4ec", "created": "2017-01-27T13:49:53.997Z", "modified": "2017-01-27T13:49:53.997Z", "name": "Poison Ivy", "is_family": true},
{"type": "identity", "spec_version": "2.1", "id": "identity--not-a-uuid", "created": "2016-04-06T20:03:48.000Z", "modified": "2016-04-06T20:03:48.000Z", "name": "x"},
{"type": "identity", "spec_version": "2.1", "id": "identity--311b2d2d-f010-4473-83ec-1edf84858f4c", "created": "2016-04-06T20:03:48.000Z", "modified": "2016-04-06T20:03:47.000Z", "name": "x"},
{"type": "x-acme-widget", "spec_version": "2.1", "id": "x-acme-widget--311b2d2d-f010-4473-83ec-1edf84858f4c", "created": "2016-04-06T20:03:48.000Z", "modified": "2016-04-06T20:03:48.000Z", "x_acme_size": 3},
{"type": "ipv4-addr", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "198.51.100.3", "x_seen_by": "mamori"}
]}
J
"$M" share import "$T/mixed.json" --collection neg --json >"$T/mixed.out"
jr() { python3 -c "import json,sys; r=json.load(open('$T/mixed.out')); $1"; }
check "indicator without pattern refused (pattern: required)" "jr 'assert any(\"pattern: required\" in f[\"message\"] for f in r[\"failures\"])'"
check "second-precision created refused (millisecond precision)" "jr 'assert any(f[\"id\"].endswith(\"cd40\") and \"created: \" in f[\"message\"] and \"millisecond\" in f[\"message\"] for f in r[\"failures\"])'"
check "STIX 2.0 object (no spec_version, medallion data) refused" "jr 'assert any(f[\"id\"].startswith(\"malware--\") and \"spec_version\" in f[\"message\"] for f in r[\"failures\"])'"
check "bad id refused" "jr 'assert any(\"id: \" in f[\"message\"] and \"not identity--<UUID>\" in f[\"message\"] for f in r[\"failures\"])'"
check "modified before created refused" "jr 'assert any(\"modified: earlier than created\" in f[\"message\"] for f in r[\"failures\"])'"
check "custom type and x_ property kept, the others still stored" "jr 'assert r[\"success_count\"]==2 and r[\"failure_count\"]==5' && q \"SELECT raw FROM share_objects WHERE stix_id LIKE 'ipv4-addr--%' AND collection_id = (SELECT id FROM share_collections WHERE alias = 'neg')\" | grep -q x_seen_by"
python3 -c "print('{\"type\":\"bundle\",\"objects\":[{\"type\":\"identity\",\"x_deep\":' + '['*100000 + ']'*100000 + '}]}')" >"$T/deep.json"
check "100k-deep nesting refused, no crash" "! '$M' share import '$T/deep.json' --collection neg 2>'$T/err' && grep -q 'too deep' '$T/err'"
printf '{"type":"bundle","id":"bundle--44af6c39-c09b-49c5-9de2-394224b04982","objects":[{"type":"identity","name":"\xff"}]}' >"$T/utf.json"
check "invalid UTF-8 refused with its offset" "! '$M' share import '$T/utf.json' --collection neg 2>'$T/err' && grep -q 'invalid UTF-8' '$T/err'"

# TLP 2.0 marking objects and a TLP 2.0 GREEN bundle; the misp-stix STIX 2.1 outputs.
"$M" share collection add tlp --title tlp >/dev/null
TLP=$DATA/stix/cti-stix-common-objects
for f in "$TLP"/objects/marking-definition/*.json "$TLP"/extension-definition-specifications/tlp-2.0/examples/*.json "$TLP"/objects/extension-definition/*.json; do
	check "$(basename "$f") imports" "'$M' share import '$f' --collection tlp >/dev/null"
done
check "TLP 2.0 markings known by level" "[ \"\$(q \"SELECT group_concat(tlp, ',') FROM (SELECT tlp FROM share_markings ORDER BY tlp)\")\" = 'amber,amber+strict,clear,green,red' ]"
check "the relationship marked TLP:GREEN 2.0 stored as green, unmarked ones without a level" "[ \"\$(q \"SELECT group_concat(type || '=' || COALESCE(tlp, '-'), ',') FROM (SELECT type, tlp FROM share_objects WHERE collection_id = (SELECT id FROM share_collections WHERE alias = 'tlp') AND type IN ('identity', 'threat-actor', 'relationship') ORDER BY type)\")\" = 'identity=-,relationship=green,threat-actor=-' ]"
"$M" share collection add misp --title misp >/dev/null
for f in "$DATA"/stix/misp-stix/tests/*_stix21.json; do
	check "misp-stix $(basename "$f") imports with no refusal" "'$M' share import '$f' --collection misp >/dev/null"
done
"$M" share collection add misp1 --title m1 >/dev/null
"$M" share import "$DATA/stix/misp-stix/tests/test_event1_stix21.json" --collection misp1 >/dev/null
"$M" share export --collection misp1 >"$T/m1.json"
check "misp-stix event1 byte-identical per object" "$SP same '$DATA/stix/misp-stix/tests/test_event1_stix21.json' '$T/m1.json' >/dev/null"
check "export --since after everything is empty" "'$M' share export --collection misp1 --since 2999-01-01 | python3 -c 'import json,sys; assert json.load(sys.stdin)[\"objects\"]==[]'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

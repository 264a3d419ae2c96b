#!/usr/bin/env bash
# share_auto.sh - indicators are matched automatically against new observations (issue #21):
# after an indicator is imported, a discover (Shodan) import that stores its address, and an SNS
# import whose post names its host, each raise exactly one sighting and one urgent alert with no
# `share match` run; importing the same again raises nothing more; rows stored before an
# indicator existed are not looked at again by the incremental hook (its marks only grow).
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export MAMORI_DB=$T/m.db
. "$(dirname "$0")/../support/check.sh"
q() { sqlite3 "$MAMORI_DB" "$1"; }

"$M" init >/dev/null
cat >"$T/inv.yaml" <<'YAML'
version: 1
organisations:
  - id: kanto-rail
    name: { ja: 関東旅客鉄道株式会社, en: Kanto Rail }
    sector: railways
    assets:
      - domain: kanto-rail.test
      - cidr: 127.0.10.0/29
YAML
"$M" inventory import "$T/inv.yaml" >/dev/null || { echo "inventory import failed"; exit 1; }
"$M" share collection add isac --title 'ISAC feed' --tlp amber >/dev/null
ind() { # id-suffix pattern
	printf '{"type": "indicator", "spec_version": "2.1", "id": "indicator--%s-0000-4000-8000-000000000000", "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "name": "auto %s", "pattern": "%s", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"}' "$1" "$1" "$2"
}
printf '{"objects": [%s, %s]}' "$(ind 0000000a "[ipv4-addr:value = '127.0.10.5']")" \
	"$(ind 0000000b "[domain-name:value = 'c2.evil-cdn.test']")" >"$T/ind.json"
"$M" share import "$T/ind.json" --collection isac >/dev/null 2>&1
check "indicators imported, nothing sighted yet" "[ \"\$(q 'SELECT count(*) FROM share_sightings')\" = 0 ]"

# a discover (Shodan) import stores the indicator's address on kanto-rail
echo '{"ip_str":"127.0.10.5","port":443,"transport":"tcp","product":"nginx","hostnames":["www.kanto-rail.test"],"timestamp":"2026-11-01T10:21:35.713742"}' >"$T/shodan.json"
"$M" discover import --org kanto-rail --format shodan "$T/shodan.json" >/dev/null 2>&1
check "discover import: exactly one sighting for the address, on kanto-rail, without share match" \
	"[ \"\$(q \"SELECT count(*) || ' ' || org_slug || ' ' || observed || ' ' || source FROM share_sightings WHERE indicator_id LIKE 'indicator--0000000a%'\")\" = '1 kanto-rail ip 127.0.10.5 passive_services' ]"
check "discover import: exactly one urgent alert for kanto-rail" \
	"[ \"\$(q \"SELECT count(*) FROM alerts WHERE issue_key = 'share:indicator--0000000a-0000-4000-8000-000000000000' AND urgent = 1 AND org_slug = 'kanto-rail'\")\" = 1 ]"
check "the STIX sighting is stored in the collection" \
	"[ \"\$(q \"SELECT count(*) FROM share_objects WHERE type = 'sighting'\")\" = 1 ]"
"$M" discover import --org kanto-rail --format shodan "$T/shodan.json" >/dev/null 2>&1
check "the same import again: still one sighting and one alert" \
	"[ \"\$(q \"SELECT count(*) FROM share_sightings\")/\$(q \"SELECT count(*) FROM alerts WHERE issue_key LIKE 'share:%'\")\" = 1/1 ]"
check "the hook's marks moved to the rows it saw" \
	"[ \"\$(q \"SELECT last_id FROM share_match_marks WHERE source = 'passive_services'\")\" = \"\$(q 'SELECT MAX(id) FROM passive_services')\" ]"

# an SNS post naming the C2 host, matched to kanto-rail by its domain
printf '{"platform": "x", "post_id": "900001", "created_at": "2026-11-02T00:00:00Z", "text": "kanto-rail.test is down, payload from c2.evil-cdn.test", "hostnames": ["c2.evil-cdn.test", "kanto-rail.test"], "urls": ["http://c2.evil-cdn.test/p.bin"]}\n' >"$T/posts.jsonl"
"$M" sns import --format jsonl "$T/posts.jsonl" >"$T/sns.out" 2>&1
check "SNS import: exactly one alert for the C2 host indicator, without share match" \
	"[ \"\$(q \"SELECT count(*) FROM alerts WHERE issue_key = 'share:indicator--0000000b-0000-4000-8000-000000000000'\")\" = 1 ] || { cat '$T/sns.out'; false; }"
check "SNS import: the sighting names the post's host (source sns_posts)" \
	"q \"SELECT observed || ' ' || source FROM share_sightings WHERE indicator_id LIKE 'indicator--0000000b%'\" | grep -q 'name c2.evil-cdn.test sns_posts'"
"$M" sns import --format jsonl "$T/posts.jsonl" >/dev/null 2>&1
check "the same posts again: no new alert" \
	"[ \"\$(q \"SELECT count(*) FROM alerts WHERE issue_key LIKE 'share:%'\")\" = 2 ]"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

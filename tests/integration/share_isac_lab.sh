#!/usr/bin/env bash
# share_isac_lab.sh - ISAC sharing end to end between two mamori instances, each in its own
# network namespace made here and joined by a veth pair (192.0.2.1 hub, 192.0.2.2 member; no
# other address is used), over TLS (issue #21): the hub publishes indicators in a TAXII
# collection; the member pulls them through its scheduled share-pull job, matches them against
# its own operators' assets, stores a sighting and an urgent alert and sends the anonymised
# sighting back; the hub's TAXII API then serves it to its analyst.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)"; exit 77; }
NH=mhub$$ NM=mmem$$
T=$(mktemp -d)
chmod 755 "$T"
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null
	sleep 0.3
	ip netns del "$NH" 2>/dev/null
	ip netns del "$NM" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
. "$(dirname "$0")/../support/check.sh"
A=$T/hub.db B=$T/member.db
qa() { sqlite3 "$A" "$1"; }
qb() { sqlite3 "$B" "$1"; }
hub() { ip netns exec "$NH" "$@"; }
mem() { ip netns exec "$NM" "$@"; }

ip netns add "$NH" && ip netns add "$NM" || { echo "cannot create namespaces"; exit 1; }
ip link add "vh$$" type veth peer name "vm$$" || { echo "cannot create veth"; exit 1; }
ip link set "vh$$" netns "$NH" && ip link set "vm$$" netns "$NM"
hub ip link set lo up && hub ip addr add 192.0.2.1/24 dev "vh$$" && hub ip link set "vh$$" up
mem ip link set lo up && mem ip addr add 192.0.2.2/24 dev "vm$$" && mem ip link set "vm$$" up

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$T/key.pem" -out "$T/cert.pem" -subj "/CN=hub.isac.test" \
	-addext "subjectAltName=IP:192.0.2.1" 2>/dev/null || { echo "openssl failed"; exit 1; }

# --- the hub (交通ISAC): members read and write the isac collection; its analyst reads all
"$M" --db "$A" init >/dev/null
MAMORI_PASSWORD='correct horse battery' "$M" --db "$A" user add kanto --role member >/dev/null
MAMORI_PASSWORD='analyst horse battery' "$M" --db "$A" user add ana --role analyst >/dev/null
"$M" --db "$A" share collection add isac --title '交通ISAC 指標' --read role:member --write role:member >/dev/null
{
	printf '{"objects": ['
	for i in 1 2 3; do
		ip=$([ $i = 2 ] && echo 127.0.10.3 || echo 198.51.100.$i)
		[ $i = 1 ] || printf ','
		printf '{"type": "indicator", "spec_version": "2.1", "id": "indicator--0000000%d-0000-4000-8000-0000000000aa", "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "name": "ISAC %d", "pattern": "[ipv4-addr:value = '"'"'%s'"'"']", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z", "object_marking_refs": ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]}' $i $i "$ip"
	done
	printf ']}'
} >"$T/ind.json"
check "the hub publishes 3 indicators (TLP:AMBER)" "'$M' --db '$A' share import '$T/ind.json' --collection isac >/dev/null"
ip netns exec "$NH" "$M" --db "$A" serve --listen 192.0.2.1:0 --threads 2 --port-file "$T/port" \
	--tls-cert "$T/cert.pem" --tls-key "$T/key.pem" >"$T/serve.log" 2>&1 &
PID=$! # ip netns exec execs mamori: this is the server's own PID
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
URL=https://192.0.2.1:$(cat "$T/port")/taxii2/root/
check "the member reaches the hub's TAXII server across the namespaces (401 without credentials)" \
	"[ \"\$(mem curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert '$T/cert.pem' '$URL')\" = 401 ]"

# --- the member: its own operators (kanto-rail holds 127.0.10.3), a scheduled pull
"$M" --db "$B" init >/dev/null
"$M" --db "$B" inventory import "$SRC/examples/inventory.yaml" >/dev/null
export ISAC_PW='correct horse battery'
check "member: remote add with a pull interval" "mem '$M' --db '$B' share remote add isac '$URL' --collection isac --user kanto --password-env ISAC_PW --cacert '$T/cert.pem' --pull-interval 3600 >/dev/null"
check "member: the worker runs the scheduled pull over TLS" "mem '$M' --db '$B' jobs run >'$T/run.out' 2>&1 && [ \"\$(qb \"SELECT state FROM jobs WHERE kind = 'share-pull' ORDER BY id LIMIT 1\")\" = done ] || { cat '$T/run.out'; false; }"
check "member: the 3 indicators arrived byte for byte" "[ \"\$(qa \"SELECT group_concat(hex(raw), '') FROM (SELECT raw FROM share_objects WHERE type = 'indicator' ORDER BY stix_id)\" | sha256sum)\" = \"\$(qb \"SELECT group_concat(hex(raw), '') FROM (SELECT raw FROM share_objects WHERE type = 'indicator' ORDER BY stix_id)\" | sha256sum)\" ]"
check "member: one sighting on kanto-rail's 127.0.10.3, one urgent alert naming the source and TLP" \
	"[ \"\$(qb \"SELECT count(*) FROM share_sightings WHERE org_slug = 'kanto-rail' AND observed = 'ip 127.0.10.3'\")\" = 1 ] && qb \"SELECT body FROM alerts WHERE issue_key = 'share:indicator--00000002-0000-4000-8000-0000000000aa' AND urgent = 1\" | grep -q 'TLP: amber'"
check "member: nothing for the indicators that match none of its assets" "[ \"\$(qb 'SELECT count(*) FROM share_sightings')\" = 1 ]"
# --- the hub sees the sighting through its own TAXII API (its analyst, Basic auth)
hub curl -s --cacert "$T/cert.pem" -u 'ana:analyst horse battery' -H 'Accept: application/taxii+json;version=2.1' \
	"${URL}collections/isac/objects/?match%5Btype%5D=sighting" >"$T/hub.json"
check "hub: its analyst gets exactly one sighting of indicator 2 from the member" \
	"python3 -c 'import json,sys; o=json.load(open(\"$T/hub.json\")).get(\"objects\", []); sys.exit(0 if len(o)==1 and o[0][\"sighting_of_ref\"]==\"indicator--00000002-0000-4000-8000-0000000000aa\" else 1)'"
check "hub: the sighting names neither the operator nor the address (anonymised)" "! grep -qi 'kanto\\|127\\.0\\.10\\|where_sighted' '$T/hub.json'"
check "hub: the sighting is TLP:RED, so another member does not see it" \
	"grep -q 'e828b379-4e03-4974-9ac4-e53a884c97c1' '$T/hub.json' && [ \"\$(hub curl -s --cacert '$T/cert.pem' -u 'kanto:correct horse battery' -H 'Accept: application/taxii+json;version=2.1' '${URL}collections/isac/objects/?match%5Btype%5D=sighting' | python3 -c 'import json,sys; print(len(json.load(sys.stdin).get(\"objects\", [])))')\" = 0 ]"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# share_schedule.sh - scheduled pulls through the job module and sightings sent back to the
# partner (issue #21), against mamori's own TAXII server on loopback over TLS: a remote with
# --pull-interval queues one share-pull job for the current period (idempotency key per period);
# `mamori jobs run` pulls, matches the new indicator against the member's own assets, stores one
# sighting and sends it back, anonymised (no operator, no observed value), to the hub's
# collection; the job queued the next period's pull, which is not run before that period
# starts, and then fetches only what the hub added since.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
T=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
. "$(dirname "$0")/../support/check.sh"
A=$T/hub.db B=$T/member.db
qa() { sqlite3 "$A" "$1"; }
qb() { sqlite3 "$B" "$1"; }
ind() { # id-suffix ip
	printf '{"objects": [{"type": "indicator", "spec_version": "2.1", "id": "indicator--%s-0000-4000-8000-000000000000", "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "name": "hub %s", "pattern": "[ipv4-addr:value = '"'"'%s'"'"']", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z", "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}]}' "$1" "$1" "$2"
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$T/key.pem" -out "$T/cert.pem" -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1" 2>/dev/null || { echo "openssl failed"; exit 1; }
# the hub: an ISAC collection members read and write
"$M" --db "$A" init >/dev/null
MAMORI_PASSWORD='correct horse battery' "$M" --db "$A" user add kanto --role member >/dev/null
"$M" --db "$A" share collection add isac --title ISAC --read role:member --write role:member >/dev/null
ind 000000c1 127.0.10.3 >"$T/i1.json"
"$M" --db "$A" share import "$T/i1.json" --collection isac >/dev/null
"$M" --db "$A" serve --listen 127.0.0.1:0 --threads 2 --port-file "$T/port" \
	--tls-cert "$T/cert.pem" --tls-key "$T/key.pem" >"$T/serve.log" 2>&1 &
PID=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
URL=https://127.0.0.1:$(cat "$T/port")/taxii2/root/

# the member: its own operators' assets (127.0.10.3 is kanto-rail's)
"$M" --db "$B" init >/dev/null
"$M" --db "$B" inventory import "$SRC/examples/inventory.yaml" >/dev/null
export ISAC_PW='correct horse battery'
NOW=$(python3 -c 'import time; print(int(time.time()))')
iso() { python3 -c "import datetime,sys; print(datetime.datetime.fromtimestamp(int(sys.argv[1]), datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'))" "$1"; }
P=$((NOW / 600))
export MAMORI_NOW=$(iso "$NOW")
check "remote add --pull-interval 600" "'$M' --db '$B' share remote add isac '$URL' --collection isac --user kanto --password-env ISAC_PW --cacert '$T/cert.pem' --pull-interval 600 >/dev/null"
check "one share-pull job queued for this period (key share-pull:isac:$P)" \
	"[ \"\$(qb \"SELECT count(*) || ' ' || state FROM jobs WHERE kind = 'share-pull' AND idem_key = 'share-pull:isac:$P'\")\" = '1 queued' ]"
"$M" --db "$B" share remote schedule isac --pull-interval 600 >/dev/null
check "scheduling again queues nothing twice" "[ \"\$(qb \"SELECT count(*) FROM jobs WHERE kind = 'share-pull'\")\" = 1 ]"
"$M" --db "$B" jobs run --json >"$T/run1.json" 2>&1
check "the worker ran the pull: done" "[ \"\$(qb \"SELECT state FROM jobs WHERE idem_key = 'share-pull:isac:$P'\")\" = done ] || cat '$T/run1.json'"
check "the indicator arrived and matched kanto-rail's asset: one sighting, one urgent alert" \
	"[ \"\$(qb \"SELECT count(*) FROM share_sightings WHERE org_slug = 'kanto-rail' AND observed = 'ip 127.0.10.3'\")/\$(qb \"SELECT count(*) FROM alerts WHERE issue_key = 'share:indicator--000000c1-0000-4000-8000-000000000000' AND urgent = 1\")\" = 1/1 ]"
SID=$(qb "SELECT sighting_id FROM share_sightings LIMIT 1")
check "the sighting was sent back to the hub's collection" \
	"[ \"\$(qa \"SELECT count(*) FROM share_objects WHERE stix_id = '$SID' AND type = 'sighting'\")\" = 1 ]"
check "the hub's copy names neither the operator nor the observed value (anonymised), refers to the indicator, TLP:RED" \
	"R=\$(qa \"SELECT raw FROM share_objects WHERE stix_id = '$SID'\"); ! grep -qi 'kanto\\|127.0.10.3\\|where_sighted' <<<\"\$R\" && grep -q 'indicator--000000c1' <<<\"\$R\" && grep -q 'e828b379-4e03-4974-9ac4-e53a884c97c1' <<<\"\$R\""
check "the job queued the next period's pull, not before it starts" \
	"[ \"\$(qb \"SELECT state || ' ' || lease_until FROM jobs WHERE idem_key = 'share-pull:isac:$((P + 1))'\")\" = 'queued $(((P + 1) * 600))' ]"
"$M" --db "$B" jobs run >/dev/null 2>&1
check "a worker now does not run it early" "[ \"\$(qb \"SELECT state FROM jobs WHERE idem_key = 'share-pull:isac:$((P + 1))'\")\" = queued ]"
ind 000000c2 198.51.100.9 >"$T/i2.json"
"$M" --db "$A" share import "$T/i2.json" --collection isac >/dev/null
before=$(qb "SELECT count(*) FROM share_objects")
export MAMORI_NOW=$(iso $(((P + 1) * 600 + 5)))
"$M" --db "$B" jobs run >/dev/null 2>&1
check "in the next period it runs and fetches only what the hub added since" \
	"[ \"\$(qb \"SELECT state FROM jobs WHERE idem_key = 'share-pull:isac:$((P + 1))'\")\" = done ] && [ \$(( \$(qb 'SELECT count(*) FROM share_objects') - $before )) = 1 ]"
check "the sighting is not sent twice" "[ \"\$(qa \"SELECT count(*) FROM share_objects WHERE type = 'sighting'\")\" = 1 ]"
check "and the period after that is queued" "[ \"\$(qb \"SELECT count(*) FROM jobs WHERE idem_key = 'share-pull:isac:$((P + 2))' AND state = 'queued'\")\" = 1 ]"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

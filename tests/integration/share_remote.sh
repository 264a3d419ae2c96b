#!/usr/bin/env bash
# share_remote.sh - the TAXII 2.1 client against mamori's own server on loopback, over TLS
# (issue #21 item 5): pull follows next and stores every object once; the cursor survives and a
# second pull fetches only what was added since; an untrusted certificate is refused; a wrong
# password is refused; push sends local objects to a writable collection, and fails with the
# partner's status when it may not write.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
DATA=${MAMORI_DATA_DIR:?set MAMORI_DATA_DIR}
T=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
. "$(dirname "$0")/../support/check.sh"
A=$T/a.db B=$T/b.db
qa() { sqlite3 "$A" "$1"; }
qb() { sqlite3 "$B" "$1"; }
EX=$DATA/stix/cti-stix2-json-schemas/examples

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$T/key.pem" -out "$T/cert.pem" -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1" 2>/dev/null || { echo "openssl failed"; exit 1; }
"$M" --db "$A" init >/dev/null
MAMORI_PASSWORD='correct horse battery' "$M" --db "$A" user add isacbot --role member >/dev/null
"$M" --db "$A" share collection add isac --title ISAC --read role:member --write role:member >/dev/null
"$M" --db "$A" share import "$EX/threat-reports/poisonivy.json" --collection isac >/dev/null
"$M" --db "$A" share collection add readonly --title RO --read role:member >/dev/null
"$M" --db "$A" serve --listen 127.0.0.1:0 --threads 2 --port-file "$T/port" \
	--tls-cert "$T/cert.pem" --tls-key "$T/key.pem" >"$T/serve.log" 2>&1 &
PID=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
P=$(cat "$T/port")
URL=https://127.0.0.1:$P/taxii2/root/
"$M" --db "$B" init >/dev/null
export ISAC_PW='correct horse battery'
check "remote add" "'$M' --db '$B' share remote add isac '$URL' --collection isac --user isacbot --password-env ISAC_PW --cacert '$T/cert.pem' >/dev/null"
check "remote add refuses a URL with a query" "! '$M' --db '$B' share remote add x 'https://127.0.0.1/?a=b' --collection c 2>/dev/null"
"$M" --db "$B" share remote add untrusted "$URL" --collection isac --user isacbot --password-env ISAC_PW >/dev/null
check "an untrusted certificate is refused (TLS verified)" "! '$M' --db '$B' share pull untrusted 2>'$T/err' && grep -qi 'certificate\\|SSL' '$T/err'"
"$M" --db "$B" share remote add wrongpw "$URL" --collection isac --user isacbot --password-env NO_SUCH_VAR --cacert "$T/cert.pem" >/dev/null
check "a password variable that is not set is refused before connecting" "! '$M' --db '$B' share pull wrongpw 2>'$T/err' && grep -q 'NO_SUCH_VAR' '$T/err'"
"$M" --db "$B" share pull isac --json >"$T/p1.json"
check "pull stores all 155 objects" "python3 -c 'import json; r=json.load(open(\"$T/p1.json\")); assert r[\"stored\"]==155 and r[\"refused\"]==0, r' && [ \"\$(qb 'SELECT count(*) FROM share_objects')\" = 155 ]"
check "the objects arrive byte for byte" "[ \"\$(qa \"SELECT group_concat(h, '') FROM (SELECT hex(raw) AS h FROM share_objects ORDER BY stix_id, version)\" | sha256sum)\" = \"\$(qb \"SELECT group_concat(h, '') FROM (SELECT hex(raw) AS h FROM share_objects ORDER BY stix_id, version)\" | sha256sum)\" ]"
check "the cursor is kept in the store" "[ -n \"\$(qb \"SELECT added_after FROM share_remotes WHERE name = 'isac'\")\" ]"
"$M" --db "$B" share pull isac --json >"$T/p2.json"
check "a second pull fetches nothing already fetched" "python3 -c 'import json; r=json.load(open(\"$T/p2.json\")); assert r[\"objects\"]==0, r'"
"$M" --db "$A" share import "$EX/indicator-for-c2-ip-address.json" --collection isac >/dev/null
"$M" --db "$B" share pull isac --json >"$T/p3.json"
check "then only what was added since" "python3 -c 'import json; r=json.load(open(\"$T/p3.json\")); assert r[\"objects\"]==1 and r[\"stored\"]==1, r'"
# push: B's own collection to A's isac collection
"$M" --db "$B" share collection add mine --title mine >/dev/null
"$M" --db "$B" share import "$EX/infrastructure.json" --collection mine >/dev/null
"$M" --db "$B" share remote add up "$URL" --collection isac --into mine --user isacbot --password-env ISAC_PW --cacert "$T/cert.pem" >/dev/null
"$M" --db "$B" share push up --json >"$T/u1.json"
check "push sends the 10 local objects, all accepted" "python3 -c 'import json; r=json.load(open(\"$T/u1.json\")); assert r[\"objects\"]==10 and r[\"stored\"]==10, r' && [ \"\$(qa \"SELECT count(*) FROM share_objects WHERE type = 'infrastructure'\")\" -ge 1 ]"
"$M" --db "$B" share push up --json >"$T/u2.json"
check "a second push sends nothing" "python3 -c 'import json; r=json.load(open(\"$T/u2.json\")); assert r[\"objects\"]==0, r'"
"$M" --db "$B" share remote add ro "$URL" --collection readonly --into mine --user isacbot --password-env ISAC_PW --cacert "$T/cert.pem" >/dev/null
check "a push the partner refuses (no write access) fails with its HTTP status, nothing marked sent" "! '$M' --db '$B' share push ro 2>'$T/err' && grep -q 'answered HTTP 403' '$T/err' && [ \"\$(qb \"SELECT coalesce(push_seq, 0) FROM share_remotes WHERE name = 'ro'\")\" = 0 ]"
export ISAC_PW='wrong password!!'
check "a wrong password: pull fails with the HTTP status" "! '$M' --db '$B' share pull isac 2>'$T/err' && grep -q 'HTTP 401' '$T/err'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

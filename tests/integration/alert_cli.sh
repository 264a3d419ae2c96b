#!/usr/bin/env bash
# alert_cli.sh - the vulnerability information service without a network: replaying the older
# KEV catalog then the current one queues notices only for the newly added CVEs, only to the
# operators whose declared products are the KEV product; ack by token (hash stored); pending.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
DATA=${MAMORI_DATA_DIR:?set MAMORI_DATA_DIR}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export MAMORI_DB=$T/m.db
# Mails carry only the console's /ack/TOKEN link (no command line since issue 14).
export MAMORI_CONSOLE_URL=http://127.0.0.1:8080
. "$(dirname "$0")/../support/check.sh"
q() { sqlite3 "$MAMORI_DB" "$1"; }
jget() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }

"$M" init >/dev/null
"$M" inventory import "$SRC/examples/inventory.yaml" >/dev/null || { echo "inventory import failed"; exit 1; }
"$M" feeds import "$DATA/kev/known_exploited_vulnerabilities-2025.08.25.json" >/dev/null || { echo "old KEV import failed"; exit 1; }
"$M" advisories sync --json >"$T/s1.json"
check "first sync is a baseline with no notices" "[ \"\$(jget '$T/s1.json' baseline)\" = True ] && [ \"\$(q 'SELECT count(*) FROM alerts')\" = 0 ]"
"$M" feeds import "$DATA/kev/known_exploited_vulnerabilities.json" >/dev/null || { echo "KEV import failed"; exit 1; }
"$M" advisories sync --json >"$T/s2.json"
added=$(q "SELECT count(*) FROM kev_first_seen WHERE first_catalog NOT IN
          (SELECT first_catalog FROM kev_first_seen WHERE cve_id = 'CVE-2021-41773')")
check "second sync sees exactly the newly added CVEs ($added)" "[ \"\$(jget '$T/s2.json' new_cves)\" = '$added' ] && [ '$added' -gt 0 ]"
n=$(jget "$T/s2.json" notices)
check "some notices were queued ($n)" "[ '$n' -gt 0 ] && [ \"\$(q \"SELECT count(*) FROM alerts WHERE issue_key LIKE 'notice:kev:%'\")\" = '$n' ]"
check "every notice is for a newly added CVE" "[ \"\$(q \"SELECT count(*) FROM alerts a JOIN kev_first_seen f
   ON 'notice:kev:' || f.cve_id = a.issue_key WHERE f.first_catalog IN
   (SELECT first_catalog FROM kev_first_seen WHERE cve_id = 'CVE-2021-41773')\")\" = 0 ]"
# Every notified org declares the KEV product (CPE vendor:product folded like the sync does).
check "every notice goes to an operator that runs the product" "[ \"\$(q \"SELECT count(*) FROM alerts a
   JOIN kev k ON 'notice:kev:' || k.cve_id = a.issue_key WHERE NOT EXISTS (SELECT 1 FROM declared_products d
   JOIN orgs o ON o.id = d.org_id WHERE o.slug = a.org_slug AND
   (lower(replace(replace(d.cpe, '_', ''), ' ', '')) LIKE '%:' || lower(replace(replace(k.product, '_', ''), ' ', '')) || ':%'
    OR lower(d.product) = lower(k.product)))\")\" = 0 ]"
check "no notice for an old CVE of a declared product (CVE-2021-41773, Apache 2.4.49)" \
	"[ \"\$(q \"SELECT count(*) FROM alerts WHERE issue_key = 'notice:kev:CVE-2021-41773'\")\" = 0 ]"
check "notices target the org's contacts" "[ \"\$(q \"SELECT count(*) FROM alert_targets t JOIN alerts a ON a.id = t.alert_id
   WHERE a.issue_key LIKE 'notice:%' AND t.channel = 'email'\")\" -ge '$n' ]"
"$M" advisories sync --json >"$T/s3.json"
check "a third sync sends nothing new" "[ \"\$(jget '$T/s3.json' new_cves)\" = 0 ] && [ \"\$(jget '$T/s3.json' notices)\" = 0 ]"

"$M" advisories pending --json >"$T/p1.json"
# 要確認 notices (version unknown) are review items, not urgent (issue 14): pending lists the rest.
nu=$(q "SELECT count(*) FROM alerts WHERE issue_key LIKE 'notice:%' AND urgent = 1")
check "要確認 notices are not urgent" "[ \"\$(q \"SELECT count(*) FROM alerts WHERE issue_key LIKE 'notice:%' AND urgent = 1 AND body LIKE '%(要確認)%'\")\" = 0 ]"
check "pending lists every unacknowledged urgent notice ($nu)" "[ \"\$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' '$T/p1.json')\" = '$nu' ]"
tok=$(q "SELECT body FROM alerts WHERE issue_key LIKE 'notice:%' ORDER BY urgent DESC, id LIMIT 1" | sed -n 's|^.*/ack/\([0-9a-f]\{32\}\)$|\1|p')
check "no command line in a notice (the recipient has none)" "[ \"\$(q \"SELECT count(*) FROM alerts WHERE body LIKE '%mamori advisories%'\")\" = 0 ]"
check "notice carries a 32-hex token" "[ \${#tok} = 32 ]"
check "the token itself is not stored" "[ \"\$(q \"SELECT count(*) FROM alerts WHERE ack_token_sha256 = '$tok'\")\" = 0 ]"
check "ack with a wrong token fails" "! '$M' advisories ack 0123456789abcdef0123456789abcdef >/dev/null 2>&1"
check "ack with the token succeeds" "'$M' advisories ack '$tok' >/dev/null"
"$M" advisories pending --json >"$T/p2.json"
acked_urgent=$(q "SELECT count(*) FROM alerts WHERE acked_at IS NOT NULL AND urgent = 1")
check "acknowledged notice is recorded and leaves pending" "[ \"\$(q 'SELECT count(*) FROM alerts WHERE acked_at IS NOT NULL')\" = 1 ] && [ \"\$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' '$T/p2.json')\" = $((nu - acked_urgent)) ]"
check "alert run without an SMTP server keeps notices queued" "'$M' alert run --attempts 1 --json | grep -q '\"delivered\":[[:space:]]*0' && [ \"\$(q \"SELECT count(*) FROM alert_targets WHERE state = 'pending'\")\" -ge '$n' ]"

# --- manual advisory by product: only the orgs that run nginx (declared) get it, once.
check "send refuses a title with CR/LF" "! '$M' advisories send --products cpe:2.3:a:nginx:nginx:*:*:*:*:*:*:*:* --title \$'x\\r\\nBcc: y' --body b >/dev/null 2>&1"
check "send refuses a non-CPE product" "! '$M' advisories send --products nginx --title t --body b >/dev/null 2>&1"
want=$(q "SELECT count(DISTINCT o.slug) FROM declared_products d JOIN orgs o ON o.id = d.org_id
          WHERE lower(d.product) = 'nginx' OR d.cpe LIKE 'cpe:2.3:a:nginx:nginx:%'")
"$M" advisories send --products 'cpe:2.3:a:nginx:nginx:*:*:*:*:*:*:*:*' --title 'nginx の注意喚起' --body '更新してください / please update' >/dev/null
got=$(q "SELECT count(*) FROM alerts WHERE issue_key LIKE 'notice:manual:%'")
check "manual advisory to each operator running nginx ($want)" "[ '$want' -gt 0 ] && [ '$got' = '$want' ]"
"$M" advisories send --products 'cpe:2.3:a:nginx:nginx:*:*:*:*:*:*:*:*' --title 'nginx の注意喚起' --body '更新してください / please update' >/dev/null
check "the same manual advisory again queues nothing" "[ \"\$(q \"SELECT count(*) FROM alerts WHERE issue_key LIKE 'notice:manual:%'\")\" = '$want' ]"

# --- dead letter: an unreachable server (nothing listens on 127.0.0.1:1) for N runs.
targets=$(q "SELECT count(*) FROM alert_targets WHERE state = 'pending'")
run_fail() { "$M" alert run --smtp smtp://127.0.0.1:1 --attempts 1 --backoff-ms 0 --timeout 2 --dead-after-runs 3 --json; }
run_fail >/dev/null
run_fail >/dev/null
check "after 2 failed runs every target is still pending ($targets)" "[ \"\$(q \"SELECT count(*) FROM alert_targets WHERE state = 'pending' AND failed_runs = 2\")\" = '$targets' ]"
run_fail >"$T/r3.json"
check "the 3rd failed run makes them dead" "[ \"\$(jget '$T/r3.json' dead)\" = '$targets' ] && [ \"\$(q \"SELECT count(*) FROM alert_targets WHERE state = 'dead'\")\" = '$targets' ]"
"$M" alert failed --json >"$T/f.json"
check "alert failed lists every dead target with its last error" "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if len(d) == int(sys.argv[2]) and all(\"connect\" in x[\"last_error\"].lower() and x[\"failed_runs\"] == 3 for x in d) else 1)' '$T/f.json' '$targets'"
logged=$(q "SELECT count(*) FROM alert_deliveries")
run_fail >/dev/null
check "dead targets are not retried automatically" "[ \"\$(q 'SELECT count(*) FROM alert_deliveries')\" = '$logged' ]"
aid=$(q "SELECT min(alert_id) FROM alert_targets WHERE state = 'dead'")
check "alert retry puts the alert's targets back to pending" "'$M' alert retry '$aid' >/dev/null && [ \"\$(q \"SELECT count(*) FROM alert_targets WHERE alert_id = $aid AND (state != 'pending' OR failed_runs != 0)\")\" = 0 ]"
check "alert retry of an alert with no dead target fails" "! '$M' alert retry '$aid' >/dev/null 2>&1 && ! '$M' alert retry abc >/dev/null 2>&1"
# 72 h: two failed runs 73 hours apart make the target dead although the run limit is 10.
MAMORI_NOW=2030-01-01T00:00:00Z "$M" alert run --smtp smtp://127.0.0.1:1 --attempts 1 --timeout 2 >/dev/null
MAMORI_NOW=2030-01-04T01:00:00Z "$M" alert run --smtp smtp://127.0.0.1:1 --attempts 1 --timeout 2 >/dev/null
check "a target failing for more than 72 h becomes dead" "[ \"\$(q \"SELECT count(*) FROM alert_targets WHERE alert_id = $aid AND state = 'dead' AND failed_runs = 2\")\" -ge 1 ]"

# --- migration 0654 rebuilds alert_targets: rebuild the old shape, re-run it, rows survive.
before=$(q "SELECT group_concat(alert_id || channel || target || attempts || coalesce(delivered_at, ''), ',') FROM (SELECT * FROM alert_targets ORDER BY 1, 2, 3)")
q "BEGIN; CREATE TABLE old_t (alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
   channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')), target TEXT NOT NULL,
   state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'refused')),
   attempts INTEGER NOT NULL DEFAULT 0, delivered_at INTEGER, PRIMARY KEY (alert_id, channel, target));
   INSERT INTO old_t SELECT alert_id, channel, target, 'pending', attempts, delivered_at FROM alert_targets;
   DROP TABLE alert_targets; ALTER TABLE old_t RENAME TO alert_targets;
   DELETE FROM schema_migrations WHERE version = 654; COMMIT;"
"$M" init >/dev/null # only init migrates: a plain command refuses a store lacking a migration
after=$(q "SELECT group_concat(alert_id || channel || target || attempts || coalesce(delivered_at, ''), ',') FROM (SELECT * FROM alert_targets ORDER BY 1, 2, 3)")
check "migration 0654 keeps every alert_targets row" "[ -n '$before' ] && [ '$before' = '$after' ] && [ \"\$(q 'SELECT count(*) FROM schema_migrations WHERE version = 654')\" = 1 ]"
check "  ... and the rebuilt table accepts 'dead'" "q \"UPDATE alert_targets SET state = 'dead' WHERE alert_id = $aid\" && [ \"\$(q \"SELECT count(*) FROM alert_targets WHERE state = 'dead'\")\" -ge 1 ]"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

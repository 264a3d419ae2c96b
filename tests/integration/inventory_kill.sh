#!/usr/bin/env bash
# A large inventory import killed (SIGKILL) in the middle of writing leaves the store as it
# was: it opens, passes PRAGMA integrity_check, holds exactly the rows it held before; the
# import run again then completes.
set -u
M=${MAMORI:?MAMORI must name the built binary}
SRC=${MAMORI_SOURCE_DIR:?}
T=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$T"' EXIT
export MAMORI_DB="$T/m.db"
export MAMORI_NOW=2026-11-23T03:00:00Z
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
TABLES="orgs org_aliases contacts assets declared_products scopes exclusions audit_log"
counts() {
	for t in $TABLES; do printf '%s=%s ' "$t" "$(sqlite3 "$MAMORI_DB" "SELECT count(*) FROM $t")"; done
	sqlite3 "$MAMORI_DB" "SELECT coalesce(sum(updated_at), 0) FROM orgs"
}

# 6,000 organisations with 50 assets each: 300,000 asset rows, several seconds to write.
python3 - "$T/big.yaml" <<'PY'
import sys
with open(sys.argv[1], "w") as out:
    out.write("version: 1\norganisations:\n")
    for i in range(6000):
        a, b = divmod(i, 256)
        out.write(f"  - id: big-{i:05d}\n    name: {{ ja: 事業者{i}, en: Operator {i} }}\n"
                  f"    sector: logistics\n    assets:\n")
        for j in range(50):
            out.write(f"      - hostname: h{j}.big-{i:05d}.test\n")
        out.write(f"    scope:\n      - {{ cidr: 127.{100 + a}.{b}.0/24, authorised_by: 担当者,"
                  f" from: 2026-04-01, until: 2027-03-31 }}\n")
PY

"$M" -q init || bad "init"
"$M" inventory import "$SRC/examples/inventory.yaml" >/dev/null && ok || bad "import examples"
example_orgs=$(sqlite3 "$MAMORI_DB" "SELECT count(*) FROM orgs")
before=$(counts)

"$M" inventory import "$T/big.yaml" >"$T/out" 2>&1 &
pid=$!
# Wait until the import is really writing: its uncommitted pages spill into the WAL.
killed=0
for _ in $(seq 1 3000); do
	size=$(stat -c %s "$MAMORI_DB-wal" 2>/dev/null || echo 0)
	if [ "$size" -gt 4000000 ]; then
		if kill -9 "$pid" 2>/dev/null; then killed=1; fi
		break
	fi
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.02
done
wait "$pid" 2>/dev/null
status=$?
pid=
if [ "$killed" = 1 ] && [ "$status" = 137 ]; then ok; else bad "import was not killed mid-write (killed=$killed status=$status, wal=${size:-0})"; fi
[ -s "$MAMORI_DB-wal" ] && ok || bad "no WAL left behind: the kill did not land mid-transaction"

ic=$(sqlite3 "$MAMORI_DB" "PRAGMA integrity_check")
[ "$ic" = ok ] && ok || bad "integrity_check: $ic"
after=$(counts)
[ "$before" = "$after" ] && ok || bad "store changed by the killed import: before [$before] after [$after]"
"$M" inventory list >/dev/null && ok || bad "store does not open after the kill"
"$M" scope check kanto-rail 127.0.10.3 >/dev/null && ok || bad "scope check after the kill"

"$M" inventory import --json "$T/big.yaml" >"$T/out" && ok || bad "import again"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["orgs_added"]==6000 and d["assets_added"]==300000, d' "$T/out" && ok || bad "second import counts"
[ "$(sqlite3 "$MAMORI_DB" "SELECT count(*) FROM orgs")" = $((example_orgs + 6000)) ] && ok || bad "org count after the second import"
[ "$(sqlite3 "$MAMORI_DB" "PRAGMA integrity_check")" = ok ] && ok || bad "integrity after the second import"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

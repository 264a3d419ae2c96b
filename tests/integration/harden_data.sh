#!/usr/bin/env bash
# harden_data.sh - issue #19 items 1-13 and 22 (data safety, unbounded work, messages): every
# check here failed on main at b2e3027 (the commit before the fixes) and passes after them.
# Each section names its item. Runs against MAMORI (the built binary); root only for the
# disk-full section (a small tmpfs), which otherwise uses `ulimit -f`.
set -u
M=${MAMORI:?MAMORI must name the built binary}
SRC=${MAMORI_SOURCE_DIR:?}
DATA=${MAMORI_DATA_DIR:?}
T=$(mktemp -d /tmp/mamori-harden-XXXXXX)
MNT=""
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	[ -n "$MNT" ] && umount "$MNT" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
. "$SRC/tests/support/check.sh"
export MAMORI_NOW=2026-11-23T03:00:00Z
q() { sqlite3 "$1" "$2"; }
# run NAME: runs the rest, keeps stdout in $T/out, stderr in $T/err, status in $rc
run() { "$@" >"$T/out" 2>"$T/err"; rc=$?; }
SECONDS=0
section() { echo "# [$SECONDS s] $*"; }

INV="$T/inv.yaml"
cat >"$INV" <<'YAML'
version: 1
organisations:
  - id: kanto-rail
    name: { ja: 関東旅客鉄道株式会社, en: Kanto Rail }
    sector: railways
    assets:
      - domain: kanto-rail.test
      - hostname: www.kanto-rail.test
    products:
      - cpe: cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*
        asset: www.kanto-rail.test
    scope:
      - cidr: 127.0.10.0/29
        authorised_by: 情報システム部長
        from: 2026-01-01
        until: 2027-12-31
  - id: chubu-water
    name: { ja: 中部水道, en: Chubu Water }
    sector: water
    assets:
      - domain: chubu-water.test
YAML

# ---------------------------------------------------------------- item 7: foreign / missing store
section "item 7: only init creates or migrates"
DB="$T/s7.db"
run "$M" --db "$DB" inventory list
check "7 missing store refused (exit != 0)" '[ $rc -ne 0 ]'
check "7 missing store not created" '[ ! -e "$DB" ]'
check "7 message says mamori init" 'grep -q "mamori --db $DB init" "$T/err"'
check "7 message in Japanese too" 'grep -q "ストアがありません" "$T/err"'
sqlite3 "$T/customers.db" "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'a');"
sum0=$(md5sum <"$T/customers.db")
for cmd in "inventory list" "feeds status" "findings list" "inventory import $INV"; do
	run "$M" --db "$T/customers.db" $cmd
	check "7 foreign store refused: $cmd" '[ $rc -ne 0 ] && grep -q "not a mamori store" "$T/err"'
done
run "$M" --db "$T/customers.db" init
check "7 init refuses a foreign store" '[ $rc -ne 0 ] && grep -q "not a mamori store" "$T/err"'
check "7 foreign file unchanged (bytes, tables, journal mode)" '[ "$(md5sum <"$T/customers.db")" = "$sum0" ] && [ "$(q "$T/customers.db" "SELECT count(*) FROM sqlite_master")" = 1 ] && [ "$(q "$T/customers.db" "PRAGMA journal_mode")" = delete ]'
printf 'not a database at all, just text\n%.0s' {1..200} >"$T/text.db"
run "$M" --db "$T/text.db" inventory list
check "7 a text file is refused as not SQLite" '[ $rc -ne 0 ] && grep -q "not an SQLite database" "$T/err"'
mkdir "$T/dir.db"
run "$M" --db "$T/dir.db" inventory list
check "7 a directory is refused" '[ $rc -ne 0 ] && grep -q "not a store file" "$T/err"'
run "$M" --db "$DB" init
check "7 init creates" '[ $rc -eq 0 ] && [ -s "$DB" ]'
run "$M" --db "$DB" inventory list
check "7 an initialised store opens" '[ $rc -eq 0 ]'
q "$DB" "INSERT INTO schema_migrations VALUES (9999, 'from_the_future', 0)"
run "$M" --db "$DB" inventory list
check "7 a store with a newer migration is refused" '[ $rc -ne 0 ] && grep -q "migration 9999" "$T/err"'
run "$M" --db "$DB" init
check "7 init refuses a newer store too" '[ $rc -ne 0 ] && grep -q "newer version" "$T/err"'
q "$DB" "DELETE FROM schema_migrations WHERE version = 9999; DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)"
run "$M" --db "$DB" inventory list
check "7 a store lacking migrations asks for init" '[ $rc -ne 0 ] && grep -q "run .mamori --db $DB init. to upgrade" "$T/err"'

# ---------------------------------------------------------------- item 8: quick_check
section "item 8: damaged store"
DB="$T/s8.db"
"$M" --db "$DB" init >/dev/null
"$M" --db "$DB" inventory import "$INV" >/dev/null
"$M" --db "$DB" feeds import "$DATA/kev/known_exploited_vulnerabilities.json" >/dev/null
run "$M" --db "$DB" store check
check "8 store check on a sound store" '[ $rc -eq 0 ] && grep -q "ok" "$T/out"'
sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
# overwrite the middle of three of the kev table's leaf pages (not the file header)
pages=$(q "$DB" "SELECT pageno FROM dbstat WHERE name = 'kev' AND pagetype = 'leaf' LIMIT 3 OFFSET 5")
python3 - "$DB" $pages <<'PY'
import sys
p = sys.argv[1]
with open(p, "r+b") as f:
    for pg in sys.argv[2:]:
        f.seek((int(pg) - 1) * 16384 + 4000); f.write(b"\xff" * 6000)
PY
run "$M" --db "$DB" store check
check "8 store check finds the damage (exit 7)" '[ $rc -eq 7 ] && grep -q "damaged" "$T/err" && grep -q "Recover" "$T/err"'
before=$(md5sum <"$DB")
run "$M" --db "$DB" inventory import "$INV"
check "8 inventory import refuses a damaged store" '[ $rc -eq 7 ] && grep -q "damaged" "$T/err"'
run "$M" --db "$DB" feeds import "$DATA/kev/known_exploited_vulnerabilities.json"
check "8 feeds import refuses a damaged store" '[ $rc -eq 7 ] && grep -q "damaged" "$T/err"'
check "8 nothing written into the damaged store" '[ "$(md5sum <"$DB")" = "$before" ]'
run "$M" --db "$DB" store check --json
check "8 store check --json says ok false" '[ $rc -eq 7 ] && grep -q "\"ok\":[[:space:]]*false" "$T/out"'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# The inventory and scope commands end to end: import the examples, list, show, scope
# check allowed/refused, export -> re-import changes nothing, a malformed file is refused.
set -u
M=${MAMORI:?MAMORI must name the built binary}
SRC=${MAMORI_SOURCE_DIR:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export MAMORI_DB="$T/m.db"
export MAMORI_NOW=2026-11-23T03:00:00Z
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; sed 's/^/  | /' "$T/out" "$T/err" | head -20; }
check() { # check NAME EXPECTED_STATUS CMD...
	local name=$1 want=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	local got=$?
	if [ "$got" = "$want" ]; then ok; else bad "$name: exit $got, want $want"; fi
}
has() { # has NAME FILE TEXT
	if grep -qF -- "$3" "$2"; then ok; else bad "$1: no '$3' in $(basename "$2")"; fi
}

check "init" 0 "$M" init
check "import examples" 0 "$M" inventory import "$SRC/examples/inventory.yaml" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["orgs_added"]>=12 and d["exclusions_added"]==1 and not d["dry_run"], d' "$T/out" && ok || bad "import --json counts"
check "list --json" 0 "$M" inventory list --json
python3 - "$T/out" <<'PY' && ok || bad "list --json content"
import json, sys
d = json.load(open(sys.argv[1]))
ids = {o["slug"]: o for o in d}
assert len(d) >= 12, len(d)
assert ids["kanto-rail"]["sector"] == "railways" and ids["kanto-rail"]["critical"] is True
assert ids["kanto-rail"]["name_ja"] == "関東旅客鉄道株式会社"
sectors = {o["sector"] for o in d if o["sector"]}
assert sectors == {"aviation", "airports", "railways", "water", "logistics", "ports"}, sectors
assert sum(1 for o in d if o["sector"] is None and o["business_type"]) >= 3
PY
check "list --sector" 0 "$M" inventory list --sector water
has "list --sector" "$T/out" "osaka-water"
grep -q kanto-rail "$T/out" && bad "list --sector water shows kanto-rail" || ok
check "show" 0 "$M" inventory show kanto-rail
has "show scope" "$T/out" "127.0.10.0/28"
has "show JST" "$T/out" "2027-03-31 23:59 JST"
check "show --json" 0 "$M" inventory show kanto-rail --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert any(a["value"]=="127.0.10.3" for a in d["assets"]) and d["scope"][0]["cidr"]=="127.0.10.0/28", d' "$T/out" && ok || bad "show --json content"
check "show unknown" 4 "$M" inventory show no-such-org

check "scope allowed" 0 "$M" scope check kanto-rail 127.0.10.3
has "allowed reason" "$T/out" "許可: 127.0.10.0/28"
check "scope outside" 5 "$M" scope check kanto-rail 127.0.10.200
has "outside reason" "$T/out" "not in any authorised range of kanto-rail"
check "scope excluded" 5 "$M" scope check kanto-rail 127.0.99.7
has "excluded reason" "$T/out" "excluded: 127.0.99.0/24"
check "scope not yet valid" 5 "$M" scope check hokkaido-water 127.0.18.1
has "future reason" "$T/out" "not yet valid until 2027-01-01 JST"
check "scope expired (--at)" 5 "$M" scope check chubu-airport 127.0.17.1 --at 2027-02-01
has "expired reason" "$T/out" "authorisation expired on 2026-12-31 JST"
check "scope unknown org" 5 "$M" scope check nobody 127.0.10.3
has "unknown reason" "$T/out" "unknown organisation"
check "scope check --json" 5 "$M" scope check kanto-rail 127.0.10.200 --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["allowed"] is False and d["scope_id"]==0, d' "$T/out" && ok || bad "scope check --json"
check "scope list" 0 "$M" scope list kanto-rail
has "scope list" "$T/out" "有効 valid"
check "exclude add" 0 "$M" scope exclude add 127.0.10.8/29 --reason "保守 / maintenance"
check "excluded now" 5 "$M" scope check kanto-rail 127.0.10.9
check "exclude list" 0 "$M" scope exclude list --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert {x["cidr"] for x in d}=={"127.0.99.0/24","127.0.10.8/29"}, d' "$T/out" && ok || bad "exclude list --json"
check "exclude remove" 0 "$M" scope exclude remove 127.0.10.8/29
check "exclude remove again" 4 "$M" scope exclude remove 127.0.10.8/29
check "allowed again" 0 "$M" scope check kanto-rail 127.0.10.9

# export -> re-import: nothing changes, and a fresh store gets the same export
check "export" 0 "$M" inventory export "$T/export.yaml"
check "re-import export" 0 "$M" inventory import "$T/export.yaml" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); ch=[k for k,v in d.items() if isinstance(v,(int,float)) and not isinstance(v,bool) and v and not k.endswith("unchanged")]; assert not ch and d["orgs_unchanged"]>=12, d' "$T/out" && ok || bad "re-import changed something"
check "init fresh store" 0 "$M" --db "$T/m2.db" init
check "import into fresh store" 0 "$M" --db "$T/m2.db" inventory import "$T/export.yaml"
check "export fresh" 0 "$M" --db "$T/m2.db" inventory export -
cmp -s "$T/out" "$T/export.yaml" && ok || bad "export of the re-imported store differs"

# dry run writes nothing
sed 's/csirt@kanto-rail.test/soc@kanto-rail.test/' "$SRC/examples/inventory.yaml" >"$T/changed.yaml"
check "dry run" 0 "$M" inventory import --dry-run "$T/changed.yaml"
has "dry run says so" "$T/out" "dry run"
check "after dry run" 0 "$M" inventory show kanto-rail
has "dry run wrote nothing" "$T/out" "csirt@kanto-rail.test"
check "real run" 0 "$M" inventory import "$T/changed.yaml"
has "one org updated" "$T/out" "更新 updated 1"

# malformed file: exit 3, FILE:LINE: field: message, store unchanged
printf 'version: 1\norganisations:\n  - id: x-org\n    name: X\n    sector: railways\n    assets:\n      - cidr: 127.0.50.1/24\n' >"$T/bad.yaml"
before=$(sqlite3 "$MAMORI_DB" 'SELECT count(*) FROM orgs; SELECT count(*) FROM assets; SELECT max(updated_at) FROM orgs' 2>/dev/null || echo none)
check "malformed" 3 "$M" inventory import "$T/bad.yaml"
has "malformed message" "$T/err" "$T/bad.yaml:7: cidr: '127.0.50.1/24' is not a valid CIDR prefix"
printf 'version: 1\norganisations:\n  - id: x-org\n    name: X\n    sectr: railways\n' >"$T/typo.yaml"
check "typo key" 3 "$M" inventory import "$T/typo.yaml"
has "typo message" "$T/err" "$T/typo.yaml:5: organisations: unknown key 'sectr'"
after=$(sqlite3 "$MAMORI_DB" 'SELECT count(*) FROM orgs; SELECT count(*) FROM assets; SELECT max(updated_at) FROM orgs' 2>/dev/null || echo none)
[ "$before" = "$after" ] && ok || bad "refused import changed the store ($before / $after)"
printf 'org,kind,value\nkanto-rail,hostname,b.kanto-rail.test\nkanto-rail,hostnam,c.kanto-rail.test\n' >"$T/bad.csv"
check "bad csv" 3 "$M" inventory import "$T/bad.csv"
has "bad csv message" "$T/err" "$T/bad.csv:3: kind:"
check "unknown extension" 2 "$M" inventory import "$SRC/README.md"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

#!/usr/bin/env bash
# The CLI's contract: help for every command, exit codes from the one table, init is idempotent.
set -u
M=${MAMORI:?MAMORI must name the built binary}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export MAMORI_DB="$T/m.db"
pass=0 fail=0
check() { # check NAME EXPECTED_STATUS CMD...
	local name=$1 want=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	local got=$?
	if [ "$got" = "$want" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $name: exit $got, want $want"
		sed 's/^/  | /' "$T/out" "$T/err" | head -20
	fi
}

check "help" 0 "$M" help
grep -q "Commands" "$T/out" || { echo "FAIL: help lists no commands"; fail=$((fail + 1)); }
# Every command in the table answers --help and 'help NAME' with its usage.
for cmd in $("$M" help | awk '/^Commands/{f=1; next} f && /^  [a-z]/{print $1}'); do
	check "$cmd --help" 0 "$M" "$cmd" --help
	grep -q "usage: mamori $cmd\|usage: mamori" "$T/out" || { echo "FAIL: $cmd --help prints no usage"; fail=$((fail + 1)); }
	check "help $cmd" 0 "$M" help "$cmd"
done
check "unknown command" 2 "$M" no-such-command
grep -q "not a mamori command" "$T/err" || { echo "FAIL: unknown command message"; fail=$((fail + 1)); }
check "no command" 2 "$M"
check "bad global option" 2 "$M" --no-such-option help
check "init" 0 "$M" init
check "init again" 0 "$M" init --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["migrations_applied"]==0 and d["schema_version"]>=1, d' "$T/out" \
	&& pass=$((pass + 1)) || { echo "FAIL: init --json"; fail=$((fail + 1)); }
check "unopenable store" 7 "$M" --db /proc/no/such/dir/m.db init
check "postgres unreachable (exit 13 = network)" 13 "$M" --db postgres://127.0.0.1:1/x init
if grep -q "cannot connect to PostgreSQL" "$T/err"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: postgres unreachable: no clear message"; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

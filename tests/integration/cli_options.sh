#!/usr/bin/env bash
# The option tables (src/cli/options.c) through the binary: malformed numbers, values out of
# range, unknown options and missing arguments are usage errors (exit 2) whose message names
# the option; good values still run; the usage text is generated from the same rows.
set -u
M=${MAMORI:?MAMORI must name the built binary}
. "$(dirname "$0")/../support/check.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export MAMORI_DB="$T/m.db"
"$M" init >/dev/null 2>&1 || no "init"

# refused NAME OPTION_NAMED_IN_MESSAGE ARGS...: exit 2, the option named on stderr, and no
# store work done (nothing on stdout).
refused() {
	local name=$1 opt=$2
	shift 2
	"$M" "$@" >"$T/out" 2>"$T/err"
	local rc=$?
	check "$name: exit 2 (got $rc)" "[ $rc -eq 2 ]"
	check "$name: message names $opt" "grep -qF -- '$opt' '$T/err'"
	check "$name: nothing on stdout" "[ ! -s '$T/out' ]"
}

# malformed numbers
refused "feeds import --batch abc" "--batch" feeds import --batch abc
refused "feeds import --batch 12x" "--batch" feeds import --batch 12x
refused "feeds import --batch=" "--batch" feeds import --batch=
refused "feeds sync --timeout 1e3" "--timeout" feeds sync --timeout 1e3 --dest "$T/f"
refused "asm run --rate fast" "--rate" asm run --rate fast
refused "asm run --rate nan" "--rate" asm run --rate nan
refused "scan --rate 10pps" "--rate" scan x --rate 10pps
refused "scan --max-targets 99999999999999999999" "--max-targets" scan x --max-targets 99999999999999999999
refused "serve --threads two" "--threads" serve --threads two
# out of range
refused "feeds import --batch 0" "--batch" feeds import --batch 0
refused "feeds sync --retries 11" "--retries" feeds sync --retries 11 --dest "$T/f"
refused "feeds sync --nvd-year 1999" "--nvd-year" feeds sync --nvd-year 1999 --dest "$T/f"
refused "feeds sync --max-pages 0" "--max-pages" feeds sync --max-pages 0 --dest "$T/f"
refused "asm run --rate 0" "--rate" asm run --rate 0
refused "scan --retries -1" "--retries" scan x --retries -1
refused "scan --timeout 0" "--timeout" scan x --timeout 0
refused "scan list --limit -5" "--limit" scan list --limit -5
refused "serve --threads 65" "--threads" serve --threads 65
refused "serve --body-max 10" "--body-max" serve --body-max 10
# unknown options, missing arguments, flags given a value
refused "feeds import --bogus" "--bogus" feeds import --bogus
refused "feeds status --jsn" "--jsn" feeds status --jsn
refused "scan -z" "-z" scan x -z
refused "serve --no-such" "--no-such" serve --no-such
refused "feeds import --batch (no value)" "--batch" feeds import --batch
refused "feeds import --resume=yes" "--resume" feeds import --resume=yes
refused "scan --re (ambiguous)" "--re" scan x --re 1

# the commands moved to the table in this round (lib2): inventory, user, alert, identify, the
# global options, checklist, jobs
refused "inventory list --sector (no value)" "--sector" inventory list --sector
refused "inventory import --bogus" "--bogus" inventory import --bogus x.yaml
refused "inventory import --dry-run=1" "--dry-run" inventory import --dry-run=1 x.yaml
refused "inventory export --orgg" "--orgg" inventory export --orgg x
refused "user token --days 1x" "--days" user token --days 1x someone
refused "user token --days 0" "--days" user token --days 0 someone
refused "user token --days 3651" "--days" user token --days 3651 someone
refused "user add --role boss" "--role" user add --role boss someone
refused "user add --nope" "--nope" user add --nope someone
refused "user passwd --force" "--force" user passwd --force someone
refused "user revoke TOKEN_ID 1x" "TOKEN_ID" user revoke someone 1x
refused "alert run --attempts many" "--attempts" alert run --attempts many
refused "alert run --timeout 100001" "--timeout" alert run --timeout 100001
refused "alert run --dead-after-hours -1" "--dead-after-hours" alert run --dead-after-hours -1
refused "alert run --smtp-usr" "--smtp-usr" alert run --smtp-usr x
refused "alert retry 0" "bad alert id" alert retry 0
refused "alert failed --jsn" "--jsn" alert failed --jsn
refused "identify --concurrency 4.5" "--concurrency" identify x --concurrency 4.5
refused "identify --timeout 0" "--timeout" identify x --timeout 0
refused "identify --silent-wait 61" "--silent-wait" identify x --silent-wait 61
refused "identify --scan 1x" "--scan" identify x --scan 1x
refused "identify --host noequals" "--host" identify x --host noequals
refused "identify --bogus" "--bogus" identify x --bogus
refused "global --log-level loud" "--log-level" --log-level loud version
refused "global -x" "-x" -x version
refused "global --db (no value)" "--db" --db
refused "global --nosuch" "--nosuch" --nosuch version
refused "checklist score --set 0" "--set" checklist score org --set 0
refused "checklist score --set x1" "--set" checklist score org --set x1
refused "checklist remind --interval-days 3651" "--interval-days" checklist remind --interval-days 3651
refused "checklist remind --interval-days ten" "--interval-days" checklist remind --interval-days ten
refused "checklist answer --csv (not its option)" "--csv" checklist answer --csv org f.yaml
refused "checklist diff SET_A x" "SET_A" checklist diff org x 2
refused "jobs list --limit 100001" "--limit" jobs list --limit 100001
refused "jobs prune --older-than 1.5" "--older-than" jobs prune --older-than 1.5
refused "jobs run --max-runtime 0" "--max-runtime" jobs run --max-runtime 0
refused "store check --full" "--full" store check --full
refused "store check extra" "extra" store check extra
# the messages are Japanese first, then English
"$M" user token --days 0 someone 2>"$T/err"
check "Japanese first: 範囲外 before 'out of range'" "grep -q '範囲外.* / option .--days.: 0 is out of range' '$T/err'"
"$M" -qv --db "$T/m.db" jobs list --json >"$T/out" 2>&1
check "global short flags grouped (-qv) still run the command" "[ \$? -eq 0 ] && grep -q '^\[' '$T/out'"
"$M" --help >"$T/out" 2>&1
check "global --help: generated from the table" "grep -q -- '-q, --quiet' '$T/out' && grep -q -- '--log-level L' '$T/out'"

# the message is the table's: option, value, range
"$M" feeds import --batch 0 2>"$T/err"
check "range named in the message" "grep -q '1-1000000' '$T/err'"

# good values still parse (the command then runs: an empty feeds folder, a routes list)
mkdir -p "$T/empty"
"$M" feeds import --batch 10 --from "$T/empty" --json >"$T/out" 2>"$T/err"
check "feeds import --batch 10 --from EMPTY runs (exit 0)" "[ $? -eq 0 ]"
check "its JSON reports ok" "grep -q '\"ok\"' '$T/out'"
"$M" serve --list-routes --threads 4 >"$T/out" 2>&1
check "serve --list-routes --threads 4 (exit 0)" "[ $? -eq 0 ] && grep -q '^GET /login' '$T/out'"
"$M" scan list --limit=3 --json >"$T/out" 2>&1
check "scan list --limit=3 --json (exit 0, JSON)" "[ $? -eq 0 ] && grep -q '^\[' '$T/out'"
"$M" feeds status --js >"$T/out" 2>&1
check "a unique prefix is accepted (--js)" "[ $? -eq 0 ]"

# the usage text is generated from the rows
"$M" feeds --help >"$T/out" 2>&1
check "feeds --help: generated synopsis" "grep -q '^usage: mamori feeds import \[--from DIR\] \[--resume\] \[--batch N\]' '$T/out'"
check "feeds --help: option lines with the range" "grep -q -- '--batch N .*\[1-1000000\]' '$T/out'"
"$M" serve --help >"$T/out" 2>&1
check "serve --help: every row listed" "grep -q -- '--scan-max-runtime S' '$T/out' && grep -q -- '--dashboard-cache S' '$T/out'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

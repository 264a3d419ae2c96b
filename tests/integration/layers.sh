#!/usr/bin/env bash
# layers.sh - .ci/check-layers on this checkout: no SQL in a string literal under src/web or
# src/cli, no PRAGMA outside src/store. Then the checker itself, on a copy with one SQL literal
# planted in a front end and one PRAGMA planted in a module: both must be named, while a SQL
# word in a comment or in lower-case help text is not.
set -uo pipefail

SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/../support/check.sh"

check "this checkout holds to the layers" "'$SRC/.ci/check-layers' '$SRC' >'$T/out' 2>&1"
cat "$T/out"
check "the checker read the front ends' literals" "grep -qE 'src/web and src/cli: [0-9]+ files, [1-9][0-9]* string literals, no SQL' '$T/out'"

mkdir -p "$T/tree"
cp -r "$SRC/src" "$SRC/.ci" "$T/tree/"
cat >>"$T/tree/src/cli/cmd_services.c" <<'C'
/* a comment may say SELECT slug FROM orgs WHERE x = ? */
static const char planted_help[] = "update the list, then select one";
static const char *const planted_methods[] = {"DELETE", "UPDATE"}; /* HTTP, not SQL */
static const char planted_sql[] = "SELECT slug FROM orgs WHERE sector = ?";
C
cat >>"$T/tree/src/identify/read.c" <<'C'
static const char planted_pragma[] = "pragma cache_size = 1";
C
check "a planted SQL literal and PRAGMA fail the check" "! '$T/tree/.ci/check-layers' '$T/tree' >'$T/bad' 2>&1"
cat "$T/bad"
check "the SQL literal is named with its file" "grep -q 'src/cli/cmd_services.c: SQL in a front end: \"SELECT slug FROM orgs' '$T/bad'"
check "the PRAGMA is named with its file" "grep -q 'src/identify/read.c: PRAGMA outside src/store' '$T/bad'"
check "comments, help text and HTTP methods are not SQL" "! grep -qE 'comment may say|update the list|\"DELETE\"' '$T/bad'"
check "exactly the two planted files" "[ \$(grep -c ': SQL in a front end: \\|: PRAGMA outside' '$T/bad') -eq 2 ]"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

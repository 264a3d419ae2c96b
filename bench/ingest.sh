#!/usr/bin/env bash
# ingest.sh - NVD ingest benchmark: `mamori feeds import` of nvdcve-2016.json.gz and of a x20
# copy built from its records (~600 MB uncompressed), against `zcat FILE > /dev/null` on the
# same file in the same run; wall time and peak RSS (/usr/bin/time -v). Results go to stdout
# as a Markdown table (docs/PERFORMANCE.md holds the numbers).
#
# usage: bench/ingest.sh [--smoke] [--copies N]
#   MAMORI           binary (default build/release/mamori)
#   MAMORI_DATA_DIR  shared data (default ../shared/data)
#   --smoke          x1 only, and fail when the import is wrong or RSS >= 64 MB (CTest, label bench)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
M=${MAMORI:-$HERE/../build/release/mamori}
DATA=${MAMORI_DATA_DIR:-$HERE/../../shared/data}
SRC=$DATA/nvd/nvdcve-2016.json.gz
COPIES=20
SMOKE=0
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) SMOKE=1 ;;
	--copies) COPIES=$2; shift ;;
	*) echo "usage: $0 [--smoke] [--copies N]" >&2; exit 2 ;;
	esac
	shift
done
[ -x /usr/bin/time ] || { echo "install the 'time' package" >&2; exit 2; }
T=$(mktemp -d /tmp/mamori-bench-XXXXXX)
trap 'rm -rf "$T"' EXIT

files=("$SRC")
if [ "$SMOKE" -eq 0 ]; then
	python3 "$HERE/make_nvd_multi.py" "$SRC" "$T/nvd-x$COPIES.json.gz" "$COPIES" >&2
	files+=("$T/nvd-x$COPIES.json.gz")
fi

# wall seconds and max RSS (KB) of a command, from GNU time
measure() {
	/usr/bin/time -v "$@" >/dev/null 2>"$T/time.txt" || { cat "$T/time.txt" >&2; return 1; }
	local wall rss cpu
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$T/time.txt")
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$T/time.txt")
	cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$T/time.txt")
	python3 -c "import sys; p=sys.argv[1].split(':'); s=float(p[-1])+60*float(p[-2])+(3600*float(p[-3]) if len(p)>2 else 0); print('%.2f %s %s' % (s, sys.argv[2], sys.argv[3]))" "$wall" "$rss" "$cpu"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "| file | records | zcat wall s | import wall s | wall ratio | zcat CPU s | import CPU s | CPU ratio | import peak RSS MB | zcat peak RSS MB |"
echo "|---|---|---|---|---|---|---|---|---|---|"
status=0
for f in "${files[@]}"; do
	rm -f "$T/b.db"*
	read -r zs zrss zcpu < <(measure sh -c "zcat '$f' > /dev/null")
	"$M" --db "$T/b.db" init >/dev/null
	read -r is irss icpu < <(measure "$M" -q --db "$T/b.db" feeds import "$f")
	n=$(sqlite3 "$T/b.db" 'SELECT COUNT(*) FROM cves')
	ratio=$(python3 -c "print('%.2f' % ($is / max($zs, 0.01)))")
	cratio=$(python3 -c "print('%.2f' % ($icpu / max($zcpu, 0.01)))")
	echo "| $(basename "$f") ($(du -h "$f" | cut -f1), db $(du -h "$T/b.db" | cut -f1)) | $n | $zs | $is | $ratio | $zcpu | $icpu | $cratio | $((irss / 1024)) | $((zrss / 1024)) |"
	if [ "$SMOKE" -eq 1 ]; then
		[ "$n" -eq 6517 ] || { echo "expected 6517 CVEs, got $n" >&2; status=1; }
		[ "$irss" -lt 65536 ] || { echo "peak RSS $irss KB >= 64 MB" >&2; status=1; }
	fi
done
exit $status

#!/usr/bin/env python3
"""make_nvd_multi.py - builds a large NVD API 2.0 file for ingest benchmarks and tests.

Usage: make_nvd_multi.py SRC.json.gz DST.json.gz COPIES

Writes the records of SRC COPIES times into one gzip'd API 2.0 response. Copy k (from 0)
keeps the real record but rewrites its CVE id to CVE-YYYY-<k*10^7 + n>, so every id is
distinct and still matches ^CVE-[0-9]{4}-[0-9]{4,}$. Copy 0 is the original.
"""
import gzip
import json
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    src, dst, copies = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with gzip.open(src, "rb") as f:
        doc = json.load(f)
    vulns = doc["vulnerabilities"]
    total = len(vulns) * copies
    head = {k: v for k, v in doc.items() if k != "vulnerabilities"}
    head["resultsPerPage"] = head["totalResults"] = total
    with gzip.open(dst, "wb", compresslevel=6) as out:
        out.write(json.dumps(head, separators=(",", ":"))[:-1].encode())
        out.write(b',"vulnerabilities":[')
        first = True
        for k in range(copies):
            for v in vulns:
                cve = v["cve"]
                orig = cve["id"]
                year, num = orig[4:8], int(orig[9:])
                cve["id"] = "CVE-%s-%04d" % (year, k * 10_000_000 + num)
                if not first:
                    out.write(b",")
                out.write(json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode())
                first = False
                cve["id"] = orig
        out.write(b"]}")
    print("%s: %d records (%d x %d)" % (dst, total, len(vulns), copies))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""stix_spans.py - the exact bytes of each object of a STIX bundle / TAXII envelope, found
with Python's own JSON decoder (independent of mamori's scanner). Used by share_cli.sh.

  stix_spans.py same ORIGINAL EXPORTED   exit 0 when every object of ORIGINAL appears in
                                          EXPORTED byte for byte (and the counts match)
"""
import json
import sys

DEC = json.JSONDecoder()


def spans(text):
    """Raw text of each element of the top-level "objects" array (or the object itself)."""
    i = text.index("{") + 1
    out = []
    top = json.loads(text)
    if "objects" not in top:
        return [text.strip()]
    while True:
        while text[i] in " \t\r\n,":
            i += 1
        if text[i] == "}":
            break
        key, i = DEC.raw_decode(text, i)
        while text[i] in " \t\r\n:":
            i += 1
        if key == "objects":
            i += 1  # '['
            while True:
                while text[i] in " \t\r\n,":
                    i += 1
                if text[i] == "]":
                    i += 1
                    break
                _, end = DEC.raw_decode(text, i)
                out.append(text[i:end])
                i = end
        else:
            _, i = DEC.raw_decode(text, i)
    return out


def main():
    if sys.argv[1] == "same":
        a = spans(open(sys.argv[2], encoding="utf-8").read())
        b = spans(open(sys.argv[3], encoding="utf-8").read())
        missing = [s[:80] for s in a if s not in b]
        if missing or len(a) != len(b):
            print(f"{len(a)} objects vs {len(b)}; not byte-identical: {missing[:3]}")
            return 1
        print(f"{len(a)} objects byte-identical")
        return 0
    if sys.argv[1] == "count":
        print(len(spans(open(sys.argv[2], encoding="utf-8").read())))
        return 0
    return 2


sys.exit(main())

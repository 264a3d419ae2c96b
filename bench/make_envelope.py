#!/usr/bin/env python3
"""make_envelope.py N OUT [--small] - a TAXII 2.1 envelope of N STIX indicators (about 720
bytes each, so 100,000 make about 72 MB), for the POST / import benchmark (bench/taxii_post.sh).
--small: about 340 bytes each (no description padding): many objects for little input, to show
that an import's memory stays flat in the object count."""
import sys

n, out = int(sys.argv[1]), sys.argv[2]
pad = "" if "--small" in sys.argv[3:] else "x" * 380
with open(out, "w") as f:
    f.write('{"more": false, "objects": [\n')
    for i in range(n):
        if i:
            f.write(",\n")
        f.write(
            '{"type": "indicator", "spec_version": "2.1", '
            '"id": "indicator--%08x-1111-4222-8333-%012x", '
            '"created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", '
            '"name": "bench %d", "description": "%s", '
            '"pattern": "[ipv4-addr:value = \'10.%d.%d.%d\']", "pattern_type": "stix", '
            '"valid_from": "2026-01-01T00:00:00Z", '
            '"object_marking_refs": ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]}'
            % (i, i, i, pad, (i >> 16) & 255, (i >> 8) & 255, i & 255))
    f.write("\n]}\n")

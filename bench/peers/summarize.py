#!/usr/bin/env python3
"""Median per server of the JSON lines compare.sh prints ("<server> {json}"), one row a server.

usage: summarize.py FILE [field ...]   (default fields: the ones docs/benchmarks.md quotes)
"""
import json
import statistics
import sys

DEFAULT_FIELDS = ["deliveriesPerSecond", "publishesPerSecond", "p50Ms", "p90Ms", "p99Ms", "maxMs",
                  "lost", "duplicated", "serverCpuPercent", "serverRssMiB", "generatorCpuPercent",
                  "serverBytesPerConnection", "open"]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    runs = {}
    for line in open(sys.argv[1]):
        server, _, payload = line.strip().partition(" ")
        if payload.startswith("{"):
            runs.setdefault(server, []).append(json.loads(payload))
    fields = sys.argv[2:] or [f for f in DEFAULT_FIELDS if any(f in r for rs in runs.values() for r in rs)]
    print("| server | runs | " + " | ".join(fields) + " |")
    print("|---|---:|" + "---:|" * len(fields))
    for server, results in runs.items():
        cells = []
        for field in fields:
            values = [r[field] for r in results if isinstance(r.get(field), (int, float))]
            cells.append(f"{statistics.median(values):,.1f}" if values else "-")
        print(f"| {server} | {len(results)} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

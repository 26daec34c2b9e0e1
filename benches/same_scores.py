#!/usr/bin/env python3
"""Whether two or more score files agree on every unit's total and section scores.

    python3 benches/same_scores.py A.csv B.csv ...

Each file is kaohe's CSV output or a peer's (unit, total and a column per section, in
any order); numbers compare by value. Exit 1 naming the first difference.
"""
import csv
import sys
from decimal import Decimal

COLUMNS = ["total", "Attendance", "Conduct", "Service"]


def read(path):
    with open(path, encoding="utf-8-sig") as f:
        return {r["unit"]: tuple(Decimal(r[c]) for c in COLUMNS) for r in csv.DictReader(f)}


first, *rest = sys.argv[1:]
want = read(first)
for path in rest:
    got = read(path)
    if set(got) != set(want):
        sys.exit(f"{path}: {len(got)} units, {first}: {len(want)}")
    for unit, scores in want.items():
        if got[unit] != scores:
            sys.exit(f"{unit}: {first} {scores}, {path} {got[unit]}")
print(f"identical scores for {len(want)} units in {len(sys.argv) - 1} files")

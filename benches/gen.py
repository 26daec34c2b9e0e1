#!/usr/bin/env python3
"""A deterministic year of facts for benches/policy/bench.policy.

    python3 benches/gen.py --rows 2000000 --units 500 --out /tmp/year

writes OUT/facts.csv and OUT/units.csv. The same arguments give the same bytes.
Rows are mostly late arrivals, absences and meetings, some complaints (keyed by
case, several rows a case) and a satisfaction survey re-reported each quarter
(the latest report is in force). Seven in ten units are busy and get nine rows
in ten; the rest are a quiet tail with few rows, so that not every score is
at its cap.
"""
import argparse
import os
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--units", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    units = [f"U{i:07d}" for i in range(a.units)]
    busy = max(1, a.units * 7 // 10)
    with open(os.path.join(a.out, "units.csv"), "w", encoding="utf-8") as f:
        f.write("unit\n")
        for u in units:
            f.write(u + "\n")
    days_in = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    # The survey: one value per unit and quarter, so re-reports on one date agree.
    quarters = ["2021-03-31", "2021-06-30", "2021-09-30", "2021-12-20"]
    kinds = ["plenary", "training", "study"]
    out = []
    with open(os.path.join(a.out, "facts.csv"), "w", encoding="utf-8") as f:
        f.write("unit,fact,date,persons,days,kind,case,value\n")
        for i in range(a.rows):
            if rng.random() < 0.9:
                u = rng.randrange(busy)
            else:
                u = rng.randrange(a.units)
            unit = units[u]
            m = rng.randrange(12)
            date = f"2021-{m + 1:02d}-{rng.randrange(days_in[m]) + 1:02d}"
            r = rng.random()
            if r < 0.42:
                row = f"{unit},late,{date},{rng.randrange(1, 4)},,,,"
            elif r < 0.64:
                row = f"{unit},absence,{date},{rng.randrange(1, 3)},{rng.randrange(1, 4)},,,"
            elif r < 0.90:
                row = f"{unit},meeting,{date},,,{kinds[rng.randrange(3)]},,"
            elif r < 0.97:
                kind = "serious" if rng.random() < 0.2 else "minor"
                case = f"C{u}-{rng.randrange(6)}"
                row = f"{unit},complaint,{date},,,{kind},{case},"
            else:
                q = rng.randrange(4)
                value = 60 + (u * 7919 + q * 104729) % 41
                row = f"{unit},satisfaction,{quarters[q]},,,,,{value}%"
            out.append(row)
            if len(out) >= 65536:
                f.write("\n".join(out) + "\n")
                out.clear()
        if out:
            f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()

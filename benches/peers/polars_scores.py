#!/usr/bin/env python3
"""benches/policy/bench.policy computed with Polars over the same CSV files.

    python3 benches/peers/polars_scores.py FACTS.csv UNITS.csv OUT.csv

writes unit,total,Attendance,Conduct,Service for every unit, sorted by unit.
"""
import sys

import polars as pl

facts, units, out = sys.argv[1:4]
D = pl.Decimal(18, 4)
f = pl.scan_csv(facts, schema={
    "unit": pl.Utf8, "fact": pl.Utf8, "date": pl.Date, "persons": D, "days": D,
    "kind": pl.Utf8, "case": pl.Utf8, "value": pl.Utf8})
u = pl.scan_csv(units, schema={"unit": pl.Utf8})


def lit(x):
    return pl.lit(x).cast(D)


events = f.group_by("unit").agg(
    (pl.col("persons").filter(pl.col("fact") == "late").sum() * lit("0.1")).alias("late"),
    (pl.col("persons").filter(pl.col("fact") == "absence")
     * pl.col("days").filter(pl.col("fact") == "absence")).sum().alias("absence_pd"),
    ((pl.col("fact") == "meeting") & (pl.col("kind") == "training")).sum().alias("training_n"),
    pl.col("kind").filter(pl.col("fact") == "meeting").n_unique().alias("kinds"),
)
cases = (f.filter(pl.col("fact") == "complaint")
         .group_by("unit", "case")
         .agg(pl.when((pl.col("kind") == "serious").any()).then(3).otherwise(1).alias("worst"))
         .group_by("unit").agg(pl.col("worst").sum().alias("complaints")))
survey = (f.filter(pl.col("fact") == "satisfaction")
          .group_by("unit")
          .agg(pl.col("value").sort_by("date").last().str.strip_chars_end("%").cast(D).alias("v")))
s = (u.join(events, on="unit", how="left").join(cases, on="unit", how="left")
     .join(survey, on="unit", how="left"))
zero = lit("0")
deduct = (pl.min_horizontal(pl.col("late").fill_null(zero), lit("10"))
          + pl.min_horizontal((pl.col("absence_pd").fill_null(zero) * lit("0.5")), lit("20"))
          + pl.min_horizontal(pl.col("training_n").fill_null(0).cast(D) * lit("0.2"), lit("5")))
conduct = (pl.min_horizontal(pl.col("complaints").fill_null(0).cast(D), lit("20"))
           + (lit("3") - pl.col("kinds").fill_null(0).cast(D)) * lit("2"))
service = (pl.when(pl.col("v").is_null()).then(0).when(pl.col("v") >= 95).then(30)
           .when(pl.col("v") >= 85).then(25).when(pl.col("v") >= 70).then(15).otherwise(5)).cast(D)
s = s.select(
    "unit",
    pl.max_horizontal(pl.min_horizontal(lit("40") - deduct, lit("40")), zero).alias("Attendance"),
    pl.max_horizontal(pl.min_horizontal(lit("30") - conduct, lit("30")), zero).alias("Conduct"),
    service.alias("Service"),
).with_columns(
    pl.max_horizontal(pl.col("Attendance") + pl.col("Conduct") + pl.col("Service"), zero).alias("total")
).select("unit", "total", "Attendance", "Conduct", "Service").sort("unit")
s.collect().write_csv(out)

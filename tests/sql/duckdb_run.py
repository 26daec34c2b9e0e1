"""Runs kaohe's SQL in DuckDB (the Python package), for tests/sql.rs and by hand.

    python3 duckdb_run.py CASES_DIR

Each folder of CASES_DIR holds `schema.sql` (`kaohe sql --schema`), `rows.csv` (`kaohe sql
--rows`), `query.sql` (`kaohe sql`) and, if the query reads a units table, `units.csv`
(loaded as `units_table`, every column text) and, for prizes by improvement, `previous.csv`
(last year's scores, loaded as `previous_table`). Each case runs in a database of its own; its
result is written to `out.csv` in its folder (numbers as DuckDB writes them), or the error
to `error.txt`.
"""
import csv
import os
import sys

import duckdb


def run(case):
    con = duckdb.connect()
    con.execute(open(os.path.join(case, "schema.sql"), encoding="utf-8").read())
    con.execute("COPY facts FROM ? (HEADER, NULLSTR '')", [os.path.join(case, "rows.csv")])
    units = os.path.join(case, "units.csv")
    if os.path.exists(units):
        con.execute(
            "CREATE TABLE units_table AS SELECT * FROM read_csv(?, header = true, all_varchar = true)",
            [units],
        )
    previous = os.path.join(case, "previous.csv")
    if os.path.exists(previous):
        con.execute(
            "CREATE TABLE previous_table AS SELECT * FROM read_csv(?, header = true, all_varchar = true)",
            [previous],
        )
    result = con.execute(open(os.path.join(case, "query.sql"), encoding="utf-8").read())
    with open(os.path.join(case, "out.csv"), "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow([d[0] for d in result.description])
        for row in result.fetchall():
            out.writerow(["" if v is None else v for v in row])


def main():
    root = sys.argv[1]
    for name in sorted(os.listdir(root)):
        case = os.path.join(root, name)
        try:
            run(case)
        except duckdb.Error as e:
            with open(os.path.join(case, "error.txt"), "w", encoding="utf-8") as f:
                f.write(str(e))


main()

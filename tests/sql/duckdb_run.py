"""Runs kaohe's SQL in DuckDB (the Python package): the facts table from `kaohe sql
--schema`, its rows from `kaohe sql --rows`, an optional units table, then the query.

    python3 duckdb_run.py SCHEMA.sql ROWS.csv QUERY.sql [UNITS.csv]

Prints the result as CSV on standard output, numbers as DuckDB writes them; an error of
the query (E048 among them) goes to standard error with exit status 1.
"""
import csv
import sys

import duckdb


def main():
    schema, rows, query = sys.argv[1:4]
    units = sys.argv[4] if len(sys.argv) > 4 else None
    con = duckdb.connect()
    con.execute(open(schema, encoding="utf-8").read())
    con.execute("COPY facts FROM ? (HEADER, DELIMITER ',', QUOTE '\"', NULLSTR '')", [rows])
    if units:
        con.execute("CREATE TABLE units_table AS SELECT * FROM read_csv(?, header = true, all_varchar = true)", [units])
    try:
        result = con.execute(open(query, encoding="utf-8").read())
    except duckdb.Error as e:
        print(e, file=sys.stderr)
        sys.exit(1)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow([d[0] for d in result.description])
    for row in result.fetchall():
        out.writerow(["" if v is None else v for v in row])


main()

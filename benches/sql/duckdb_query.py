#!/usr/bin/env python3
"""The query of `kaohe sql` in DuckDB (Python package `duckdb`), for benches/sql.sh.

    python3 benches/sql/duckdb_query.py load DB SCHEMA.sql ROWS.csv UNITS.csv
    python3 benches/sql/duckdb_query.py query DB QUERY.sql OUT.csv

`load` makes a fresh database file holding the facts table (`kaohe sql --schema`, rows from
`kaohe sql --rows`) and a `units` table; `query` runs the query over it and writes its
result as CSV.
"""
import os
import sys

import duckdb

what, db = sys.argv[1:3]
if what == "load":
    schema, rows, units = sys.argv[3:6]
    if os.path.exists(db):
        os.remove(db)
    con = duckdb.connect(db)
    con.execute(open(schema, encoding="utf-8").read())
    con.execute(f"COPY facts FROM '{rows}' (HEADER)")
    con.execute(
        f"CREATE TABLE units AS SELECT * FROM read_csv('{units}', header = true, "
        "columns = {'unit': 'VARCHAR'})"
    )
    con.close()
elif what == "query":
    query, out = sys.argv[3:5]
    con = duckdb.connect(db, read_only=True)
    text = open(query, encoding="utf-8").read().rstrip().rstrip(";")
    con.execute(f"COPY ({text}) TO '{out}' (HEADER)")
else:
    sys.exit(f"unknown command {what}")

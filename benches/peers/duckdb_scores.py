#!/usr/bin/env python3
"""benches/policy/bench.policy computed with DuckDB: SQL over the same CSV files.

    python3 benches/peers/duckdb_scores.py FACTS.csv UNITS.csv OUT.csv

writes unit,total,Attendance,Conduct,Service for every unit, sorted by unit.
"""
import sys

import duckdb

facts, units, out = sys.argv[1:4]
con = duckdb.connect()
con.execute(f"""
COPY (
WITH f AS (
  SELECT * FROM read_csv('{facts}', header = true, columns = {{
    'unit': 'VARCHAR', 'fact': 'VARCHAR', 'date': 'DATE', 'persons': 'DECIMAL(18,4)',
    'days': 'DECIMAL(18,4)', 'kind': 'VARCHAR', 'case': 'VARCHAR', 'value': 'VARCHAR'}})
),
u AS (SELECT unit FROM read_csv('{units}', header = true, columns = {{'unit': 'VARCHAR'}})),
events AS (
  SELECT unit,
    -- least() skips NULLs in DuckDB: a unit without rows of a fact must sum to 0, not NULL.
    least(coalesce(sum(CASE WHEN fact = 'late' THEN 0.1 * persons END), 0), 10) AS late,
    least(coalesce(sum(CASE WHEN fact = 'absence' THEN 0.5 * persons * days END), 0), 20) AS absence,
    least(0.2 * count(CASE WHEN fact = 'meeting' AND kind = 'training' THEN 1 END), 5) AS training,
    2 * (3 - count(DISTINCT CASE WHEN fact = 'meeting' THEN kind END)) AS missing
  FROM f GROUP BY unit
),
cases AS (
  SELECT unit, least(sum(worst), 20) AS complaints FROM (
    SELECT unit, "case", max(CASE kind WHEN 'serious' THEN 3 ELSE 1 END) AS worst
    FROM f WHERE fact = 'complaint' GROUP BY unit, "case") GROUP BY unit
),
survey AS (
  SELECT unit, arg_max(CAST(rtrim(value, '%') AS DECIMAL(18,4)), date) AS v
  FROM f WHERE fact = 'satisfaction' GROUP BY unit
),
scores AS (
  SELECT u.unit,
    greatest(least(40 - coalesce(late, 0) - coalesce(absence, 0) - coalesce(training, 0), 40), 0) AS attendance,
    greatest(least(30 - coalesce(complaints, 0) - coalesce(missing, 6), 30), 0) AS conduct,
    CASE WHEN v IS NULL THEN 0 WHEN v >= 95 THEN 30 WHEN v >= 85 THEN 25 WHEN v >= 70 THEN 15 ELSE 5 END AS service
  FROM u LEFT JOIN events USING (unit) LEFT JOIN cases USING (unit) LEFT JOIN survey USING (unit)
)
SELECT unit, greatest(attendance + conduct + service, 0) AS total,
  attendance AS "Attendance", conduct AS "Conduct", service AS "Service"
FROM scores ORDER BY unit
) TO '{out}' (HEADER, DELIMITER ',')
""")

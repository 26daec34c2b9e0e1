#!/usr/bin/env bash
# kaohe run against the query `kaohe sql` writes, run in DuckDB and in PostgreSQL, on
# generated years of facts (benches/README.md, "The query in a database").
#
#   benches/sql.sh                      # 10M rows: 500 and 200,000 units
#   RUNS=3 benches/sql.sh 2000000x500   # one shape: ROWSxUNITS
#
# Builds kaohe in release and generates each year once (in $BENCH_DATA, /tmp/kaohe-bench by
# default). Loads the year once into a DuckDB file and into a throwaway PostgreSQL server
# (tests/sql/postgres.sh, on a socket) through `kaohe sql --rows`, timing the load; then
# runs `kaohe run` over the CSV file and the query in each database in turn RUNS times
# (3 by default), checks that all three give identical scores for every unit, and prints
# the median wall time of each with the ratio to kaohe's. Peak memory is that of the
# process timed: kaohe's, the DuckDB Python process's; PostgreSQL's server is not counted.
# Needs python3 with `duckdb`, and PostgreSQL's server and psql.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-3}"
data="${BENCH_DATA:-/tmp/kaohe-bench}"
shapes=("$@")
if [ ${#shapes[@]} -eq 0 ]; then
  shapes=(10000000x500 10000000x200000)
fi
python3 -c 'import duckdb' 2>/dev/null || { echo "needs: pip install duckdb" >&2; exit 2; }
command -v psql >/dev/null || { echo "needs: PostgreSQL (apt-get install postgresql)" >&2; exit 2; }
cargo build --release --locked --quiet
kaohe="$PWD/target/release/kaohe"
policy="$PWD/benches/policy/bench.policy"
duck="python3 $PWD/benches/sql/duckdb_query.py"
pgdir="$(mktemp -d)"
chmod 755 "$pgdir" # the server runs as another user when this is root
trap 'tests/sql/postgres.sh stop "$pgdir/pg"' EXIT
read -r -a pg <<<"$(tests/sql/postgres.sh start "$pgdir/pg")"
psql=(psql "${pg[@]}" -v ON_ERROR_STOP=1 -q -X)

# shellcheck source=benches/lib.sh
. benches/lib.sh

machine
echo "kaohe $(git rev-parse --short HEAD 2>/dev/null || echo '?'), duckdb $(python3 -c 'import duckdb; print(duckdb.__version__)'), $("${psql[@]}" -At -c 'SHOW server_version'), $runs runs each"
for shape in "${shapes[@]}"; do
  dir=$(year "$shape")
  work="$dir/sql"
  mkdir -p "$work"
  "$kaohe" sql "$policy" --schema >"$work/duckdb_schema.sql"
  "$kaohe" sql "$policy" --units-table units -o "$work/duckdb.sql"
  "$kaohe" sql "$policy" --dialect postgres --schema >"$work/postgres_schema.sql"
  "$kaohe" sql "$policy" --dialect postgres --units-table units -o "$work/postgres.sql"
  { echo 'COPY ('; sed '$s/;$//' "$work/postgres.sql"; echo ') TO STDOUT WITH (FORMAT csv, HEADER);'; } >"$work/postgres_copy.sql"

  # The load, once: kaohe checks the rows, each database copies them in.
  read -r s_rows _ < <(timed "$kaohe" sql "$policy" --rows "$dir/facts.csv" --units "$dir/units.csv" -o "$work/rows.csv")
  read -r s_duck _ < <(timed $duck load "$work/year.duckdb" "$work/duckdb_schema.sql" "$work/rows.csv" "$dir/units.csv")
  start=$(date +%s.%N)
  "${psql[@]}" -c 'DROP TABLE IF EXISTS facts, units' 2>/dev/null
  "${psql[@]}" -f "$work/postgres_schema.sql"
  "${psql[@]}" -c "\\copy facts FROM '$work/rows.csv' WITH (FORMAT csv, HEADER)"
  "${psql[@]}" -c 'CREATE TABLE units (unit TEXT)'
  "${psql[@]}" -c "\\copy units FROM '$dir/units.csv' WITH (FORMAT csv, HEADER)"
  "${psql[@]}" -c 'VACUUM ANALYZE facts' -c 'VACUUM ANALYZE units'
  s_pg=$(awk "BEGIN {printf \"%.2f\", $(date +%s.%N) - $start}")
  echo "$shape load: kaohe sql --rows ${s_rows} s; into DuckDB ${s_duck} s; into PostgreSQL ${s_pg} s (COPY and ANALYZE)"

  declare -A cmd=(
    [kaohe]="$kaohe run $policy --facts $dir/facts.csv --units $dir/units.csv -o $work/kaohe.csv"
    [duckdb]="$duck query $work/year.duckdb $work/duckdb.sql $work/duckdb_out.csv"
    [postgres]="sh -c '${psql[*]} -f $work/postgres_copy.sql >$work/postgres_out.csv'"
  )
  tools=(kaohe duckdb postgres)
  declare -A times=() mems=()
  for tool in "${tools[@]}"; do times[$tool]=""; mems[$tool]=""; done
  for _ in $(seq "$runs"); do
    for tool in "${tools[@]}"; do
      read -r s kb < <(eval timed "${cmd[$tool]}")
      times[$tool]+="$s"$'\n'
      mems[$tool]+="$kb"$'\n'
    done
  done
  python3 benches/same_scores.py "$work/kaohe.csv" "$work/duckdb_out.csv" "$work/postgres_out.csv" >/dev/null
  kt=$(printf '%s' "${times[kaohe]}" | median)
  printf '%-18s %-9s %10s %10s %12s\n' shape tool "median s" "peak MB" "time ×kaohe"
  for tool in "${tools[@]}"; do
    t=$(printf '%s' "${times[$tool]}" | median)
    m=$(printf '%s' "${mems[$tool]}" | median)
    [ "$tool" = postgres ] && mb="server" || mb=$(awk "BEGIN {printf \"%.0f\", $m / 1024}")
    printf '%-18s %-9s %10s %10s %12.2f\n' "$shape" "$tool" "$t" "$mb" "$(awk "BEGIN {print $t / $kt}")"
  done
  echo "$shape: identical scores for every unit (kaohe run, the query in DuckDB, in PostgreSQL)"
  unset cmd times mems
done

#!/usr/bin/env bash
# kaohe against DuckDB, Polars and a bare scan, on generated years of facts (benches/README.md).
#
#   benches/compare.sh                      # the four shapes of the README
#   RUNS=3 benches/compare.sh 2000000x500   # one shape: ROWSxUNITS
#
# Builds kaohe in release, generates each year once (in $BENCH_DATA, /tmp/kaohe-bench by
# default), runs kaohe and each peer in turn RUNS times (5 by default) on the same files,
# checks that every tool gives identical scores for every unit, and prints the median wall
# time and peak memory (/usr/bin/time) of each, with the ratio peer/kaohe. Needs python3 with
# the `duckdb` and `polars` packages (pip install duckdb polars).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-5}"
data="${BENCH_DATA:-/tmp/kaohe-bench}"
shapes=("$@")
if [ ${#shapes[@]} -eq 0 ]; then
  shapes=(2000000x500 2000000x200000 10000000x500 10000000x200000)
fi
python3 -c 'import duckdb, polars' 2>/dev/null || { echo "needs: pip install duckdb polars" >&2; exit 2; }
cargo build --release --locked --quiet
cargo build --release --locked --quiet --example scan
kaohe="$PWD/target/release/kaohe"
scan="$PWD/target/release/examples/scan"
policy="$PWD/benches/policy/bench.policy"

# shellcheck source=benches/lib.sh
. benches/lib.sh

machine
echo "kaohe $(git rev-parse --short HEAD 2>/dev/null || echo '?'), duckdb $(python3 -c 'import duckdb; print(duckdb.__version__)'), polars $(python3 -c 'import polars; print(polars.__version__)'), $runs runs each"
printf '%-18s %-8s %10s %10s %12s %12s\n' shape tool "median s" "peak MB" "time ×kaohe" "memory ×kaohe"
for shape in "${shapes[@]}"; do
  dir=$(year "$shape")
  facts="$dir/facts.csv"
  declare -A cmd=(
    [kaohe]="$kaohe run $policy --facts $facts --units $dir/units.csv -o $dir/kaohe.csv"
    [duckdb]="python3 benches/peers/duckdb_scores.py $facts $dir/units.csv $dir/duckdb.csv"
    [polars]="python3 benches/peers/polars_scores.py $facts $dir/units.csv $dir/polars.csv"
    [scan]="$scan $facts"
  )
  tools=(kaohe duckdb polars scan)
  declare -A times=() mems=()
  for tool in "${tools[@]}"; do times[$tool]=""; mems[$tool]=""; done
  for _ in $(seq "$runs"); do
    for tool in "${tools[@]}"; do
      # shellcheck disable=SC2086
      read -r s kb < <(timed ${cmd[$tool]})
      times[$tool]+="$s"$'\n'
      mems[$tool]+="$kb"$'\n'
    done
  done
  python3 benches/same_scores.py "$dir/kaohe.csv" "$dir/duckdb.csv" "$dir/polars.csv" >/dev/null
  kt=$(printf '%s' "${times[kaohe]}" | median)
  km=$(printf '%s' "${mems[kaohe]}" | median)
  for tool in "${tools[@]}"; do
    t=$(printf '%s' "${times[$tool]}" | median)
    m=$(printf '%s' "${mems[$tool]}" | median)
    printf '%-18s %-8s %10s %10.0f %12.2f %12.2f\n' "$shape" "$tool" "$t" "$(awk "BEGIN {print $m / 1024}")" \
      "$(awk "BEGIN {print $t / $kt}")" "$(awk "BEGIN {print $m / $km}")"
  done
  echo "$shape: identical scores for every unit (kaohe, duckdb, polars)"
  unset cmd times mems
done

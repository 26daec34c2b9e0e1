# Shared by benches/compare.sh and benches/sql.sh (sourced, from the repository's root, with
# $data set): the machine, the generated year of a shape, timing a command, a median.

# The machine, for the record.
machine() {
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(uname -r)"
}

# The folder of the year of shape ROWSxUNITS in $data, generated the first time it is asked for.
year() {
  local dir="$data/$1"
  if [ ! -f "$dir/facts.csv" ]; then
    python3 benches/gen.py --rows "${1%x*}" --units "${1#*x}" --out "$dir" >&2
  fi
  echo "$dir"
}

# One run: prints "SECONDS KB", the command's own output thrown away.
timed() {
  local t
  t=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$t" "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; cat "$t" >&2; exit 1; }
  cat "$t"
  rm -f "$t"
}

# The median of the numbers on standard input, one a line.
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Shared by benches/compare.sh and benches/sql.sh (sourced): timing a command, and a median.

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

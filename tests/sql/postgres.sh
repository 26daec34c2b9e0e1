#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests/sql.rs, on a Unix socket in DIR, never on TCP.
#
#   tests/sql/postgres.sh start DIR   # initdb DIR/data, start, listen on DIR/sock; prints the psql
#                                     # connection options
#   tests/sql/postgres.sh stop DIR    # stop the server and remove DIR
#
# Needs Debian's `postgresql` package (.ci/run installs it). PostgreSQL refuses to run as root:
# as root, the server runs as the user `kaohe_pg` (created if missing).
set -euo pipefail
action="$1"
dir="$2"
bin=""
for d in /usr/lib/postgresql/*/bin; do
  [ -x "$d/initdb" ] && bin="$d"
done
if [ -z "$bin" ] && command -v initdb >/dev/null; then
  bin="$(dirname "$(command -v initdb)")"
fi
[ -n "$bin" ] || { echo "no PostgreSQL server here (apt-get install postgresql)" >&2; exit 2; }
as=()
if [ "$(id -u)" = 0 ]; then
  id kaohe_pg >/dev/null 2>&1 || useradd --system --no-create-home kaohe_pg
  as=(runuser -u kaohe_pg --)
fi
case "$action" in
  start)
    mkdir -p "$dir/sock"
    [ ${#as[@]} -eq 0 ] || chown -R kaohe_pg "$dir"
    "${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || "${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-c listen_addresses='' -k $dir/sock -c fsync=off" start >/dev/null
    echo "-h $dir/sock -U postgres"
    ;;
  stop)
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
esac

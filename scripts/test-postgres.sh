#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on loopback for the test suite and prints its URL.
#   eval "$(scripts/test-postgres.sh start DIR)"   → exports FEEDBACK_TEST_POSTGRES_URL
#   MOTCUA_TEST_DB=postgresql .venv/app/bin/python -m pytest   → every app database on it
#   scripts/test-postgres.sh stop DIR
# No durability (fsync off): the server and its data go when the tests end.
# Installs Debian's postgresql package when no server binaries are present.
set -euo pipefail
action="$1" dir="$2"
port="${MOTCUA_TEST_PG_PORT:-55432}"

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
start)
    if [ -z "$(pg_bin)" ]; then
        echo "Cài PostgreSQL (apt-get install postgresql)…" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 ||
            { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2; }
    fi
    bin="$(pg_bin)"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_postgres "$bin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
        start >&2
    echo "export FEEDBACK_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    as_postgres "$(pg_bin)/pg_ctl" -D "$dir/data" -m fast stop >&2 || true
    ;;
esac

#!/usr/bin/env bash
# Starts a throwaway Redis server on loopback (no persistence) for the test suite.
#   eval "$(scripts/test-redis.sh start DIR)"   → exports MOTCUA_TEST_REDIS_URL
#   scripts/test-redis.sh stop DIR
# Installs Debian's redis-server package when the server is not there.
set -euo pipefail
action="$1" dir="$2"
port="${MOTCUA_TEST_REDIS_PORT:-56379}"

case "$action" in
start)
    if ! command -v redis-server >/dev/null 2>&1; then
        echo "Cài Redis (apt-get install redis-server)…" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server >&2 ||
            { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server >&2; }
    fi
    mkdir -p "$dir"
    redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no --dir "$dir" \
        --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >&2
    for _ in $(seq 50); do
        redis-cli -p "$port" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    redis-cli -p "$port" ping >/dev/null
    echo "export MOTCUA_TEST_REDIS_URL=redis://127.0.0.1:$port/0"
    ;;
stop)
    [ -f "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
    ;;
esac

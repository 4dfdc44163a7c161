#!/usr/bin/env bash
# Runs a command with PostgreSQL and Redis: those of DATABASE_URL / REDIS_URL when set,
# otherwise throw-away local instances started here and removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-tools.sh postgres redis chromium pango dovecot

tmp=$(mktemp -d /tmp/fieldbox-services.XXXXXX)
chmod 755 "$tmp"
pids=()
pg_bin=""
cleanup() {
  if [ -n "$pg_bin" ] && [ -d "$tmp/pg" ]; then
    as_pg "$pg_bin/pg_ctl" -D "$tmp/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
# PostgreSQL refuses to run as root: run it as the postgres user then.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ -z "${DATABASE_URL:-}" ]; then
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  port=$(free_port)
  mkdir -p "$tmp/pg"
  [ "$(id -u)" -eq 0 ] && chown postgres "$tmp/pg"
  as_pg "$pg_bin/initdb" -D "$tmp/pg" -U postgres -A trust --no-sync -E UTF8 >/dev/null
  as_pg "$pg_bin/pg_ctl" -D "$tmp/pg" -l "$tmp/pg/log" -w -o "-p $port -k $tmp/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "PostgreSQL (throw-away) on port $port" >&2
fi

if [ -z "${REDIS_URL:-}" ]; then
  port=$(free_port)
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$tmp" --daemonize no >"$tmp/redis.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  export REDIS_URL="redis://127.0.0.1:$port/0"
  echo "Redis (throw-away) on port $port" >&2
fi

export FIELDBOX_TESTING=1
"$@"

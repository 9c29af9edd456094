#!/usr/bin/env bash
# Measures login and `GET /api/devices` through devhost (release build) at 50
# concurrent connections with wrk: latency p50/p99 and requests per second.
# Uses a database of its own (dropped at the end) on the local PostgreSQL.
#
#   bench/api.sh            # 15 s per endpoint
#   DURATION=30s bench/api.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-15s}"
PG="${DMS_BENCH_PG:-postgres://postgres@127.0.0.1:5432}"

command -v wrk >/dev/null || { echo "install wrk (apt-get install -y wrk)" >&2; exit 1; }
cargo build --release --quiet -p devhost -p dms-worker
worker=target/release/dms-worker

database="dms_bench_api_$(date +%s)_$$"
export DATABASE_URL="$PG/$database?sslmode=disable"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
devhost_pid=""
cleanup() {
    if [ -n "$devhost_pid" ]; then
        kill "$devhost_pid" 2>/dev/null || true
        wait "$devhost_pid" 2>/dev/null || true
    fi
    psql "$PG/postgres" -qc "drop database if exists $database with (force)" >/dev/null || true
}
trap cleanup EXIT

"$worker" migrate 2>/dev/null
eval "$("$worker" generate-keys)"
export JWT_SIGNING_KID JWT_SIGNING_KEY JWT_VERIFYING_KEYS
DMS_ADMIN_PASSWORD=bench-password-1 "$worker" create-admin --username bench --email bench@example.com 2>/dev/null
psql "$PG/$database" -qc "insert into device (name, max_hourly_kwh) select 'meter ' || n, 5 from generate_series(1, 20) as n" >/dev/null

DEVHOST_LISTEN="127.0.0.1:$port" RUST_LOG=warn target/release/devhost &
devhost_pid=$!
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break
    sleep 0.1
done
token=$(curl -fsS -H 'content-type: application/json' -d '{"login":"bench","password":"bench-password-1"}' \
    "http://127.0.0.1:$port/api/auth/login" | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

echo "## POST /api/auth/login (Argon2id verification on every request)"
wrk -t2 -c50 -d"$DURATION" --latency -s bench/wrk/login.lua "http://127.0.0.1:$port/api/auth/login"
echo
echo "## GET /api/devices (token check, user lookup, one page of 20 devices)"
wrk -t2 -c50 -d"$DURATION" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/devices"

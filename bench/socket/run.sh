#!/usr/bin/env bash
# Real-time benchmarks of the worker (release build): idle connections and
# memory, message latency, alert latency. Prints one JSON object per benchmark.
# Needs PostgreSQL on 127.0.0.1:5432 and RabbitMQ on 127.0.0.1:5672; every
# process runs on 127.0.0.1 and is stopped at the end.
#
#   bench/socket/run.sh            all three
#   bench/socket/run.sh idle       one of idle, latency, alerts
#
# Settings (environment): CONNECTIONS, PROCESSES, USERS, HOLD_SECONDS (idle);
# RATE, PAIRS, SECONDS (latency); ALERTS (alerts).
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd ../.. && pwd)"

# 10,000 sockets need as many descriptors in the worker.
ulimit -n "$(ulimit -Hn)"

if [ ! -d "$root/tests/socket/node_modules" ]; then
    (cd "$root/tests/socket" && npm ci --no-audit --no-fund)
fi
(cd "$root" && cargo build --release -p devhost -p dms-worker)
export DMS_BIN_DIR="$root/target/release"

benchmarks=("$@")
if [ ${#benchmarks[@]} -eq 0 ]; then
    benchmarks=(idle latency alerts)
fi
for name in "${benchmarks[@]}"; do
    echo "==> $name"
    node "$name.mjs"
done

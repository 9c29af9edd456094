#!/usr/bin/env bash
# Runs the Socket.IO end-to-end tests: builds devhost and the worker, installs
# socket.io-client and amqplib, and runs node's test runner. Each test file
# starts its own database, devhost, worker replicas and fake AI on 127.0.0.1,
# and needs PostgreSQL on 127.0.0.1:5432 and RabbitMQ on 127.0.0.1:5672.
# DMS_SOCKET_KEEP_LOGS=1 keeps the processes' logs and prints where they are.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -d node_modules ]; then
    npm ci --no-audit --no-fund
fi
(cd ../.. && cargo build -p devhost -p dms-worker)

# One file at a time: each starts its own processes, and the machine is small.
node --test --test-concurrency=1 "$@" test/

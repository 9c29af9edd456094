#!/usr/bin/env bash
# Runs the dashboard's end-to-end tests in headless Chromium (Debian's
# /usr/bin/chromium, driven by playwright-core; no browser is downloaded).
# Builds devhost, the worker, the dashboard and the OpenAPI document when
# needed, installs the test's npm packages, and runs node's test runner. Each
# test file starts its own database, devhost and worker on 127.0.0.1 and needs
# PostgreSQL on 127.0.0.1:5432 and RabbitMQ on 127.0.0.1:5672. Screenshots go
# to target/screenshots/, process logs to target/e2e-logs/.
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd ../.. && pwd)"

if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
    echo "Chromium is missing at ${CHROMIUM_PATH:-/usr/bin/chromium}: install it with 'apt-get install -y chromium'" >&2
    echo "or set CHROMIUM_PATH." >&2
    exit 1
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/amqplib ]; then
    npm ci --no-audit --no-fund
fi

(cd "$root" && cargo build --quiet -p devhost -p dms-worker -p dms-openapi)
if [ ! -f "$root/web/dist/index.html" ] || [ ! -f "$root/web/dist/docs/index.html" ]; then
    (cd "$root/web" && { [ -d node_modules/swagger-ui-dist ] || npm ci --no-audit --no-fund; } && npm run build)
fi
"$root/target/debug/dms-openapi" "$root/web/dist/api/openapi.json"

# One file at a time: each starts its own processes, and the machine is small.
node --test --test-concurrency=1 "$@" test/

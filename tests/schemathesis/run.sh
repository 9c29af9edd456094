#!/usr/bin/env bash
# Fuzzes the HTTP API with schemathesis against its own OpenAPI document
# (GET /api/openapi.json): every documented operation with generated valid and
# invalid input, signed in as an admin, checking that no response is a 5xx and
# that every response matches its documented schema. Starts devhost on a free
# port of 127.0.0.1 with a fresh database (created, migrated and dropped here),
# an admin, a client, devices, readings, alerts and a chat. Needs PostgreSQL on
# 127.0.0.1:5432. Reports go to target/schemathesis/.
#
# Besides 5xx and response schemas, the default checks compare status codes,
# content types and headers with the document. The stricter
# positive_data_acceptance and negative_data_rejection checks do not pass by
# design: an empty query parameter counts as absent, and a string parameter such
# as `tz` is valid only as an IANA zone name.
#
# Settings (environment): SCHEMATHESIS_MAX_EXAMPLES (examples per operation,
# default 50), SCHEMATHESIS_SEED (default 20261204, so CI runs the same cases;
# set another to explore),
# SCHEMATHESIS_CHECKS and SCHEMATHESIS_PHASES (comma-separated, as `st run`
# takes them).
set -euo pipefail
cd "$(dirname "$0")/../.."

version=4.32.5
venv=target/schemathesis-venv
report_dir=target/schemathesis
pg=postgres://postgres@127.0.0.1:5432

say() { printf '==> %s\n' "$*"; }

if [ "$("$venv/bin/st" --version 2>/dev/null || true)" != "st, version $version" ]; then
    say "installing schemathesis $version into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "schemathesis==$version"
fi

say "building devhost, the worker (for migrate) and the OpenAPI generator"
cargo build --quiet -p devhost -p dms-worker -p dms-openapi
mkdir -p web/dist/api "$report_dir"
target/debug/dms-openapi web/dist/api/openapi.json

id="$(python3 -c 'import uuid; print(uuid.uuid4().hex[:16])')"
database="dms_st_$id"
export DATABASE_URL="$pg/$database?sslmode=disable"
devhost_pid=""
cleanup() {
    if [ -n "$devhost_pid" ]; then
        kill "$devhost_pid" 2>/dev/null || true
        wait "$devhost_pid" 2>/dev/null || true
    fi
    dropdb --if-exists --force -h 127.0.0.1 -U postgres "$database" || echo "dropdb $database failed" >&2
}
trap cleanup EXIT

say "creating the database $database"
target/debug/dms-worker migrate
set -a
# shellcheck disable=SC1090
. <(target/debug/dms-worker generate-keys --kid schemathesis)
set +a
export JWT_ISSUER=dms-schemathesis JWT_AUDIENCE=dms-schemathesis-api

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
base="http://127.0.0.1:$port"
DEVHOST_LISTEN="127.0.0.1:$port" RUST_LOG=warn target/debug/devhost > "$report_dir/devhost.log" 2>&1 &
devhost_pid=$!
for _ in $(seq 1 100); do
    curl -fsS "$base/api/health" > /dev/null 2>&1 && break
    sleep 0.2
done
curl -fsS "$base/api/health" > /dev/null

say "seeding an admin, a client, devices, readings, alerts and a chat"
DMS_ADMIN_PASSWORD=admin-password-1 target/debug/dms-worker create-admin \
    --username st_admin --email st_admin@example.com
admin_token="$(python3 tests/schemathesis/seed.py "$base" st_admin admin-password-1)"

say "running schemathesis"
default_checks=not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance,response_headers_conformance
# From the report directory, so that schemathesis keeps its cache
# (.schemathesis/) there too.
cd "$report_dir"
"$OLDPWD/$venv/bin/st" run "$base/api/openapi.json" \
    --url "$base" \
    --header "Authorization: Bearer $admin_token" \
    --checks "${SCHEMATHESIS_CHECKS:-$default_checks}" \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-50}" \
    --seed "${SCHEMATHESIS_SEED:-20261204}" \
    --phases "${SCHEMATHESIS_PHASES:-examples,coverage,fuzzing,stateful}" \
    --request-timeout 20 \
    --report junit --report-dir . \
    --no-color

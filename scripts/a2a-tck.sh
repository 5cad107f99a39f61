#!/usr/bin/env bash
# Runs the official A2A TCK (a2aproject/a2a-tck, branch 1.0-dev) against a running Cadre:
#
#   bash scripts/a2a-tck.sh /path/to/a2a-tck [must|should|may]
#
# The TCK is third-party code: check it out yourself, outside this repository (nothing of it is
# committed here). Its Python needs come from Debian's packages (run as root, or have them
# installed): pytest, pytest-asyncio, httpx, grpcio, protobuf, jsonschema, jinja2, and protoc.
# Its protobuf stubs are regenerated with that protoc (the committed ones need a newer protobuf
# runtime) and the google.rpc/google.api stubs made from the npm package google-proto-files.
#
# CADRE_URL (default http://127.0.0.1:8082) must be a Cadre started with
# OUTBOUND_ALLOWED_HOSTS=localhost,127.0.0.1 (the TCK's push webhook listens on loopback). The
# script registers a simulated model that plays the TCK's scenarios (`scenarios: "a2a-tck"`)
# and a hierarchy `a2a-tck` on it whose worker holds ask_human, then runs the TCK against
# $CADRE_URL/a2a/a2a-tck.
set -euo pipefail
TCK=${1:?usage: bash scripts/a2a-tck.sh /path/to/a2a-tck [must|should|may]}
LEVEL=${2:-must}
CADRE_URL=${CADRE_URL:-http://127.0.0.1:8082}
API="$CADRE_URL/api/executor/v1"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if ! /usr/bin/python3 -c 'import pytest, pytest_asyncio, httpx, grpc, google.protobuf, jsonschema, jinja2' 2>/dev/null || ! command -v protoc >/dev/null; then
  apt-get install -y -q python3-pytest python3-pytest-asyncio python3-httpx python3-grpcio python3-protobuf python3-jsonschema python3-jinja2 protobuf-compiler >/dev/null
fi

(cd "$WORK" && npm pack google-proto-files --silent >/dev/null && tar xzf google-proto-files-*.tgz)
PROTOS="$WORK/package"
mkdir -p "$WORK/pygen"
protoc -I "$PROTOS" -I /usr/include --python_out="$WORK/pygen" \
  google/rpc/status.proto google/rpc/error_details.proto google/rpc/code.proto \
  google/api/annotations.proto google/api/http.proto google/api/client.proto google/api/field_behavior.proto google/api/launch_stage.proto
protoc -I "$TCK/specification" -I "$PROTOS" -I /usr/include --python_out="$TCK/specification/generated" "$TCK/specification/a2a.proto"
sed -i 's/minversion = "8.0"/minversion = "7.0"/' "$TCK/pyproject.toml"

post() { curl -fsS -XPOST "$API/$1" -H 'content-type: application/json' -d "$2"; }
post models/create '{"name": "a2a-tck-sim", "provider": "simulated", "model_id": "sim", "params": {"token_delay_ms": 1, "reply_tokens": 5, "scenarios": "a2a-tck"}}' >/dev/null 2>&1 || true
post hierarchies/create '{"name": "a2a-tck",
  "global_supervisor_agent": {"system_prompt": "You coordinate.", "llm_config": {"model_id": "a2a-tck-sim"}},
  "teams": [{"name": "Analysts", "team_supervisor_agent": {"system_prompt": "You lead.", "llm_config": {"model_id": "a2a-tck-sim"}},
    "workers": [{"name": "Ada", "role": "analyst", "system_prompt": "You are Ada.", "tools": ["ask_human"], "llm_config": {"model_id": "a2a-tck-sim"}}]}]}' >/dev/null 2>&1 || true

cd "$TCK"
mkdir -p reports
PYTHONPATH="$WORK/pygen:$TCK" /usr/bin/python3 -m pytest tests/compatibility/ --sut-host="$CADRE_URL/a2a/a2a-tck" \
  -m "$LEVEL" -q --tb=short -p no:cacheprovider --compatibility-report=reports/compatibility

#!/usr/bin/env bash
# Contract test: schemathesis (PyPI) against the real server in demo mode, generating
# requests from the served OpenAPI document and checking every answer against it — no 500,
# every response documented and matching its schema. Run by ./test.
source "$(dirname "$0")/tools.sh"

ensure_schemathesis
bin="${KONTAKT_BIN:-$(target_dir)/release/kontakt}"
base="http://127.0.0.1:18081"
log="$(target_dir)/test-logs/contract-server.log"
mkdir -p "$(dirname "$log")"
"$bin" serve --config "$ROOT/tests/contract.toml" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null' EXIT

http() { python3 -c 'import sys, urllib.request; r = urllib.request.urlopen(urllib.request.Request(sys.argv[1], method=sys.argv[2], data=b"" if sys.argv[2] == "POST" else None), timeout=5); print(r.read().decode())' "$@"; }
for _ in $(seq 1 240); do
  http "$base/healthz" GET >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || die "the server stopped; see $log"
  sleep 0.5
done
token="$(http "$base/api/v1/dev/token" POST | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')"

"$ROOT/.tools/venv/bin/schemathesis" --config-file "$ROOT/tests/schemathesis.toml" run "$base/api/v1/openapi.json" \
  --checks all --max-examples 200 --seed 1 \
  --header "Authorization: Bearer $token"

#!/usr/bin/env bash
# Tab benchmark (docs/performance.md): the release bundle's size as served, and keystroke to
# painted results in headless Chromium against a demo server with 100,000 contacts.
#   scripts/tab-bench.sh [--size 100000] [--queries 120] [--baseline DIR] [--without-input-deferral yes]
source "$(dirname "$0")/tools.sh"

ensure_build_tools
ensure_chromium
build_tab
build_server
cd "$ROOT"
KONTAKT_BIN="$(target_dir)/release/kontakt" exec node scripts/tab-bench.mjs "$@"

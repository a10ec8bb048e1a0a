#!/usr/bin/env bash
# API load benchmark (docs/performance.md, "The API under load"): the release server in demo
# mode under wrk on this machine. Installs wrk when it is missing; arguments go to
# `kontakt-bench load` (e.g. --seconds 20 --compressed --server PATH).
#   scripts/load-bench.sh [--seconds 30] [--compressed]
source "$(dirname "$0")/tools.sh"

command -v wrk >/dev/null || apt_install wrk
ensure_build_tools
build_tab
build_server
cd "$ROOT"
cargo build --release -p kontakt-bench
bin="$(target_dir)/release"
exec "$bin/kontakt-bench" load --server "$bin/kontakt" "$@"

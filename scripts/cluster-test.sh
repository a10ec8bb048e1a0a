#!/usr/bin/env bash
# The cloud on several nodes as an operator runs it, every part a real process on loopback:
# nats-server, PostgreSQL, three `kontakt cloud` nodes behind nginx (round-robin, WebSocket
# upgrade), two instances of one organisation's directory and one of another's. Under a
# steady stream of searches it kills the node holding a link, one instance of the failover
# pair, restarts NATS and revokes a directory; it ends with `cluster: N passed, M failed`.
# The scenario is crates/server/tests/cluster_processes.rs; ./test runs this script.
# With --load it runs the load run instead (crates/server/tests/cluster_load.rs): the
# cluster beside one node, the table docs/performance.md quotes.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
ensure_nats
ensure_postgresql
ensure_deploy_checkers
cd "$ROOT"
if [ "${1:-}" = --load ]; then
  cargo test --release -p kontakt-server --test cluster_load -- --ignored --nocapture
else
  cargo test -p kontakt-server --test cluster_processes -- --ignored --nocapture --test-threads 1
fi

# shellcheck shell=bash
# Installs what Kontakt's build and tests need, each only when it is missing, and builds the
# tab. Sourced by ./run and ./test; docs/development.md explains every pin.
#
# Installed where:
#   wasm32 target            rustup (the machine's toolchain)
#   trunk, wasm-bindgen CLI, cargo install → ~/.cargo/bin (shared by every clone: 20 min once)
#     wasm-split-cli
#   wasm-opt                 npm package binaryen → .tools/ in the clone
#   teams-js, Playwright     npm ci → node_modules/ in the clone
#   chromium, chromedriver   Debian packages (./test only)
#   slapd                    Debian package (./test only: the LDAP source's test)
#   postgresql               Debian package (./test only: the registry's and ODBC source's tests)
#   mariadb-server, ODBC     Debian packages (./test only: the ODBC source's tests through the
#     drivers                real drivers odbc-postgresql, odbc-mariadb, libsqliteodbc)
#   nginx, systemd-analyze   Debian packages (./test only: the deployment examples' test)
#   nats-server              Debian package (./test only: the cloud on several nodes)
#   schemathesis             PyPI, in .tools/venv (./test only: the contract test)
#   nightly Rust, cargo-fuzz rustup / cargo install (./test only: scripts/fuzz.sh)
#   wrk                      Debian package (scripts/load-bench.sh only)

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRUNK_VERSION="0.21.14"
BINARYEN_VERSION="132.0.0"
# Cuts the tab in two (scripts/split-tab.mjs). Its format must be the one of the
# wasm_split_helpers Leptos links (0.2.x in Cargo.lock).
WASM_SPLIT_VERSION="0.2.4"
export PATH="$HOME/.cargo/bin:$ROOT/.tools/node_modules/.bin:$PATH"
# Trunk must never try to download a tool: everything it runs is installed here.
export TRUNK_OFFLINE=true

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

apt_install() {
  if ! is_root; then
    die "missing $*: install the Debian packages ($*) as root, then run this again"
  fi
  say "installing Debian packages: $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >/dev/null 2>&1 || {
    apt-get update >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >/dev/null
  }
}

# The wasm-bindgen version Cargo.lock pins; the CLI must match it exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_wasm_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_trunk() {
  if trunk --version 2>/dev/null | grep -q "trunk $TRUNK_VERSION"; then return; fi
  say "installing trunk $TRUNK_VERSION (about 15 minutes, once per machine)"
  cargo install trunk --version "$TRUNK_VERSION" --locked --force
}

ensure_wasm_bindgen() {
  local want
  want="$(wasm_bindgen_version)"
  [ -n "$want" ] || die "Cargo.lock names no wasm-bindgen version"
  if wasm-bindgen --version 2>/dev/null | grep -q " $want\$\| $want "; then return; fi
  say "installing wasm-bindgen-cli $want (about 4 minutes, once per version)"
  # Not --locked: the CLI's own lock file names a crate version this registry lacks.
  cargo install wasm-bindgen-cli --version "$want" --force
}

ensure_wasm_split() {
  if cargo install --list | grep -qx "wasm_split_cli_support v$WASM_SPLIT_VERSION:"; then return; fi
  say "installing wasm-split-cli $WASM_SPLIT_VERSION (about 3 minutes, once per machine)"
  cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary --locked --force
}

ensure_node() {
  if command -v npm >/dev/null && command -v node >/dev/null; then return; fi
  apt_install nodejs npm
}

# node_modules is current when npm's own record of it is newer than the lock file.
ensure_npm_packages() {
  ensure_node
  if [ -f "$ROOT/node_modules/.package-lock.json" ] &&
    [ "$ROOT/node_modules/.package-lock.json" -nt "$ROOT/package-lock.json" ]; then
    return
  fi
  say "installing npm packages (teams-js, Playwright, axe-core)"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
}

ensure_wasm_opt() {
  if "$ROOT/.tools/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then
    return
  fi
  ensure_node
  say "installing wasm-opt (npm binaryen $BINARYEN_VERSION) into .tools/"
  mkdir -p "$ROOT/.tools"
  npm install --prefix "$ROOT/.tools" --no-audit --no-fund --loglevel=error "binaryen@$BINARYEN_VERSION"
}

ensure_chromium() {
  if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then return; fi
  apt_install chromium chromium-driver
}

SCHEMATHESIS_VERSION="4.32.5"

# schemathesis, in a virtual environment of its own under .tools/.
ensure_schemathesis() {
  local venv="$ROOT/.tools/venv"
  if "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then return; fi
  command -v python3 >/dev/null || apt_install python3 python3-venv
  python3 -m venv --help >/dev/null 2>&1 || apt_install python3-venv
  say "installing schemathesis $SCHEMATHESIS_VERSION (PyPI) into .tools/venv"
  python3 -m venv "$venv" || { apt_install python3-venv && python3 -m venv "$venv"; }
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
}

# OpenLDAP's server, for the LDAP source's test against a real directory. The package's
# own service is not needed: the test starts slapd itself on loopback.
# PostgreSQL: the registry's tests run against it as well as SQLite; they start their own
# server (initdb on a private port and socket folder), not the package's service.
ensure_postgresql() {
  if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then return; fi
  apt_install postgresql
}

# The ODBC source's tests read real databases through their real drivers; the drivers'
# packages register themselves in /etc/odbcinst.ini. The driver manager (unixODBC) is built
# into the binary, so building needs none of this. MariaDB's own service is not needed:
# the test starts a server itself on loopback.
ensure_odbc_databases() {
  local missing=()
  [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
  [ -e /usr/lib/x86_64-linux-gnu/odbc/psqlodbcw.so ] || [ -e /usr/lib/aarch64-linux-gnu/odbc/psqlodbcw.so ] || missing+=(odbc-postgresql)
  [ -e /usr/lib/x86_64-linux-gnu/odbc/libmaodbc.so ] || [ -e /usr/lib/aarch64-linux-gnu/odbc/libmaodbc.so ] || missing+=(odbc-mariadb)
  [ -e /usr/lib/x86_64-linux-gnu/odbc/libsqlite3odbc.so ] || [ -e /usr/lib/aarch64-linux-gnu/odbc/libsqlite3odbc.so ] || missing+=(libsqliteodbc)
  if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
}

CARGO_FUZZ_VERSION="0.13.2"

# cargo-fuzz needs a nightly compiler (libFuzzer's coverage instrumentation); only the fuzz
# targets are built with it.
ensure_fuzzer() {
  if ! rustup toolchain list | grep -q '^nightly'; then
    say "installing the nightly Rust toolchain (for the fuzz targets only)"
    rustup toolchain install nightly --profile minimal
  fi
  if cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then return; fi
  say "installing cargo-fuzz $CARGO_FUZZ_VERSION (about 2 minutes, once per machine)"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --force
}

ensure_slapd() {
  if [ -x /usr/sbin/slapd ] && [ -x /usr/sbin/slapadd ] && command -v ldapsearch >/dev/null; then return; fi
  # ldap-utils: caller ID's LDAP listener is tested with OpenLDAP's own ldapsearch too.
  apt_install slapd ldap-utils
}

# NATS carries requests between cloud nodes (crates/server/tests/cluster.rs starts its own
# nats-server on loopback; its service is not needed).
ensure_nats() {
  command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || apt_install nats-server
}

# nginx and systemd-analyze check the deployment examples in deploy/ (crates/server/tests/deploy.rs).
# nginx's own service is not needed: the test starts nginx itself on loopback.
ensure_deploy_checkers() {
  [ -x /usr/sbin/nginx ] || apt_install nginx
  command -v systemd-analyze >/dev/null || apt_install systemd
}

ensure_build_tools() {
  ensure_wasm_target
  ensure_trunk
  ensure_wasm_bindgen
  ensure_wasm_split
  ensure_npm_packages
  ensure_wasm_opt
}

# A fingerprint of everything the tab is built from, so an unchanged tab is not rebuilt
# (Trunk would rerun wasm-bindgen and wasm-opt even when cargo has nothing to do).
tab_fingerprint() {
  (
    cd "$ROOT"
    find src style crates/api crates/seal index.html Trunk.toml Cargo.toml Cargo.lock package-lock.json build.rs .cargo \
      scripts/split-tab.mjs -type f -not -path '*/target/*' -print0 | sort -z | xargs -0 sha256sum
    trunk --version
    wasm-bindgen --version
    echo "wasm-split-cli $WASM_SPLIT_VERSION"
  ) | sha256sum | cut -d' ' -f1
}

build_tab() {
  local stamp="$ROOT/dist/.fingerprint" fingerprint
  fingerprint="$(tab_fingerprint)"
  if [ -f "$ROOT/dist/index.html" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$fingerprint" ]; then
    say "tab is up to date (dist/)"
    return
  fi
  say "building the tab (release)"
  (cd "$ROOT" && trunk build --release --offline)
  echo "$fingerprint" >"$stamp"
}

target_dir() {
  echo "${CARGO_TARGET_DIR:-$ROOT/target}"
}

# The release server carries the tab (feature embed-tab), so build_tab comes first.
build_server() {
  say "building the server (release, with the tab inside)"
  (cd "$ROOT" && cargo build --release -p kontakt-server --features embed-tab --bin kontakt)
}

#!/usr/bin/env bash
# Builds what a deployment needs: the `kontakt` binary with the tab inside (one file), and
# a tarball with it and the examples from deploy/. See docs/deploy.md.
#
#   scripts/release.sh          → target/release-bundle/kontakt-VERSION-ARCH-linux.tar.gz
source "$(dirname "$0")/tools.sh"

ensure_build_tools
build_tab
build_server
cd "$ROOT"
version="$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)"
name="kontakt-$version-$(uname -m)-linux"
out="$(target_dir)/release-bundle"
rm -rf "${out:?}/$name"
mkdir -p "$out/$name"
cp "$(target_dir)/release/kontakt" "$out/$name/"
cp deploy/kontakt.toml deploy/kontakt.service deploy/kontakt-cloud.toml deploy/kontakt-cloud.service \
  deploy/kontakt-directory.toml deploy/kontakt-directory.service deploy/nginx.conf "$out/$name/"
cp docs/deploy.md "$out/$name/DEPLOY.md"
(cd "$out/$name" && sha256sum kontakt >kontakt.sha256)
tar -C "$out" -czf "$out/$name.tar.gz" "$name"

# The one binary must start and serve its tab without any folder beside it.
smoke="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$smoke"' EXIT
(cd "$smoke" && exec "$out/$name/kontakt" serve --demo --listen 127.0.0.1:18099 >"$smoke/log" 2>&1) &
pid=$!
for _ in $(seq 50); do curl -fsS http://127.0.0.1:18099/healthz >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS http://127.0.0.1:18099/ | grep -q 'kontakt-tab' || die "the release binary does not serve the tab: $(cat "$smoke/log")"

say "release"
echo "  binary:  $out/$name/kontakt ($(du -h "$out/$name/kontakt" | cut -f1), tab inside)"
echo "  bundle:  $out/$name.tar.gz ($(du -h "$out/$name.tar.gz" | cut -f1))"
echo "  next:    docs/deploy.md"

#!/usr/bin/env bash
# Make headless Chromium available for the browser tests (`npm test` runs this
# after test-services.sh): Debian's `chromium` package, driven by playwright-core
# (which downloads no browser of its own). Installs it with apt when missing and
# running as root; otherwise says how to point the tests at one
# (CADRE_TEST_CHROMIUM=/path/to/chromium).
set -euo pipefail
log() { echo "test-browser: $*" >&2; }
die() { echo "test-browser: ERROR: $*" >&2; exit 1; }

if [[ -n ${CADRE_TEST_CHROMIUM:-} ]]; then
  [[ -x $CADRE_TEST_CHROMIUM ]] || die "CADRE_TEST_CHROMIUM=$CADRE_TEST_CHROMIUM is not an executable"
  exit 0
fi
if command -v chromium >/dev/null 2>&1; then exit 0; fi
[[ $(id -u) == 0 ]] || die "chromium is missing and we are not root, so cannot apt-get install it: install Debian's chromium package, or set CADRE_TEST_CHROMIUM"

BASE=${CADRE_TEST_SERVICES_DIR:-/tmp/cadre-test-services}
mkdir -p "$BASE"
# Two concurrent `npm test` runs must not both run apt.
exec 9>"$BASE/.browser-lock"
flock -w 600 9 || die "timed out waiting for lock $BASE/.browser-lock"
if command -v chromium >/dev/null 2>&1; then exit 0; fi
log "installing chromium (apt log: $BASE/apt-chromium.log)"
{ apt-get update || true; DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; } \
  </dev/null >"$BASE/apt-chromium.log" 2>&1 9>&- || { tail -n 30 "$BASE/apt-chromium.log" >&2; die "apt-get install chromium failed"; }
command -v chromium >/dev/null 2>&1 || die "chromium is still missing after apt-get install"

#!/usr/bin/env bash
# `make e2e` needs a browser for Playwright. Playwright's own browser download does not work on
# these machines, so the tests use Debian's chromium at /usr/bin/chromium; install it when missing.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
[ -x "$CHROMIUM" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "dev/browser.sh: $CHROMIUM is missing; install Debian's chromium as root: apt-get install -y chromium" >&2
    exit 1
  fi
else
  SUDO=""
fi
echo "[browser] installing Debian's chromium (apt-get)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
[ -x "$CHROMIUM" ] || { echo "dev/browser.sh: chromium installed but $CHROMIUM is missing" >&2; exit 1; }
echo "[browser] $("$CHROMIUM" --version 2>/dev/null || echo chromium installed)"

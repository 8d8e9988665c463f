#!/usr/bin/env bash
# Browser tests (e2e/): Kasa's hosted checkout in real headless Chromium.
#
# Uses Debian's Chromium at /usr/bin/chromium (or $CHROMIUM); Playwright
# downloads no browser. Without Chromium or Node the tests are skipped with a
# message, not failed. npm dependencies are installed from the committed
# package-lock.json when missing. The tests build and start `kasa demo`
# themselves and rewrite docs/screenshots/checkout-{desktop,phone}.png.
#
# Usage: scripts/e2e.sh [node --test args...]
set -euo pipefail

cd "$(dirname "$0")/../e2e"

log() { printf 'e2e.sh: %s\n' "$*" >&2; }

chromium="${CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
	log "SKIPPED: $chromium not found (apt-get install chromium, or set CHROMIUM)"
	exit 0
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	log "SKIPPED: node and npm are needed for the browser tests"
	exit 0
fi
if [[ ! -d node_modules/playwright-core ]]; then
	npm ci --no-audit --no-fund
fi
export CHROMIUM="$chromium"
log "browser tests with $("$chromium" --version 2>/dev/null || echo "$chromium")"
exec node --test "$@" tests/checkout.test.js tests/dashboard.test.js

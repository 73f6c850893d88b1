#!/usr/bin/env bash
# The README's test command (`npm test`). Brings what the suites need (socat,
# mosquitto, chromium) via apt-get when run as root, builds, lints and runs all
# four vitest suites. Nothing is skipped: a missing tool fails the run loudly.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v socat >/dev/null 2>&1 || need+=(socat)
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v mosquitto_sub >/dev/null 2>&1 || need+=(mosquitto-clients)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# systemd-analyze checks the unit file (test/integration/systemd-units.test.ts); shellcheck the Pi installer.
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "test.sh: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "test.sh: missing ${need[*]}; install them (apt-get install ${need[*]}) or run as root" >&2
    exit 1
  fi
fi
export PATH="$PATH:/usr/sbin"

[ -d node_modules ] || npm ci
npm run build
npm run lint
mkdir -p var
status=0
npx vitest run --reporter=default --reporter=json --outputFile=var/vitest.json "$@" || status=$?
# One plain closing line, so CI can read the counts whatever the runner prints.
node -e '
  const r = JSON.parse(require("fs").readFileSync("var/vitest.json", "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' || true
exit $status

#!/usr/bin/env bash
# Makes this machine ready to run forgecast, and says nothing when it already is.
#
# `npm start`, `npm test` and `npm run bench` run this first, so a fresh clone needs no other
# command. Each step checks before it acts, so a ready machine costs a few milliseconds:
#   1. Debian packages: MariaDB server (the local database), ffmpeg (the transcoder and the live
#      ladder), nginx-light with the RTMP and stream modules plus openssl (the live ingest worker:
#      RTMP, and RTMPS terminated by nginx with a certificate made at start-up) and
#      util-linux's setpriv (children that die with the local cloud);
#      with --test, Chromium for the browser tests; with --bench, Chromium and wrk (a Node load
#      generator would eat the core it measures).
#   2. Node >= 22.13 to run npm with: Hardhat's EDR declares `engines: node >= 22`, and npm
#      running on an older Node silently skips its native binary. The machine's Node is used
#      when new enough; otherwise node@22 from the npm registry, kept in a per-user cache.
#   3. node_modules matching package-lock.json, installed with `npm ci` (never `npm install`:
#      the lock is the contract). A stamp of the lock's hash says whether it is current.
# The npm scripts themselves run on the project's own Node 22 (the `node` devDependency puts
# it first on npm's PATH), whatever Node the machine has.
#
# Any failure stops with the step and the reason; nothing falls back silently.
set -euo pipefail
cd "$(dirname "$0")/.."

with_bench=0
with_browser=0
for arg in "$@"; do
  case "$arg" in
    --bench) with_bench=1 with_browser=1 ;;
    --test) with_browser=1 ;;
    *) echo "setup: unknown option $arg" >&2; exit 64 ;;
  esac
done

fail() {
  echo "setup: $*" >&2
  exit 1
}

# --- 1. Debian packages -------------------------------------------------------------------
missing=()
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
# The live ingest worker's nginx: Debian's light build and the two dynamic modules it loads.
[ -x /usr/sbin/nginx ] || missing+=(nginx-light)
[ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ] || missing+=(libnginx-mod-rtmp)
[ -f /usr/lib/nginx/modules/ngx_stream_module.so ] || missing+=(libnginx-mod-stream)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# setpriv --pdeathsig: the kernel stops the local cloud's children when its main process dies.
command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)
if [ "$with_bench" -eq 1 ]; then command -v wrk >/dev/null 2>&1 || missing+=(wrk); fi
# Browser tests and page benchmarks drive Debian's Chromium with playwright-core (never a download).
if [ "$with_browser" -eq 1 ]; then command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-dejavu-core); fi
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 ||
    fail "${missing[*]} missing and there is no apt-get; install them with your package manager"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 ||
      fail "${missing[*]} missing; installing them needs root or sudo (run: apt-get install ${missing[*]})"
    sudo="sudo"
  fi
  echo "setup: installing ${missing[*]} with apt-get"
  log=$(mktemp)
  if ! { $sudo apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    rm -f "$log"
    fail "apt-get could not install ${missing[*]} (its last lines are above)"
  fi
  rm -f "$log"
fi

# --- 2. a Node new enough to run npm with (only needed to install) -------------------------
use_node_for_npm() {
  node_version() { node -p 'const [a, b] = process.versions.node.split(".").map(Number); a * 1000 + b' 2>/dev/null || echo 0; }
  if [ "$(node_version)" -lt 22013 ]; then
    node22_dir="${FORGECAST_NODE_DIR:-$HOME/.cache/forgecast/node22}"
    if [ ! -x "$node22_dir/node_modules/.bin/node" ]; then
      command -v npm >/dev/null 2>&1 || fail "no npm on the PATH; install Node.js (>= 20) and npm first"
      echo "setup: Node $(node -v 2>/dev/null || echo '(none)') is older than 22.13; fetching node@22 from the npm registry into $node22_dir"
      mkdir -p "$node22_dir"
      npm install --silent --no-save --no-audit --no-fund --update-notifier=false --prefix "$node22_dir" node@22 >/dev/null ||
        fail "npm could not install node@22 into $node22_dir"
    fi
    export PATH="$node22_dir/node_modules/.bin:$PATH"
    [ "$(node_version)" -ge 22013 ] || fail "node@22 in $node22_dir does not run ($(node -v 2>&1 || true))"
  fi
}

# --- 3. node_modules as the lock says ------------------------------------------------------
stamp=node_modules/.forgecast-lock-sha256
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  use_node_for_npm
  echo "setup: installing npm packages (npm ci, Node $(node -v))"
  npm ci --no-audit --no-fund --loglevel=error --update-notifier=false ||
    fail "npm ci failed (above); if package.json changed, run 'npm install' and commit package-lock.json"
  node -e 'require("@nomicfoundation/edr")' 2>/dev/null ||
    fail "Hardhat's EDR native binary is missing after npm ci; was npm run on Node < 22?"
  echo "$lock_hash" >"$stamp"
fi

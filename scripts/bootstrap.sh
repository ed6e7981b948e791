#!/usr/bin/env bash
# Prepares a fresh Debian machine for forgecast: MariaDB server and ffmpeg from apt, Node 22
# (from the npm registry's node@22 package when the machine's Node is older), npm packages.
# Safe to run again: every step checks first.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
# wrk is only for `npm run bench` (a Node load generator would eat the core it measures).
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]} with apt"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

node_major() { node -p 'process.versions.node.split(".").map(Number)[0] * 100 + process.versions.node.split(".").map(Number)[1]' 2>/dev/null || echo 0; }
# Hardhat's EDR needs Node >= 22.13, and npm must itself run on it or it skips EDR's native binary.
if [ "$(node_major)" -lt 2213 ]; then
  NODE22_DIR="${FORGECAST_NODE_DIR:-$HOME/.cache/forgecast/node22}"
  if [ ! -x "$NODE22_DIR/node_modules/.bin/node" ]; then
    echo "bootstrap: Node $(node -v 2>/dev/null || echo none) is too old; fetching node@22 from the npm registry"
    mkdir -p "$NODE22_DIR"
    npm install --silent --no-save --prefix "$NODE22_DIR" node@22 >/dev/null
  fi
  export PATH="$NODE22_DIR/node_modules/.bin:$PATH"
fi
echo "bootstrap: using node $(node -v), npm $(npm -v)"

# npm ci keeps the lock honest; fall back to install when the lock lags the manifest.
npm ci --no-audit --no-fund 2>/dev/null || npm install --no-audit --no-fund
echo "bootstrap: done. Run 'npm start' (local cloud) or 'npm test'."

#!/usr/bin/env bash
# Installs the npm dependencies when they are missing or older than package-lock.json, so
# `npm start` and `npm test` work on a fresh clone with nothing but Node installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
marker=node_modules/.package-lock.json
if [ ! -f "$marker" ] || [ package-lock.json -nt "$marker" ]; then
  echo "[setup] installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi

#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs what the Kusto tests need from npm (owner: kusto tests):
# Azurite and the official Kusto Node SDKs, pinned by
# tests/kusto/package-lock.json. Idempotent: does nothing when node_modules
# already matches the lock file. Needs node + npm (Debian: nodejs, npm).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/tests/kusto"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y nodejs npm >/dev/null
  else
    echo "setup-node: node/npm not found (install nodejs and npm)" >&2
    exit 1
  fi
fi
stamp="$dir/node_modules/.e2k-lock-stamp"
if [ -f "$stamp" ] && cmp -s "$stamp" "$dir/package-lock.json"; then
  echo "setup-node: tests/kusto/node_modules up to date"
  exit 0
fi
npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
cp "$dir/package-lock.json" "$stamp"
echo "setup-node: installed $(ls "$dir/node_modules" | wc -l) packages into tests/kusto/node_modules"

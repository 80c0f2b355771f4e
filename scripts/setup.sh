#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs everything the build and the tests need on Debian 12, idempotently.
# Needs root (or sudo) only when a package is missing. Node packages for the
# upload tests come from npm via scripts/setup-node.sh (skipped with --no-node).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi

mapfile -t PKGS < <(grep -v '^\s*#' scripts/debian-packages.txt | sed 's/#.*//; s/\s//g' | grep -v '^$' | sort -u)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#PKGS[@]} Debian packages present"
fi

# The upload tests' npm packages (Azurite, Kusto SDKs); the demo skips them.
if [ "${1:-}" != "--no-node" ] && [ -x scripts/setup-node.sh ]; then scripts/setup-node.sh; fi

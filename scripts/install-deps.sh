#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian 12 packages authd needs to build and test. A no-op when all are present.
# Usage: scripts/install-deps.sh [--test]   (--test adds what only the tests need)
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config ccache lld
  libpoco-dev libssl-dev libboost-dev libboost-filesystem-dev libboost-test-dev
  libyaml-cpp-dev libsoci-dev libsqlite3-dev libpq-dev libargon2-dev curl ca-certificates)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(postgresql-15 python3-aiosmtpd python3-authlib python3-requests
    chromium chromium-driver nodejs npm wrk sqlite3)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# node and npm may come from outside Debian's packages (as on the development machines); a
# working node >= 18 is enough.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y \
    --no-install-recommends "${missing[@]}"
fi

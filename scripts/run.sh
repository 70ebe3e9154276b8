#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what is missing, builds a release, and starts authd on the embedded default
# (SQLite under var/) at http://127.0.0.1:8080, printing a demo project and a demo user.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
exec build/release/bin/authd serve --config config/authd.dev.yaml --demo "$@"

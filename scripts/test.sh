#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what is missing, builds, and runs every test: unit, storage contract (SQLite and a
# throwaway PostgreSQL the tests start and stop), plugin loading, the out-of-tree example
# plugin, and end-to-end tests against the real binary. Usage: scripts/test.sh [ctest args]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
# The same build tree as scripts/run.sh, so running one after the other builds once.
preset=${AUTHD_TEST_PRESET:-release}
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset" "$@"

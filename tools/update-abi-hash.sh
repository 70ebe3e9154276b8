#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Rewrites framework/include/authd/sdk/ABI_HASH ("<ABI version> <sha256>") after an SDK change.
# Refuses when the headers changed but AUTHD_SDK_ABI_VERSION was not bumped (STYLE 9.2).
#
#   tools/update-abi-hash.sh            update ABI_HASH (or say it is up to date)
#   tools/update-abi-hash.sh --print [DIR]   print the hash of DIR/*.hpp (default: the SDK)
#
# The hash (tests/sdk/abi_hash_test.cpp computes the same): SHA-256 over, for each *.hpp in
# byte order of name, the name, a NUL byte, the content with CRLF turned into LF and the digits
# of the `#define AUTHD_SDK_ABI_VERSION <n>` line replaced by N, and a NUL byte. Leaving the
# number out lets the test print the exact ABI_HASH line to write after a bump.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
sdk="$root/framework/include/authd/sdk"

sdk_hash() {
    (
        cd "$1"
        LC_ALL=C
        export LC_ALL
        for f in *.hpp; do
            [ -f "$f" ] || continue
            printf '%s\0' "$f"
            perl -0777 -pe 's/\r\n/\n/g; s/^(#define AUTHD_SDK_ABI_VERSION )[0-9]+/${1}N/m' "$f"
            printf '\0'
        done
    ) | sha256sum | cut -d' ' -f1
}

if [ "${1:-}" = "--print" ]; then
    sdk_hash "${2:-$sdk}"
    exit 0
fi

version=$(sed -n 's/^#define AUTHD_SDK_ABI_VERSION \([0-9][0-9]*\).*/\1/p' "$sdk/abi.hpp" | head -n 1)
if [ -z "$version" ]; then
    echo "error: no '#define AUTHD_SDK_ABI_VERSION <n>' line in $sdk/abi.hpp" >&2
    exit 1
fi
hash=$(sdk_hash "$sdk")

if [ -f "$sdk/ABI_HASH" ]; then
    read -r recorded_version recorded_hash < "$sdk/ABI_HASH" || true
    if [ "${recorded_version:-}" = "$version" ] && [ "${recorded_hash:-}" = "$hash" ]; then
        echo "ABI_HASH is up to date (ABI $version, $hash)"
        exit 0
    fi
    if [ "${recorded_version:-}" = "$version" ] && [ "${recorded_hash:-}" != "$hash" ]; then
        echo "error: the SDK headers changed but AUTHD_SDK_ABI_VERSION is still $version;" \
             "set it to $((version + 1)) in framework/include/authd/sdk/abi.hpp, then run this again" >&2
        exit 1
    fi
fi

printf '%s %s\n' "$version" "$hash" > "$sdk/ABI_HASH"
echo "wrote $sdk/ABI_HASH: $version $hash"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The out-of-tree plugin check (STYLE 9.8, SPEC 5): install this build's SDK into a temporary
# prefix, configure, build and test examples/hello-authenticator against it with
# find_package(authd), then load the resulting authd_hello.so through authd's own loader. Given
# the authd binary too, it then runs the example end to end through YAML in the real server
# (example_plugin_e2e.sh).
#
#   example_plugin.sh <authd build dir> <authd source dir> <plugin_load_check> [<c++ compiler>
#                     [<authd binary> <authd plugins dir>]]
set -eu

if [ $# -lt 3 ]; then
    echo "usage: $0 <authd build dir> <authd source dir> <plugin_load_check>" \
         "[<c++ compiler> [<authd binary> <authd plugins dir>]]" >&2
    exit 2
fi
build_dir=$1
source_dir=$2
load_check=$3
compiler=${4:-}
authd=${5:-}
authd_plugins=${6:-}
if [ -n "$authd" ] && [ -z "$authd_plugins" ]; then
    echo "error: the authd binary needs the authd plugins dir too" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/authd-example.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

step() { printf '\n== %s\n' "$*"; }

step "install the SDK (component sdk) into $work/prefix"
cmake --install "$build_dir" --prefix "$work/prefix" --component sdk
for f in include/authd/sdk/abi.hpp include/authd/sdk/authenticator.hpp \
         lib/cmake/authd/authdConfig.cmake lib/cmake/authd/authdConfigVersion.cmake \
         lib/cmake/authd/authdTargets.cmake lib/cmake/authd/AuthdPlugin.cmake \
         lib/cmake/authd/AuthdWarnings.cmake; do
    if [ ! -f "$work/prefix/$f" ]; then
        echo "error: the install lacks $f" >&2
        exit 1
    fi
done

set -- -S "$source_dir/examples/hello-authenticator" -B "$work/build" \
       -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Debug
if command -v ninja >/dev/null 2>&1; then
    set -- "$@" -G Ninja
fi
if command -v ccache >/dev/null 2>&1; then
    # Paths under the temporary dir differ on every run: let ccache hash them relatively.
    CCACHE_BASEDIR=$work
    export CCACHE_BASEDIR
    set -- "$@" -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
fi
if [ -n "$compiler" ]; then
    # The toolchain tag in the manifest must match authd's: use the same compiler.
    set -- "$@" -DCMAKE_CXX_COMPILER="$compiler"
fi

step "configure examples/hello-authenticator against the installed SDK"
cmake "$@"

step "build"
cmake --build "$work/build" -j 2

step "the example's own tests"
ctest --test-dir "$work/build" --output-on-failure --timeout 120

step "load authd_hello.so through authd's plugin loader"
plugin_dir=$(dirname "$(find "$work/build" -name authd_hello.so -print | head -n 1)")
"$load_check" hello authenticator "$plugin_dir"

if [ -n "$authd" ]; then
    step "sign in with the example through YAML in the real authd"
    sh "$(dirname "$0")/example_plugin_e2e.sh" "$authd" "$plugin_dir" "$authd_plugins"
fi

step "ok: the out-of-tree plugin builds, passes its tests and loads"

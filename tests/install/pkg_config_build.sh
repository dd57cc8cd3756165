#!/bin/sh
# ctest's install_build_with_pkg_config: builds consumer.c against the installed prefix the way a
# Makefile would, with `pkg-config --cflags --libs kafka_rs` (shared) and `kafka_rs-static`.
# Usage: pkg_config_build.sh <prefix>/lib/pkgconfig <consumer.c> <out dir> [cc]
set -eu
export PKG_CONFIG_PATH="$1"
src=$2 out=$3 cc=${4:-cc}
mkdir -p "$out"
flags="-std=c11 -Wall -Wextra -Werror -Wpedantic"
echo "pkg-config --cflags --libs kafka_rs: $(pkg-config --cflags --libs kafka_rs)"
echo "pkg-config --static --libs kafka_rs: $(pkg-config --static --libs kafka_rs)"
echo "pkg-config --libs kafka_rs-static: $(pkg-config --libs kafka_rs-static)"
libdir=$(pkg-config --variable=libdir kafka_rs)
# shellcheck disable=SC2046 # word splitting of pkg-config's output is intended
"$cc" $flags $(pkg-config --cflags kafka_rs) "$src" -o "$out/consumer_pkg_config" \
    $(pkg-config --libs kafka_rs) -Wl,-rpath,"$libdir" -ldl
# shellcheck disable=SC2046
"$cc" $flags $(pkg-config --cflags kafka_rs-static) "$src" -o "$out/consumer_pkg_config_static" \
    $(pkg-config --libs kafka_rs-static)
echo "built consumer_pkg_config and consumer_pkg_config_static"

#!/usr/bin/env bash
# Installs what building and testing need on a fresh Debian machine (as root, or with sudo):
# a C and a C++ compiler, GoogleTest (libgtest-dev) for the C++ tests, CMake, kcat for the interop tests, and openssl for the test broker's certificates. Rust comes from rustup and Java/Maven are
# installed by scripts/kafka-local.sh when missing. Does nothing when everything is present.
set -euo pipefail
missing=()
command -v cc >/dev/null || missing+=(gcc libc6-dev)
command -v g++ >/dev/null || missing+=(g++)
[ -f /usr/include/gtest/gtest.h ] || missing+=(libgtest-dev)
command -v cmake >/dev/null || missing+=(cmake)
command -v pkg-config >/dev/null || missing+=(pkgconf)
command -v kcat >/dev/null || missing+=(kcat)
command -v openssl >/dev/null || missing+=(openssl)
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo -n"
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

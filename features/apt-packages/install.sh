#!/bin/sh
# containai/apt-packages: installs the packages named in its `packages` option with apt-get (nothing when the
# list is empty); a word that is not a package name is refused before apt-get sees it.
set -eu
set -f

PACKAGES="${PACKAGES:-}"

fail() {
    echo "containai/apt-packages: $*" >&2
    exit 1
}

if [ -z "$(echo $PACKAGES)" ]; then
    echo "containai/apt-packages: no extra packages"
    exit 0
fi
for package in $PACKAGES; do
    case "$package" in
        -* | *[!A-Za-z0-9.+:=~/_-]*) fail "\`$package\` is not a package name" ;;
    esac
done
command -v apt-get >/dev/null 2>&1 \
    || fail "this base image has no \`apt-get\`: only apt-based bases (Debian, Ubuntu) are supported"

export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y --no-install-recommends $PACKAGES
rm -rf /var/lib/apt/lists/*

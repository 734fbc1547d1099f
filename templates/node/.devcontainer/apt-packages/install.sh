#!/bin/sh
# Local feature `apt-packages`: installs the packages named in its `packages` option with apt-get.
set -eu
set -f

PACKAGES="${PACKAGES:-}"

if [ -z "$(echo $PACKAGES)" ]; then
    echo "apt-packages: no extra packages"
    exit 0
fi
for package in $PACKAGES; do
    case "$package" in
        -* | *[!A-Za-z0-9.+:=~/_-]*)
            echo "apt-packages: \`$package\` is not a package name" >&2
            exit 1
            ;;
    esac
done
command -v apt-get >/dev/null 2>&1 || {
    echo "apt-packages: this base image has no \`apt-get\`: only apt-based bases (Debian, Ubuntu) are supported" >&2
    exit 1
}
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends $PACKAGES
rm -rf /var/lib/apt/lists/*

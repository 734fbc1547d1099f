#!/bin/sh
# containai/dockerd: Docker engine + CLI + containerd from the distribution's packages, enabled as systemd
# units, data root /var/lib/docker, the remote user in the `docker` group.
set -eu

COMPOSE="${COMPOSE:-true}"
BUILDX="${BUILDX:-true}"
ADDREMOTEUSERTODOCKERGROUP="${ADDREMOTEUSERTODOCKERGROUP:-true}"
_REMOTE_USER="${_REMOTE_USER:-root}"

fail() {
    echo "containai/dockerd: $*" >&2
    exit 1
}

command -v apt-get >/dev/null 2>&1 \
    || fail "this base image has no \`apt-get\`: only apt-based bases (Debian, Ubuntu) are supported"

# The first of the given packages that the archive has a candidate for, or nothing.
first_available() {
    for package in "$@"; do
        candidate=$(apt-cache policy "$package" 2>/dev/null | awk '/Candidate:/ { print $2 }')
        if [ -n "$candidate" ] && [ "$candidate" != "(none)" ]; then
            echo "$package"
            return 0
        fi
    done
}

export DEBIAN_FRONTEND=noninteractive
apt-get update
[ -n "$(first_available docker.io)" ] \
    || fail "the package archive of this base has no \`docker.io\`: enable the distribution's main/universe archive"

packages="docker.io containerd ca-certificates iptables"
# Newer releases ship the client separately.
packages="$packages $(first_available docker-cli)"
if [ "$COMPOSE" = "true" ]; then
    compose=$(first_available docker-compose-plugin docker-compose-v2 docker-compose)
    if [ -n "$compose" ]; then
        packages="$packages $compose"
    else
        echo "containai/dockerd: warning: no compose package in this distribution; compose is not installed" >&2
    fi
fi
if [ "$BUILDX" = "true" ]; then
    buildx=$(first_available docker-buildx-plugin docker-buildx)
    if [ -n "$buildx" ]; then
        packages="$packages $buildx"
    else
        echo "containai/dockerd: warning: no buildx package in this distribution; buildx is not installed" >&2
    fi
fi
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y --no-install-recommends $packages
rm -rf /var/lib/apt/lists/*

# Data root: /var/lib/docker (sysbox backs it with a host volume); keep any daemon.json already there.
mkdir -p /etc/docker /var/lib/docker
if [ ! -e /etc/docker/daemon.json ]; then
    cat >/etc/docker/daemon.json <<'JSON'
{
    "data-root": "/var/lib/docker"
}
JSON
fi

getent group docker >/dev/null 2>&1 || groupadd --system docker
if [ "$ADDREMOTEUSERTODOCKERGROUP" = "true" ] && [ "$_REMOTE_USER" != "root" ]; then
    if id -u "$_REMOTE_USER" >/dev/null 2>&1; then
        usermod -aG docker "$_REMOTE_USER"
        echo "containai/dockerd: added \`$_REMOTE_USER\` to the docker group"
    else
        echo "containai/dockerd: \`$_REMOTE_USER\` does not exist yet; it joins the docker group when created"
    fi
fi

if command -v systemctl >/dev/null 2>&1; then
    systemctl enable containerd.service docker.service
else
    # No systemd yet (it is installed later): enable the units the way systemctl would.
    mkdir -p /etc/systemd/system/multi-user.target.wants /etc/systemd/system/sockets.target.wants
    for unit in containerd.service docker.service docker.socket; do
        path=/lib/systemd/system/$unit
        [ -e "$path" ] || path=/usr/lib/systemd/system/$unit
        [ -e "$path" ] || fail "the packages installed no \`$unit\` unit"
        case "$unit" in
            *.socket) ln -sf "$path" "/etc/systemd/system/sockets.target.wants/$unit" ;;
            *) ln -sf "$path" "/etc/systemd/system/multi-user.target.wants/$unit" ;;
        esac
    done
fi

echo "containai/dockerd: installed $(dockerd --version)"

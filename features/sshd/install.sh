#!/bin/sh
# containai/sshd: OpenSSH server for a systemd container. Host keys are generated when the unit first
# starts, never at build time; password and keyboard-interactive login are off, root logs in by key only.
set -eu

ALLOWTCPFORWARDING="${ALLOWTCPFORWARDING:-true}"
GATEWAYPORTS="${GATEWAYPORTS:-no}"

fail() {
    echo "containai/sshd: $*" >&2
    exit 1
}

command -v apt-get >/dev/null 2>&1 \
    || fail "this base image has no \`apt-get\`: only apt-based bases (Debian, Ubuntu) are supported"

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends openssh-server
rm -rf /var/lib/apt/lists/*

# The package generates host keys in its postinst: they must not end up in the image.
rm -f /etc/ssh/ssh_host_*

case "$ALLOWTCPFORWARDING" in
    true) forwarding=yes ;;
    *) forwarding=no ;;
esac

# OpenSSH uses the first value it reads for each keyword, so this file is included before anything else.
mkdir -p /etc/ssh/sshd_config.d
cat >/etc/ssh/sshd_config.d/00-containai.conf <<CONF
# Written by the containai/sshd feature.
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
AllowTcpForwarding $forwarding
GatewayPorts $GATEWAYPORTS
CONF
if ! grep -Eq '^[[:space:]]*Include[[:space:]]+/etc/ssh/sshd_config\.d/\*\.conf' /etc/ssh/sshd_config; then
    { echo 'Include /etc/ssh/sshd_config.d/*.conf'; cat /etc/ssh/sshd_config; } >/etc/ssh/sshd_config.new
    mv /etc/ssh/sshd_config.new /etc/ssh/sshd_config
fi

# First boot: create the missing host keys before the configuration test of the unit.
unit_dir=/etc/systemd/system/ssh.service.d
mkdir -p "$unit_dir"
cat >"$unit_dir/containai-host-keys.conf" <<'UNIT'
# Written by the containai/sshd feature: host keys are made on first start, never baked into the image.
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
UNIT

if command -v systemctl >/dev/null 2>&1; then
    systemctl enable ssh.service
else
    # No systemd yet (it is installed later): enable the unit the way systemctl would.
    unit=/lib/systemd/system/ssh.service
    [ -e "$unit" ] || unit=/usr/lib/systemd/system/ssh.service
    [ -e "$unit" ] || fail "openssh-server installed no \`ssh.service\` unit"
    mkdir -p /etc/systemd/system/multi-user.target.wants
    ln -sf "$unit" /etc/systemd/system/multi-user.target.wants/ssh.service
    ln -sf "$unit" /etc/systemd/system/sshd.service
fi

echo "containai/sshd: installed; host keys will be generated at first boot"

#!/bin/sh
# containai/agent: one coding agent at a pinned version, from npm (global install with the node-runtime's npm)
# or PyPI (its own venv), its command checked on the PATH.
set -eu
set -f

NAME="${NAME:-}"
MANAGER="${MANAGER:-npm}"
PACKAGE="${PACKAGE:-}"
VERSION="${VERSION:-}"
COMMAND="${COMMAND:-}"

fail() {
    echo "containai/agent: $*" >&2
    exit 1
}

case "$NAME" in "" | *[!a-z0-9-]*) fail "\`$NAME\` is not a preset name" ;; esac
case "$PACKAGE" in "" | -* | *[!A-Za-z0-9@/._-]*) fail "\`$PACKAGE\` is not a package name" ;; esac
case "$VERSION" in "" | -* | *[!A-Za-z0-9.+-]*) fail "\`$VERSION\` is not an exact version" ;; esac
case "$COMMAND" in "" | -* | *[!A-Za-z0-9._-]*) fail "\`$COMMAND\` is not a command name" ;; esac

case "$MANAGER" in
    npm)
        command -v npm >/dev/null 2>&1 || fail "no \`npm\`: the \`containai/node-runtime\` feature installs it"
        npm install --global --prefix /usr/local --no-fund --no-audit --no-update-notifier "$PACKAGE@$VERSION"
        npm cache clean --force >/dev/null 2>&1 || true
        ;;
    pypi)
        if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
            command -v apt-get >/dev/null 2>&1 || fail "no \`python3\` with venv and no \`apt-get\` to install it"
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -o Acquire::Languages=none
            apt-get install -y --no-install-recommends python3 python3-venv
            rm -rf /var/lib/apt/lists/*
        fi
        venv="/opt/containai/agents/$NAME"
        python3 -m venv "$venv"
        "$venv/bin/pip" install --no-cache-dir --disable-pip-version-check "$PACKAGE==$VERSION"
        [ -x "$venv/bin/$COMMAND" ] || fail "\`$PACKAGE\` installed no \`$COMMAND\`"
        ln -sf "$venv/bin/$COMMAND" "/usr/local/bin/$COMMAND"
        ;;
    *) fail "\`$MANAGER\` is not \`npm\` or \`pypi\`" ;;
esac

command -v "$COMMAND" >/dev/null 2>&1 || fail "\`$COMMAND\` is not on the PATH after installing \`$PACKAGE\`"


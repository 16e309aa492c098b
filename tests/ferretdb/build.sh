#!/usr/bin/env bash
# Builds the FerretDB test server (tests/ferretdb/main.go) into a cache dir and
# prints the binary's path. Reuses a previous build of the same version.
# Used by `make install` and by the pytest fixture in tests/playlists/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="$(grep -m1 -oE 'github.com/FerretDB/FerretDB v[0-9][0-9A-Za-z.+-]*' "$here/go.mod" | cut -d' ' -f2)"
# Outside the checkout, so that fresh clones (and CI) reuse one build.
cache="${SEGUE_FERRETDB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/segue/ferretdb}"
binary="$cache/ferretdb-$version"

if [ -x "$binary" ]; then
	echo "$binary"
	exit 0
fi
if ! command -v go >/dev/null 2>&1; then
	echo "build.sh: Go is not installed; the MongoDB playlist tests need it (https://go.dev/dl/)" >&2
	exit 1
fi
mkdir -p "$cache"
echo "==> building FerretDB $version test server (first time only; a few minutes)" >&2
cd "$here"
tmp="$binary.tmp.$$"
GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -o "$tmp" . >&2
mv "$tmp" "$binary"
echo "$binary"

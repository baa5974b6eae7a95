#!/usr/bin/env bash
# Build the Pulumi CLI (and a Python language host) from Go modules into a per-version cache:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-iotcomms/engine/<version>/bin/
#     pulumi                          github.com/pulumi/pulumi/pkg/v3/cmd/pulumi at the version go.mod pins
#     pulumi-language-python          ./pulumi-language-python (see its main.go for why it is ours)
#     pulumi-language-python-exec     } Pulumi's helper scripts, copied from the sdk/v3 module
#     pulumi-resource-pulumi-python   } (python/cmd/ and python/dist/ of its zip)
# Usage: tools/engine/build.sh [PYTHON_SDK_VERSION]   (default: the `pulumi` package installed in $VENV)
# Env:   VENV (default: <repo>/.venv), GO (default: go on PATH, else /usr/local/go/bin/go).
# A no-op when the cache already holds this build, or when a `pulumi` of the wanted version (and a
# pulumi-language-python) is on PATH. Progress goes to stderr; stdout is one line: the bin dir.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="${VENV:-$repo/.venv}"
log() { echo "engine: $*" >&2; }
die() { echo "engine: error: $*" >&2; exit 1; }

go_bin="${GO:-}"
if [[ -z "$go_bin" ]]; then
  if command -v go >/dev/null 2>&1; then go_bin="$(command -v go)"
  elif [[ -x /usr/local/go/bin/go ]]; then go_bin=/usr/local/go/bin/go
  else die "no Go toolchain found (put go on PATH or set GO=/path/to/go)"; fi
fi

# The engine version is what tools/engine/go.mod pins for pkg/v3 (the CLI) and sdk/v3.
engine_version="$(awk '$1 == "github.com/pulumi/pulumi/pkg/v3" && $2 ~ /^v/ { sub(/^v/, "", $2); print $2; exit }' "$here/go.mod")"
sdk_module_version="$(awk '$1 == "github.com/pulumi/pulumi/sdk/v3" && $2 ~ /^v/ { sub(/^v/, "", $2); print $2; exit }' "$here/go.mod")"
[[ -n "$engine_version" ]] || die "tools/engine/go.mod requires no github.com/pulumi/pulumi/pkg/v3"
[[ "$sdk_module_version" == "$engine_version" ]] ||
  die "tools/engine/go.mod pins pkg/v3 v$engine_version but sdk/v3 v$sdk_module_version: they must be the same release"

# The Python SDK version the engine has to drive.
if [[ $# -ge 1 && -n "$1" ]]; then
  sdk_version="${1#v}"
  sdk_from="given on the command line"
elif [[ -x "$venv/bin/python" ]]; then
  sdk_version="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("pulumi"))' 2>/dev/null)" ||
    die "the venv $venv has no 'pulumi' package; install the project first (make test / make up) or pass a version"
  sdk_from="installed in $venv"
else
  log "no venv at $venv: building the pinned engine v$engine_version"
  sdk_version="$engine_version"
  sdk_from="pinned"
fi

# The CLI must not be older than the SDK it runs (Pulumi supports a CLI newer than the SDK, not the reverse).
# go.mod is not updated automatically: the Go module proxy serves only some pkg/v3 releases, so picking one
# (and re-checking the replace directives that go.mod repeats) is a reviewed change, not a build step.
newest="$(printf '%s\n%s\n' "$sdk_version" "$engine_version" | sort -V | tail -n 1)"
if [[ "$sdk_version" != "$engine_version" && "$newest" == "$sdk_version" ]]; then
  die "the Python SDK pulumi $sdk_version ($sdk_from) is newer than the engine tools/engine/go.mod pins (v$engine_version).
  Update the pin to a release >= $sdk_version that the Go module proxy serves, then rebuild:
    cd tools/engine
    go list -m -versions github.com/pulumi/pulumi/pkg/v3     # pick V >= $sdk_version from this list
    go get github.com/pulumi/pulumi/pkg/v3@vV github.com/pulumi/pulumi/sdk/v3@vV && go mod tidy
  and make the replace directives in go.mod the non-local ones of that pkg/v3's go.mod
  (\$(go env GOMODCACHE)/cache/download/github.com/pulumi/pulumi/pkg/v3/@v/vV.mod)."
fi
if [[ "$sdk_version" != "$engine_version" ]]; then
  log "Python SDK $sdk_version ($sdk_from), engine v$engine_version (pinned in tools/engine/go.mod)"
fi

want_versions=("v$engine_version" "v$sdk_version")
version_of() { PULUMI_SKIP_UPDATE_CHECK=true "$1" version 2>/dev/null | tail -n 1 || true; }
is_wanted() { local v; for v in "${want_versions[@]}"; do [[ "$1" == "$v" ]] && return 0; done; return 1; }

cache="${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-iotcomms/engine"
dest="$cache/$engine_version"
bin="$dest/bin"
helpers=(pulumi pulumi-language-python pulumi-language-python-exec pulumi-resource-pulumi-python)

ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$engine_version"
go_version="$("$go_bin" env GOVERSION)"
# What the cached build was made from: a change to go.mod, go.sum, the language host, the link flags or
# the Go version rebuilds it.
stamp="$(cd "$here" && { cat go.mod go.sum tools.go pulumi-language-python/*.go; echo "$ldflags $go_version"; } |
  sha256sum | cut -d' ' -f1)"

cache_ok() {
  local f
  for f in "${helpers[@]}"; do [[ -x "$bin/$f" ]] || return 1; done
  [[ "$(cat "$dest/stamp" 2>/dev/null)" == "$stamp" ]] || return 1
  [[ "$(version_of "$bin/pulumi")" == "v$engine_version" ]]
}

if cache_ok; then
  log "up to date: $bin"
  echo "$bin"
  exit 0
fi
# A pulumi on PATH of the wanted version (not a stale build of this cache) will do.
if path_pulumi="$(command -v pulumi 2>/dev/null)" && command -v pulumi-language-python >/dev/null 2>&1 &&
  [[ "$(cd "$(dirname "$path_pulumi")" && pwd -P)" != "$(cd "$bin" 2>/dev/null && pwd -P)" ]]; then
  v="$(version_of "$path_pulumi")"
  if is_wanted "$v"; then
    log "using the pulumi $v on PATH"
    dirname "$path_pulumi"
    exit 0
  fi
fi

mkdir -p "$cache"
# One build at a time per cache; the second waits, then finds the first one's result.
exec 9>"$cache/.lock"
flock 9
if cache_ok; then
  log "up to date: $bin"
  echo "$bin"
  exit 0
fi

# Leftovers of a build that was killed (we hold the lock, so no other build owns them).
rm -rf "$cache"/.build.* "$cache"/.old.*
tmp="$(mktemp -d "$cache/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin"

log "building pulumi v$engine_version and pulumi-language-python with $go_version (a cold build takes minutes)"
(
  cd "$here"
  # -mod=readonly: build exactly what go.mod/go.sum say, whatever GOFLAGS the caller has.
  export GOFLAGS="${GOFLAGS:-} -mod=readonly"
  "$go_bin" build -trimpath -ldflags "$ldflags" -o "$tmp/bin/" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi ./pulumi-language-python
)
sdk_dir="$(cd "$here" && GOFLAGS="${GOFLAGS:-} -mod=readonly" "$go_bin" list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
[[ -n "$sdk_dir" && -d "$sdk_dir/python" ]] || die "sdk/v3 module not found in the module cache ($sdk_dir)"
install -m 0755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$tmp/bin/pulumi-language-python-exec"
install -m 0755 "$sdk_dir/python/dist/pulumi-resource-pulumi-python" "$tmp/bin/pulumi-resource-pulumi-python"

got="$(version_of "$tmp/bin/pulumi")"
[[ "$got" == "v$engine_version" ]] || die "the built pulumi reports '$got', expected v$engine_version"
echo "$stamp" > "$tmp/stamp"
chmod 0755 "$tmp"

# Move into place: readers see the old complete build or the new complete one, never a partial one.
if [[ -e "$dest" ]]; then
  old="$cache/.old.$$"
  mv "$dest" "$old"
  mv "$tmp" "$dest"
  rm -rf "$old"
else
  mv "$tmp" "$dest"
fi
trap - EXIT
log "installed $(du -sh "$bin" | cut -f1) into $bin"
echo "$bin"

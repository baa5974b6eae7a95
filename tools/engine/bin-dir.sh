#!/usr/bin/env bash
# The real engine's bin dir for the tests, on stdout: built from Go modules when Go is there
# (build.sh, a no-op once built), else the directory of a `pulumi` on PATH; nothing when neither.
# A failed build where Go is present is an error, never a silent skip of the engine tests.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if command -v go >/dev/null 2>&1 || [[ -x /usr/local/go/bin/go ]]; then
  bash "$here/build.sh" | tail -n 1
elif command -v pulumi >/dev/null 2>&1; then
  dirname "$(command -v pulumi)"
fi

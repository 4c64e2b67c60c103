#!/usr/bin/env bash
# Installs the pinned Temporal CLI (dev server + Web UI) into .tools/bin, once.
# Prints the binary's path on stdout; everything else goes to stderr.
set -euo pipefail

VERSION=1.5.1
root=$(cd "$(dirname "$0")/.." && pwd)
bin_dir="$root/.tools/bin"
target="$bin_dir/temporal"

if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
  if [ ! -x "$TEMPORAL_CLI_PATH" ]; then
    echo "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file" >&2
    exit 1
  fi
  echo "$TEMPORAL_CLI_PATH"
  exit 0
fi

if [ -x "$target" ] && "$target" --version 2>/dev/null | grep -q "$VERSION"; then
  echo "$target"
  exit 0
fi

mkdir -p "$bin_dir"
if command -v go >/dev/null 2>&1; then
  echo "building temporal CLI v$VERSION with $(go version) (first run only, a few minutes)" >&2
  # v1.5.1 is the newest tag whose go.mod has no replace directive, so go install accepts it.
  GOBIN="$bin_dir" CGO_ENABLED=0 go install \
    -ldflags "-X github.com/temporalio/cli/temporalcli.Version=$VERSION" \
    "github.com/temporalio/cli/cmd/temporal@v$VERSION" >&2
  echo "$target"
  exit 0
fi

# No Go toolchain: say so; `npm start` then lets the SDK download its own copy of the CLI.
echo "go not found: cannot build the temporal CLI v$VERSION" >&2
exit 3

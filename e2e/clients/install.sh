#!/usr/bin/env bash
# Installs the real coding-agent clients that e2e/clients runs (TestRealClients) into an
# npm prefix: install.sh DIR. The pinned versions are in versions.json beside this file;
# TOLLGATE_CLIENT_VERSIONS=latest installs the newest of each instead (the nightly canary).
# Afterwards: TOLLGATE_CLIENTS_DIR=DIR go test ./e2e/clients
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 DIR   (an npm prefix; the binaries land in DIR/node_modules/.bin)" >&2
  exit 2
fi
dir=$1
here=$(cd "$(dirname "$0")" && pwd)

# npm package name for each key of versions.json.
declare -A packages=(
  [claude-code]=@anthropic-ai/claude-code
  [codex]=@openai/codex
  [gemini-cli]=@google/gemini-cli
)

command -v npm >/dev/null || { echo "install.sh: npm is not installed" >&2; exit 1; }

specs=()
for key in claude-code codex gemini-cli; do
  if [ "${TOLLGATE_CLIENT_VERSIONS:-}" = latest ]; then
    version=latest
  else
    # versions.json is flat: "key": "version" on one line each.
    version=$(sed -n "s/^[[:space:]]*\"$key\"[[:space:]]*:[[:space:]]*\"\([^\"]*\)\".*/\1/p" "$here/versions.json")
    if [ -z "$version" ]; then
      echo "install.sh: no version for $key in $here/versions.json" >&2
      exit 1
    fi
  fi
  specs+=("${packages[$key]}@$version")
done

mkdir -p "$dir"
echo "install.sh: npm install --prefix $dir ${specs[*]}"
# No telemetry or update checks from npm itself; the clients' own are off in the test.
npm install --prefix "$dir" --no-audit --no-fund --no-update-notifier --loglevel=error "${specs[@]}"
for bin in claude codex gemini; do
  if [ ! -x "$dir/node_modules/.bin/$bin" ]; then
    echo "install.sh: $dir/node_modules/.bin/$bin is missing after the install" >&2
    exit 1
  fi
done
npm ls --prefix "$dir" --depth=0

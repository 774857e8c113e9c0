#!/usr/bin/env bash
# Idempotent installer for the real-client suite (test/clients): the AWS CLI v2, boto3 and curl
# from Debian's archive. Re-running with everything present does nothing. Exit status 0 when
# the clients are present afterwards; non-zero (with a message) when apt is unavailable.
set -euo pipefail
need_apt=()
[ -x /usr/bin/aws ] || need_apt+=(awscli)
/usr/bin/python3 -c 'import boto3' >/dev/null 2>&1 || need_apt+=(python3-boto3)
[ -x /usr/bin/curl ] || need_apt+=(curl)
if [ ${#need_apt[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || { echo "[clients setup] apt-get not available; cannot install ${need_apt[*]}" >&2; exit 3; }
  echo "[clients setup] apt-get install ${need_apt[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  # Another apt user may hold the dpkg lock: wait for it (bounded) rather than fail.
  for i in $(seq 1 60); do
    if $SUDO apt-get update -qq >/dev/null 2>&1 \
      && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null 2>&1; then
      break
    fi
    [ "$i" = 60 ] && { echo "[clients setup] apt-get install ${need_apt[*]} failed" >&2; exit 4; }
    sleep 5
  done
fi
echo "[clients setup] ready: $(/usr/bin/aws --version 2>&1 | head -1); boto3 $(/usr/bin/python3 -c 'import boto3; print(boto3.__version__)'); $(/usr/bin/curl --version | head -1 | cut -d' ' -f1-2)" >&2

#!/usr/bin/env bash
# Installs the engines the test suite talks to, from Debian packages, when they are missing.
# Idempotent and quiet when everything is present; needs root (or sudo) only when something is missing.
set -euo pipefail
need=()
[ -x /usr/lib/postgresql/15/bin/postgres ] || ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "installing Debian packages: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # Debian starts a system cluster/service on install; the tests run their own on free ports.
  command -v service >/dev/null 2>&1 && { $SUDO service postgresql stop >/dev/null 2>&1 || true; $SUDO service redis-server stop >/dev/null 2>&1 || true; }
fi

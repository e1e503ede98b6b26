#!/usr/bin/env bash
# Install Debian's PostgreSQL server when it is missing. The test suite starts its own private
# server (see tests/pgnode.py); this script never starts the system service.
set -euo pipefail
have_server() {
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/postgres" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_isready" ]; then
      return 0
    fi
  done
  return 1
}
if have_server; then
  exit 0
fi
echo "PostgreSQL server is missing: installing Debian's package (apt-get)" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
    echo "cannot install postgresql: not root and no sudo; run 'apt-get install postgresql' as root" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
# A policy-rc.d that answers 101 keeps the package from starting the system-wide service; one
# that the machine already has is left as it is.
policy=/usr/sbin/policy-rc.d
added_policy=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
  "${sudo_cmd[@]}" chmod 755 "$policy"
  added_policy=yes
fi
cleanup() { if [ -n "$added_policy" ]; then "${sudo_cmd[@]}" rm -f "$policy"; fi; }
trap cleanup EXIT
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends postgresql >/dev/null
have_server || { echo "PostgreSQL server still missing after apt-get install" >&2; exit 1; }
echo "PostgreSQL installed" >&2

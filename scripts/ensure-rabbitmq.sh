#!/usr/bin/env bash
# Install Debian's rabbitmq-server when it is missing. The test suite starts its own private node
# (see tests/rabbitnode.py); this script never starts the system service.
set -euo pipefail
server=/usr/lib/rabbitmq/bin/rabbitmq-server
if [ -x "$server" ]; then
  exit 0
fi
echo "rabbitmq-server is missing: installing Debian's package (apt-get)" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
    echo "cannot install rabbitmq-server: not root and no sudo; run 'apt-get install rabbitmq-server' as root" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d keeps the package from starting the system-wide service on machines without systemd
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null
[ -x "$server" ] || { echo "rabbitmq-server still missing after apt-get install" >&2; exit 1; }
echo "rabbitmq-server installed" >&2

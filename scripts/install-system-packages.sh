#!/usr/bin/env bash
# Installs the Debian packages the portal needs, if any is missing (run as root on Debian 12).
# Usage: scripts/install-system-packages.sh PACKAGE:COMMAND...   (COMMAND tells whether PACKAGE is present)
set -euo pipefail

missing=()
for pair in "$@"; do
  package=${pair%%:*}
  probe=${pair#*:}
  if ! eval "$probe" >/dev/null 2>&1; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Faltam pacotes do sistema: ${missing[*]}. Instale-os como root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "Instalando pacotes do sistema: ${missing[*]}"
# Installing nginx must not start Debian's own nginx service on port 80: the portal runs its own instance.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# Installs the Debian packages the build needs when they are missing.
# Usage: scripts/deps.sh PACKAGE...   (defaults to the build + test set)
set -euo pipefail
pkgs=("$@")
if [ ${#pkgs[@]} -eq 0 ]; then
  pkgs=(cmake g++ make libeigen3-dev libxtensor-dev libxsimd-dev catch2 libbenchmark-dev
        libstb-dev nlohmann-json3-dev)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
